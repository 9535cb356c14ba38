"""C4, the Colossal Clean Crawled Corpus (Raffel et al. 2020, §2.2), LLaMA §2.1's 15% share:

"We thus included the publicly available C4 dataset (Raffel et al., 2020) in our data. The preprocessing of C4
also contains deduplication and language identification steps: the main difference with CCNet is the quality
filtering, which mostly relies on heuristics such as presence of punctuation marks or the number of words and
sentences in a webpage."

We rebuild it from CommonCrawl WET files with the rules of the code that built it, TFDS
`tensorflow_datasets/text/c4.py` and `c4_utils.py` (cited below by function name), in the same order:

    WET files ─ read ─ length ─ url_dedup ─ clean ─ line_dedup ─ lang_id ─ [badwords] ─► split=train|validation/
         input_error  too_long  duplicate_url  lorem_ipsum      empty    low_lang_score   badword
                                               curly_bracket    too_few_sentences
                                               too_few_sentences         language_not_selected

* **length** (`is_valid_length`): pages over 190,000 characters are dropped.
* **url_dedup** (`normalize_url`, `select_newest_page`): one page per normalized URL, the newest fetch (WARC-Date);
  TFDS keeps the first page seen on a tie, we keep the longer text, then the larger WARC record id, so a rerun
  picks the same page.
* **clean** (`clean_page`), per line, in this order: strip; drop a line with a word over 1000 characters; remove
  citation markers (`[1]`, `[]`, `[edit]`, `[citation needed]`); drop a line not ending in `.` `?` `!` `"` or ending
  in `...`; drop a line of fewer than 5 words; **drop the page** if the line has "lorem ipsum"; drop a line with
  "javascript"; **drop the page** if the line has `{`; drop a line with a policy phrase. The page-dropping checks see
  only lines that passed the checks before them (a `{` in a line without end mark drops the line, not the page), as
  in the code. Then the page is dropped if its kept lines hold fewer than 3 sentences. `c4_utils.py` has
  `_MIN_WORDS_PER_LINE = 5` and `_MIN_NUM_SENTENCES = 3`, as the paper says ("fewer than 3 sentences", "at least
  5 words"); some toolkits swap them (datatrove's `C4QualityFilter`: 3 words, 5 sentences). We follow the code.
* **line_dedup** (`remove_duplicate_text`): a line is keyed by the md5 of its stripped, lower-cased text; across the
  whole corpus **one** copy is kept, in the page whose md5(URL) hex digest is smallest (TFDS: `Top.PerKey(1,
  key=_hash_text, reverse=True)`, "hash before comparison to avoid biasing by domain"), and removed from every
  other page; a line repeated inside one page keeps its first copy. Unlike CCNet (`transforms/line_dedup.py`), which
  removes every copy. Pages left empty, or with fewer than 3 sentences, are then dropped.
* **lang_id** (`detect_english`): C4 kept pages that langdetect called English with probability ≥ 0.99. We use
  fastText lid.176 (`transforms/langid.py`), whose scores are not langdetect's: the compressed model
  `lid.176.ftz` gives monolingual English prose 0.89–0.989 (the English pages of the demo samples after the line
  rules, CommonCrawl and Wikipedia alike: not one reaches 0.99, so 0.99 would empty C4), and 0.71–0.91 once a
  single paragraph in another language is added. So the fastText threshold is 0.9 (`DEFAULT_LID_THRESHOLD`,
  `--lid-threshold`); the manifest names the model and both thresholds.
* **badwords** (`get_badwords_filter_fn`): a page is dropped if its lower-cased text contains a listed word or
  phrase flanked by non-word characters or the text's ends. The project ships no list: C4 used the English file of
  LDNOOBW, "List of Dirty, Naughty, Obscene, and Otherwise Bad Words", pinned by TFDS at
  https://raw.githubusercontent.com/LDNOOBW/List-of-Dirty-Naughty-Obscene-and-Otherwise-Bad-Words/25e679f03d96baa721cde20db9944649e8d0a844/en
  Pass it with `--badwords FILE` (one word or phrase a line); without it the step is skipped and the manifest
  says so.
* **split** (`get_hashed_url_filter_fn`): pages with int(md5(normalized URL)) % 1000 == 0 go to `split=validation`,
  the others to `split=train`: the same URL always lands in the same split.

Sentences: TFDS counts them with NLTK's punkt English model, which is not installed here; `count_sentences` is a
rule-based stand-in (a sentence ends at `.` `?` `!`, optionally followed by closing quotes or brackets, unless the
word is a known abbreviation or an initial). It decides only whether a page reaches 3 sentences.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import logging
import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Iterable, Iterator, Sequence

import apache_beam as beam

from manifests import storage
from pipelines.deadletter import guarded, joined_documents
from pipelines.documents import make_document
from pipelines.funnel import INPUT_ERROR, StepCounter, extra_counter
from pipelines.readers.warc import InputError, read_pages
from pipelines.runtime import SourceRun, log_run_summary, run_source_pipeline
from pipelines.transforms.langid import DEFAULT_MODEL, IdentifyLanguage

log = logging.getLogger(__name__)

SOURCE = "c4"
ERRORS = "errors"

# --- the rules' constants, from TFDS tensorflow_datasets/text/c4_utils.py unless said otherwise ---------------

MAX_PAGE_CHARS = 190_000  # is_valid_length(max_length=1.9e5)
MIN_WORDS_PER_LINE = 5  # _MIN_WORDS_PER_LINE; Raffel et al. §2.2 (datatrove's C4QualityFilter swaps it: 3)
MIN_NUM_SENTENCES = 3  # _MIN_NUM_SENTENCES; Raffel et al. §2.2 (datatrove's C4QualityFilter swaps it: 5)
MAX_WORD_LENGTH = 1000  # _MAX_WORD_LENGTH
END_MARKS = (".", "?", "!", '"')  # _END_MARKS
ELLIPSIS = "..."  # _ELLIPSIS
POLICY_SUBSTRINGS = (  # _POLICY_SUBSTRINGS
    "terms of use", "privacy policy", "cookie policy", "uses cookies", "use of cookies", "use cookies",
)
# get_clean_page_fn: "Used to filter citation from Wikipedia pages (among others)". Case-sensitive; `[]` matches too.
CITATION = re.compile(r"\[\d*\]|\[edit\]|\[citation needed\]")
# normalize_url: the scheme and a leading "www." go (anywhere in the URL: the pattern is not anchored), a query that
# starts with a tracking parameter goes, then trailing slashes. Nothing is lower-cased.
_URL_SCHEME_AND_WWW = re.compile(r"https?://(www\.)?")
_TRACKING_QUERY = re.compile(r"\?(utm_|ref|feed).*")
# c4.py _split_generators: validation_predicate_fn = lambda x: x % 1000 == 0 on int(md5(normalized url)).
VALIDATION_MODULUS = 1000
# detect_english(min_probability=0.99) with langdetect; fastText lid.176 needs its own threshold (module docstring).
C4_LANGDETECT_THRESHOLD = 0.99
DEFAULT_LID_THRESHOLD = 0.9
LANGUAGE = "en"
SPLITS = ("train", "validation")
BADWORDS_URL = (
    "https://raw.githubusercontent.com/LDNOOBW/List-of-Dirty-Naughty-Obscene-and-Otherwise-Bad-Words/"
    "25e679f03d96baa721cde20db9944649e8d0a844/en"
)  # c4.py _EN_BADWORDS_URL: "Use older 'en' file for reproducibility of the original C4."


# --- URLs and splits ------------------------------------------------------------------------------------------


def normalize_url(url: str) -> str:
    """TFDS `normalize_url`: `https://www.site.example/a/?utm_source=x` -> `site.example/a`."""
    url = _URL_SCHEME_AND_WWW.sub("", url)
    url = _TRACKING_QUERY.sub("", url)
    return url.rstrip("/")


def md5_hex(text: str) -> str:
    return hashlib.md5(text.encode("utf-8")).hexdigest()


def split_of(normalized_url: str) -> str:
    """`validation` for about one URL in 1000, chosen by its md5, else `train` (TFDS `get_hashed_url_filter_fn`)."""
    return "validation" if int(md5_hex(normalized_url), 16) % VALIDATION_MODULUS == 0 else "train"


def fetch_time(date: str | None) -> float:
    """Seconds since the epoch of a WARC-Date (`2026-01-14T09:31:07Z`, fractions allowed); -inf when absent or
    unreadable, so that a page with a date is newer than one without."""
    if not date:
        return float("-inf")
    try:
        return datetime.fromisoformat(date.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return float("-inf")


def newest_first_key(meta: dict, text: str) -> tuple[float, int, str]:
    """Order of copies of one URL, the one to keep last: newest fetch (TFDS `select_newest_page`), then the longer
    text, then the larger WARC record id (TFDS keeps whichever it saw first)."""
    return fetch_time(meta.get("date")), len(text), meta.get("record_id") or ""


# --- sentences ------------------------------------------------------------------------------------------------

# Closing quotes and brackets may follow a sentence's end mark: `"Stop."` `(as planned.)`
_CLOSERS = "\"'”’)]"
# Abbreviations punkt's English model knows (it learned them from news text); a period after them ends nothing.
ABBREVIATIONS = frozenset({
    "mr", "mrs", "ms", "dr", "prof", "st", "jr", "sr", "vs", "etc", "no", "nos", "fig", "figs", "approx", "inc",
    "ltd", "co", "corp", "mt", "ft", "gen", "gov", "sen", "rep", "rev", "capt", "col", "lt", "sgt", "jan", "feb",
    "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "e.g", "i.e", "a.m", "p.m", "u.s", "u.k",
})
_INITIALS = re.compile(r"(?:[^\W\d_]\.)+")  # "J." "U.S.": letters, each followed by a period


def _ends_sentence(word: str) -> bool:
    core = word.rstrip(_CLOSERS)
    if not core.endswith((".", "?", "!")) or core.endswith(ELLIPSIS):
        return False
    if core[-1] != ".":
        return True
    stem = core.rstrip(".").lstrip("\"'“‘([").lower()
    return stem not in ABBREVIATIONS and not _INITIALS.fullmatch(stem + ".")


def count_sentences(text: str) -> int:
    """Sentences in `text` (newlines are spaces, as for punkt): words ending a sentence, plus a last sentence
    without an end mark. "It rained. We left." -> 2; "Dr. Okafor spoke at 9 a.m. today." -> 1."""
    words = text.split()
    return sum(map(_ends_sentence, words)) + (1 if words and not _ends_sentence(words[-1]) else 0)


# --- clean_page ---------------------------------------------------------------------------------------------


@dataclass
class CleanedPage:
    """What `clean_page` made of a page: the text (None: the page is dropped, for `reason`) and what each line
    became (`valid` or the reason it was removed)."""

    text: str | None
    reason: str | None
    lines: Counter = field(default_factory=Counter)


def line_has_too_long_word(line: str, max_word_length: int = MAX_WORD_LENGTH) -> bool:
    return any(len(word) > max_word_length for word in line.split())


def remove_citations(line: str) -> str:
    """`Built in 1871.[1]` -> `Built in 1871.`; `History[edit]` -> `History`; `[Edit]`, `[a]`, `[1a]` stay."""
    return CITATION.sub("", line)


def clean_page(text: str, min_words_per_line: int = MIN_WORDS_PER_LINE,
               min_num_sentences: int = MIN_NUM_SENTENCES, max_word_length: int = MAX_WORD_LENGTH) -> CleanedPage:
    """TFDS `clean_page`: keeps the lines that pass every line rule; drops the page for lorem ipsum, `{`, or fewer
    than `min_num_sentences` sentences in the lines kept (counted line by line, as TFDS does)."""
    result = CleanedPage(None, None)
    valid: list[str] = []
    sentences = 0
    for line in text.splitlines():
        line = line.strip()
        if line_has_too_long_word(line, max_word_length):
            result.lines["too_long_word"] += 1
            continue
        line = remove_citations(line)
        if not line.endswith(END_MARKS) or line.endswith(ELLIPSIS):
            result.lines["no_end_mark"] += 1
            continue
        if len(line.split()) < min_words_per_line:
            result.lines["too_short"] += 1
            continue
        lower = line.lower()
        if "lorem ipsum" in lower:
            result.reason = "lorem_ipsum"
            return result
        if "javascript" in lower:
            result.lines["javascript"] += 1
            continue
        if "{" in line:
            result.reason = "curly_bracket"
            return result
        if any(phrase in lower for phrase in POLICY_SUBSTRINGS):
            result.lines["policy"] += 1
            continue
        sentences += count_sentences(line)
        valid.append(line)
        result.lines["valid"] += 1
    if sentences < min_num_sentences:
        result.reason = "too_few_sentences"
        return result
    result.text = "\n".join(valid).strip()
    return result


# --- remove_duplicate_text ----------------------------------------------------------------------------------


def line_key(line: str) -> str:
    """TFDS `_emit_url_to_lines`: the md5 of the stripped, lower-cased line."""
    return md5_hex(line.strip().lower())


@dataclass
class DedupedPage:
    text: str | None  # None: the page is dropped, for `reason`
    reason: str | None
    global_duplicates: int
    local_duplicates: int


def remove_duplicate_lines(text: str, keep: set[str], min_num_sentences: int = MIN_NUM_SENTENCES) -> DedupedPage:
    """TFDS `_remove_lines_from_text`: keeps the lines whose key is in `keep` (the lines this page was chosen to
    hold), each once; then drops the page if nothing is left or it has fewer than `min_num_sentences` sentences."""
    kept: list[str] = []
    seen: set[str] = set()
    global_duplicates = local_duplicates = 0
    for line in text.split("\n"):
        key = line_key(line)
        if key not in keep:
            global_duplicates += 1
        elif key in seen:
            local_duplicates += 1
        else:
            kept.append(line)
            seen.add(key)
    new_text = "\n".join(kept)
    if not new_text:
        return DedupedPage(None, "empty", global_duplicates, local_duplicates)
    if min_num_sentences and count_sentences(new_text) < min_num_sentences:
        return DedupedPage(None, "too_few_sentences", global_duplicates, local_duplicates)
    return DedupedPage(new_text, None, global_duplicates, local_duplicates)


# --- bad words ----------------------------------------------------------------------------------------------


def read_badwords(path: str) -> list[str]:
    """The words and phrases of a LDNOOBW-style list (one a line, UTF-8); blank lines are skipped, because an empty
    alternative would match between any two non-word characters."""
    try:
        with storage.open_read(path) as handle:
            text = handle.read().decode("utf-8")
    except FileNotFoundError:
        raise FileNotFoundError(f"--badwords {path}: no such file (C4 used {BADWORDS_URL})") from None
    except UnicodeDecodeError as err:
        raise ValueError(f"--badwords {path}: not UTF-8 at byte {err.start}; expected one word a line") from None
    words = sorted({line.strip().lower() for line in text.splitlines() if line.strip()})
    if not words:
        raise ValueError(f"--badwords {path}: the file lists no words; expected one word or phrase a line")
    return words


def badwords_pattern(words: Iterable[str]) -> re.Pattern:
    """TFDS `get_badwords_filter_fn` for space-separated languages: a listed entry (escaped; lower-cased here, since
    the text is) flanked by a non-word character or the text's start/end."""
    alternatives = "|".join(re.escape(word.lower()) for word in sorted(set(words), key=lambda w: (-len(w), w)))
    return re.compile(rf"(?:\W|^)({alternatives})(?:\W|$)")


