"""The CommonCrawl (CCNet) source end to end on the DirectRunner over the fixture WET/WARC files."""
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from manifests import verify_manifest
from pipelines.readers.warc import InputError, WebPage, read_pages
from pipelines.sources import commoncrawl
from pipelines.sources.commoncrawl import CCNetConfig

DATA = Path(__file__).parent / "data" / "commoncrawl"
LID = str(Path(__file__).parent.parent / "models" / "lid.176.ftz")
# The sample `llamix demo` runs on.
DEMO_CRAWL = str(Path(__file__).parent.parent / "pipelines" / "demo_data" / "commoncrawl" / "*.warc.wet.gz")
GOOD = [str(DATA / "CC-MAIN-2026-01-00000.warc.wet.gz"), str(DATA / "CC-MAIN-2026-01-00001.warc.wet.gz")]
BAD = [str(DATA / name) for name in ("bad-truncated.warc.wet.gz", "bad-content-length.warc.wet.gz",
                                     "bad-non-utf8.warc.wet.gz", "bad-empty.warc.wet.gz")]
BOILERPLATE = ("Home | About | Contact", "Accept all cookies")


def read_docs(output: Path) -> list[dict]:
    return [row for part in sorted(output.rglob("part-*.parquet")) for row in pq.read_table(part).to_pylist()]


def census(paths) -> tuple[int, int]:
    pages = errors = 0
    for path in paths:
        for item in read_pages(path):
            pages += isinstance(item, WebPage)
            errors += isinstance(item, InputError)
    return pages, errors


def check_funnel(manifest):
    previous = None
    for step in manifest["funnel"]:
        assert step["in"] == step["kept"] + sum(step["dropped"].values()), step
        if previous is not None:
            assert step["in"] == previous, step
        previous = step["kept"]
    assert previous == manifest["stats"]["docs"]


@pytest.fixture(scope="module")
def crawl(tmp_path_factory):
    output = tmp_path_factory.mktemp("cc")
    manifest = commoncrawl.run(GOOD + BAD + [str(DATA / "CC-MAIN-2026-01-00000.warc.gz")], str(output),
                               CCNetConfig(lid_model=LID))
    return output, manifest


def test_funnel_holds_at_every_step_and_read_matches_the_reader(crawl):
    _, manifest = crawl
    check_funnel(manifest)
    assert [s["step"] for s in manifest["funnel"]] == ["read", "line_dedup", "lang_id"]
    pages, errors = census(GOOD + BAD + [str(DATA / "CC-MAIN-2026-01-00000.warc.gz")])
    read = manifest["funnel"][0]
    assert (read["kept"], read["dropped"]) == (pages, {"input_error": errors})
    lang_id = manifest["funnel"][2]["dropped"]
    assert lang_id.get("language_not_selected", 0) >= 3  # the German, French and Russian pages


def test_every_bad_file_is_counted_by_name(crawl):
    _, manifest = crawl
    named = {Path(e["path"]).name for e in manifest["input_errors"]["examples"]}
    assert {Path(p).name for p in BAD} <= named


def test_boilerplate_shared_across_pages_is_gone_and_short_pages_dropped(crawl):
    output, manifest = crawl
    docs = read_docs(output)
    assert docs
    for doc in docs:
        for line in BOILERPLATE:
            assert line not in doc["text"].split("\n"), (doc["id"], line)
        assert len(doc["text"]) >= 300
    assert manifest["funnel"][1]["dropped"]["too_short"] >= 1
    assert manifest["stats"]["counters"]["line_dedup/lines_removed"] > 0


def test_documents_are_english_with_scores_and_partitioned(crawl):
    output, manifest = crawl
    for doc in read_docs(output):
        meta = json.loads(doc["meta"])
        assert doc["lang"] == "en" and meta["lang_score"] >= 0.5
        assert doc["id"] == f"commoncrawl/{meta['record_id'].strip('<>')}/{meta['url']}"
    assert all(o["path"].startswith(("lang=en/bucket=", "rejected/")) for o in manifest["outputs"])
    assert manifest["config"]["skipped_steps"]["classifier"] == "no --classifier given"
    assert verify_manifest(str(output)) == []


def test_hash_groups_limit_line_dedup_to_files_of_one_group(tmp_path):
    # With one file per group, a line repeated only across the two files survives in both.
    grouped = commoncrawl.run(GOOD, str(tmp_path / "one"), CCNetConfig(lid_model=LID, dedup_group_size=1))
    together = commoncrawl.run(GOOD, str(tmp_path / "two"), CCNetConfig(lid_model=LID))
    removed = lambda m: m["stats"]["counters"]["line_dedup/lines_removed"]  # noqa: E731
    assert removed(grouped) < removed(together)


