"""Document perplexity under a CCNet-style language model, and the head/middle/tail buckets it decides.

A model is a pair of files per language in one folder, named as CCNet names them (cc_net/mine.py builds
`{lm_dir}/{lang}.sp.model` and `{lm_dir}/{lang}.arpa.bin`), so CCNet's published models load unchanged:

- `{lang}.sp.model`: a SentencePiece model (CCNet's are unigram models trained on Wikipedia);
- `{lang}.arpa.bin`: a KenLM n-gram model over those pieces, in KenLM's binary format. A plain-text `{lang}.arpa`
  is accepted in its place when no `.arpa.bin` is there (KenLM reads both; ARPA loads slower and takes more memory).

Scoring a document, as cc_net/perplexity.py does: normalize with `text_normalizer.normalize` (accents, case,
digits, punct=1), cut into SentencePiece pieces, and score the pieces joined by spaces with KenLM, with <s> and </s>;
the length of a line is its number of pieces plus one (the </s>). Over a document,
`perplexity = 10 ** (-sum(log10 scores) / sum(lengths))`, rounded to one decimal as CCNet stores it.

Lines: by default each line of the document is scored as a sentence (CCNet's `DocLM`, which splits on "\\n").
In CCNet's own pipeline the text is normalized as a whole before SentencePiece, and normalization deletes "\\n"
(a non-printing character), so CCNet in fact scores each document as one sentence whose lines run together;
`LanguageModel(..., line_by_line=False)` reproduces that, for perplexities comparable with CCNet's published
cutoffs. Lines that are empty after normalization are not scored (DocLM would count each as one </s>).

Buckets: with per-language cutoffs (the 30th and 60th percentiles of perplexity), a document is "head" below the
first, "middle" below the second, and "tail" otherwise (cc_net/perplexity.py `PerplexityBucket`).
"""
from __future__ import annotations

import csv
import io
import logging
import time
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import numpy as np

from manifests import storage
from pipelines.transforms.text_normalizer import normalize

log = logging.getLogger(__name__)

SP_MODEL_SUFFIX = ".sp.model"
KENLM_BINARY_SUFFIX = ".arpa.bin"
KENLM_ARPA_SUFFIX = ".arpa"

# cc_net/perplexity.py PerplexityBucket(percentile_head=30, percentile_tail=60), used by cc_net/mine.py.
PERCENTILE_HEAD = 30
PERCENTILE_MIDDLE = 60
BUCKETS = ("head", "middle", "tail")
# cc_net/perplexity.py DocLM.do: round(pp(doc_log_score, doc_length), 1).
PERPLEXITY_DECIMALS = 1
# A cutoffs file holds every integer percentile from 0 to 100, as CCNet's cc_net/data/cutoff.csv does.
CUTOFF_PERCENTILES = tuple(range(101))


def perplexity(log10_score: float, n_tokens: int) -> float:
    """`10 ** (-log10_score / n_tokens)` (cc_net/perplexity.py `pp`), not rounded."""
    if n_tokens <= 0:
        raise ValueError(f"perplexity needs at least one token, got n_tokens={n_tokens}")
    return 10.0 ** (-log10_score / n_tokens)


def perplexity_bucket(pp: float, cutoffs: tuple[float, float]) -> str:
    """"head" if pp < cutoffs[0] (the 30th percentile), "middle" if pp < cutoffs[1] (the 60th), else "tail"."""
    head, middle = cutoffs
    if head > middle:
        raise ValueError(f"cutoffs must be (30th percentile, 60th percentile) in increasing order, got {cutoffs}")
    if pp < head:
        return "head"
    if pp < middle:
        return "middle"
    return "tail"


# --- Models ------------------------------------------------------------------------------------------------------


