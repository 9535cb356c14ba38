"""Books: Project Gutenberg and Books3 -> book documents, books with more than 90% content overlap removed.

LLaMA §2.1, "Books [4.5%]": "We include two book corpora in our training dataset: the Gutenberg Project, which
contains books that are in the public domain, and the Books3 section of ThePile … We perform deduplication at the
book level, removing books with more than 90% content overlap." The graph:

    (file index, path) --ReadBooks--> raw books --StripBoilerplate--> documents --(group by id)--> KeepOnePerId
         read: input_error           strip: no_gutenberg_markers,           id_dedup: duplicate_id
                                            empty_after_strip
         --OverlapDedup--> documents
           overlap_dedup: overlapping_book

**Which input is which.** By flag: `--input` globs are Project Gutenberg files, `--books3` globs are Books3 files
(JSONL when the name ends in `.jsonl[.gz]`, else one book a file). A file matched by both is an error at launch.
Workers tell the two apart by matching the path against the `--books3` globs with Beam's own glob translation
(`FileSystem.translate_pattern`, what `FileSystems.match` used to list them); `run` checks at launch that this
agrees with the listing. Ids never collide across the two: `books/gutenberg/<ebook number>` (from the header's
`[EBook #N]`, else the file name `N.txt`, `N-0.txt`, `N-8.txt`, `pgN.txt`, else the file stem) and
`books/books3/<file stem>` for a text file or `books/books3/sha1-<16 hex>` of title + text for a JSONL record
(content-addressed: independent of how the records are split into files, and two different books that share a
title keep two ids).

**Stripping** (`pipelines.readers.books.strip_gutenberg`). A Gutenberg file without any start marker is dropped
(`no_gutenberg_markers`): its licence text cannot be told from the book, and every PG file carries a marker; pass
`keep_unmarked` (`--keep-unmarked`) for collections whose files were stripped already (PG-19), which are then kept
whole up to any end marker. A body that is empty once the header, footer and credits are gone is
`empty_after_strip`; so is a blank Books3 text.

**One book per id** (`id_dedup`). Mirrors hold the same ebook several times (`1342.txt`, `1342-8.txt`,
`1342-0.txt`): one copy per id is kept, the one decoded from UTF-8 first, then the longer text, then the smaller
path; the others are `duplicate_id`.

**Overlap** (`OverlapDedup`). Overlap is the containment of the smaller book in the larger, on the sets of distinct
word 5-gram shingle hashes of `pipelines.transforms.minhash` (`shingle_hashes`): c(A, B) = |A ∩ B| / min(|A|, |B|)
(the overlap coefficient). A pair with c >= 0.9 is a duplicate (the paper's "more than" differs only at exactly
0.9); of the two, the longer text (characters) is kept, and on a tie the smaller id. MinHash estimates Jaccard
similarity, not containment. For the smaller set A with |A| = r·|B| (0 < r <= 1) and |A ∩ B| = c·|A|:

    J = |A ∩ B| / |A ∪ B| = c·|A| / (|A| + |B| - c·|A|) = c·r / (1 + r - c·r)        (`containment_jaccard`)

At c = 0.9 that is 0.818 for books of equal size, 0.628 at r = 0.75, 0.429 at r = 0.5 and 0.220 at r = 0.25.
LSH is therefore tuned to the Jaccard floor J_min = J(0.9, `min_length_ratio`) (0.429 at the default 0.5), not to
0.9: `containment_lsh_params` takes the most selective banding (most rows r per band, b = num_perm // r bands) that
still makes a pair at J_min a candidate with probability 1 - (1 - J_min^r)^b >= `recall` (0.99). With 256
permutations that is 85 bands × 3 rows: 0.9991 at J = 0.429, 0.49 at J = 0.2, 0.08 at J = 0.1, 1e-5 at J = 0.005
(the order of two unrelated novels). Every candidate is then checked exactly on the shingle sets, so a low threshold
costs verification work, never a wrong drop; a contained book shorter than `min_length_ratio` of its container is only
found by the chance its Jaccard gives (an anthology and one of its stories usually both stay).

Candidates: each LSH bucket (books sharing a band) gives every pair of its members when it holds at most
`max_all_pairs` books, else (hot buckets) each member paired with the bucket's top book only (counted as
`overlap_dedup/large_buckets`). A pair is oriented (loser, winner) by the ranking above, verified as in
`minhash.VerifyPairs` (shingle sets attached to both ends by id, then met by pair), and the loser is dropped.

**Chains** are decided pair by pair: a book is dropped when any verified partner outranks it, whether or not that
partner is itself dropped. A ⊂ B ⊂ C (each >= 90% inside the next) drops A and B and keeps C. The ranking is a
strict total order, so the top book of every group of overlapping books always stays, and the result depends on
neither runner nor processing order. Every shuffle is keyed by band, id or pair; nothing global is held in memory.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import logging
import re
from dataclasses import asdict, dataclass
from itertools import islice
from typing import Iterable, Iterator, Sequence

import apache_beam as beam
import numpy as np
from apache_beam.io.filesystem import FileSystem

from manifests import storage
from pipelines.deadletter import grouped_documents, guarded, joined_documents
from pipelines.documents import make_document
from pipelines.funnel import INPUT_ERROR, StepCounter, extra_counter
from pipelines.readers.books import (
    BOOKS3, GUTENBERG, UTF8, RawBook, ebook_number_from_path, file_stem, read_books3, read_gutenberg,
    strip_gutenberg,
)
from pipelines.readers.mediawiki import InputError
from pipelines.runtime import SourceRun, log_run_summary, match_inputs, run_source_pipeline
from pipelines.transforms.minhash import (
    DEFAULT_NGRAM, DEFAULT_SEED, Permutations, VerifyPairs, band_keys, minhash_signature, shingle_hashes,
)

log = logging.getLogger(__name__)

SOURCE = "books"
STEPS = ("read", "strip", "id_dedup", "overlap_dedup")
ERRORS = "errors"
SHINGLE_SETS = "shingle_sets"
NO_MARKERS = "no_gutenberg_markers"
EMPTY = "empty_after_strip"
DUPLICATE_ID = "duplicate_id"
OVERLAPPING = "overlapping_book"

# LLaMA §2.1: "removing books with more than 90% content overlap".
DEFAULT_OVERLAP = 0.9
# Our choice: containment is searched for (with probability >= DEFAULT_RECALL) down to a shorter book half as long
# as the longer; lower ratios mean lower Jaccard floors and many more candidates (see the module docstring).
DEFAULT_MIN_LENGTH_RATIO = 0.5
DEFAULT_RECALL = 0.99
# 256 rather than minhash's 128: at J_min = 0.429, 128 permutations reach 0.99 recall only with 2-row bands
# (64 × 2), whose false candidates grow as J², against J³ for 85 × 3.
DEFAULT_NUM_PERM = 256
# Our choice, to bound the work of hot buckets: up to this size a bucket gives all its pairs (496), larger ones
# pair each member with their top book only.
DEFAULT_MAX_ALL_PAIRS = 32
# Books3 records carry no language; "und" unless `--books3-lang` says otherwise.
DEFAULT_BOOKS3_LANG = "und"


# --- which collection a path belongs to ----------------------------------------------------------------------------


def books3_matchers(patterns: Sequence[str]) -> list[re.Pattern]:
    """The `--books3` globs as Beam's `FileSystem.match` reads them (`*` within a folder, `**` across)."""
    return [re.compile(FileSystem.translate_pattern(p + "*" if p.endswith(("/", "\\")) else p)) for p in patterns]