def has_badword(text: str, pattern: re.Pattern) -> bool:
    return pattern.search(text.lower()) is not None


# --- documents ------------------------------------------------------------------------------------------------


def native_id(record_id: str, url: str) -> str:
    """`urn:uuid:…/https://…`: the WARC record id and the page's URL, as for CommonCrawl."""
    return f"{record_id.strip('<>')}/{url}"


def meta_of(doc: dict) -> dict:
    return json.loads(doc["meta"])


def with_meta(doc: dict, **fields) -> dict:
    return {**doc, "meta": json.dumps({**meta_of(doc), **fields}, ensure_ascii=False, sort_keys=True)}


def partition_name(doc: dict) -> str:
    return f"split={meta_of(doc)['split']}"


# --- Beam steps -----------------------------------------------------------------------------------------------




class ReadPages(beam.DoFn):
    """(file index, path) -> (normalized URL, document) for pages of at most `max_chars`; errors -> `errors`."""

    def __init__(self, max_chars: int = MAX_PAGE_CHARS):
        self.max_chars = max_chars
        self.read = StepCounter(SOURCE, "read")
        self.length = StepCounter(SOURCE, "length")

    def process(self, indexed_path: tuple[int, str]):
        _, path = indexed_path
        for item in read_pages(path, open_binary=storage.open_read):
            if isinstance(item, InputError):
                self.read.dropped(INPUT_ERROR)
                yield beam.pvalue.TaggedOutput(ERRORS, asdict(item))
                continue
            self.read.kept()
            if len(item.text) > self.max_chars:
                self.length.dropped("too_long")
                continue
            self.length.kept()
            normalized = normalize_url(item.url)
            yield normalized, make_document(
                SOURCE, native_id(item.record_id, item.url), item.text, "und",
                {"url": item.url, "normalized_url": normalized, "record_id": item.record_id, "date": item.date,
                 "digest": item.digest, "file": path},
            )


