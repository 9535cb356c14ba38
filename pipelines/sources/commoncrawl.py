"""CommonCrawl through CCNet (Wenzek et al. 2020), as LLaMA §2.1 describes its 67% share:

"We preprocess five CommonCrawl dumps … with the CCNet pipeline. This process deduplicates the data at the line
level, performs language identification with a fastText linear classifier to remove non-English pages and filters
low quality content with an n-gram language model. In addition, we trained a linear model to classify pages used as
references in Wikipedia v.s. randomly sampled pages, and discarded pages not classified as references."

    WET/WARC files ─ read ─ line_dedup ─ lang_id ─ perplexity ─ [classifier] ─ [near_dedup] ─► lang=…/bucket=…/part-*.parquet
                input_error  too_short   low_lang_score  bucket_tail   not_reference  near_duplicate
                                         language_not_selected

Steps in brackets run only when asked for (`--classifier`, `--near-dedup`); the manifest says which were skipped.
"""
from __future__ import annotations

import argparse
import json
import logging
from dataclasses import asdict, dataclass
from typing import Sequence

import apache_beam as beam

from manifests import storage
from pipelines.deadletter import guarded
from pipelines.documents import make_document
from pipelines.funnel import INPUT_ERROR, StepCounter, extras_from_counters
from pipelines.readers.mediawiki import LLAMA_WIKI_LANGS
from pipelines.readers.warc import InputError, expand_paths_listing, read_pages
from pipelines.runtime import SourceRun, log_run_summary, read_lines, run_source_pipeline, scratch_dir
from pipelines.transforms.langid import DEFAULT_MODEL, DEFAULT_THRESHOLD as LID_THRESHOLD, IdentifyLanguage
from pipelines.transforms.line_dedup import DEFAULT_GROUP_SIZE, DEFAULT_MIN_CHARS, LineDedup
from pipelines.transforms.minhash import NearDedup, add_arguments as add_near_dedup_arguments
from pipelines.transforms.perplexity import (
    BUCKETS, DEFAULT_KEEP_BUCKETS, UNBUCKETED, PerplexityFilter, perplexity_stats,
)
from pipelines.transforms.reference_classifier import DEFAULT_THRESHOLD as WIKIREF_THRESHOLD, FilterReferences

log = logging.getLogger(__name__)

SOURCE = "commoncrawl"
ERRORS = "errors"




def native_id(record_id: str, url: str) -> str:
    """`urn:uuid:…/https://…`: the WARC record id (unique in a crawl) and the page's URL, as DESIGN.md asks."""
    return f"{record_id.strip('<>')}/{url}"


class ReadPages(beam.DoFn):
    """(file index, path) -> page documents tagged with their dedup hash group; unreadable parts -> `errors`."""

    def __init__(self, group_size: int):
        self.group_size = group_size
        self.read = StepCounter(SOURCE, "read")

    def process(self, indexed_path: tuple[int, str]):
        index, path = indexed_path
        for item in read_pages(path, open_binary=storage.open_read):
            if isinstance(item, InputError):
                self.read.dropped(INPUT_ERROR)
                yield beam.pvalue.TaggedOutput(ERRORS, asdict(item))
                continue
            self.read.kept()
            doc = make_document(
                SOURCE, native_id(item.record_id, item.url), item.text, "und",
                {"url": item.url, "record_id": item.record_id, "date": item.date, "digest": item.digest,
                 "file": path},
            )
            doc["group"] = index // self.group_size
            yield doc


def _drop_group(doc: dict) -> dict:
    return {key: value for key, value in doc.items() if key != "group"}


