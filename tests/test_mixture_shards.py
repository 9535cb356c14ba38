"""`llamix tokenizer train --mixture` and `llamix shard --mixture`: recipe-weighted sampling, the hash-of-id
validation split, per-split per-source shards and the epochs each source needs."""
import random

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import sentencepiece as spm

from manifests import read_manifest
from manifests.recipe import default_recipe_path, load_recipe
from pipelines.documents import DOC_SCHEMA, make_document
from tokenizer.format import SHARD_SCHEMA, iter_documents, open_shard
from tokenizer.shard import EPOCHS_WARNING_FACTOR, epochs_needed, in_validation, mixture_warnings, shard_documents
from tokenizer.train import MODEL_NAME, DocumentSampler, document_files, source_rows, train_tokenizer

WORDS = {
    "wikipedia": "the river flows past old mills and the town was founded in 1742 by farmers".split(),
    "github": "def main ( args ) : return self . value + 1 import os class Parser".split(),
    "arxiv": "we prove the theorem lemma holds for every epsilon greater than 0 hence".split(),
}
DOCS = {"wikipedia": 90, "github": 60, "arxiv": 3}  # arxiv: far too small for its share
VAL_FRACTION = 0.2
TARGET_TOKENS = 20_000


def write_source(directory, source: str, n: int, files: int = 2) -> list[dict]:
    rng = random.Random(source)
    docs = [make_document(source, f"doc{i}", "\n".join(" ".join(rng.choices(WORDS[source], k=rng.randint(10, 40)))
                                                       for _ in range(rng.randint(1, 3))), "en", {})
            for i in range(n)]
    directory.mkdir(parents=True)
    for part in range(files):
        pq.write_table(pa.Table.from_pylist(docs[part::files], schema=DOC_SCHEMA), directory / f"part-{part:05d}.parquet")
    return docs


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("mixture_docs")
    dirs, docs = [], {}
    for source, n in DOCS.items():
        for doc in write_source(root / source, source, n, files=1 if n < 10 else 2):
            docs[doc["id"]] = doc
        dirs.append(str(root / source))
    return dirs, docs


@pytest.fixture(scope="module")
def tokenizer(corpus, tmp_path_factory):
    output = tmp_path_factory.mktemp("mixture_tokenizer")
    train_tokenizer(corpus[0], str(output), vocab_size=300, sample_docs=80, num_threads=1, mixture=default_recipe_path())
    return output


def run_shards(corpus, tokenizer, output, workers: int):
    beam_argv = [f"--direct_num_workers={workers}"]
    if workers > 1:
        beam_argv.append("--direct_running_mode=multi_processing")
    return shard_documents(corpus[0], str(tokenizer), str(output), shard_tokens=1500, beam_argv=beam_argv,
                           mixture=default_recipe_path(), target_tokens=TARGET_TOKENS, val_fraction=VAL_FRACTION)


@pytest.fixture(scope="module")
def shards(corpus, tokenizer, tmp_path_factory):
    output = tmp_path_factory.mktemp("mixture_shards")
    return output, run_shards(corpus, tokenizer, output, workers=1)


def shard_ids(output, split: str) -> dict[str, list[str]]:
    return {path.parent.name + "/" + path.name: [doc_id for doc_id, _, _ in iter_documents(path)]
            for path in sorted((output / split).glob("*/shard-*.arrow"))}


def all_ids(output, split: str) -> set[str]:
    return {i for ids in shard_ids(output, split).values() for i in ids}


def test_in_validation_is_a_hash_of_the_id_alone():
    ids = [f"wikipedia/en/{i}" for i in range(20_000)]
    held = [i for i in ids if in_validation(i, 0.01)]
    assert 150 < len(held) < 250  # about 1%
    assert held == [i for i in ids if in_validation(i, 0.01)]
    assert set(held) <= {i for i in ids if in_validation(i, 0.05)}  # a larger fraction only adds documents
    assert not any(in_validation(i, 0.0) for i in ids)


def test_mixture_sampler_draws_text_in_the_recipe_weights(corpus):
    files = document_files(corpus[0])
    assert {s: r.rows for s, r in source_rows(files).items()} == DOCS
    weights = {"wikipedia": 0.6, "github": 0.4}
    sampler = DocumentSampler(files, sample_docs=60, seed=3, max_sentence_bytes=4192, weights=weights)
    list(sampler)
    assert sum(sampler.sizes_by_source.values()) == pytest.approx(60, abs=2)
    assert {s for s, _ in sampler.docs_by_source_lang} == {"wikipedia", "github"}
    share = sampler.chars_by_source["wikipedia"] / sum(sampler.chars_by_source.values())
    assert share == pytest.approx(0.6, abs=0.1)
    again = DocumentSampler(files, sample_docs=60, seed=3, max_sentence_bytes=4192, weights=weights)
    assert again.chosen.tolist() == sampler.chosen.tolist()


def test_tokenizer_manifest_records_the_mixture(tokenizer):
    manifest = read_manifest(str(tokenizer))
    mixture = manifest["config"]["mixture"]
    assert mixture["name"] == "llama1"
    assert mixture["weights"] == pytest.approx(load_recipe(default_recipe_path()).weights(DOCS))
    by_source = manifest["stats"]["by_source"]
    assert by_source["arxiv"]["docs_sampled"] == DOCS["arxiv"]  # all it has: its share needs more
    assert sum(s["docs_sampled"] for s in by_source.values()) == manifest["stats"]["docs_sampled"]