def model_paths(lm_dir: str, lang: str) -> tuple[str, str]:
    """`(sentencepiece model, kenlm model)` for `lang` in `lm_dir`: the `.arpa.bin`, or the `.arpa` when only that
    is there. Raises FileNotFoundError naming the files it expected."""
    sp_path = storage.join(lm_dir, f"{lang}{SP_MODEL_SUFFIX}")
    binary = storage.join(lm_dir, f"{lang}{KENLM_BINARY_SUFFIX}")
    arpa = storage.join(lm_dir, f"{lang}{KENLM_ARPA_SUFFIX}")
    kenlm_path = binary if storage.exists(binary) or not storage.exists(arpa) else arpa
    missing = [p for p in (sp_path, kenlm_path) if not storage.exists(p)]
    if missing:
        raise FileNotFoundError(
            f"no language model for {lang!r} in {lm_dir}: expected {lang}{SP_MODEL_SUFFIX} and "
            f"{lang}{KENLM_BINARY_SUFFIX} (or {lang}{KENLM_ARPA_SUFFIX}); missing {', '.join(missing)}"
        )
    return sp_path, kenlm_path


def _file_names(directory: str) -> list[str]:
    if storage.has_scheme(directory):
        from apache_beam.io.filesystems import FileSystems

        matched = FileSystems.match([storage.join(directory, "*")])[0].metadata_list
        return [FileSystems.split(m.path)[1] for m in matched]
    path = Path(directory)
    if not path.is_dir():
        raise FileNotFoundError(f"language model folder {directory} does not exist")
    return [p.name for p in path.iterdir() if p.is_file()]


def available_languages(lm_dir: str) -> list[str]:
    """Languages with both a `{lang}.sp.model` and a `{lang}.arpa.bin` (or `{lang}.arpa`) in `lm_dir`, sorted.
    The language is the file name up to its first dot, as cc_net/mine.py reads it."""
    names = set(_file_names(lm_dir))
    langs = {name.split(".")[0] for name in names if name.endswith(SP_MODEL_SUFFIX)}
    return sorted(
        lang for lang in langs if f"{lang}{KENLM_BINARY_SUFFIX}" in names or f"{lang}{KENLM_ARPA_SUFFIX}" in names
    )


class LanguageModel:
    """One language's SentencePiece + KenLM pair. Load once per worker (`DoFn.setup`); not picklable."""

    def __init__(self, lang: str, sp_model_path: str, kenlm_path: str, line_by_line: bool = True):
        import kenlm
        import sentencepiece as spm

        self.lang = lang
        self.sp_model_path = sp_model_path
        self.kenlm_path = kenlm_path
        self.line_by_line = line_by_line
        started = time.monotonic()
        self.sp = spm.SentencePieceProcessor(model_file=storage.local_copy(sp_model_path))
        # kenlm.Config() loads with POPULATE_OR_READ, the load_method=2 that cc_net's DocLM sets.
        self.kenlm = kenlm.Model(storage.local_copy(kenlm_path), kenlm.Config())
        log.info("loaded %s language model (%s, %s) in %.1fs", lang, sp_model_path, kenlm_path,
                 time.monotonic() - started)

    @classmethod
    def load(cls, lm_dir: str, lang: str, line_by_line: bool = True) -> LanguageModel:
        """The model for `lang` from `lm_dir` (local, or any scheme Beam's FileSystems reads: copied locally once)."""
        return cls(lang, *model_paths(lm_dir, lang), line_by_line=line_by_line)

    def pieces(self, text: str) -> list[list[str]]:
        """The SentencePiece pieces of each scored line of `text` (normalized first; empty lines left out)."""
        units = text.split("\n") if self.line_by_line else [text]
        normalized = [line for line in map(normalize, units) if line]
        return self.sp.encode(normalized, out_type=str) if normalized else []

    def score_document(self, text: str) -> tuple[float, int]:
        """`(log10 probability, tokens)` of the document: the sum over its lines of KenLM's score of the pieces with
        <s> and </s>, and of the number of pieces plus one. `(0.0, 0)` when no line has any text."""
        log10_score, n_tokens = 0.0, 0
        for line_pieces in self.pieces(text):
            log10_score += self.kenlm.score(" ".join(line_pieces), bos=True, eos=True)
            n_tokens += len(line_pieces) + 1
        return log10_score, n_tokens

    def perplexity(self, text: str) -> float | None:
        """The document's perplexity rounded to PERPLEXITY_DECIMALS, or None when it has nothing to score."""
        log10_score, n_tokens = self.score_document(text)
        if n_tokens == 0:
            return None
        return round(perplexity(log10_score, n_tokens), PERPLEXITY_DECIMALS)


