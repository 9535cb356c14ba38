"""Config loading, the LR schedule, the training loop on the tiny config, and checkpoints."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

import trainer.checkpoint
from manifests import lineage, verify_manifest, write_manifest
from tokenizer.format import rows_to_table, shard_name, write_shard
from trainer.checkpoint import (complete_checkpoints, latest_checkpoint, load_checkpoint, load_model, read_train_state,
                                save_checkpoint)
from trainer.config import TrainConfig, load_config
from trainer.data import PackedBatches
from trainer.model import ModelArgs, Transformer
from trainer.train import configure_optimizer, learning_rate, main, run

CONFIGS = Path(__file__).resolve().parents[1] / "trainer" / "configs"
TINY = CONFIGS / "tiny.toml"
VOCAB = 64


def write_pattern_shards(directory: Path) -> Path:
    """Documents that count upwards mod 60 from a random start: learnable, so the loss must fall far below
    ln(VOCAB). Comes with a shards manifest whose config records the vocabulary size, as `llamix shard` writes it."""
    rng = np.random.default_rng(0)
    directory.mkdir(parents=True)
    for index in range(2):
        rows = []
        for d in range(150):
            start, length = int(rng.integers(0, 60)), int(rng.integers(20, 150))
            body = [3 + (start + k) % 60 for k in range(length)]
            rows.append({"tokens": [1, *body, 2], "source": "c4", "id": f"c4/{index}-{d}"})
        write_shard(rows_to_table(rows), directory / shard_name(index))
    write_manifest(str(directory), kind="shards", command="llamix shard", config={"vocab_size": VOCAB, "bos_id": 1,
                   "eos_id": 2}, outputs=[(shard_name(i), 150) for i in range(2)])
    return directory


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> tuple[dict, Path]:
    root = tmp_path_factory.mktemp("train")
    data = write_pattern_shards(root / "shards")
    config = load_config(TINY, ["max_steps=40", f"output_dir={root / 'out'}"])
    return run(config, data), data


# --- config -----------------------------------------------------------------------------------------------------

def test_overrides_are_parsed_by_field_type():
    config = load_config(TINY, ["lr=3e-4", "n_layers=3", "device=cpu", "vocab_size=100", "tokens_per_step=2_048"])
    assert config.lr == 3e-4 and isinstance(config.lr, float)
    assert config.n_layers == 3 and config.vocab_size == 100 and config.tokens_per_step == 2048
    assert config.grad_accum_steps == 2048 // (config.batch_size * config.seq_len)
    assert load_config(TINY, ["vocab_size=none"]).vocab_size is None


def test_unknown_override_is_rejected_listing_valid_keys():
    with pytest.raises(ValueError, match=r"unknown config key 'learning_rate'.*valid keys: dim, n_layers"):
        load_config(TINY, ["learning_rate=1e-3"])


@pytest.mark.parametrize("override, message", [
    ("n_layers=two", "expected a value of type int"),
    ("lr", "not of the form key=value"),
    ("dtype=float16", "dtype='float16'"),
    ("tokens_per_step=1000", "not a multiple of batch_size"),
    ("n_heads=3", "not divisible by n_heads"),
    ("warmup_steps=-1", "warmup_steps must be >= 0"),
])
def test_bad_overrides_are_clear_errors(override, message):
    with pytest.raises(ValueError, match=message):
        load_config(TINY, [override])


def test_toml_keys_are_checked_against_their_section(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("[model]\ndim = 64\nlr = 0.1\n")
    with pytest.raises(ValueError, match=r"'lr' belongs in \[train\]"):
        load_config(path)
    path.write_text("[model]\ndim = 64\nwidth = 3\n")
    with pytest.raises(ValueError, match="unknown key 'width'"):
        load_config(path)
    path.write_text("[train]\nlr = 'fast'\n")
    with pytest.raises(ValueError, match="expected a value of type float"):
        load_config(path)


# --- optimizer and schedule ---------------------------------------------------------------------------------------

def test_lr_warms_up_linearly_then_decays_by_cosine_to_ten_percent():
    config = TrainConfig(vocab_size=10, lr=1e-3, warmup_steps=100, max_steps=1100)
    assert learning_rate(50, config) == pytest.approx(0.5e-3)
    assert learning_rate(100, config) == pytest.approx(1e-3)
    assert learning_rate(600, config) == pytest.approx(0.55e-3)  # halfway through the cosine: (max + min) / 2
    assert learning_rate(1100, config) == pytest.approx(1e-4)
    decay = [learning_rate(s, config) for s in range(100, 1101)]
    assert all(a >= b for a, b in zip(decay, decay[1:]))


def test_weight_decay_applies_to_matrices_but_not_norm_gains():
    model = Transformer(ModelArgs(dim=16, n_layers=1, n_heads=2, vocab_size=20, multiple_of=8, max_seq_len=8))
    config = TrainConfig(vocab_size=20)
    optimizer = configure_optimizer(model, config, torch.device("cpu"))
    decayed, plain = optimizer.param_groups
    assert decayed["weight_decay"] == 0.1 and plain["weight_decay"] == 0.0
    assert all(p.dim() == 2 for p in decayed["params"]) and all(p.dim() == 1 for p in plain["params"])
    assert len(decayed["params"]) + len(plain["params"]) == len(list(model.parameters()))
    assert optimizer.defaults["betas"] == (0.9, 0.95)


# --- training -------------------------------------------------------------------------------------------------------

def test_tiny_config_loss_falls_on_synthetic_shards(trained):
    summary, _ = trained
    losses = [loss for _, loss in summary["losses"]]
    assert [step for step, _ in summary["losses"]] == list(range(1, 41))
    assert summary["first_loss"] == losses[0] == pytest.approx(np.log(VOCAB), abs=0.3)  # uniform guess at init
    assert summary["last_loss"] < 0.5 * summary["first_loss"]
    assert np.mean(losses[-5:]) < np.mean(losses[:5]) - 1.0


def test_training_takes_vocab_size_from_the_shards_manifest(trained):
    summary, _ = trained
    assert summary["config"].vocab_size == VOCAB
    model, config = load_model(summary["checkpoint"])
    assert config.vocab_size == VOCAB and model.output.weight.shape[0] == VOCAB


def test_training_writes_a_jsonl_log(trained):
    summary, _ = trained
    records = [json.loads(line) for line in summary["log"].read_text().splitlines()]
    assert [r["step"] for r in records] == [1, 10, 20, 30, 40]
    for record in records:
        assert {"loss", "lr", "grad_norm", "tokens_per_s"} <= record.keys()
        assert record["tokens_per_s"] > 0
    assert records[0]["loss"] == summary["first_loss"]


def test_checkpoint_manifest_has_the_shards_manifest_as_parent(trained):
    summary, data = trained
    checkpoint = summary["checkpoint"]
    assert checkpoint.name == "step-000040"
    assert latest_checkpoint(checkpoint.parent) == checkpoint
    chain = lineage(str(checkpoint / "manifest.json"))
    assert [m["kind"] for _, m in chain] == ["checkpoint", "shards"]
    assert Path(chain[1][0]).resolve() == (data / "manifest.json").resolve()
    manifest = chain[0][1]
    assert {o["path"] for o in manifest["outputs"]} == {".metadata", "__0_0.distcp", "train_state.json",
                                                        "rng/rank-00000.pt"}
    assert manifest["config"]["vocab_size"] == VOCAB and manifest["stats"]["step"] == 40
    assert verify_manifest(str(checkpoint)) == []
    assert not list(checkpoint.parent.glob(".*")), "no temporary folder may be left behind"


def test_trained_checkpoint_reloads_into_a_model_with_low_loss(trained):
    summary, data = trained
    config = summary["config"]
    model, _ = load_model(summary["checkpoint"])
    state = read_train_state(summary["checkpoint"])
    assert state["step"] == 40 and state["data"]["seq_len"] == config.seq_len and state["world_size"] == 1
    inputs, targets = PackedBatches(data, config.seq_len, config.batch_size, seed=123).next_batch()
    with torch.no_grad():
        _, loss = model(inputs, targets)
    assert loss.item() < 0.5 * summary["first_loss"]


def _small_model_and_optimizer(seed: int):
    args = ModelArgs(dim=16, n_layers=1, n_heads=2, vocab_size=20, multiple_of=8, max_seq_len=8)
    torch.manual_seed(seed)
    model = Transformer(args)
    return model, configure_optimizer(model, TrainConfig(vocab_size=20), torch.device("cpu"))


def test_checkpoint_round_trip_restores_model_optimizer_and_rng(tmp_path):
    model, optimizer = _small_model_and_optimizer(0)
    tokens = torch.randint(0, 20, (2, 8))
    model(tokens, tokens)[1].backward()
    optimizer.step()
    torch.manual_seed(42)
    path = save_checkpoint(tmp_path, 7, model, optimizer, config={"dim": 16}, command="test",
                           train_state={"data": {"epoch": 2}})
    assert path == tmp_path / "step-000007"
    expected_draw = torch.rand(3)

    restored, restored_optimizer = _small_model_and_optimizer(1)
    assert not torch.equal(restored(tokens)[0], model(tokens)[0])
    state = load_checkpoint(path, restored, restored_optimizer)
    assert state == {"step": 7, "world_size": 1, "data": {"epoch": 2}}
    torch.testing.assert_close(restored(tokens)[0], model(tokens)[0], rtol=0, atol=0)
    saved_moments = optimizer.state_dict()["state"][0]["exp_avg"]
    torch.testing.assert_close(restored_optimizer.state_dict()["state"][0]["exp_avg"], saved_moments, rtol=0, atol=0)
    assert torch.equal(torch.rand(3), expected_draw), "the generator continues where the saved run left it"


def test_a_failed_save_leaves_no_visible_checkpoint(tmp_path, monkeypatch):
    model, optimizer = _small_model_and_optimizer(0)
    save_checkpoint(tmp_path, 1, model, optimizer, config={}, command="test")

    def fail(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(trainer.checkpoint, "write_manifest", fail)
    with pytest.raises(OSError, match="disk full"):
        save_checkpoint(tmp_path, 2, model, optimizer, config={}, command="test")
    assert latest_checkpoint(tmp_path) == tmp_path / "step-000001", "the previous checkpoint stays the latest"
    with pytest.raises(FileNotFoundError, match="not a complete checkpoint"):
        load_checkpoint(tmp_path / ".step-000002.tmp", model)


def test_only_the_newest_checkpoints_are_kept(tmp_path):
    model, optimizer = _small_model_and_optimizer(0)
    for step in range(1, 6):
        save_checkpoint(tmp_path, step, model, optimizer, config={}, command="test", keep=2)
    assert [p.name for p in complete_checkpoints(tmp_path)] == ["step-000004", "step-000005"]
    assert not list(tmp_path.glob(".*"))


def test_vocab_size_smaller_than_the_tokenizer_is_rejected(trained, tmp_path):
    _, data = trained
    config = load_config(TINY, ["vocab_size=32", "max_steps=1", f"output_dir={tmp_path}"])
    with pytest.raises(ValueError, match="smaller than the tokenizer's 64"):
        run(config, data)


def test_cli_main_trains_and_checkpoints(trained, tmp_path):
    _, data = trained
    out = tmp_path / "cli"
    assert main(["--config", str(TINY), "--data", str(data), "max_steps=2", "log_every=1", f"output_dir={out}"]) == 0
    assert (out / "step-000002" / ".metadata").exists()
    manifest = json.loads((out / "step-000002" / "manifest.json").read_text())
    assert manifest["command"].startswith("llamix train --config")
    assert len((out / "log.jsonl").read_text().splitlines()) == 2
