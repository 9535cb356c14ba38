from pipelines.cli import main


def test_user_errors_are_one_line_and_exit_2(tmp_path, capsys):
    assert main(["run", "wikipedia", "--input", str(tmp_path / "none-*.xml"), "--output", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "matches no file" in err and "Traceback" not in err


def test_unknown_command_and_source_exit_2(capsys):
    assert main(["nosuch"]) == 2
    assert main(["run", "nosuch"]) == 2
    assert "unknown source" in capsys.readouterr().err


def test_trainer_commands_without_the_train_extra_name_it(monkeypatch, capsys):
    import pipelines.cli as cli

    def no_torch(argv):
        raise ModuleNotFoundError("No module named 'torch'", name="torch")

    monkeypatch.setitem(cli.COMMANDS, "train", no_torch)
    assert cli.main(["train", "--config", "x.toml", "--data", "d"]) == 2
    assert "pip install 'llamix[train]'" in capsys.readouterr().err