def test_near_dedup_and_classifier_steps(tmp_path):
    from pipelines.transforms.reference_classifier import train_classifier

    docs = read_docs_of(GOOD)
    model = tmp_path / "wikiref.bin"
    # positives: the longer articles; negatives: the rest — enough to exercise the step, not a real classifier
    texts = sorted(docs, key=len)
    train_classifier(texts[len(texts) // 2:], texts[: len(texts) // 2], str(model))
    manifest = commoncrawl.run(GOOD, str(tmp_path / "out"),
                               CCNetConfig(lid_model=LID, classifier=str(model), near_dedup=True))
    check_funnel(manifest)
    steps = [s["step"] for s in manifest["funnel"]]
    assert steps == ["read", "line_dedup", "lang_id", "classifier", "near_dedup"]
    assert set(manifest["config"]["skipped_steps"]) == {"perplexity"}


def read_docs_of(paths) -> list[str]:
    return [item.text for path in paths for item in read_pages(path) if isinstance(item, WebPage)]


def test_paths_listing_needs_a_base_url():
    with pytest.raises(ValueError, match="--base-url"):
        commoncrawl.resolve_inputs([str(DATA / "wet.paths.gz")], None)
    resolved = commoncrawl.resolve_inputs([str(DATA / "wet.paths.gz")], str(DATA))
    assert len(resolved) == 4 and all(p.startswith(str(DATA)) for p in resolved)


@pytest.fixture(scope="module")
def english_lm(tmp_path_factory):
    """A tiny CCNet-style model (SentencePiece + KenLM 5-gram) trained on the demo's English Wikipedia sample."""
    from pipelines.demo import sample_dumps
    from pipelines.lm import train_language_model
    from pipelines.sources import wikipedia

    work = tmp_path_factory.mktemp("lm")
    wikipedia.run([p for p in sample_dumps() if "enwiki" in p], str(work / "wikipedia"))
    train_language_model([str(work / "wikipedia")], "en", str(work / "lm"), vocab_size=500)
    return work / "lm"


def test_perplexity_buckets_from_the_data_and_unmodelled_languages_pass(english_lm, tmp_path):
    config = CCNetConfig(lid_model=LID, langs=("en", "de"), lm_dir=str(english_lm))
    manifest = commoncrawl.run(GOOD, str(tmp_path), config)
    check_funnel(manifest)
    step = next(s for s in manifest["funnel"] if s["step"] == "perplexity")
    assert set(step["dropped"]) <= {"bucket_tail"}
    per_lang = manifest["stats"]["perplexity"]
    assert per_lang["en"]["model"] is True and per_lang["de"]["model"] is False
    assert per_lang["de"]["no_model"] >= 1  # the German page passes, unbucketed, and the manifest says so
    p30, p60 = per_lang["en"]["cutoffs"]
    assert p30 <= p60
    docs = read_docs(tmp_path)
    buckets = {}
    for doc in docs:
        meta = json.loads(doc["meta"])
        buckets.setdefault(doc["lang"], set()).add(meta.get("bucket", "none"))
        if "bucket" in meta:
            assert meta["bucket"] == ("head" if meta["perplexity"] < p30 else "middle")
    assert buckets["de"] == {"none"} and buckets["en"] <= {"head", "middle"}
    paths = {o["path"].rsplit("/", 1)[0] for o in manifest["outputs"]}
    assert "lang=de/bucket=none" in paths and "lang=en/bucket=head" in paths
    assert sum(per_lang["en"]["histogram"].values()) == sum(1 for d in docs if d["lang"] == "en") + step["dropped"].get("bucket_tail", 0)


def test_cutoffs_file_and_kept_buckets(english_lm, tmp_path):
    from pipelines.transforms.perplexity import write_cutoffs

    cutoffs = tmp_path / "cutoff.csv"
    # every percentile at 1.0 except the top ones: every document is "tail" under these cutoffs
    write_cutoffs(str(cutoffs), {"en": [1.0] * 101})
    config = CCNetConfig(lid_model=LID, lm_dir=str(english_lm), cutoffs=str(cutoffs), keep_buckets=("tail",))
    manifest = commoncrawl.run(GOOD, str(tmp_path / "out"), config)
    step = next(s for s in manifest["funnel"] if s["step"] == "perplexity")
    assert step["dropped"] == {} and step["kept"] > 0
    assert manifest["stats"]["perplexity"]["en"]["cutoffs"] == [1.0, 1.0]
    assert {json.loads(d["meta"])["bucket"] for d in read_docs(tmp_path / "out")} == {"tail"}
