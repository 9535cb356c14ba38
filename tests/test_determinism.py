"""Determinism: the same input gives the same documents and the same funnel, run after run and with one or two
workers. Two sources with dedup steps: Wikipedia (one revision per page id, ties between files) and CommonCrawl
(line dedup with records read twice, MinHash near-dedup with a real cluster), each run three times on the
DirectRunner: default, again, and with `--direct_num_workers=2 --direct_running_mode=multi_processing`.

Compared: every document row (canonical JSON, sorted; order inside and across files does not matter), the Hive
partition folders and the rows in each, and the manifest's funnel, stats, input errors and dead letters.
"""
import importlib.util
import json
import shutil
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pipelines.sources import commoncrawl, wikipedia
from pipelines.sources.commoncrawl import CCNetConfig
from tests.test_commoncrawl_pipeline import LID, english_lm  # noqa: F401  (a fixture)

TESTS = Path(__file__).parent
RUNS = {
    "default": [],
    "again": [],
    "two_workers": ["--direct_num_workers=2", "--direct_running_mode=multi_processing"],
}


def documents_by_partition(output: Path) -> dict[str, list[str]]:
    """{partition folder relative to output ("" when flat): sorted canonical rows}."""
    partitions: dict[str, list[str]] = {}
    for part in output.rglob("part-*.parquet"):
        folder = str(part.parent.relative_to(output))
        rows = [json.dumps(row, sort_keys=True, ensure_ascii=False) for row in pq.read_table(part).to_pylist()]
        partitions.setdefault("" if folder == "." else folder, []).extend(rows)
    return {folder: sorted(rows) for folder, rows in sorted(partitions.items())}


def comparable(manifest: dict) -> dict:
    """What must not change between runs (timings, paths of outputs and the command may)."""
    return {key: manifest.get(key) for key in ("funnel", "stats", "input_errors", "dead_letter")}


def assert_same_runs(results: dict[str, tuple[dict, dict]]) -> None:
    (first_name, (first_docs, first_manifest)), *others = results.items()
    assert sum(len(rows) for rows in first_docs.values()) > 0
    for name, (docs, manifest) in others:
        assert sorted(docs) == sorted(first_docs), (first_name, name)
        for folder in first_docs:
            assert docs[folder] == first_docs[folder], (first_name, name, folder)
        assert comparable(manifest) == comparable(first_manifest), (first_name, name)


@pytest.mark.slow
def test_wikipedia_is_deterministic_across_runs_and_workers(tmp_path):
    data = TESTS / "data" / "wikipedia"
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    for dump in data.glob("*.xml*"):
        shutil.copy(dump, inputs / dump.name)
    # The same revisions again under another name: every page of it is a tie that the dedup step must break
    # the same way every time.
    shutil.copy(data / "dewiki-20260101-pages-articles-tiny.xml", inputs / "dewiki-20260102-pages-articles-copy.xml")
    results = {}
    for name, argv in RUNS.items():
        output = tmp_path / name
        manifest = wikipedia.run([str(inputs / "*.xml*")], str(output), min_chars=20, beam_argv=argv)
        results[name] = documents_by_partition(output), manifest
    dedup = next(s for s in results["default"][1]["funnel"] if s["step"] == "dedup")
    assert dedup["dropped"].get("duplicate_page", 0) > 0
    assert_same_runs(results)


def _near_duplicate_crawl(path: Path) -> None:
    """A WET file of pages that are near copies of each other (one word changed), with different URLs."""
    spec = importlib.util.spec_from_file_location("cc_make_fixtures", TESTS / "data" / "commoncrawl" / "make_fixtures.py")
    fx = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = fx  # its dataclasses look their module up while being built
    spec.loader.exec_module(fx)
    body = ("The old mill on the river was rebuilt in the spring after the flood had carried away its wheel. "
            "Volunteers from the village cut new paddles from oak and the miller ground the first flour in May. "
            "Visitors can now watch the wheel turn every Sunday afternoon and buy bread baked from that flour. "
            "The museum next to the mill tells the story of the valley and of the families who worked there. ")
    pages = [fx.Page(f"https://mirror{i}.example.org/mill", f"The mill {i}\n" + body * 3 + f"Edited by {name}.")
             for i, name in enumerate(["Anna", "Ben", "Cleo", "Dan"])]
    path.write_bytes(fx.wet_file(path.name, pages))


@pytest.mark.slow
def test_commoncrawl_is_deterministic_across_runs_and_workers(tmp_path, english_lm):
    data = TESTS / "data" / "commoncrawl"
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    for name in ("CC-MAIN-2026-01-00000.warc.wet.gz", "CC-MAIN-2026-01-00001.warc.wet.gz",
                 "bad-truncated.warc.wet.gz"):
        shutil.copy(data / name, inputs / name)
    # One file twice: its records reach line dedup twice with the same ids (duplicate_record ties).
    shutil.copy(data / "CC-MAIN-2026-01-00000.warc.wet.gz", inputs / "CC-MAIN-2026-01-00000-copy.warc.wet.gz")
    _near_duplicate_crawl(inputs / "CC-MAIN-2026-01-00002.warc.wet.gz")
    # With the perplexity step: its cutoffs come from the data (Beam's ApproximateQuantiles), which must not depend
    # on how the documents were split over bundles and workers.
    config = CCNetConfig(lid_model=LID, near_dedup=True, min_chars=100, lm_dir=str(english_lm))
    results = {}
    for name, argv in RUNS.items():
        output = tmp_path / name
        manifest = commoncrawl.run([str(inputs / "*.warc.wet.gz")], str(output), config, beam_argv=argv)
        results[name] = documents_by_partition(output), manifest
    funnel = {s["step"]: s for s in results["default"][1]["funnel"]}
    assert funnel["line_dedup"]["dropped"].get("duplicate_record", 0) > 0
    assert funnel["near_dedup"]["dropped"].get("near_duplicate", 0) > 0
    perplexity = results["default"][1]["stats"]["perplexity"]["en"]
    assert perplexity["model"] is True and perplexity["cutoffs"]
    assert_same_runs(results)