def collection_of(path: str, books3: Sequence[re.Pattern]) -> str:
    return BOOKS3 if any(m.match(path) for m in books3) else GUTENBERG


def check_inputs(gutenberg: Sequence[str], books3: Sequence[str]) -> None:
    """Lists both inputs; a file in both, or one the workers would file under the other collection, is an error."""
    gutenberg_files = {f.path for f in match_inputs(gutenberg)} if gutenberg else set()
    books3_files = {f.path for f in match_inputs(books3)} if books3 else set()
    both = sorted(gutenberg_files & books3_files)
    if both:
        raise ValueError(f"{both[0]} (and {len(both) - 1} more) matched by both --input (Gutenberg) and --books3; "
                         f"a file belongs to one collection")
    matchers = books3_matchers(books3)
    for path in sorted(gutenberg_files | books3_files):
        expected = BOOKS3 if path in books3_files else GUTENBERG
        if collection_of(path, matchers) != expected:
            raise ValueError(f"{path}: listed as {expected} but its path does not match the --books3 globs the same "
                             f"way on workers; use plain globs (*, **, ?, [..]) without '.' or '..' segments")


# --- raw book -> document (pure) -----------------------------------------------------------------------------------


def gutenberg_document(book: RawBook, keep_unmarked: bool = False) -> dict | str:
    """The document of a Gutenberg file, or why it is dropped (NO_MARKERS, EMPTY)."""
    stripped = strip_gutenberg(book.text)
    if stripped.start_marker is None and not keep_unmarked:
        return NO_MARKERS
    if not stripped.body:
        return EMPTY
    header = stripped.header
    ebook = header.ebook if header.ebook is not None else ebook_number_from_path(book.path)
    native = f"{GUTENBERG}/{ebook if ebook is not None else file_stem(book.path)}"
    return make_document(SOURCE, native, stripped.body, header.lang, {
        "collection": GUTENBERG, "title": header.title, "author": header.author, "language": header.language,
        "ebook": ebook, "release_date": header.release_date, "encoding": book.encoding, "file": book.path,
        "start_marker": stripped.start_marker, "end_marker": stripped.end_marker,
    })