class NewestPage(beam.CombineFn):
    """All copies of one normalized URL -> (the copy to keep, number of copies); combinable, so a URL crawled many
    times never gathers all its pages on one worker. Accumulator: (order key of the best copy, best copy, copies)."""

    def create_accumulator(self):
        return None, None, 0

    def add_input(self, accumulator, doc: dict):
        key, best, copies = accumulator
        doc_key = newest_first_key(meta_of(doc), doc["text"])
        if best is None or doc_key > key:
            return doc_key, doc, copies + 1
        return key, best, copies + 1

    def merge_accumulators(self, accumulators):
        key, best, copies = None, None, 0
        for other_key, other, count in accumulators:
            if other is not None and (best is None or other_key > key):
                key, best = other_key, other
            copies += count
        return key, best, copies

    def extract_output(self, accumulator):
        _, best, copies = accumulator
        return best, copies


def _url_copies(keyed) -> list[dict]:
    """The pages a (URL, (newest copy, copies)) element stands for: the funnel counts every copy."""
    _, (doc, copies) = keyed
    return [doc] * copies


class CountUrlCopies(beam.DoFn):
    def __init__(self):
        self.url_dedup = StepCounter(SOURCE, "url_dedup")

    def process(self, keyed):
        _, (doc, copies) = keyed
        if copies > 1:
            self.url_dedup.dropped("duplicate_url", copies - 1)
        self.url_dedup.kept()
        yield doc


