"""Fault tolerance: a document that raises inside a step goes to the dead-letter output, counted; a bundle that fails
once and is retried is counted once in the funnel (committed metrics).

What the local runners do when a bundle fails (apache-beam 2.77):
- `DirectRunner` (the FnApiRunner) never retries: the first exception fails the pipeline (Beam's own
  direct_runner_test.py: "The FnApiRunner currently does not support retries", apache/beam#18640), and its metric
  results carry one value as both `committed` and `attempted`.
- `BundleBasedDirectRunner` retries a failed bundle up to 4 times (runners/direct/executor.py), but the metrics
  container is shared by the attempts of one bundle, so its `committed` counters include the failed attempts'
  increments (`test_bundle_based_runner_commits_failed_attempts`: Beam behaviour pinned here, not ours).
- Dataflow commits the metric updates of successful work items only; failed attempts show in `attempted`.
So the retry test runs the real Wikipedia pipeline on the BundleBasedDirectRunner with each attempt given a fresh
metrics container (`dataflow_like_retries`): that is Dataflow's commit rule, on a runner that really re-executes the
bundle, and shows that our funnel reads committed values and our steps count nothing outside a successful attempt.
"""
import json
import os
from pathlib import Path

import apache_beam as beam
import pytest
from apache_beam.metrics import Metrics
from apache_beam.metrics.metric import MetricsFilter
from apache_beam.runners.direct.executor import TransformExecutor

from manifests import read_manifest, verify_manifest
from pipelines import deadletter
from pipelines.deadletter import DeadLetters, FatalStepError, Guarded
from pipelines.funnel import StepCounter, committed_counters, funnel_from_counters
from pipelines.sources import wikipedia
from tests.test_commoncrawl_pipeline import check_funnel
from tests.test_wikipedia_pipeline import read_docs

DATA = Path(__file__).parent / "data" / "wikipedia"
DUMPS = [str(DATA / "dewiki-20260101-pages-articles-tiny.xml"), str(DATA / "ruwiki-20260101-pages-articles-tiny.xml")]


def read_ids(output: Path) -> set[str]:
    return {row["id"] for row in read_docs(output)}


# --- one document that raises ----------------------------------------------------------------------------------


class _Exploding(wikipedia.CleanArticles):
    """CleanArticles that raises on one page after counting it and yielding part of its output."""

    def __init__(self, min_chars: int, bad_title: str, error: type = ValueError):
        super().__init__(min_chars)
        self.bad_title, self.error = bad_title, error

    def process(self, page):
        outputs = list(super().process(page))
        if page["title"] == self.bad_title:
            yield from outputs  # already yielded, and already counted as kept: neither may stand
            raise self.error(f"cannot clean {page['title']!r}")
        yield from outputs


def run_with_cleaner(monkeypatch, output: Path, cleaner) -> dict:
    monkeypatch.setattr(wikipedia, "CleanArticles", cleaner)
    return wikipedia.run(DUMPS, str(output), min_chars=20)


@pytest.mark.slow
def test_a_document_that_raises_goes_to_dead_letter_and_the_run_succeeds(tmp_path, monkeypatch):
    clean = wikipedia.run(DUMPS, str(tmp_path / "clean"), min_chars=20)
    bad_title = "Mühlsee"
    manifest = run_with_cleaner(monkeypatch, tmp_path / "out",
                                lambda min_chars: _Exploding(min_chars, bad_title))
    check_funnel(manifest)
    before = {s["step"]: s for s in clean["funnel"]}
    after = {s["step"]: s for s in manifest["funnel"]}
    assert after["clean"]["in"] == before["clean"]["in"]
    assert after["clean"]["dropped"]["error"] == 1
    assert after["clean"]["kept"] == before["clean"]["kept"] - 1

    bad_id = "wikipedia/de/" + str(next(
        json.loads(r["meta"])["page_id"] for r in read_docs(tmp_path / "clean") if json.loads(r["meta"])["title"] == bad_title))
    assert read_ids(tmp_path / "out") == read_ids(tmp_path / "clean") - {bad_id}

    block = manifest["dead_letter"]
    assert (block["count"], block["records"], block["by_step"]) == (1, 1, {"clean": 1})
    example = block["examples"][0]
    assert example["step"] == "clean" and example["source"] == "wikipedia"
    assert example["ids"] == [bad_id.removeprefix("wikipedia/")]
    assert example["error"] == "ValueError" and bad_title in example["message"]
    assert example["path"].endswith("dewiki-20260101-pages-articles-tiny.xml")
    assert "_Exploding" in example["traceback"] or "process" in example["traceback"]

    files = sorted((tmp_path / "out" / "dead_letter").glob("part-*.jsonl"))
    records = [json.loads(line) for f in files for line in f.read_text().splitlines() if line]
    assert len(records) == 1 and records[0]["ids"] == example["ids"]
    assert any(o["path"].startswith("dead_letter/") for o in manifest["outputs"])
    assert verify_manifest(str(tmp_path / "out")) == []