def books3_native_id(book: RawBook) -> str:
    if book.line is None:
        return f"{BOOKS3}/{file_stem(book.path)}"
    digest = hashlib.sha1(f"{book.title or ''}\n{book.text}".encode(UTF8)).hexdigest()[:16]
    return f"{BOOKS3}/sha1-{digest}"


def books3_document(book: RawBook, lang: str = DEFAULT_BOOKS3_LANG) -> dict | str:
    """The document of a Books3 book (no stripping: Books3 texts carry no boilerplate), or EMPTY."""
    text = book.text.strip("\n").rstrip() if book.text.strip() else ""
    if not text:
        return EMPTY
    title = book.title if book.line is not None else file_stem(book.path)
    return make_document(SOURCE, books3_native_id(book), text, lang, {
        "collection": BOOKS3, "title": title, "encoding": book.encoding, "file": book.path, "line": book.line,
    })


def copy_preference(doc: dict) -> tuple:
    """Sort key among copies with one id: decoded from UTF-8 first, then longer, then smaller path."""
    meta = json.loads(doc["meta"])
    return (meta.get("encoding") != UTF8, -len(doc["text"]), meta.get("file") or "")


# --- overlap dedup (pure) ------------------------------------------------------------------------------------------


def containment_jaccard(containment: float, length_ratio: float) -> float:
    """Jaccard of two sets when the smaller, `length_ratio` times the larger's size, has `containment` of its
    elements in the larger: c·r / (1 + r - c·r)."""
    if not (0.0 <= containment <= 1.0 and 0.0 < length_ratio <= 1.0):
        raise ValueError(f"containment must be in [0, 1] and length ratio in (0, 1], got {containment}, "
                         f"{length_ratio}")
    return containment * length_ratio / (1.0 + length_ratio - containment * length_ratio)


def candidate_probability(jaccard: float, bands: int, rows: int) -> float:
    """The LSH S-curve: probability that two sets of this Jaccard share at least one of `bands` bands."""
    return 1.0 - (1.0 - jaccard ** rows) ** bands


