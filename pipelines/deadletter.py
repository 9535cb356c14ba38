"""The dead-letter output: a document whose step raises is set aside with the exception, not allowed to fail its bundle.

On a runner, an exception in `process` fails the whole bundle; the runner retries it, and a document that always
raises fails the job after a few tries (Dataflow: four in batch). `Guarded(step, dofn)` runs a per-document `DoFn`
one element at a time inside `try`: what the element yields, and the counters it touches (`funnel.hold_counts`),
are held back until it returns, so a failure half way through a generator emits nothing and counts nothing. The
element then becomes one dead-letter record

    {"source", "step", "ids", "path", "error", "message", "traceback"}

on the `dead_letter` output, and its documents are counted as dropped with reason `error` at `step`; the funnel
invariant (in = kept + dropped) holds. The runtime applies a source's extract inside `with DeadLetters(source)`, and
the extract's steps are written `guarded("clean", CleanArticles())`; `run_source_pipeline` writes the records to
`OUT/dead_letter/part-*.jsonl` and the manifest's `dead_letter` block (count, count per step, first examples).

What is not a document's fault still fails the bundle, and so the run: `MemoryError`, `OSError` (a model or file
that cannot be read, a lost connection), `ImportError`, anything that is not an `Exception` (KeyboardInterrupt,
SystemExit), and `FatalStepError` for a step to raise on purpose. `setup` is not guarded: a model that cannot load
fails the run.

Which steps are guarded: the DoFn of every funnel step that looks at documents one at a time (or one group of
copies at a time), from the first step after reading to the last. Reads keep their own `input_error` accounting.
Side passes on a branch that meets the documents again later (line-dedup's line hashes, MinHash sketches) are not:
a document that failed there would still reach the step that decides and be counted twice.
"""
from __future__ import annotations

import heapq
import json
import traceback as tb
from contextvars import ContextVar
from typing import Any, Callable, Iterable, Sequence

import apache_beam as beam

from manifests.manifest import MAX_ERROR_EXAMPLES
from pipelines.funnel import STEP_ERROR, StepCounter, hold_counts

DEAD_LETTER = "dead_letter"
DEAD_LETTER_DIR = "dead_letter"
# Long tracebacks and messages are cut (the record is for finding the bug, not for replaying the document).
MAX_TRACEBACK_CHARS = 4000
EXAMPLE_TRACEBACK_CHARS = 1000  # the manifest's examples keep the end of the record's traceback
MAX_MESSAGE_CHARS = 1000
MAX_IDS = 20


class FatalStepError(Exception):
    """Raised by a step for a failure that no single document causes: it fails the run instead of being set aside."""


FATAL_ERRORS = (MemoryError, OSError, ImportError, FatalStepError)


def one_document(element: Any) -> list:
    """The default: the element is one document (or one page, paper, thread: whatever the step counts)."""
    return [element]


def grouped_documents(element: tuple) -> list:
    """`(key, documents)` from a GroupByKey."""
    return list(element[1])


def joined_documents(tag: str) -> Callable[[tuple], list]:
    """`(key, {tag: documents, …})` from a CoGroupByKey: the documents under `tag`."""
    def documents(element: tuple) -> list:
        return list(element[1][tag])
    return documents


def _describe(doc: Any) -> tuple[str | None, str | None]:
    """(id, input path) of a document-like element, as far as it tells."""
    if not isinstance(doc, dict):
        return None, None
    doc_id = doc.get("id")
    path = doc.get("path")
    if doc_id is None and "page_id" in doc:
        doc_id = f"{doc.get('lang')}/{doc['page_id']}"
    if path is None and isinstance(doc.get("meta"), str):
        try:
            meta = json.loads(doc["meta"])
        except ValueError:
            meta = {}
        path = meta.get("file") if isinstance(meta, dict) else None
    return (str(doc_id) if doc_id is not None else None), path


def dead_letter_record(source: str, step: str, docs: Sequence, err: BaseException) -> dict:
    described = [_describe(doc) for doc in docs]
    ids = sorted({i for i, _ in described if i is not None})
    paths = sorted({p for _, p in described if p})
    trace = "".join(tb.format_exception(type(err), err, err.__traceback__))
    return {
        "source": source,
        "step": step,
        "ids": ids[:MAX_IDS],
        "documents": len(docs),
        "path": paths[0] if paths else None,
        "error": type(err).__name__,
        "message": str(err)[:MAX_MESSAGE_CHARS],
        "traceback": trace[-MAX_TRACEBACK_CHARS:],
    }