class CleanPages(beam.DoFn):
    """`clean_page` on each document; what happened to its lines goes to `stats.counters` (`clean/lines_*`)."""

    def __init__(self):
        self.clean = StepCounter(SOURCE, "clean")

    def setup(self):
        self.line_counters = {}

    def process(self, doc: dict):
        result = clean_page(doc["text"])
        for outcome, n in result.lines.items():
            counter = self.line_counters.get(outcome)
            if counter is None:
                counter = self.line_counters[outcome] = extra_counter(SOURCE, f"clean/lines_{outcome}")
            counter.inc(n)
        if result.text is None:
            self.clean.dropped(result.reason)
            return
        self.clean.kept()
        yield {**doc, "text": result.text}


def _line_owners(doc: dict) -> Iterator[tuple[str, tuple[str, str]]]:
    """(line key, (md5 of the page's URL, page id)) once per distinct line of the page."""
    url_hash = md5_hex(meta_of(doc)["url"])
    for key in {line_key(line) for line in doc["text"].split("\n")}:
        yield key, (url_hash, doc["id"])


class RemoveDuplicateLines(beam.DoFn):
    def __init__(self, min_num_sentences: int = MIN_NUM_SENTENCES):
        self.min_num_sentences = min_num_sentences
        self.line_dedup = StepCounter(SOURCE, "line_dedup")

    def setup(self):
        self.global_duplicates = extra_counter(SOURCE, "line_dedup/lines_global_duplicate")
        self.local_duplicates = extra_counter(SOURCE, "line_dedup/lines_local_duplicate")

    def process(self, joined):
        doc_id, grouped = joined
        docs = list(grouped["doc"])
        if len(docs) != 1:
            raise ValueError(f"line dedup: {len(docs)} documents share the id {doc_id!r}; url_dedup should have "
                             f"left one page per URL (files: {sorted({meta_of(d)['file'] for d in docs})})")
        doc = docs[0]
        result = remove_duplicate_lines(doc["text"], set(grouped["keep"]), self.min_num_sentences)
        self.global_duplicates.inc(result.global_duplicates)
        self.local_duplicates.inc(result.local_duplicates)
        if result.text is None:
            self.line_dedup.dropped(result.reason)
            return
        self.line_dedup.kept()
        yield {**doc, "text": result.text}