def containment_lsh_params(containment: float = DEFAULT_OVERLAP,
                           min_length_ratio: float = DEFAULT_MIN_LENGTH_RATIO,
                           num_perm: int = DEFAULT_NUM_PERM, recall: float = DEFAULT_RECALL) -> tuple[int, int]:
    """(bands, rows): the most rows per band whose S-curve still reaches `recall` at the Jaccard floor
    `containment_jaccard(containment, min_length_ratio)`."""
    if not 0.0 < recall < 1.0:
        raise ValueError(f"recall must be a probability in (0, 1), got {recall}")
    floor = containment_jaccard(containment, min_length_ratio)
    for rows in range(num_perm, 0, -1):
        bands = num_perm // rows
        if candidate_probability(floor, bands, rows) >= recall:
            return bands, rows
    raise ValueError(f"{num_perm} permutations cannot find pairs of Jaccard {floor:.3f} (containment {containment}, "
                     f"length ratio {min_length_ratio}) with probability {recall}; use more permutations")


def overlap_coefficient(a: np.ndarray, b: np.ndarray) -> float:
    """|A ∩ B| / min(|A|, |B|) of two sorted arrays of distinct shingle hashes (0 when either is empty)."""
    smaller = min(len(a), len(b))
    return len(np.intersect1d(a, b, assume_unique=True)) / smaller if smaller else 0.0


def rank(member: tuple[int, str]) -> tuple[int, str]:
    """Sort key of a (length, id) member: longer books first, then smaller ids. The first of a pair is kept."""
    length, doc_id = member
    return -length, doc_id


def is_large_bucket(members: Iterable[tuple[int, str]], max_all_pairs: int) -> bool:
    return len(list(islice(members, max_all_pairs + 1))) > max_all_pairs


def bucket_pairs(members: Iterable[tuple[int, str]], max_all_pairs: int = DEFAULT_MAX_ALL_PAIRS
                 ) -> Iterator[tuple[str, str]]:
    """(loser id, winner id) candidate pairs of one LSH bucket of (length, id) members.

    Up to `max_all_pairs` members: every pair. More: each member with the bucket's top-ranked one (`members` is
    then iterated twice, as Beam's grouped values allow, and never held in memory).
    """
    head = list(islice(members, max_all_pairs + 1))
    if len(head) <= max_all_pairs:
        ordered = sorted(set(head), key=rank)
        for i, winner in enumerate(ordered):
            for loser in ordered[i + 1:]:
                yield loser[1], winner[1]
        return
    top = min(members, key=rank)
    for member in members:
        if member[1] != top[1]:
            yield member[1], top[1]


# --- Beam -------------------------------------------------------------------------------------------------------




class ReadBooks(beam.DoFn):
    """(file index, path) -> raw books (dicts of RawBook); unreadable files and records -> `errors`."""

    def __init__(self, books3_patterns: Sequence[str]):
        self.books3_patterns = list(books3_patterns)
        self.read = StepCounter(SOURCE, "read")

    def setup(self):
        self._books3 = books3_matchers(self.books3_patterns)
        self._encodings: dict[str, object] = {}
        self._fallback = extra_counter(SOURCE, "read/encoding_fallback")

    def _count_encoding(self, encoding: str) -> None:
        counter = self._encodings.get(encoding)
        if counter is None:
            counter = self._encodings[encoding] = extra_counter(SOURCE, f"read/encoding/{encoding}")
        counter.inc()
        if encoding != UTF8:
            self._fallback.inc()

    def process(self, indexed_path: tuple[int, str]):
        _, path = indexed_path
        collection = collection_of(path, self._books3)
        reader = read_books3 if collection == BOOKS3 else read_gutenberg
        for item in reader(path, open_binary=storage.open_read):
            if isinstance(item, InputError):
                self.read.dropped(INPUT_ERROR)
                log.warning("%s at byte %s: %s", item.path, item.offset, item.reason)
                yield beam.pvalue.TaggedOutput(ERRORS, asdict(item))
                continue
            self.read.kept()
            self._count_encoding(item.encoding)
            yield asdict(item)