@pytest.mark.slow
def test_a_clean_run_has_an_empty_dead_letter_block(tmp_path):
    manifest = wikipedia.run(DUMPS, str(tmp_path), min_chars=20)
    assert manifest["dead_letter"] == {"count": 0, "records": 0, "by_step": {}, "examples": []}
    assert read_manifest(str(tmp_path))["dead_letter"]["count"] == 0


@pytest.mark.slow
@pytest.mark.parametrize("error", [MemoryError, FileNotFoundError, FatalStepError])
def test_errors_of_the_environment_still_fail_the_run(tmp_path, monkeypatch, error):
    with pytest.raises(Exception, match="cannot clean"):
        run_with_cleaner(monkeypatch, tmp_path, lambda min_chars: _Exploding(min_chars, "Mühlsee", error))


def test_a_grouped_step_counts_every_document_of_the_failed_group():
    class Fails(beam.DoFn):
        def __init__(self):
            self.step = StepCounter("github", "dedup")

        def process(self, keyed):
            key, copies = keyed
            if key == "bad":
                raise KeyError("no sha256")
            self.step.kept()
            yield key

    with beam.Pipeline() as p:
        guarded = Guarded("github", "dedup", Fails(), documents=deadletter.grouped_documents)
        kept = (p | beam.Create([("ok", {"id": "github/a"}), ("bad", {"id": "github/b"}), ("bad", {"id": "github/c"})])
                | beam.GroupByKey() | guarded)
        result = p.run()
    counters = committed_counters(result)
    assert funnel_from_counters("github", ["dedup"], counters) == [
        {"step": "dedup", "in": 3, "kept": 1, "dropped": {"error": 2}}]
    del kept


def test_dead_letter_record_names_ids_path_and_exception():
    try:
        raise ValueError("bad wikitext")
    except ValueError as err:
        record = deadletter.dead_letter_record("wikipedia", "clean", [{"page_id": 7, "lang": "de", "path": "x.xml"}],
                                               err)
    assert record["ids"] == ["de/7"] and record["path"] == "x.xml" and record["documents"] == 1
    assert (record["error"], record["message"]) == ("ValueError", "bad wikitext")
    assert "raise ValueError" in record["traceback"]


# --- a bundle that fails once ----------------------------------------------------------------------------------


class _FailBundleOnce(beam.DoFn):
    """Counts and outputs every element, then fails the whole bundle in `finish_bundle` the first time any bundle of
    this step finishes (a marker file: survives the retry, across threads and processes), as a worker lost mid-bundle
    or a flaky sink would."""

    def __init__(self, marker: str):
        self.marker = marker
        self.step = StepCounter("probe", "step")

    def process(self, x):
        self.step.kept()
        yield x

    def finish_bundle(self):
        try:
            fd = os.open(self.marker, os.O_CREAT | os.O_EXCL)
        except FileExistsError:
            return
        os.close(fd)
        raise ConnectionResetError("worker lost mid-bundle (injected once)")


def _probe(runner: str, marker: str) -> tuple[int, int, int]:
    """(elements out, committed count, attempted count) of the probe step over 10 elements."""
    p = beam.Pipeline(runner=runner)
    counted = p | beam.Create(range(10)) | beam.ParDo(_FailBundleOnce(marker)) | beam.combiners.Count.Globally()
    counted | beam.Map(lambda n: Metrics.counter("probe", "out").inc(n))
    result = p.run()
    result.wait_until_finish()
    query = result.metrics().query(MetricsFilter().with_namespace("llamix"))["counters"]
    kept = next(c for c in query if c.key.metric.name == "probe/step/kept")
    out = next(c for c in result.metrics().query(MetricsFilter().with_name("out"))["counters"])
    return out.committed, kept.committed, kept.attempted