class C4LineDedup(beam.PTransform):
    """Each line kept in one page of the whole corpus (C4 semantics), by grouping, with no global set of lines:

        docs ─► (line key → (md5(url), id)) ─► CombinePerKey(min) ─► (id → line key to keep)
          └──────────────── id → doc ───────── CoGroupByKey by id ─► RemoveDuplicateLines
    """

    def __init__(self, min_num_sentences: int = MIN_NUM_SENTENCES):
        super().__init__()
        self.min_num_sentences = min_num_sentences

    def expand(self, docs):
        keep = (
            docs
            | "LineOwners" >> beam.FlatMap(_line_owners)
            | "ChooseOwner" >> beam.CombinePerKey(min)
            | "KeyByOwner" >> beam.MapTuple(lambda key, owner: (owner[1], key))
        )
        by_id = docs | "KeyById" >> beam.Map(lambda doc: (doc["id"], doc))
        return (
            {"doc": by_id, "keep": keep}
            | "JoinKeptLines" >> beam.CoGroupByKey()
            | "RemoveDuplicateLines" >> guarded("line_dedup", RemoveDuplicateLines(self.min_num_sentences),
                                                documents=joined_documents("doc"))
        )


class FilterBadWords(beam.DoFn):
    """Drops pages with a listed word; the list travels with the DoFn (a few KB), the regex is built in `setup`."""

    def __init__(self, words: Sequence[str]):
        self.words = list(words)
        self.badwords = StepCounter(SOURCE, "badwords")

    def setup(self):
        self.pattern = badwords_pattern(self.words)

    def process(self, doc: dict):
        if has_badword(doc["text"], self.pattern):
            self.badwords.dropped("badword")
            return
        self.badwords.kept()
        yield doc