# --- Cutoffs -----------------------------------------------------------------------------------------------------
# The cutoffs file is CCNet's cutoff.csv layout (cc_net/data/cutoff.csv, read by PerplexityBucket with
# pandas.read_csv(path, index_col=0) and cutoffs[lang][30]): a header row with an empty first cell and then one
# language code per column; one row per percentile, whose first cell is the percentile (0 to 100) and whose other
# cells are that percentile of document perplexity in each language:
#
#     ,de,en
#     0,0.0,0.0
#     ...
#     30,370.0,340.0
#     ...
#     60,590.0,520.0
#     ...
#     100,41200.0,38900.0
#
# Reading needs only the rows 30 and 60; an empty cell means the language has no value there.


def percentiles_of(values: Iterable[float]) -> list[float]:
    """The 101 percentiles (0..100, numpy's linear interpolation) of a sample of perplexities, for `write_cutoffs`.
    On a pipeline, Beam's ApproximateQuantiles with num_quantiles=101 gives the same shape."""
    sample = np.fromiter(values, dtype=np.float64)
    if sample.size == 0:
        raise ValueError("percentiles of an empty sample")
    return np.percentile(sample, CUTOFF_PERCENTILES).tolist()


def cutoffs_from_percentiles(percentiles: Sequence[float]) -> tuple[float, float]:
    """`(p30, p60)` from the 101 percentiles 0..100."""
    if len(percentiles) != len(CUTOFF_PERCENTILES):
        raise ValueError(f"expected the {len(CUTOFF_PERCENTILES)} percentiles 0..100, got {len(percentiles)} values")
    return float(percentiles[PERCENTILE_HEAD]), float(percentiles[PERCENTILE_MIDDLE])


def format_cutoffs(percentiles: Mapping[str, Sequence[float]]) -> str:
    """The cutoffs file text for `{lang: the 101 percentiles 0..100}`; languages in sorted order."""
    langs = sorted(percentiles)
    for lang in langs:
        if len(percentiles[lang]) != len(CUTOFF_PERCENTILES):
            raise ValueError(
                f"{lang}: expected the {len(CUTOFF_PERCENTILES)} percentiles 0..100, got {len(percentiles[lang])}"
            )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["", *langs])
    for p in CUTOFF_PERCENTILES:
        writer.writerow([p, *(f"{float(percentiles[lang][p]):.{PERPLEXITY_DECIMALS}f}" for lang in langs)])
    return out.getvalue()


def parse_cutoffs(text: str, where: str = "cutoffs") -> dict[str, tuple[float, float]]:
    """`{lang: (p30, p60)}` from the text of a cutoffs file (CCNet's cutoff.csv layout)."""
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or len(rows[0]) < 2:
        raise ValueError(f"{where}: expected a header row ',lang,lang,…' (CCNet cutoff.csv layout)")
    langs = [lang.strip() for lang in rows[0][1:]]
    by_percentile: dict[int, list[str]] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not row:
            continue
        try:
            percentile = int(float(row[0]))
        except ValueError:
            raise ValueError(
                f"{where}: line {number}: expected a percentile 0..100 in the first cell, got {row[0]!r}"
            ) from None
        by_percentile[percentile] = row[1:]
    for percentile in (PERCENTILE_HEAD, PERCENTILE_MIDDLE):
        if percentile not in by_percentile:
            raise ValueError(f"{where}: no row for percentile {percentile}")
    cutoffs: dict[str, tuple[float, float]] = {}
    for column, lang in enumerate(langs):
        cells = [by_percentile[p][column].strip() if column < len(by_percentile[p]) else ""
                 for p in (PERCENTILE_HEAD, PERCENTILE_MIDDLE)]
        if not all(cells):
            continue
        try:
            head, middle = (float(cell) for cell in cells)
        except ValueError:
            raise ValueError(f"{where}: column {lang!r}: expected numbers in rows 30 and 60, got {cells}") from None
        if head > middle:
            raise ValueError(f"{where}: column {lang!r}: 30th percentile {head} above 60th percentile {middle}")
        cutoffs[lang] = (head, middle)
    return cutoffs


