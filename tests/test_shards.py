import pytest
import sentencepiece as spm

from manifests import read_manifest, verify_manifest
from manifests.cli import main as manifest_cli
from tokenizer.format import SHARD_SCHEMA, iter_documents, open_shard, shard_paths
from tokenizer.shard import shard_documents
from tokenizer.train import MODEL_NAME


@pytest.fixture(scope="module")
def shards(docs_dir, tokenizer_dir, tmp_path_factory):
    output = tmp_path_factory.mktemp("shards")
    # a small shard size so the documents spread over several files
    result = shard_documents([str(docs_dir[0])], str(tokenizer_dir), str(output), shard_tokens=2000)
    return output, result


def test_decoding_shard_rows_gives_back_the_documents_exactly(shards, docs_dir, tokenizer_dir):
    output, _ = shards
    sp = spm.SentencePieceProcessor(model_file=str(tokenizer_dir / MODEL_NAME))
    docs = {d["id"]: d for d in docs_dir[1]}
    seen = {}
    for path in shard_paths(output):
        for doc_id, source, tokens in iter_documents(path):
            assert tokens[0] == sp.bos_id() and tokens[-1] == sp.eos_id()
            assert source == docs[doc_id]["source"]
            seen[doc_id] = sp.decode(tokens[1:-1].tolist())
    assert seen.keys() == docs.keys()
    for doc_id, text in seen.items():
        assert text == docs[doc_id]["text"], doc_id


def test_manifest_token_counts_equal_the_rows(shards, docs_dir):
    output, result = shards
    manifest = read_manifest(str(output))
    assert manifest["kind"] == "shards"
    assert len(manifest["outputs"]) == result.shards > 1
    total_tokens = 0
    by_lang = {}
    for entry in manifest["outputs"]:
        table = open_shard(output / entry["path"])
        assert table.schema.equals(SHARD_SCHEMA)
        assert entry["rows"] == table.num_rows
        for doc_id, _, tokens in iter_documents(output / entry["path"]):
            lang = doc_id.split("/")[1]
            by_lang[lang] = by_lang.get(lang, 0) + len(tokens)
            total_tokens += len(tokens)
    assert manifest["stats"]["tokens"] == total_tokens == result.tokens
    assert manifest["stats"]["tokens_by_source"] == {"wikipedia": total_tokens}
    assert {row["lang"]: row["tokens"] for row in manifest["stats"]["by_language"]} == by_lang
    assert manifest["stats"]["docs"] == len(docs_dir[1])
    assert manifest["funnel"] == [{"step": "tokenize", "in": len(docs_dir[1]), "kept": len(docs_dir[1]), "dropped": {}}]
    assert [p["kind"] for p in manifest["parents"]] == ["tokenizer"]  # the docs fixture has no manifest


def test_manifest_records_the_tokenizer_hash(shards, tokenizer_dir):
    import hashlib

    manifest = read_manifest(str(shards[0]))
    assert manifest["config"]["tokenizer_sha256"] == hashlib.sha256((tokenizer_dir / MODEL_NAME).read_bytes()).hexdigest()
    assert manifest["config"]["vocab_size"] == 400


def test_verify_names_a_shard_with_one_flipped_byte(shards, tokenizer_dir, tmp_path, capsys):
    import shutil

    copy = tmp_path / "shards"
    shutil.copytree(shards[0], copy)
    shutil.copytree(tokenizer_dir, tmp_path / tokenizer_dir.name)  # the parent manifest, at the same relative path
    assert verify_manifest(str(copy)) == []
    assert manifest_cli(["verify", str(copy)]) == 0
    victim = copy / "shard-00001.arrow"
    data = bytearray(victim.read_bytes())
    data[len(data) // 2] ^= 0x01
    victim.write_bytes(bytes(data))
    problems = verify_manifest(str(copy))
    assert [p.path for p in problems] == [str(victim)]
    assert manifest_cli(["verify", str(copy)]) == 1
    assert "shard-00001.arrow" in capsys.readouterr().err