class AssignSplit(beam.DoFn):
    """Sets `meta.split` (train / validation) from the normalized URL; counted in `stats.counters` (`split/*`)."""

    def setup(self):
        self.counters = {split: extra_counter(SOURCE, f"split/{split}") for split in SPLITS}

    def process(self, doc: dict):
        split = split_of(meta_of(doc)["normalized_url"])
        self.counters[split].inc()
        yield with_meta(doc, split=split)


class C4(beam.PTransform):
    """(file index, path) -> (documents with `meta.split`, input errors), every step counted."""

    def __init__(self, lid_model: str, lid_threshold: float = DEFAULT_LID_THRESHOLD,
                 badwords: Sequence[str] | None = None, max_page_chars: int = MAX_PAGE_CHARS):
        super().__init__()
        self.lid_model = lid_model
        self.lid_threshold = lid_threshold
        self.badwords = list(badwords) if badwords else None
        self.max_page_chars = max_page_chars

    def expand(self, paths):
        pages = paths | "ReadPages" >> beam.ParDo(ReadPages(self.max_page_chars)).with_outputs(ERRORS, main="pages")
        docs = (
            pages.pages
            | "NewestPagePerUrl" >> beam.CombinePerKey(NewestPage())
            | "CountUrlCopies" >> guarded("url_dedup", CountUrlCopies(), documents=_url_copies)
            | "CleanPages" >> guarded("clean", CleanPages())
            | "LineDedup" >> C4LineDedup()
            | "LanguageId" >> guarded(
                "lang_id", IdentifyLanguage(SOURCE, self.lid_model, (LANGUAGE,), self.lid_threshold))
        )
        if self.badwords:
            docs = docs | "BadWords" >> guarded("badwords", FilterBadWords(self.badwords))
        return docs | "AssignSplit" >> beam.ParDo(AssignSplit()), pages[ERRORS]


# --- running it ---------------------------------------------------------------------------------------------

STEPS = ("read", "length", "url_dedup", "clean", "line_dedup", "lang_id", "badwords")


@dataclass
class C4Config:
    """Every setting of a run; recorded whole in the manifest, with the rules' constants."""

    lid_model: str = DEFAULT_MODEL
    lid_threshold: float = DEFAULT_LID_THRESHOLD
    badwords: str | None = None

    def steps(self) -> tuple[list[str], dict[str, str]]:
        """The funnel steps that run, and why the others do not."""
        if self.badwords:
            return list(STEPS), {}
        return [s for s in STEPS if s != "badwords"], {
            "badwords": f"no --badwords given (C4 used the LDNOOBW English list: {BADWORDS_URL})"}


