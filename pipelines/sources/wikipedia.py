"""Wikipedia: MediaWiki XML dumps -> cleaned article documents.

LLaMA §2.1 ("Wikipedia [4.5%]"): dumps of the 20 Latin/Cyrillic-script languages, "and process the data to remove
hyperlinks, comments and other formatting boilerplate". The graph:

    dump files --ReadDumps--> pages --SelectArticles--> articles --(group by page)--> KeepLatestRevision
                 read: input_error    select: language_not_selected,  dedup: duplicate_page
                                              non_main_namespace, redirect
                 --CleanArticles--> documents
                   clean: too_short

A dump is read sequentially by one worker (a bz2 stream cannot be split); grouping by page spreads the expensive
part, wikitext parsing, over all workers, and makes ids unique when two inputs hold the same page (two dumps of one
wiki, a dump and a partial copy of it): the latest revision is kept.
"""
from __future__ import annotations

import argparse
import logging
from dataclasses import asdict
from typing import Sequence
from urllib.parse import quote, urlsplit

import apache_beam as beam
from mwparserfromhell.parser import ParserError

from manifests import storage
from pipelines.deadletter import grouped_documents, guarded
from pipelines.documents import make_document
from pipelines.funnel import INPUT_ERROR, StepCounter
from pipelines.readers.mediawiki import LLAMA_WIKI_LANGS, DumpInfo, InputError, read_dump
from pipelines.runtime import SourceRun, log_run_summary, run_source_pipeline
from pipelines.sources.wikitext import link_namespace_prefixes, wikitext_to_text

log = logging.getLogger(__name__)

SOURCE = "wikipedia"
STEPS = ("read", "select", "dedup", "clean")
ERRORS = "errors"
MAIN_NAMESPACE = 0
# Articles shorter than this after cleaning are stubs or lists whose text was all markup. The paper gives no
# threshold; this one drops little besides empty shells (see the funnel's clean/too_short).
DEFAULT_MIN_CHARS = 100




def article_url(base_url: str | None, title: str) -> str | None:
    """`https://de.wikipedia.org/wiki/Köln` from the dump's `<base>` (`https://de.wikipedia.org/wiki/Hauptseite`)."""
    if not base_url:
        return None
    parts = urlsplit(base_url)
    path_prefix = parts.path.rsplit("/", 1)[0] if "/" in parts.path else "/wiki"
    return f"{parts.scheme}://{parts.netloc}{path_prefix}/{quote(title.replace(' ', '_'), safe='/:(),_-.')}"


def select_reason(page: dict, langs: frozenset[str]) -> str | None:
    """Why a page is not an article to keep (None when it is)."""
    if page["lang"] not in langs:
        return "language_not_selected"
    if page["ns"] != MAIN_NAMESPACE:
        return "non_main_namespace"
    if page["redirect"]:
        return "redirect"
    return None


class ReadDumps(beam.DoFn):
    """A dump path -> its pages (with the dump's language and link prefixes); unreadable parts -> `errors`."""

    def __init__(self):
        self.read = StepCounter(SOURCE, "read")

    def process(self, indexed_path: tuple[int, str]):
        _, path = indexed_path
        info: DumpInfo | None = None
        for item in read_dump(path, open_binary=storage.open_read):
            if isinstance(item, InputError):
                self.read.dropped(INPUT_ERROR)
                yield beam.pvalue.TaggedOutput(ERRORS, asdict(item))
            elif isinstance(item, DumpInfo):
                info = item
                if info.lang is None:
                    self.read.dropped(INPUT_ERROR)
                    yield beam.pvalue.TaggedOutput(ERRORS, {
                        "path": path, "offset": None,
                        "reason": "cannot tell the dump's language: no <dbname>, xml:lang, <base> host or file name",
                    })
                    return
                prefixes = sorted(link_namespace_prefixes(info.namespaces))
            else:
                self.read.kept()
                yield {
                    **asdict(item),
                    "path": path,
                    "lang": info.lang,
                    "dbname": info.dbname,
                    "base_url": info.base_url,
                    "link_prefixes": prefixes,
                }


class SelectArticles(beam.DoFn):
    def __init__(self, langs: Sequence[str]):
        self.langs = frozenset(langs)
        self.select = StepCounter(SOURCE, "select")

    def process(self, page: dict):
        reason = select_reason(page, self.langs)
        if reason:
            self.select.dropped(reason)
            return
        self.select.kept()
        yield page


def revision_order(page: dict) -> tuple:
    """Sort key: later revisions last; ties (the same revision in two files) broken by file path."""
    return (page["revision_id"] or -1, page["timestamp"] or "", page["path"])


