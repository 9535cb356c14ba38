"""arXiv: LaTeX sources -> cleaned LaTeX documents.

LLaMA §2.1 ("ArXiv [2.5%]"): "We process arXiv Latex files to add scientific data to our dataset. Following Lewkowycz
et al. (2022), we removed everything before the first section, as well as the bibliography. We also removed the
comments from the .tex files, and inline-expanded definitions and macros written by users to increase consistency
across papers." The graph:

    tarballs, e-prints, folders --ReadPapers--> papers --ParsePapers--> main document --CleanPapers--> documents
      read: input_error, unsafe_path,             parse: no_main_file,              clean: no_section,
            too_large, not_latex                         unparsable, too_large             empty_after_cleaning

Per paper, in this order:

1. comments go from every TeX file (`strip_comments`): `%` to the end of the line unless escaped (`50\\% of` stays),
   whole comment lines with their line end, and `comment` environments;
2. the main file is the one with `\\documentclass` (or LaTeX 2.09's `\\documentstyle`) and `\\begin{document}`;
   `\\input`/`\\include` of the paper's own files are inlined into it (`inline_inputs`);
3. user macros (`\\newcommand`, `\\renewcommand`, `\\providecommand`, `\\def` and friends, with arguments and an
   optional default argument) are collected and their definitions removed (`parse_definitions`); only the text
   between `\\begin{document}` and `\\end{document}` goes on;
4. the macros are expanded until no call is left (`expand_macros`), then everything before the first sectioning
   command (`\\part` … `\\subparagraph`) and everything from the bibliography on is cut (`cut_to_sections`,
   `cut_bibliography`).

Expansion runs before the cuts so that a section or bibliography command hidden in a macro is still found.
Where we differ from the reference implementation (RedPajama-Data v1, `data_prep/arxiv/arxiv_cleaner.py`), on
purpose: its section regex lacks the `|` between `\\paragraph` and `\\subparagraph`, so neither starts a section; its
comment regex `[^\\\\]%.+$` eats the character before `%`; it never expands macros with arguments; it cuts at
`\\appendix`, which the paper does not ask for (we keep appendices that come before the bibliography); it drops
papers that are not UTF-8 (we fall back to Latin-1); and it concatenates every .tex file of a project instead of
following `\\input` from the main file.

Known gaps, kept simple on purpose: a `%` inside `\\verb`, `verbatim` or `\\url` is taken for a comment; `\\let`,
`\\newenvironment` and `\\DeclareMathOperator` are not expanded; macros from a paper's own `.sty` files are not read;
definitions are global (TeX groups are ignored) and the last one of a name holds for the whole paper.
"""
from __future__ import annotations

import argparse
import logging
import os
from dataclasses import asdict
from typing import Iterator, Mapping, Sequence

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems

from manifests import storage
from pipelines.deadletter import guarded
from pipelines.documents import make_document
from pipelines.funnel import INPUT_ERROR, StepCounter, extra_counter
from pipelines.readers.arxiv import (
    DEFAULT_MAX_PAPER_BYTES, InputError, PaperSource, SkippedPaper, is_arxiv_id, read_papers,
)
from pipelines.runtime import SourceRun, log_run_summary, run_source_pipeline
from pipelines.sources.latex import NO_MAIN_FILE, Macro, ParseFailure, clean_paper, parse_paper

log = logging.getLogger(__name__)

SOURCE = "arxiv"
STEPS = ("read", "parse", "clean")
ERRORS = "errors"
# LLaMA applies no language filter to arXiv and reports it as one source of (English) scientific text (§2.1,
# Table 1); documents are labelled "en" rather than guessed per paper.
LANG = "en"
ARXIV_ABS_URL = "https://arxiv.org/abs/"

def yymm_of(native_id: str) -> str | None:
    """The year and month an arXiv identifier was issued in (`2601.00001` and `math/0601001` -> `2601`/`0601`)."""
    if not is_arxiv_id(native_id):
        return None
    return native_id.split("/")[-1][:4]