class StripBoilerplate(beam.DoFn):
    """Raw book -> document: Gutenberg header/footer removed, metadata into `meta`; counts what is dropped."""

    def __init__(self, keep_unmarked: bool, books3_lang: str):
        self.keep_unmarked = keep_unmarked
        self.books3_lang = books3_lang
        self.strip = StepCounter(SOURCE, "strip")

    def setup(self):
        self._markers: dict[str, object] = {}

    def _count_marker(self, name: str) -> None:
        counter = self._markers.get(name)
        if counter is None:
            counter = self._markers[name] = extra_counter(SOURCE, f"strip/{name}")
        counter.inc()

    def process(self, raw: dict):
        book = RawBook(**raw)
        if book.collection == GUTENBERG:
            result = gutenberg_document(book, self.keep_unmarked)
        else:
            result = books3_document(book, self.books3_lang)
        if isinstance(result, str):
            self.strip.dropped(result)
            log.debug("%s: dropped, %s", book.path if book.line is None else f"{book.path} line {book.line}", result)
            return
        if book.collection == GUTENBERG:
            meta = json.loads(result["meta"])
            self._count_marker(f"start_marker/{meta['start_marker'] or 'none'}")
            self._count_marker(f"end_marker/{meta['end_marker'] or 'none'}")
        self.strip.kept()
        yield result


class KeepOnePerId(beam.DoFn):
    """All documents with one id (the same ebook in several files) -> the preferred copy."""

    def __init__(self):
        self.id_dedup = StepCounter(SOURCE, "id_dedup")

    def process(self, keyed):
        _, copies = keyed
        copies = list(copies)
        if len(copies) > 1:
            self.id_dedup.dropped(DUPLICATE_ID, len(copies) - 1)
        self.id_dedup.kept()
        yield min(copies, key=copy_preference)


class _SketchBooks(beam.DoFn):
    """doc -> (band key, (length, id)) per band, and (id, sorted distinct shingle hashes as bytes)."""

    def __init__(self, ngram: int, num_perm: int, seed: int, bands: int, rows: int):
        self.ngram, self.num_perm, self.seed, self.bands, self.rows = ngram, num_perm, seed, bands, rows

    def setup(self):
        self._permutations = Permutations(self.num_perm, self.seed)

    def process(self, doc: dict):
        hashes = shingle_hashes(doc["text"], self.ngram)
        member = (len(doc["text"]), doc["id"])
        for key in band_keys(minhash_signature(hashes, self._permutations), self.bands, self.rows):
            yield key, member
        yield beam.pvalue.TaggedOutput(SHINGLE_SETS, (doc["id"], np.unique(hashes).astype("<u8").tobytes()))


class _BucketPairs(beam.DoFn):
    def __init__(self, max_all_pairs: int):
        self.max_all_pairs = max_all_pairs

    def setup(self):
        self._large = extra_counter(SOURCE, "overlap_dedup/large_buckets")

    def process(self, keyed):
        _, members = keyed
        if is_large_bucket(members, self.max_all_pairs):
            self._large.inc()
        yield from bucket_pairs(members, self.max_all_pairs)


class _CountPairs(beam.DoFn):
    def setup(self):
        self._pairs = extra_counter(SOURCE, "overlap_dedup/candidate_pairs")

    def process(self, pair):
        self._pairs.inc()
        yield pair


class _DropContained(beam.DoFn):
    """(id, {docs, contained_in}) -> the document unless a verified partner outranks it."""

    def __init__(self):
        self.overlap_dedup = StepCounter(SOURCE, "overlap_dedup")

    def process(self, keyed):
        doc_id, grouped = keyed
        docs = list(grouped["docs"])
        if len(docs) != 1:
            raise ValueError(f"overlap dedup: expected one book with id {doc_id!r}, found {len(docs)}")
        winner = next(iter(grouped["contained_in"]), None)
        if winner is not None:
            self.overlap_dedup.dropped(OVERLAPPING)
            log.debug("%s: dropped, >= overlap threshold inside %s", doc_id, winner)
            return
        self.overlap_dedup.kept()
        yield docs[0]