class _GuardedDoFn(beam.DoFn):
    """Runs `inner` per element; an element that raises becomes a dead-letter record (see the module docstring)."""

    def __init__(self, inner: beam.DoFn, source: str, step: str, documents: Callable[[Any], list]):
        self.inner = inner
        self.source = source
        self.step = step
        self.documents = documents
        self.counter = StepCounter(source, step)

    def setup(self):
        self.inner.setup()

    def start_bundle(self):
        self.inner.start_bundle()

    def process(self, element, *args, **kwargs):
        held = hold_counts()
        try:
            with held:
                outputs = list(self.inner.process(element, *args, **kwargs) or ())
        except FATAL_ERRORS:
            raise
        except Exception as err:  # a per-document failure: set aside and counted, never silent
            docs = self.documents(element)
            self.counter.dropped(STEP_ERROR, len(docs))  # what the element counted before it raised is discarded
            return [beam.pvalue.TaggedOutput(DEAD_LETTER, dead_letter_record(self.source, self.step, docs, err))]
        held.apply()
        return outputs

    def finish_bundle(self):
        return self.inner.finish_bundle()

    def teardown(self):
        self.inner.teardown()


class Guarded(beam.PTransform):
    """`ParDo(dofn)` whose failing elements go to the dead-letter output; `.dead_letters` after applying it.

    `documents(element)` gives the documents an element stands for (default: it is one), for the error count and
    the record's ids.
    """

    def __init__(self, source: str, step: str, dofn: beam.DoFn, *side_args,
                 documents: Callable[[Any], list] = one_document, **side_kwargs):
        super().__init__()
        self.dofn = _GuardedDoFn(dofn, source, step, documents)
        self.side_args, self.side_kwargs = side_args, side_kwargs
        self.dead_letters = None

    def expand(self, pcoll):
        outputs = pcoll | beam.ParDo(self.dofn, *self.side_args, **self.side_kwargs).with_outputs(
            DEAD_LETTER, main="main")
        self.dead_letters = outputs[DEAD_LETTER]
        return outputs.main


# The `DeadLetters` of the graph being built, if any: set by `with DeadLetters(source)` around applying an extract.
_active_guard: ContextVar[DeadLetters | None] = ContextVar("llamix_dead_letters", default=None)


class DeadLetters:
    """Collects the dead-letter outputs of the guarded steps applied inside its `with` block.

        with DeadLetters(run.source) as guard:
            docs, errors = paths | "Extract" >> extract   # its steps use `guarded(step, dofn)`
        dead_letters = guard.collections()

    Beam expands a transform while it is applied, so every `guarded` step nested in `extract` sees the guard.
    """

    def __init__(self, source: str):
        self.source = source
        self._steps: list[Guarded] = []
        self._token = None

    def __enter__(self) -> DeadLetters:
        self._token = _active_guard.set(self)
        return self

    def __exit__(self, *exc) -> None:
        _active_guard.reset(self._token)
        self._token = None

    def __call__(self, step: str, dofn: beam.DoFn, *side_args, **kwargs) -> Guarded:
        guarded_step = Guarded(self.source, step, dofn, *side_args, **kwargs)
        self._steps.append(guarded_step)
        return guarded_step

    def collections(self) -> list:
        return [g.dead_letters for g in self._steps if g.dead_letters is not None]


def guarded(step: str, dofn: beam.DoFn, *side_args, documents: Callable[[Any], list] = one_document,
            **side_kwargs) -> beam.PTransform:
    """`dofn` as a guarded step of the `DeadLetters` whose block the graph is built in; a plain `ParDo` when there
    is none (a transform used on its own: a document that raises fails the run)."""
    guard = _active_guard.get()
    if guard is None:
        return beam.ParDo(dofn, *side_args, **side_kwargs)
    return guard(step, dofn, *side_args, documents=documents, **side_kwargs)


def _example_order(record: dict) -> tuple:
    return record["step"], record["ids"], record["error"]


def summarize_dead_letters(funnel: Sequence[dict], records: Iterable[dict]) -> dict:
    """The manifest's `dead_letter` block: documents set aside, per step (from the funnel's `error` drops), the
    number of records, and the first records (by step, ids). `records` is read once, keeping only the examples;
    the documents they stand for must add up to the funnel's count."""
    by_step = {s["step"]: s["dropped"][STEP_ERROR] for s in funnel if STEP_ERROR in s["dropped"]}
    count = sum(by_step.values())
    read = {"records": 0, "documents": 0}

    def tallied(records: Iterable[dict]) -> Iterable[dict]:
        for record in records:
            read["records"] += 1
            read["documents"] += record["documents"]
            yield record

    first = heapq.nsmallest(MAX_ERROR_EXAMPLES, tallied(records), key=_example_order)
    if read["documents"] != count:
        raise RuntimeError(f"{read['records']} dead-letter records stand for {read['documents']} documents but the "
                           f"funnel counts {count} dropped with reason {STEP_ERROR!r}")
    examples = [{**r, "traceback": r["traceback"][-EXAMPLE_TRACEBACK_CHARS:]} for r in first]
    return {"count": count, "records": read["records"], "by_step": dict(sorted(by_step.items())),
            "examples": examples}