class CCNet(beam.PTransform):
    """(file index, path) -> (documents, input errors), every step counted."""

    def __init__(self, langs: Sequence[str], lid_model: str, group_size: int = DEFAULT_GROUP_SIZE,
                 min_chars: int = DEFAULT_MIN_CHARS, lid_threshold: float = LID_THRESHOLD,
                 perplexity: beam.PTransform | None = None, classifier: str | None = None,
                 classifier_threshold: float = WIKIREF_THRESHOLD, near_dedup: beam.PTransform | None = None):
        super().__init__()
        self.langs = tuple(langs)
        self.lid_model = lid_model
        self.group_size = group_size
        self.min_chars = min_chars
        self.lid_threshold = lid_threshold
        self.perplexity = perplexity
        self.classifier = classifier
        self.classifier_threshold = classifier_threshold
        self.near_dedup = near_dedup

    def expand(self, paths):
        pages = paths | "ReadPages" >> beam.ParDo(ReadPages(self.group_size)).with_outputs(ERRORS, main="pages")
        docs = (
            pages.pages
            | "LineDedup" >> LineDedup(SOURCE, min_chars=self.min_chars)
            | "DropGroup" >> beam.Map(_drop_group)
            | "LanguageId" >> guarded(
                "lang_id", IdentifyLanguage(SOURCE, self.lid_model, self.langs, self.lid_threshold))
        )
        if self.perplexity is not None:
            docs = docs | "Perplexity" >> self.perplexity
        if self.classifier:
            docs = docs | "WikiRefClassifier" >> guarded(
                "classifier", FilterReferences(SOURCE, self.classifier, self.classifier_threshold))
        if self.near_dedup is not None:
            docs = docs | "NearDedup" >> self.near_dedup
        return docs, pages[ERRORS]


def bucket_of(doc: dict) -> str:
    return json.loads(doc["meta"]).get("bucket", UNBUCKETED)


def partition_name(doc: dict) -> str:
    return f"lang={doc['lang']}/bucket={bucket_of(doc)}"


def parse_langs(value: str) -> tuple[str, ...]:
    langs = tuple(dict.fromkeys(code.strip().lower() for code in value.split(",") if code.strip()))
    unknown = [code for code in langs if code not in LLAMA_WIKI_LANGS]
    if unknown or not langs:
        raise argparse.ArgumentTypeError(
            f"--langs {value!r}: choose among the 20 LLaMA languages ({' '.join(LLAMA_WIKI_LANGS)})")
    return langs


def resolve_inputs(patterns: Sequence[str], base_url: str | None) -> list[str]:
    """Globs of WET/WARC files, and CommonCrawl `*.paths.gz` listings resolved against `base_url`."""
    inputs: list[str] = []
    for pattern in patterns:
        if pattern.endswith((".paths.gz", ".paths")):
            if not base_url:
                raise ValueError(f"--input {pattern}: a paths listing needs --base-url (e.g. gs://bucket/commoncrawl/)")
            inputs += expand_paths_listing(pattern, base_url, open_binary=storage.open_read)
        else:
            inputs.append(pattern)
    return inputs


@dataclass
class CCNetConfig:
    """Every setting of a run; recorded whole in the manifest."""

    langs: tuple[str, ...] = ("en",)
    lid_model: str = DEFAULT_MODEL
    lid_threshold: float = LID_THRESHOLD
    dedup_group_size: int = DEFAULT_GROUP_SIZE
    min_chars: int = DEFAULT_MIN_CHARS
    lm_dir: str | None = None
    cutoffs: str | None = None
    keep_buckets: tuple[str, ...] = DEFAULT_KEEP_BUCKETS
    classifier: str | None = None
    classifier_threshold: float = WIKIREF_THRESHOLD
    near_dedup: bool = False
    near_dup_threshold: float = 0.8
    verify_jaccard: bool = False
    cc_max_rounds: int = 16

    def steps(self) -> tuple[list[str], dict[str, str]]:
        """The funnel steps that run, and why the others do not."""
        steps, skipped = ["read", "line_dedup", "lang_id"], {}
        if self.lm_dir:
            steps.append("perplexity")
        else:
            skipped["perplexity"] = "no --lm-dir given: documents are not bucketed"
        if self.classifier:
            steps.append("classifier")
        else:
            skipped["classifier"] = "no --classifier given"
        if self.near_dedup:
            steps.append("near_dedup")
        else:
            skipped["near_dedup"] = "--near-dedup not given"
        return steps, skipped