# --- Beam ---------------------------------------------------------------------------------------------------




def _list_dir(directory: str) -> list[tuple[str, int]]:
    """Every file under `directory`, relative to it, with its size (nothing when it is no directory)."""
    pattern = storage.join(directory, "**")
    return [(storage.relpath(m.path, directory).replace("\\", "/"), m.size_in_bytes)
            for m in FileSystems.match([pattern])[0].metadata_list]


def _macros_to_json(macros: Mapping[str, Macro]) -> dict[str, list]:
    return {name: [m.nargs, m.body, m.default] for name, m in macros.items()}


def _macros_from_json(data: Mapping[str, list]) -> dict[str, Macro]:
    return {name: Macro(nargs, body, default) for name, (nargs, body, default) in data.items()}


class ReadPapers(beam.DoFn):
    """(file index, path) -> papers (their TeX files); unreadable ones -> `errors`, refused ones counted."""

    def __init__(self, max_paper_bytes: int):
        self.max_paper_bytes = max_paper_bytes
        self.read = StepCounter(SOURCE, "read")

    def process(self, indexed_path: tuple[int, str]) -> Iterator:
        _, path = indexed_path
        for item in read_papers(path, storage.open_read, _list_dir, max_paper_bytes=self.max_paper_bytes):
            if isinstance(item, InputError):
                self.read.dropped(INPUT_ERROR)
                yield beam.pvalue.TaggedOutput(ERRORS, asdict(item))
            elif isinstance(item, SkippedPaper):
                self.read.dropped(item.reason)
            else:
                assert isinstance(item, PaperSource)
                self.read.kept()
                yield asdict(item)


class ParsePapers(beam.DoFn):
    """Paper -> its main document with inputs inlined and macros collected."""

    def __init__(self, max_paper_bytes: int):
        self.max_paper_bytes = max_paper_bytes
        self.parse = StepCounter(SOURCE, "parse")

    def setup(self):
        self.missing_input = extra_counter(SOURCE, "missing_input")
        self.input_cycle = extra_counter(SOURCE, "input_cycle")
        self.not_expanded = extra_counter(SOURCE, "definition_not_expanded")

    def process(self, paper: dict) -> Iterator[dict]:
        parsed = parse_paper(paper["files"], self.max_paper_bytes)
        if isinstance(parsed, ParseFailure):
            self.parse.dropped(parsed.reason)
            level = logging.INFO if parsed.reason == NO_MAIN_FILE else logging.WARNING
            log.log(level, "%s [%s]: %s (%s)", paper["path"], paper["member"], parsed.detail, parsed.reason)
            return
        self.parse.kept()
        self.missing_input.inc(len(parsed.missing_inputs))
        self.input_cycle.inc(len(parsed.input_cycles))
        self.not_expanded.inc(len(parsed.not_expanded))
        yield {
            "arxiv_id": paper["arxiv_id"],
            "path": paper["path"],
            "member": paper["member"],
            "tex_files": len(paper["files"]),
            "main_file": parsed.main_file,
            "body": parsed.body,
            "macros": _macros_to_json(parsed.macros),
        }


class CleanPapers(beam.DoFn):
    """Main document -> cleaned document: macros expanded, cut to sections, bibliography removed."""

    def __init__(self):
        self.clean = StepCounter(SOURCE, "clean")

    def setup(self):
        self.calls = extra_counter(SOURCE, "macro_calls_expanded")
        self.stopped = extra_counter(SOURCE, "macro_expansion_stopped")

    def process(self, paper: dict) -> Iterator[dict]:
        cleaned = clean_paper(paper["body"], _macros_from_json(paper["macros"]))
        self.calls.inc(cleaned.expansion.calls)
        if not cleaned.expansion.complete:
            self.stopped.inc()
            log.warning("%s [%s]: macro expansion stopped at its limits", paper["path"], paper["member"])
        if cleaned.text is None:
            self.clean.dropped(cleaned.reason)
            return
        self.clean.kept()
        native_id = paper["arxiv_id"]
        yield make_document(SOURCE, native_id, cleaned.text, LANG, {
            "arxiv_id": native_id,
            "url": ARXIV_ABS_URL + native_id if is_arxiv_id(native_id) else None,
            "yymm": yymm_of(native_id),
            "main_file": paper["main_file"],
            "tex_files": paper["tex_files"],
            "file": paper["path"],
            "member": paper["member"],
        })


