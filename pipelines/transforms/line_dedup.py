"""Line-level deduplication with cc_net's semantics (Wenzek et al. 2020, §3.3; cc_net `dedup.py`, `mine.py`).

Input files are split into *hash groups* of `group_size` consecutive files (cc_net: 50 WET files, about 5 GB of
text); inside a group, every line whose normalized hash occurs two or more times is removed from **every**
document that holds it — the first copy too, unlike C4 — which also removes lines repeated inside one document.
What is left of a document is its remaining original lines; documents shorter than `min_chars` are then dropped.
Records that share an id (the same record read twice) are kept once and counted as `duplicate_record`.

On Beam, with no global set of hashes and bounded memory per worker:

    docs ─► (group, line hash) → doc id, one per line ─► GroupByKey ─► (doc id, hash) for hashes seen ≥ 2 times
      └────────────────────────── doc id → doc ──────────── CoGroupByKey by doc id ─► RemoveDuplicateLines
"""
from __future__ import annotations

from typing import Iterable, Iterator

import apache_beam as beam

from pipelines.deadletter import guarded, joined_documents
from pipelines.funnel import StepCounter, extra_counter
from pipelines.transforms.text_normalizer import line_hash, normalize_for_dedup

# cc_net mine.py: `hash_in_mem: 50` WET files per hash group, and `min_len: 300` characters after dedup.
DEFAULT_GROUP_SIZE = 50
DEFAULT_MIN_CHARS = 300


def line_hashes(text: str) -> list[int | None]:
    """The dedup hash of each line of `text`; None for a line with nothing left after normalization."""
    hashes: list[int | None] = []
    for line in text.split("\n"):
        normalized = normalize_for_dedup(line)
        hashes.append(line_hash(normalized) if normalized else None)
    return hashes


def remove_lines(text: str, duplicate_hashes: set[int]) -> tuple[str, int]:
    """`text` without its lines whose hash is in `duplicate_hashes` or that normalize to nothing (blank lines,
    lines of punctuation only; cc_net's hashing makes those duplicates of each other). Returns (text, lines removed)."""
    kept = [
        line for line, digest in zip(text.split("\n"), line_hashes(text))
        if digest is not None and digest not in duplicate_hashes
    ]
    return "\n".join(kept), text.count("\n") + 1 - len(kept)


def _line_occurrences(doc: dict) -> Iterator[tuple[tuple[int, int], tuple[str, int]]]:
    for line_number, digest in enumerate(line_hashes(doc["text"])):
        if digest is not None:
            yield (doc["group"], digest), (doc["id"], line_number)


def _duplicates(keyed: tuple[tuple[int, int], Iterable[tuple[str, int]]]) -> Iterator[tuple[str, int]]:
    """(doc id, hash) for every occurrence of a hash found at two or more distinct places (document, line).

    Occurrences are compared by place, not counted, so the same record read twice (one file given twice) does not
    make its own lines duplicates. Nothing is collected beyond the places seen before the second distinct one: a
    menu line may sit in millions of documents of a group.
    """
    (_, digest), occurrences = keyed
    pending: list[tuple[str, int]] = []
    duplicated = False
    for place in occurrences:
        if duplicated:
            yield place[0], digest
        elif pending and place != pending[0]:
            duplicated = True
            yield from ((doc_id, digest) for doc_id, _ in pending)
            yield place[0], digest
        else:
            pending.append(place)


class RemoveDuplicateLines(beam.DoFn):
    def __init__(self, source: str, step: str, min_chars: int):
        self.source = source
        self.step_name = step
        self.min_chars = min_chars
        self.step = StepCounter(source, step)

    def setup(self):
        self.lines_in = extra_counter(self.source, f"{self.step_name}/lines_in")
        self.lines_removed = extra_counter(self.source, f"{self.step_name}/lines_removed")

    def process(self, joined):
        _, grouped = joined
        docs = list(grouped["doc"])
        if len(docs) > 1:
            # One record read twice (a file given twice, overlapping crawls): keep one copy, chosen by content.
            self.step.dropped("duplicate_record", len(docs) - 1)
        doc = min(docs, key=lambda d: (d["meta"], d["text"]))
        text, removed = remove_lines(doc["text"], set(grouped["duplicates"]))
        self.lines_in.inc(doc["text"].count("\n") + 1)
        self.lines_removed.inc(removed)
        if len(text) < self.min_chars:
            self.step.dropped("too_short")
            return
        self.step.kept()
        yield {**doc, "text": text}


class LineDedup(beam.PTransform):
    """Documents carrying a `group` field (their input file's hash group) -> deduplicated documents."""

    def __init__(self, source: str, step: str = "line_dedup", min_chars: int = DEFAULT_MIN_CHARS):
        super().__init__()
        self.source = source
        self.step = step
        self.min_chars = min_chars

    def expand(self, docs):
        duplicates = (
            docs
            | "LineOccurrences" >> beam.FlatMap(_line_occurrences)
            | "GroupByLine" >> beam.GroupByKey()
            | "DuplicatedLines" >> beam.FlatMap(_duplicates)
        )
        by_id = docs | "KeyById" >> beam.Map(lambda doc: (doc["id"], doc))
        return (
            {"doc": by_id, "duplicates": duplicates}
            | "JoinDuplicates" >> beam.CoGroupByKey()
            | "RemoveDuplicateLines" >> guarded(self.step, RemoveDuplicateLines(self.source, self.step, self.min_chars),
                                                documents=joined_documents("doc"))
        )