def read_cutoffs(path: str) -> dict[str, tuple[float, float]]:
    """`{lang: (p30, p60)}` from a cutoffs file (local or remote), CCNet's cutoff.csv included."""
    with storage.open_read(path) as handle:
        text = handle.read().decode("utf-8")
    return parse_cutoffs(text, where=str(path))


def write_cutoffs(path: str, percentiles: Mapping[str, Sequence[float]]) -> None:
    """Writes `{lang: the 101 percentiles 0..100}` as a cutoffs file, atomically."""
    storage.write_bytes_atomic(str(path), format_cutoffs(percentiles).encode("utf-8"))


# --- Beam ----------------------------------------------------------------------------------------------------------
# Perplexities are scored on the workers, the cutoffs come from a file or from Beam's approximate quantiles of the
# scored documents (a side input), and buckets are assigned and filtered in a second pass over the scored documents.

import json  # noqa: E402  (Beam part of the module)
import math  # noqa: E402

import apache_beam as beam  # noqa: E402

from pipelines.deadletter import guarded  # noqa: E402
from pipelines.funnel import StepCounter, extra_counter  # noqa: E402

UNBUCKETED = "none"  # documents whose language has no model (or no text left to score)
DEFAULT_KEEP_BUCKETS = ("head", "middle")  # LLaMA/CCNet keep the head and middle thirds (cc_net mine.py)
HISTOGRAM_BIN = 0.1  # width of the log10(perplexity) bins counted for the manifest's histogram


def histogram_bin(pp: float) -> str:
    """The lower edge of `pp`'s bin on a log10 scale, as text: "2.3" holds 10^2.3 <= pp < 10^2.4."""
    return f"{math.floor(math.log10(max(pp, 1.0)) / HISTOGRAM_BIN) * HISTOGRAM_BIN:.1f}"


class ScorePerplexity(beam.DoFn):
    """Adds `meta.perplexity` for languages with a model in `lm_dir`; other documents pass untouched."""

    def __init__(self, source: str, lm_dir: str, langs: Sequence[str], line_by_line: bool = True):
        self.source = source
        self.lm_dir = lm_dir
        self.langs = tuple(langs)
        self.line_by_line = line_by_line
        # Filled on the worker (setup, then first use of a language): models are never pickled with the DoFn.
        self.available: set[str] | None = None
        self.models: dict[str, LanguageModel] | None = None

    def setup(self):
        self.available = set(available_languages(self.lm_dir)) & set(self.langs)
        self.models: dict[str, LanguageModel] = {}

    def _model(self, lang: str) -> LanguageModel | None:
        if lang not in self.available:
            return None
        if lang not in self.models:  # loaded on first use: a worker that never sees a language never loads it
            self.models[lang] = LanguageModel.load(self.lm_dir, lang, self.line_by_line)
        return self.models[lang]

    def process(self, doc: dict):
        lang = doc["lang"]
        model = self._model(lang)
        pp = model.perplexity(doc["text"]) if model is not None else None
        if pp is None:
            reason = "no_model" if model is None else "nothing_to_score"
            extra_counter(self.source, f"perplexity/{lang}/{reason}").inc()
            yield doc
            return
        extra_counter(self.source, f"perplexity/{lang}/histogram/{histogram_bin(pp)}").inc()
        meta = json.loads(doc["meta"])
        meta["perplexity"] = pp
        yield {**doc, "meta": json.dumps(meta, ensure_ascii=False, sort_keys=True)}