def test_the_direct_runner_does_not_retry_a_failed_bundle(tmp_path):
    with pytest.raises(Exception, match="worker lost mid-bundle"):
        _probe("DirectRunner", str(tmp_path / "marker"))


def test_bundle_based_runner_commits_failed_attempts(tmp_path):
    """Beam's legacy runner re-runs the bundle (right output) but counts both attempts as committed. If this starts
    failing, Beam fixed it and `dataflow_like_retries` below can go."""
    out, committed, _ = _probe("BundleBasedDirectRunner", str(tmp_path / "marker"))
    assert out == 10
    assert committed == 20


@pytest.fixture
def dataflow_like_retries(monkeypatch):
    """Each attempt of a bundle starts from an empty metrics container: a failed attempt's updates are dropped, as
    Dataflow drops those of a failed work item."""
    attempt = TransformExecutor.attempt_call

    def fresh_attempt(self, metrics_container, *args, **kwargs):
        metrics_container.metrics.clear()
        return attempt(self, metrics_container, *args, **kwargs)

    monkeypatch.setattr(TransformExecutor, "attempt_call", fresh_attempt)


def test_a_retried_bundle_is_counted_once_with_dataflow_commit_rules(tmp_path, dataflow_like_retries):
    out, committed, _ = _probe("BundleBasedDirectRunner", str(tmp_path / "marker"))
    assert (out, committed) == (10, 10)
    assert (tmp_path / "marker").exists()  # the failure did happen, and the bundle was re-run


@pytest.mark.slow
def test_pipeline_funnel_is_unchanged_by_a_bundle_that_fails_once(tmp_path, monkeypatch, dataflow_like_retries):
    reference = wikipedia.run(DUMPS, str(tmp_path / "reference"), min_chars=20,
                              beam_argv=["--runner=BundleBasedDirectRunner"])
    marker = str(tmp_path / "marker")

    class CleanFailingOnce(wikipedia.CleanArticles):
        def finish_bundle(self):
            _FailBundleOnce.finish_bundle(type("M", (), {"marker": marker})())

    monkeypatch.setattr(wikipedia, "CleanArticles", CleanFailingOnce)
    manifest = wikipedia.run(DUMPS, str(tmp_path / "retried"), min_chars=20,
                             beam_argv=["--runner=BundleBasedDirectRunner"])
    assert Path(marker).exists()
    assert manifest["funnel"] == reference["funnel"]
    assert manifest["dead_letter"]["count"] == 0
    check_funnel(manifest)
    assert read_ids(tmp_path / "retried") == read_ids(tmp_path / "reference")


# --- every funnel step after reading is guarded ------------------------------------------------------------------


def _extracts():
    from pipelines.sources import arxiv, books, c4, commoncrawl, github, stackexchange
    from pipelines.transforms.minhash import NearDedup
    from pipelines.transforms.perplexity import PerplexityFilter

    return {
        "wikipedia": wikipedia.ExtractArticles(["de"]),
        "commoncrawl": commoncrawl.CCNet(["en"], "lid.bin", perplexity=PerplexityFilter("commoncrawl", "lm", ["en"]),
                                         classifier="wikiref.bin", near_dedup=NearDedup("commoncrawl")),
        "c4": c4.C4("lid.bin", badwords=["badword"]),
        "github": github.ExtractGitHub(github.GitHubConfig()),
        "books": books.ExtractBooks([], books.BooksConfig()),
        "arxiv": arxiv.ExtractPapers(),
        "stackexchange": stackexchange.ExtractStackExchange(),
    }


@pytest.mark.parametrize("source", sorted(_extracts()))
def test_every_counted_step_after_reading_is_guarded(source):
    from apache_beam.pipeline import PipelineVisitor

    from pipelines.deadletter import _GuardedDoFn

    pipeline = beam.Pipeline()
    with DeadLetters(source):
        _ = pipeline | beam.Create([(0, "input")]) | _extracts()[source]
    unguarded, guarded = [], []

    class Visitor(PipelineVisitor):
        def visit_transform(self, node):
            fn = getattr(node.transform, "fn", None)
            if isinstance(fn, _GuardedDoFn):
                guarded.append(fn.step)
            elif fn is not None and any(isinstance(v, StepCounter) for v in vars(fn).values()):
                if not type(fn).__name__.startswith("Read"):
                    unguarded.append(node.full_label)

    pipeline.visit(Visitor())
    assert unguarded == []
    assert guarded