class OverlapDedup(beam.PTransform):
    """Book documents (unique ids) -> those that no longer book contains to `threshold` (see module docstring)."""

    def __init__(self, threshold: float = DEFAULT_OVERLAP, min_length_ratio: float = DEFAULT_MIN_LENGTH_RATIO,
                 num_perm: int = DEFAULT_NUM_PERM, recall: float = DEFAULT_RECALL, ngram: int = DEFAULT_NGRAM,
                 seed: int = DEFAULT_SEED, max_all_pairs: int = DEFAULT_MAX_ALL_PAIRS):
        super().__init__()
        self.threshold, self.ngram, self.seed, self.num_perm = threshold, ngram, seed, num_perm
        self.max_all_pairs = max_all_pairs
        self.bands, self.rows = containment_lsh_params(threshold, min_length_ratio, num_perm, recall)
        self.jaccard_floor = containment_jaccard(threshold, min_length_ratio)

    def expand(self, docs):
        log.info("books overlap dedup: containment >= %.2f; LSH %d bands × %d rows (%d permutations) finds pairs "
                 "at Jaccard %.3f with probability %.4f", self.threshold, self.bands, self.rows, self.num_perm,
                 self.jaccard_floor, candidate_probability(self.jaccard_floor, self.bands, self.rows))
        sketches = docs | "SketchBooks" >> beam.ParDo(
            _SketchBooks(self.ngram, self.num_perm, self.seed, self.bands, self.rows)
        ).with_outputs(SHINGLE_SETS, main="bands")
        pairs = (
            sketches.bands
            | "GroupByBand" >> beam.GroupByKey()
            | "BucketPairs" >> beam.ParDo(_BucketPairs(self.max_all_pairs))
            | "DistinctPairs" >> beam.Distinct()
            | "CountPairs" >> beam.ParDo(_CountPairs())
        )
        contained = (pairs, sketches[SHINGLE_SETS]) | "VerifyContainment" >> VerifyPairs(
            SOURCE, "overlap_dedup", self.threshold, overlap_coefficient)
        return (
            {"docs": docs | "KeyById" >> beam.Map(lambda doc: (doc["id"], doc)), "contained_in": contained}
            | "JoinDecisions" >> beam.CoGroupByKey()
            | "DropContained" >> guarded("overlap_dedup", _DropContained(), documents=joined_documents("docs"))
        )


@dataclass
class BooksConfig:
    """Every setting of a run; recorded whole in the manifest."""

    overlap_threshold: float = DEFAULT_OVERLAP
    min_length_ratio: float = DEFAULT_MIN_LENGTH_RATIO
    recall: float = DEFAULT_RECALL
    num_perm: int = DEFAULT_NUM_PERM
    ngram: int = DEFAULT_NGRAM
    seed: int = DEFAULT_SEED
    max_all_pairs: int = DEFAULT_MAX_ALL_PAIRS
    keep_unmarked: bool = False
    books3_lang: str = DEFAULT_BOOKS3_LANG

    def overlap_dedup(self) -> OverlapDedup:
        return OverlapDedup(self.overlap_threshold, self.min_length_ratio, self.num_perm, self.recall, self.ngram,
                            self.seed, self.max_all_pairs)


class ExtractBooks(beam.PTransform):
    """(file index, path) -> (documents, input errors)."""

    def __init__(self, books3_patterns: Sequence[str], config: BooksConfig):
        super().__init__()
        self.books3_patterns = list(books3_patterns)
        self.config = config

    def expand(self, paths):
        books = paths | "ReadBooks" >> beam.ParDo(ReadBooks(self.books3_patterns)).with_outputs(ERRORS, main="books")
        docs = (
            books.books
            | "StripBoilerplate" >> guarded(
                "strip", StripBoilerplate(self.config.keep_unmarked, self.config.books3_lang))
            | "KeyById" >> beam.Map(lambda doc: (doc["id"], doc))
            | "GroupById" >> beam.GroupByKey()
            | "KeepOnePerId" >> guarded("id_dedup", KeepOnePerId(), documents=grouped_documents)
            | "OverlapDedup" >> self.config.overlap_dedup()
        )
        return docs, books[ERRORS]