class KeepLatestRevision(beam.DoFn):
    """All copies of one page (same language and page id) -> the latest revision."""

    def __init__(self):
        self.dedup = StepCounter(SOURCE, "dedup")

    def process(self, keyed):
        _, copies = keyed
        copies = list(copies)
        if len(copies) > 1:
            self.dedup.dropped("duplicate_page", len(copies) - 1)
        self.dedup.kept()
        yield max(copies, key=revision_order)


class CleanArticles(beam.DoFn):
    def __init__(self, min_chars: int):
        self.min_chars = min_chars
        self.clean = StepCounter(SOURCE, "clean")

    def process(self, page: dict):
        try:
            text = wikitext_to_text(page["text"], frozenset(page["link_prefixes"]))
        except ParserError as err:
            self.clean.dropped("unparsable_wikitext")
            log.warning("%s at byte %s: page %r: %s", page["path"], page["offset"], page["title"], err)
            return
        if len(text) < self.min_chars:
            self.clean.dropped("too_short")
            return
        self.clean.kept()
        yield make_document(
            SOURCE,
            f"{page['lang']}/{page['page_id']}",
            text,
            page["lang"],
            {
                "title": page["title"],
                "page_id": page["page_id"],
                "revision_id": page["revision_id"],
                "timestamp": page["timestamp"],
                "url": article_url(page["base_url"], page["title"]),
                "dbname": page["dbname"],
            },
        )


class ExtractArticles(beam.PTransform):
    """Dump paths -> (documents, input errors)."""

    def __init__(self, langs: Sequence[str], min_chars: int = DEFAULT_MIN_CHARS):
        super().__init__()
        self.langs = tuple(langs)
        self.min_chars = min_chars

    def expand(self, paths):
        pages = paths | "ReadDumps" >> beam.ParDo(ReadDumps()).with_outputs(ERRORS, main="pages")
        docs = (
            pages.pages
            | "SelectArticles" >> guarded("select", SelectArticles(self.langs))
            | "KeyByPage" >> beam.Map(lambda page: ((page["lang"], page["page_id"]), page))
            | "GroupByPage" >> beam.GroupByKey()
            | "KeepLatestRevision" >> guarded("dedup", KeepLatestRevision(), documents=grouped_documents)
            | "CleanArticles" >> guarded("clean", CleanArticles(self.min_chars))
        )
        return docs, pages[ERRORS]


def parse_langs(value: str | None) -> tuple[str, ...]:
    if not value:
        return LLAMA_WIKI_LANGS
    langs = tuple(dict.fromkeys(code.strip().lower() for code in value.split(",") if code.strip()))
    unknown = [code for code in langs if code not in LLAMA_WIKI_LANGS]
    if unknown:
        raise argparse.ArgumentTypeError(
            f"--langs {','.join(unknown)}: not among the 20 LLaMA Wikipedia languages ({' '.join(LLAMA_WIKI_LANGS)})"
        )
    return langs


def run(inputs: Sequence[str], output: str, langs: Sequence[str] = LLAMA_WIKI_LANGS,
        min_chars: int = DEFAULT_MIN_CHARS, beam_argv: Sequence[str] = (), overwrite: bool = False,
        num_shards: int = 0) -> dict:
    """Runs the pipeline and returns the manifest it wrote."""
    config = {"langs": list(langs), "min_chars": min_chars}
    return run_source_pipeline(
        SourceRun(SOURCE, STEPS, list(inputs), output, config, beam_argv, overwrite, num_shards),
        ExtractArticles(langs, min_chars),
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="llamix run wikipedia",
        description="MediaWiki XML dumps (*.xml, *.xml.bz2) -> cleaned articles as Parquet + manifest.json. "
        "Unrecognised options are passed to Beam (e.g. --runner DataflowRunner --project P --region R).",
    )
    parser.add_argument("--input", required=True, action="append",
                        help="dump file glob, local or any Beam filesystem (repeat or comma-separate)")
    parser.add_argument("--output", required=True, help="output folder (local, gs://, …)")
    parser.add_argument("--langs", type=parse_langs, default=LLAMA_WIKI_LANGS,
                        help="comma-separated subset of the 20 LLaMA languages (default: all 20)")
    parser.add_argument("--min-chars", type=int, default=DEFAULT_MIN_CHARS,
                        help=f"drop articles shorter than this after cleaning (default {DEFAULT_MIN_CHARS})")
    parser.add_argument("--num-shards", type=int, default=0, help="Parquet files to write (0: the runner decides)")
    parser.add_argument("--overwrite", action="store_true", help="replace the output folder's contents")
    args, beam_argv = parser.parse_known_args(argv)
    inputs = [pattern for value in args.input for pattern in value.split(",") if pattern]
    manifest = run(inputs, args.output, args.langs, args.min_chars, beam_argv, args.overwrite, args.num_shards)
    log_run_summary(manifest, args.output)
    return 0