class AssignBucket(beam.DoFn):
    """Sets `meta.bucket` from the language's (p30, p60) cutoffs; drops the buckets not kept. Documents with no
    perplexity, or of a language without cutoffs, pass unbucketed."""

    def __init__(self, source: str, keep_buckets: Sequence[str], step: str = "perplexity"):
        unknown = set(keep_buckets) - set(BUCKETS)
        if unknown or not keep_buckets:
            raise ValueError(f"keep_buckets {list(keep_buckets)}: choose among {BUCKETS}")
        self.keep = frozenset(keep_buckets)
        self.step = StepCounter(source, step)

    def process(self, doc: dict, cutoffs: Mapping[str, tuple[float, float]]):
        meta = json.loads(doc["meta"])
        pp = meta.get("perplexity")
        if pp is None or doc["lang"] not in cutoffs:
            self.step.kept()
            yield doc
            return
        bucket = perplexity_bucket(pp, tuple(cutoffs[doc["lang"]]))
        if bucket not in self.keep:
            self.step.dropped(f"bucket_{bucket}")
            return
        self.step.kept()
        meta["bucket"] = bucket
        yield {**doc, "meta": json.dumps(meta, ensure_ascii=False, sort_keys=True)}


class PerplexityFilter(beam.PTransform):
    """Score, find per-language cutoffs (from `cutoffs_path`, else the data's 30th/60th percentiles), bucket, filter.

    The cutoffs used are written as JSON lines to `cutoffs_out` (for the manifest) when given.
    """

    def __init__(self, source: str, lm_dir: str, langs: Sequence[str], cutoffs_path: str | None = None,
                 keep_buckets: Sequence[str] = DEFAULT_KEEP_BUCKETS, cutoffs_out: str | None = None,
                 line_by_line: bool = True, step: str = "perplexity"):
        super().__init__()
        self.step = step
        self.score = ScorePerplexity(source, lm_dir, langs, line_by_line)
        self.assign = AssignBucket(source, keep_buckets, step)
        self.cutoffs_path = cutoffs_path
        self.cutoffs_out = cutoffs_out

    def expand(self, docs):
        scored = docs | "Score" >> guarded(self.step, self.score)
        if self.cutoffs_path:
            cutoffs = docs.pipeline | "CutoffsFile" >> beam.Create(sorted(read_cutoffs(self.cutoffs_path).items()))
        else:
            # 101 quantiles = every integer percentile; the combine keeps a bounded summary per language.
            cutoffs = (
                scored
                | "LangPerplexity" >> beam.FlatMap(_lang_perplexity)
                | "Percentiles" >> beam.ApproximateQuantiles.PerKey(num_quantiles=101)
                | "Cutoffs" >> beam.MapTuple(
                    lambda lang, q: (lang, (q[PERCENTILE_HEAD], q[PERCENTILE_MIDDLE])))
            )
        if self.cutoffs_out:
            (cutoffs
             | "CutoffsToJson" >> beam.MapTuple(lambda lang, c: json.dumps({"lang": lang, "cutoffs": list(c)}))
             | "WriteCutoffs" >> beam.io.WriteToText(self.cutoffs_out, file_name_suffix=".jsonl", num_shards=1))
        return scored | "AssignBucket" >> guarded(self.step, self.assign, cutoffs=beam.pvalue.AsDict(cutoffs))


def _lang_perplexity(doc: dict):
    pp = json.loads(doc["meta"]).get("perplexity")
    if pp is not None:
        yield doc["lang"], pp


def perplexity_stats(extras: Mapping[str, int], cutoffs: Mapping[str, Sequence[float]],
                     langs: Sequence[str]) -> dict[str, dict]:
    """Per language for the manifest, from a source's extra counters (`perplexity/<lang>/…`): whether a model
    scored it, the cutoffs used, documents left unbucketed and why, and the histogram of log10(perplexity)."""
    stats: dict[str, dict] = {lang: {"model": False, "cutoffs": None, "histogram": {}} for lang in langs}
    prefix = "perplexity/"
    for name, value in extras.items():
        if not name.startswith(prefix):
            continue
        lang, what, *rest = name[len(prefix):].split("/")
        entry = stats.setdefault(lang, {"model": False, "cutoffs": None, "histogram": {}})
        if what == "histogram":
            entry["model"] = True
            entry["histogram"][rest[0]] = value
        else:
            entry[what] = value
    for lang, value in cutoffs.items():
        stats.setdefault(lang, {"model": False, "cutoffs": None, "histogram": {}})["cutoffs"] = list(value)
    for entry in stats.values():
        entry["histogram"] = dict(sorted(entry["histogram"].items(), key=lambda kv: float(kv[0])))
    return stats
