import hashlib
import json

import pytest

from manifests import ManifestError, check_funnel, lineage, read_manifest, validate, verify_manifest, write_manifest
from manifests.cli import main as manifest_cli


def write_stage(directory, kind="source", parents=(), funnel=()):
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "part-00000-of-00001.parquet").write_bytes(b"rows of a stage")
    write_manifest(str(directory), kind=kind, command="llamix test", config={"x": 1},
                   inputs={"paths": ["in/*.xml"], "files": 1, "bytes": 10},
                   parents=[str(p) for p in parents], outputs=[("part-00000-of-00001.parquet", 3)], funnel=funnel)
    return directory


FUNNEL = [
    {"step": "read", "in": 10, "kept": 9, "dropped": {"input_error": 1}},
    {"step": "select", "in": 9, "kept": 5, "dropped": {"redirect": 3, "non_main_namespace": 1}},
]


def test_written_manifest_follows_the_schema(tmp_path):
    stage = write_stage(tmp_path / "wikipedia", funnel=FUNNEL)
    manifest = read_manifest(str(stage))
    assert manifest["outputs"] == [{
        "path": "part-00000-of-00001.parquet", "rows": 3, "bytes": 15,
        "sha256": hashlib.sha256(b"rows of a stage").hexdigest(),
    }]
    assert manifest["funnel"] == FUNNEL
    assert manifest["schema_version"] == 1 and manifest["kind"] == "source"


def test_schema_rejects_unknown_kind_and_missing_fields(tmp_path):
    manifest = read_manifest(str(write_stage(tmp_path / "s")))
    with pytest.raises(ManifestError, match="kind"):
        validate({**manifest, "kind": "bogus"})
    del manifest["outputs"]
    with pytest.raises(ManifestError, match="outputs"):
        validate(manifest)


def test_funnel_invariant_is_enforced():
    check_funnel(FUNNEL)
    with pytest.raises(ManifestError, match="in=10 but kept=9"):
        check_funnel([{"step": "read", "in": 10, "kept": 9, "dropped": {}}])
    with pytest.raises(ManifestError, match="previous step kept 9"):
        check_funnel([FUNNEL[0], {**FUNNEL[1], "in": 8, "kept": 4}])


def test_write_refuses_a_broken_funnel(tmp_path):
    with pytest.raises(ManifestError):
        write_stage(tmp_path / "s", funnel=[{"step": "read", "in": 3, "kept": 1, "dropped": {"x": 1}}])
    assert not (tmp_path / "s" / "manifest.json").exists()


def test_lineage_follows_parents_with_their_hashes(tmp_path):
    source = write_stage(tmp_path / "wikipedia")
    tokenizer = write_stage(tmp_path / "tokenizer", kind="tokenizer", parents=[source / "manifest.json"])
    shards = write_stage(tmp_path / "shards", kind="shards", parents=[source, tokenizer])
    manifest = read_manifest(str(shards))
    assert [p["path"] for p in manifest["parents"]] == ["../wikipedia/manifest.json", "../tokenizer/manifest.json"]
    assert [m["kind"] for _, m in lineage(str(shards))] == ["shards", "source", "tokenizer"]


def test_verify_reports_a_changed_parent_manifest(tmp_path):
    source = write_stage(tmp_path / "wikipedia")
    shards = write_stage(tmp_path / "shards", kind="shards", parents=[source])
    assert verify_manifest(str(shards)) == []
    data = json.loads((source / "manifest.json").read_text())
    data["config"]["x"] = 2
    (source / "manifest.json").write_text(json.dumps(data))
    assert [p.path for p in verify_manifest(str(shards))] == [str(shards / "../wikipedia/manifest.json")]


def test_verify_names_a_missing_output(tmp_path, capsys):
    stage = write_stage(tmp_path / "s")
    (stage / "part-00000-of-00001.parquet").unlink()
    assert manifest_cli(["verify", str(stage)]) == 1
    assert "part-00000-of-00001.parquet: missing" in capsys.readouterr().err


def test_show_prints_outputs_and_funnel(tmp_path, capsys):
    stage = write_stage(tmp_path / "s", funnel=FUNNEL)
    assert manifest_cli(["show", str(stage / "manifest.json")]) == 0
    out = capsys.readouterr().out
    assert "part-00000-of-00001.parquet" in out
    assert "redirect 3" in out and "input_error 1" in out


def test_show_of_a_non_manifest_is_a_clear_error(tmp_path, capsys):
    (tmp_path / "manifest.json").write_text("{not json")
    assert manifest_cli(["show", str(tmp_path)]) == 2
    assert "not JSON" in capsys.readouterr().err