class ExtractPapers(beam.PTransform):
    """(file index, path) -> (documents, input errors)."""

    def __init__(self, max_paper_bytes: int = DEFAULT_MAX_PAPER_BYTES):
        super().__init__()
        self.max_paper_bytes = max_paper_bytes

    def expand(self, paths):
        papers = paths | "ReadPapers" >> beam.ParDo(ReadPapers(self.max_paper_bytes)).with_outputs(
            ERRORS, main="papers")
        docs = (
            papers.papers
            # a bulk tarball holds thousands of papers read by one worker; spread their parsing over all
            | "SpreadPapers" >> beam.Reshuffle()
            | "ParsePapers" >> guarded("parse", ParsePapers(self.max_paper_bytes))
            | "CleanPapers" >> guarded("clean", CleanPapers())
        )
        return docs, papers[ERRORS]


def input_patterns(inputs: Sequence[str]) -> list[str]:
    """`papers/` -> `papers`: a local directory is one input (read whole by ReadPapers), whereas Beam would match
    `papers/` to the files directly inside it and silently leave out its project folders. On object stores, which
    have no folders, give globs of tarballs or e-prints (`gs://b/arxiv/*.tar`)."""
    return [p.rstrip("/\\") if not storage.has_scheme(p) and len(p) > 1 and os.path.isdir(p) else p for p in inputs]


def run(inputs: Sequence[str], output: str, max_paper_bytes: int = DEFAULT_MAX_PAPER_BYTES,
        beam_argv: Sequence[str] = (), overwrite: bool = False, num_shards: int = 0) -> dict:
    """Runs the pipeline and returns the manifest it wrote."""
    config = {"max_paper_bytes": max_paper_bytes}
    return run_source_pipeline(
        SourceRun(SOURCE, STEPS, input_patterns(inputs), output, config, beam_argv, overwrite, num_shards),
        ExtractPapers(max_paper_bytes),
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="llamix run arxiv",
        description="arXiv LaTeX sources (bulk arXiv_src_*.tar, e-print *.gz, *.tex, or directories of papers) -> "
        "cleaned LaTeX as Parquet + manifest.json. Unrecognised options are passed to Beam "
        "(e.g. --runner DataflowRunner --project P --region R).",
    )
    parser.add_argument("--input", required=True, action="append",
                        help="tarball/e-print glob or directory of papers, local or any Beam filesystem "
                             "(repeat or comma-separate)")
    parser.add_argument("--output", required=True, help="output folder (local, gs://, …)")
    parser.add_argument("--max-paper-bytes", type=int, default=DEFAULT_MAX_PAPER_BYTES,
                        help=f"refuse papers decompressing to more than this (default {DEFAULT_MAX_PAPER_BYTES})")
    parser.add_argument("--num-shards", type=int, default=0, help="Parquet files to write (0: the runner decides)")
    parser.add_argument("--overwrite", action="store_true", help="replace the output folder's contents")
    args, beam_argv = parser.parse_known_args(argv)
    inputs = [pattern for value in args.input for pattern in value.split(",") if pattern]
    manifest = run(inputs, args.output, args.max_paper_bytes, beam_argv, args.overwrite, args.num_shards)
    log_run_summary(manifest, args.output)
    return 0