def run(inputs: Sequence[str], output: str, config: CCNetConfig = CCNetConfig(), beam_argv: Sequence[str] = (),
        overwrite: bool = False, num_shards: int = 0) -> dict:
    """Runs the pipeline and returns the manifest it wrote."""
    steps, skipped = config.steps()
    near_dedup = NearDedup(SOURCE, threshold=config.near_dup_threshold, verify_jaccard=config.verify_jaccard,
                           max_rounds=config.cc_max_rounds) if config.near_dedup else None
    cutoffs_out = storage.join(scratch_dir(output), "cutoffs")
    perplexity = PerplexityFilter(SOURCE, config.lm_dir, config.langs, config.cutoffs, config.keep_buckets,
                                  cutoffs_out) if config.lm_dir else None

    def extra_stats(counters: dict[str, int], scratch: str) -> dict:
        if not config.lm_dir:
            return {}
        extras = extras_from_counters(SOURCE, counters)
        cutoffs = {row["lang"]: row["cutoffs"] for row in map(json.loads, read_lines(cutoffs_out + "*"))}
        return {
            "perplexity": perplexity_stats(extras, cutoffs, config.langs),
            "counters": {k: v for k, v in extras.items() if not k.startswith("perplexity/")},
        }

    buckets = (*BUCKETS, UNBUCKETED)
    return run_source_pipeline(
        SourceRun(SOURCE, steps, list(inputs), output, {**asdict(config), "skipped_steps": skipped}, beam_argv,
                  overwrite, num_shards,
                  partitions=[f"lang={lang}/bucket={b}" for lang in config.langs for b in buckets],
                  partition_of=partition_name, extra_stats=extra_stats,
                  parents=[storage.join(config.lm_dir, "manifest.json")] if config.lm_dir else [],
                  models=[config.lid_model, *([config.classifier] if config.classifier else [])]),
        CCNet(config.langs, config.lid_model, config.dedup_group_size, config.min_chars, config.lid_threshold,
              perplexity=perplexity, classifier=config.classifier, classifier_threshold=config.classifier_threshold,
              near_dedup=near_dedup),
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="llamix run commoncrawl",
        description="CommonCrawl WET/WARC files through CCNet -> Parquet partitioned by language and perplexity "
        "bucket + manifest.json. Unrecognised options are passed to Beam.",
    )
    parser.add_argument("--input", required=True, action="append",
                        help="*.warc.wet.gz / *.warc.gz globs or a wet.paths.gz listing (repeat or comma-separate)")
    parser.add_argument("--base-url", help="prefix for the paths in a wet.paths.gz listing (gs://…, s3://…, a folder)")
    parser.add_argument("--output", required=True)
    parser.add_argument("--langs", type=parse_langs, default=("en",), help="languages to keep (default en, as LLaMA)")
    parser.add_argument("--lid-model", default=DEFAULT_MODEL, help=f"fastText lid.176 model (default {DEFAULT_MODEL})")
    parser.add_argument("--dedup-group-size", type=int, default=DEFAULT_GROUP_SIZE,
                        help=f"input files per line-dedup hash group (default {DEFAULT_GROUP_SIZE}, as cc_net)")
    parser.add_argument("--min-chars", type=int, default=DEFAULT_MIN_CHARS,
                        help=f"drop documents shorter than this after line dedup (default {DEFAULT_MIN_CHARS})")
    parser.add_argument("--lm-dir", help="CCNet-style models {lang}.sp.model + {lang}.arpa.bin (llamix lm train); "
                        "without it documents are not bucketed by perplexity")
    parser.add_argument("--cutoffs", help="perplexity cutoffs CSV (cc_net cutoff.csv layout); default: the 30th/60th "
                        "percentiles of this run's documents per language")
    parser.add_argument("--keep-buckets", type=lambda v: tuple(b for b in v.split(",") if b),
                        default=DEFAULT_KEEP_BUCKETS, help="perplexity buckets to keep (default head,middle)")
    parser.add_argument("--classifier", help="fastText Wikipedia-reference model (llamix classifier train)")
    parser.add_argument("--classifier-threshold", type=float, default=WIKIREF_THRESHOLD)
    add_near_dedup_arguments(parser)
    parser.add_argument("--near-dedup", action="store_true", help="remove near-duplicate documents (MinHash LSH)")
    parser.add_argument("--num-shards", type=int, default=0)
    parser.add_argument("--overwrite", action="store_true")
    args, beam_argv = parser.parse_known_args(argv)
    patterns = [p for value in args.input for p in value.split(",") if p]
    config = CCNetConfig(
        langs=args.langs, lid_model=args.lid_model, dedup_group_size=args.dedup_group_size, min_chars=args.min_chars,
        lm_dir=args.lm_dir, cutoffs=args.cutoffs, keep_buckets=args.keep_buckets,
        classifier=args.classifier, classifier_threshold=args.classifier_threshold, near_dedup=args.near_dedup,
        near_dup_threshold=args.near_dup_threshold, verify_jaccard=args.verify_jaccard,
        cc_max_rounds=args.cc_max_rounds,
    )
    manifest = run(resolve_inputs(patterns, args.base_url), args.output, config, beam_argv, args.overwrite,
                   args.num_shards)
    log_run_summary(manifest, args.output)
    return 0