def run(gutenberg: Sequence[str], output: str, books3: Sequence[str] = (), config: BooksConfig = BooksConfig(),
        beam_argv: Sequence[str] = (), overwrite: bool = False, num_shards: int = 0) -> dict:
    """Runs the pipeline over Gutenberg globs and Books3 globs; returns the manifest it wrote."""
    if not gutenberg and not books3:
        raise ValueError("books: give Gutenberg files (--input) and/or Books3 files (--books3)")
    check_inputs(gutenberg, books3)
    bands, rows = containment_lsh_params(config.overlap_threshold, config.min_length_ratio, config.num_perm,
                                         config.recall)
    manifest_config = {"gutenberg": list(gutenberg), "books3": list(books3), **asdict(config),
                       "lsh_bands": bands, "lsh_rows": rows}
    return run_source_pipeline(
        SourceRun(SOURCE, STEPS, [*gutenberg, *books3], output, manifest_config, beam_argv, overwrite, num_shards),
        ExtractBooks(books3, config),
    )


def _patterns(values: Sequence[str] | None) -> list[str]:
    return [p for value in values or () for p in value.split(",") if p]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="llamix run books",
        description="Project Gutenberg files and Books3 (text or JSONL) -> book documents as Parquet + "
        "manifest.json, Gutenberg headers stripped and books with >= 90%% content overlap removed. Unrecognised "
        "options are passed to Beam.",
    )
    parser.add_argument("--input", action="append",
                        help="Project Gutenberg *.txt / *.txt.gz globs (repeat or comma-separate)")
    parser.add_argument("--books3", action="append",
                        help="Books3 globs: *.jsonl[.gz] ({\"title\", \"text\"} a line) or one book a *.txt[.gz]")
    parser.add_argument("--output", required=True)
    parser.add_argument("--overlap-threshold", type=float, default=DEFAULT_OVERLAP,
                        help=f"drop a book when this share of its shingles lies in a longer book "
                             f"(default {DEFAULT_OVERLAP}, LLaMA §2.1)")
    parser.add_argument("--min-length-ratio", type=float, default=DEFAULT_MIN_LENGTH_RATIO,
                        help=f"shortest shorter/longer size ratio at which overlapping pairs are searched for with "
                             f"--recall (default {DEFAULT_MIN_LENGTH_RATIO})")
    parser.add_argument("--recall", type=float, default=DEFAULT_RECALL,
                        help=f"LSH probability of finding a pair at that ratio (default {DEFAULT_RECALL})")
    parser.add_argument("--num-perm", type=int, default=DEFAULT_NUM_PERM,
                        help=f"MinHash permutations (default {DEFAULT_NUM_PERM})")
    parser.add_argument("--keep-unmarked", action="store_true",
                        help="keep Gutenberg files without a START marker whole (already stripped collections)")
    parser.add_argument("--books3-lang", default=DEFAULT_BOOKS3_LANG,
                        help=f"lang of Books3 documents (default {DEFAULT_BOOKS3_LANG!r}: Books3 names no language)")
    parser.add_argument("--num-shards", type=int, default=0, help="Parquet files to write (0: the runner decides)")
    parser.add_argument("--overwrite", action="store_true", help="replace the output folder's contents")
    args, beam_argv = parser.parse_known_args(argv)
    gutenberg, books3 = _patterns(args.input), _patterns(args.books3)
    if not gutenberg and not books3:
        parser.error("give --input (Gutenberg) and/or --books3 globs")
    config = BooksConfig(overlap_threshold=args.overlap_threshold, min_length_ratio=args.min_length_ratio,
                         recall=args.recall, num_perm=args.num_perm, keep_unmarked=args.keep_unmarked,
                         books3_lang=args.books3_lang)
    manifest = run(gutenberg, args.output, books3, config, beam_argv, args.overwrite, args.num_shards)
    log_run_summary(manifest, args.output)
    return 0