def rules() -> dict:
    """The constants of the rules, for the manifest."""
    return {
        "max_page_chars": MAX_PAGE_CHARS, "min_words_per_line": MIN_WORDS_PER_LINE,
        "min_num_sentences": MIN_NUM_SENTENCES, "max_word_length": MAX_WORD_LENGTH, "end_marks": list(END_MARKS),
        "policy_substrings": list(POLICY_SUBSTRINGS), "citation_regex": CITATION.pattern,
        "validation": f"int(md5(normalized_url)) % {VALIDATION_MODULUS} == 0",
        "url_dedup": "newest WARC-Date, then longer text, then larger record id",
        "line_dedup": "one copy per md5(stripped lower-cased line), in the page with the smallest md5(url)",
        "sentence_counter": "rule-based stand-in for NLTK punkt (pipelines.sources.c4.count_sentences)",
    }


def run(inputs: Sequence[str], output: str, config: C4Config = C4Config(), beam_argv: Sequence[str] = (),
        overwrite: bool = False, num_shards: int = 0) -> dict:
    """Runs the pipeline and returns the manifest it wrote."""
    steps, skipped = config.steps()
    words = read_badwords(config.badwords) if config.badwords else None
    recorded = {
        **asdict(config),
        "language_identifier": f"fastText lid.176 ({config.lid_model}), label {LANGUAGE}, score >= "
                               f"{config.lid_threshold}; C4 used langdetect with p >= {C4_LANGDETECT_THRESHOLD}",
        "badwords_count": len(words) if words else 0,
        "badwords_sha256": storage.file_digest(config.badwords)[1] if config.badwords else None,
        "rules": rules(),
        "skipped_steps": skipped,
    }
    return run_source_pipeline(
        SourceRun(SOURCE, steps, list(inputs), output, recorded, beam_argv, overwrite, num_shards,
                  partitions=[f"split={split}" for split in SPLITS], partition_of=partition_name,
                  models=[config.lid_model]),
        C4(config.lid_model, config.lid_threshold, words),
    )


def main(argv: list[str]) -> int:
    """`llamix run c4 …`: parses the options (the unknown ones go to Beam), runs, logs the funnel."""
    from pipelines.sources.commoncrawl import resolve_inputs  # wet.paths.gz listings, as for CommonCrawl

    parser = argparse.ArgumentParser(
        prog="llamix run c4",
        description="CommonCrawl WET files through the C4 rules (TFDS c4_utils.py) -> Parquet in split=train and "
        "split=validation + manifest.json. Unrecognised options are passed to Beam.",
    )
    parser.add_argument("--input", required=True, action="append",
                        help="*.warc.wet.gz globs or a wet.paths.gz listing (repeat or comma-separate)")
    parser.add_argument("--base-url", help="prefix for the paths in a wet.paths.gz listing (gs://…, s3://…, a folder)")
    parser.add_argument("--output", required=True)
    parser.add_argument("--badwords", help=f"bad-words list, one a line; C4 used {BADWORDS_URL} "
                        "(without it the bad-words step is skipped)")
    parser.add_argument("--lid-model", default=DEFAULT_MODEL, help=f"fastText lid.176 model (default {DEFAULT_MODEL})")
    parser.add_argument("--lid-threshold", type=float, default=DEFAULT_LID_THRESHOLD,
                        help=f"minimum fastText English score (default {DEFAULT_LID_THRESHOLD}; C4's langdetect "
                        f"threshold was {C4_LANGDETECT_THRESHOLD}, which lid.176 scores rarely reach)")
    parser.add_argument("--num-shards", type=int, default=0)
    parser.add_argument("--overwrite", action="store_true")
    args, beam_argv = parser.parse_known_args(argv)
    patterns = [p for value in args.input for p in value.split(",") if p]
    config = C4Config(lid_model=args.lid_model, lid_threshold=args.lid_threshold, badwords=args.badwords)
    manifest = run(resolve_inputs(patterns, args.base_url), args.output, config, beam_argv, args.overwrite,
                   args.num_shards)
    log_run_summary(manifest, args.output)
    return 0