def test_shards_are_written_per_split_and_source(shards, corpus):
    output, result = shards
    manifest = read_manifest(str(output))
    paths = [entry["path"] for entry in manifest["outputs"]]
    assert len(paths) == result.shards
    assert {p.rsplit("/", 1)[0] for p in paths} <= {f"{split}/{s}" for split in ("train", "validation") for s in DOCS}
    assert {p.rsplit("/", 1)[0] for p in paths if p.startswith("train/")} == {f"train/{s}" for s in DOCS}
    assert len([p for p in paths if p.startswith("train/wikipedia/")]) > 1  # shard_tokens cut the source
    for entry in manifest["outputs"]:
        table = open_shard(output / entry["path"])
        assert table.schema.equals(SHARD_SCHEMA) and table.num_rows == entry["rows"]
        assert set(table.column("source").to_pylist()) == {entry["path"].split("/")[1]}
        split = entry["path"].split("/")[0]
        assert all(in_validation(i, VAL_FRACTION) == (split == "validation") for i in table.column("id").to_pylist())
    # numbered per folder from 0, in first-id order
    for folder in {p.rsplit("/", 1)[0] for p in paths}:
        names = sorted(p for p in paths if p.startswith(folder + "/"))
        assert names[0].endswith("shard-00000.arrow")
        firsts = [next(iter_documents(output / n))[0] for n in names]
        assert firsts == sorted(firsts)


def test_every_document_is_in_exactly_one_split_and_decodes_back(shards, corpus, tokenizer):
    output, _ = shards
    sp = spm.SentencePieceProcessor(model_file=str(tokenizer / MODEL_NAME))
    train, validation = all_ids(output, "train"), all_ids(output, "validation")
    assert not train & validation
    assert train | validation == set(corpus[1])
    assert validation == {i for i in corpus[1] if in_validation(i, VAL_FRACTION)}
    assert validation  # the fraction is large enough that the test says something
    for path in sorted(output.glob("*/*/shard-*.arrow")):
        for doc_id, source, tokens in iter_documents(path):
            assert source == corpus[1][doc_id]["source"]
            assert sp.decode(tokens[1:-1].tolist()) == corpus[1][doc_id]["text"]


def test_manifest_records_tokens_per_split_and_the_epochs_each_source_needs(shards):
    output, result = shards
    manifest = read_manifest(str(output))
    stats, recipe = manifest["stats"], load_recipe(default_recipe_path())
    weights = recipe.weights(DOCS)
    assert manifest["config"]["mixture"] == {"recipe": default_recipe_path(), "name": "llama1",
                                             "weights": pytest.approx(weights), "target_tokens": TARGET_TOKENS,
                                             "val_fraction": VAL_FRACTION}
    counted = {"train": {}, "validation": {}}
    for path in sorted(output.glob("*/*/shard-*.arrow")):
        split = path.parent.parent.name
        for _, source, tokens in iter_documents(path):
            counted[split][source] = counted[split].get(source, 0) + len(tokens)
    for split in counted:
        for source in DOCS:
            assert stats["tokens_by_split"][split][source] == counted[split].get(source, 0)
    assert stats["tokens"] == result.tokens == sum(sum(c.values()) for c in counted.values())
    assert {(r["split"], r["source"], r["lang"]) for r in stats["by_language"]} <= {
        (split, s, "en") for split in counted for s in DOCS}
    assert sum(r["tokens"] for r in stats["by_language"]) == stats["tokens"]
    for source, needed in stats["epochs_needed"].items():
        assert needed == pytest.approx(TARGET_TOKENS * weights[source] / counted["train"][source])
    warned = {w.split(":")[0] for w in stats["warnings"]}
    assert warned == {s for s, e in stats["epochs_needed"].items()
                      if e > EPOCHS_WARNING_FACTOR * recipe.sources[s].epochs}
    assert "arxiv" in warned and "wikipedia" not in warned
    assert list(result.warnings) == stats["warnings"]


def test_a_source_without_train_tokens_is_warned_about():
    needed = epochs_needed({"books": 0.5, "arxiv": 0.5}, {"books": 100}, 1000)
    assert needed == {"arxiv": None, "books": 5.0}
    warnings = mixture_warnings(needed, {"books": 2.23, "arxiv": 1.06})
    assert [w.split(":")[0] for w in warnings] == ["arxiv", "books"]  # 5.0 > 2 × 2.23


def test_validation_split_is_the_same_with_two_workers(shards, corpus, tokenizer, tmp_path):
    one, _ = shards
    run_shards(corpus, tokenizer, tmp_path, workers=2)
    for split in ("train", "validation"):
        assert all_ids(tmp_path, split) == all_ids(one, split)
    assert not all_ids(tmp_path, "train") & all_ids(tmp_path, "validation")
    assert read_manifest(str(tmp_path))["stats"]["tokens_by_split"] == read_manifest(str(one))["stats"]["tokens_by_split"]


def test_overwrite_removes_the_shards_of_an_earlier_mixture_run(tmp_path):
    from pipelines.runtime import prepare_output_dir

    stale = tmp_path / "train" / "github" / "shard-00007.arrow"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"old")
    (tmp_path / "manifest.json").write_text("{}")
    prepare_output_dir(str(tmp_path), overwrite=True)
    assert not stale.exists() and not (tmp_path / "manifest.json").exists()
