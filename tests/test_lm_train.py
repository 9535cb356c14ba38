import shutil
from pathlib import Path

import pytest

from manifests import read_manifest, verify_manifest, write_manifest
from pipelines import lm
from pipelines.lm import (
    KenLMToolNotFound,
    arpa_ngram_counts,
    find_kenlm_tool,
    language_documents,
    normalized_lines,
    train_language_model,
)
from pipelines.transforms.perplexity import LanguageModel
from tokenizer.train import document_files


@pytest.fixture(scope="module")
def lmplz():
    return find_kenlm_tool("lmplz")  # no skipping: without KenLM's tools this fails and says how to build them


@pytest.fixture(scope="module")
def trained(docs_dir, lmplz, tmp_path_factory):
    """`llamix lm train` on a copy of the shared documents (en, de, ru) that carries a source manifest."""
    source = tmp_path_factory.mktemp("lm-source")
    for part in docs_dir[0].glob("part-*.parquet"):
        shutil.copy(part, source / part.name)
    write_manifest(str(source), kind="source", config={"test": True})
    output = tmp_path_factory.mktemp("lm") / "models"
    argv = ["train", "--input", str(source), "--lang", "en", "--output", str(output), "--vocab-size", "200",
            "--memory", "100M", "--threads", "2"]
    assert lm.main(argv) == 0
    return output, docs_dir[1]


def test_lm_train_writes_the_ccnet_named_pair_that_language_model_loads(trained):
    output, docs = trained
    assert sorted(p.name for p in output.iterdir()) == ["en.arpa.bin", "en.sp.model", "manifest.json"]
    model = LanguageModel.load(str(output), "en")
    english = next(d["text"] for d in docs if d["lang"] == "en")
    assert 1.0 < model.perplexity(english) < model.perplexity("zqx vbnm kjhg wxyz qwpo")


def test_lm_train_manifest_records_model_and_lineage(trained):
    output, docs = trained
    manifest = read_manifest(str(output))
    assert manifest["kind"] == "model"
    assert [o["path"] for o in manifest["outputs"]] == ["en.sp.model", "en.arpa.bin"]
    assert [p["kind"] for p in manifest["parents"]] == ["source"]
    assert verify_manifest(str(output)) == []
    stats = manifest["stats"]
    assert stats["docs"] == sum(d["lang"] == "en" for d in docs)  # de and ru documents are left out
    assert sorted(stats["ngrams"]) == ["1", "2", "3", "4", "5"]
    assert manifest["outputs"][0]["rows"] == stats["vocab_size"] <= 200
    assert manifest["config"]["sentencepiece"]["model_type"] == "unigram"
    assert "--discount_fallback" in manifest["config"]["kenlm"]["lmplz_args"]


def test_language_documents_takes_the_first_documents_of_the_language(docs_dir):
    directory, docs = docs_dir
    files = document_files([str(directory)])
    taken = list(language_documents(files, "de", 5))
    assert len(taken) == 5
    german = {d["text"] for d in docs if d["lang"] == "de"}
    assert set(taken) <= german
    assert len(list(language_documents(files, "de", 10_000))) == len(german)
    assert list(language_documents(files, "xx", 5)) == []


def test_normalized_lines_drop_blank_lines_and_normalize_the_rest():
    assert list(normalized_lines("Hello World!\n\n   \n  Café 42 ») ")) == ["hello world!", 'cafe 00 ")']


def test_arpa_ngram_counts_read_the_data_header(tmp_path):
    arpa = tmp_path / "x.arpa"
    arpa.write_text("\\data\\\nngram 1=7\nngram 2=12\n\n\\1-grams:\n-1.0\t<unk>\n")
    assert arpa_ngram_counts(arpa) == {1: 7, 2: 12}


def test_lm_train_without_documents_of_the_language_names_it(docs_dir, lmplz, tmp_path):
    with pytest.raises(ValueError, match="no 'xx' text"):
        train_language_model([str(docs_dir[0])], "xx", str(tmp_path / "out"))


def test_lm_train_rejects_an_order_kenlm_cannot_load(docs_dir, tmp_path):
    with pytest.raises(ValueError, match="order must be between 2 and 6"):
        train_language_model([str(docs_dir[0])], "en", str(tmp_path / "out"), order=7)


def test_missing_kenlm_tools_error_says_how_to_build_them(monkeypatch, tmp_path):
    monkeypatch.setattr(lm, "_REPO_TOOLS", tmp_path / "nowhere")
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(KenLMToolNotFound, match=r"lmplz not found .*make kenlm-tools"):
        find_kenlm_tool("lmplz")
    with pytest.raises(KenLMToolNotFound, match=r"/no/such/lmplz: not an executable file.*make kenlm-tools"):
        find_kenlm_tool("lmplz", "/no/such/lmplz")


def test_build_binary_is_found_beside_an_explicit_lmplz(lmplz, tmp_path):
    tools = tmp_path / "bin"
    tools.mkdir()
    for name in ("lmplz", "build_binary"):
        shutil.copy(Path(lmplz).with_name(name), tools / name)
    assert find_kenlm_tool("build_binary", beside=str(tools / "lmplz")) == str(tools / "build_binary")


def test_lm_cli_reports_missing_tools_and_unknown_subcommands(docs_dir, tmp_path):
    argv = ["train", "--input", str(docs_dir[0]), "--lang", "en", "--output", str(tmp_path), "--lmplz", "/no/lmplz"]
    assert lm.main(argv) == 1
    assert lm.main(["estimate"]) == 2
    assert lm.main([]) == 2
