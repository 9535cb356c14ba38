"""GitHub: source files of permissively licensed repositories -> code documents, low-quality files and exact
duplicates removed.

LLaMA §2.1, "Github [4.5%]": "We use the public GitHub dataset available on Google BigQuery. We only kept projects
that are distributed under the Apache, BSD and MIT licenses. Additionally, we filtered low quality files with
heuristics based on the line length or proportion of alphanumeric characters, and removed boilerplate, such as
headers, with regular expressions. Finally, we deduplicate the resulting dataset at the file level, with exact
matches." The graph:

    (file index, path) --ReadGitHub--> files --License--> --File--> documents --Quality--> --ExactDedup--> documents
       read: input_error     license: license_unknown,   file: license_file,           quality: max_line_length,
                                      license_not_allowed      extension_not_allowed,           mean_line_length,
                                                               binary, vendored,                alphanumeric_fraction,
                                                               minified, empty                  alpha_per_token
                                                                                 dedup: duplicate_content

**Inputs** (`pipelines.readers.github`): BigQuery `github_repos` exports (`*.jsonl`, `*.jsonl.gz`; globs) and local
folders of checked-out repositories (a folder with `.git` or a licence file at its root is one repository, else each
of its sub-folders is one). Ids are `github/<repo_name>/<path>`; a local repository's name is its folder's name.

**Licence**: allowed when the repository's SPDX id (or any id of a dual licence, `Apache-2.0 OR MIT`) is in
`licenses` (default `DEFAULT_LICENSES`); no licence known -> `license_unknown`, another one -> `license_not_allowed`.

**File**: in order, the repository's licence file at its root is not a document (`license_file`); the extension (or
name, for `Dockerfile`/`Makefile`) must be in `extensions` (default `DEFAULT_EXTENSIONS`, RedPajama v1's list); the
file must not be binary, not under a vendored folder
(`VENDORED_DIR`), not minified by name (`MINIFIED_NAME`, `foo.min.js`); then the leading licence header is removed
(`strip_license_header`) and a file with nothing but whitespace left is `empty`.

**Header removal** (`strip_license_header`), in the file's own comment syntax (`COMMENT_STYLES`): after a preamble
that is always kept (blank lines, a `#!` shebang on line 1, a PEP 263 `coding` line on line 1 or 2, a `<?php` or
`<?xml …?>` opening line), the *first* comment block is removed, with the blank lines after it, when it mentions
copyright or a licence (`LICENSE_WORDS`). A block is: `/* … */` or consecutive `//` lines (C family), consecutive `#`
lines (Python, shell, Ruby, …; a line like `#include`/`#define`/`#pragma` ends the block and is kept), consecutive
`--` lines or `--[[ … ]]` (SQL, Lua, Haskell), `<!-- … -->` (HTML, XML, Markdown: a Markdown `# Title` is a heading,
never a comment). RedPajama v1's `github_clean_dedup_local.py` instead drops every leading `#`/`//`/`/*` line, which
deletes `#include` lines and Markdown titles; files in a language we have no syntax for keep their header.

**Quality**, RedPajama v1's thresholds (`data_prep/github/github_run_filter.py`), checked in this order on the text
after header removal, each boundary kept: longest line <= 1000 characters, mean line length <= 100, alphanumeric
characters / characters >= 0.25, alphabetic characters / tokens >= 1.5. Tokens: pieces of our SentencePiece model
when `tokenizer` (a folder with `tokenizer.model`, or the model file) is given, else whitespace-separated words; the
manifest's config says which (`token_counter`). RedPajama counted a Hugging Face BPE tokenizer's tokens: whitespace
words are fewer than BPE tokens, so without `--tokenizer` this filter drops fewer files.

**Exact dedup**: files are grouped by the sha256 of their text after header removal (a shuffle keyed by digest, no
global set); in each group the smallest id is kept, the others are `duplicate_content`.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import re
from dataclasses import asdict, dataclass, field
from pathlib import PurePosixPath
from typing import Callable, Sequence

import apache_beam as beam

from manifests import storage
from pipelines.deadletter import grouped_documents, guarded
from pipelines.documents import make_document
from pipelines.funnel import INPUT_ERROR, StepCounter, extra_counter
from pipelines.readers.github import (
    BIGQUERY_LICENSES, LICENSE_FILE, LICENSE_PHRASES, SourceFile, license_ids, read_bigquery_export,
    read_repository, repository_folders,
)
from pipelines.readers.mediawiki import InputError
from pipelines.runtime import SourceRun, log_run_summary, run_source_pipeline

log = logging.getLogger(__name__)

SOURCE = "github"
LANG = "code"  # DESIGN.md, "The document record": `code` for GitHub
STEPS = ("read", "license", "file", "quality", "dedup")
ERRORS = "errors"

# LLaMA §2.1: "projects that are distributed under the Apache, BSD and MIT licenses", as SPDX ids.
DEFAULT_LICENSES = ("Apache-2.0", "BSD-2-Clause", "BSD-3-Clause", "MIT")
# Every SPDX id an input can carry: BigQuery's keys mapped, and the licences `detect_license` recognises.
KNOWN_LICENSES = frozenset(BIGQUERY_LICENSES.values()) | {spdx for spdx, _ in LICENSE_PHRASES}

# RedPajama v1 data_prep/github/github_run_filter.py (the `extensions` list and the `is_valid` thresholds).
MAX_LINE_LENGTH = 1000
MAX_MEAN_LINE_LENGTH = 100
MIN_ALPHANUMERIC_FRACTION = 0.25
MIN_ALPHA_PER_TOKEN = 1.5

# RedPajama v1's extension list, with the programming language we record and the comment syntax of its header.
# Case matters as in the reference list (`.C`/`.H` are C++).
_LANGUAGES: dict[str, tuple[str, str | None]] = {
    ".asm": ("Assembly", None), ".bat": ("Batchfile", None), ".cmd": ("Batchfile", None),
    ".c": ("C", "c"), ".h": ("C", "c"), ".cs": ("C#", "c"),
    ".cpp": ("C++", "c"), ".hpp": ("C++", "c"), ".c++": ("C++", "c"), ".h++": ("C++", "c"), ".cc": ("C++", "c"),
    ".hh": ("C++", "c"), ".C": ("C++", "c"), ".H": ("C++", "c"),
    ".cmake": ("CMake", "hash"), ".css": ("CSS", "c"), ".dockerfile": ("Dockerfile", "hash"),
    "Dockerfile": ("Dockerfile", "hash"),
    ".f90": ("Fortran", None), ".f": ("Fortran", None), ".f03": ("Fortran", None), ".f08": ("Fortran", None),
    ".f77": ("Fortran", None), ".f95": ("Fortran", None), ".for": ("Fortran", None), ".fpp": ("Fortran", None),
    ".go": ("Go", "c"), ".hs": ("Haskell", "dash"), ".html": ("HTML", "html"), ".java": ("Java", "c"),
    ".js": ("JavaScript", "c"), ".jl": ("Julia", "hash"), ".lua": ("Lua", "dash"), ".md": ("Markdown", "html"),
    ".markdown": ("Markdown", "html"),
    ".php": ("PHP", "c"), ".php3": ("PHP", "c"), ".php4": ("PHP", "c"), ".php5": ("PHP", "c"),
    ".phps": ("PHP", "c"), ".phpt": ("PHP", "c"),
    ".pl": ("Perl", "hash"), ".pm": ("Perl", "hash"), ".pod": ("Perl", None), ".perl": ("Perl", "hash"),
    ".ps1": ("PowerShell", "hash"), ".psd1": ("PowerShell", "hash"), ".psm1": ("PowerShell", "hash"),
    ".py": ("Python", "hash"), ".rb": ("Ruby", "hash"), ".rs": ("Rust", "c"), ".sql": ("SQL", "dash"),
    ".scala": ("Scala", "c"), ".sh": ("Shell", "hash"), ".bash": ("Shell", "hash"), ".command": ("Shell", "hash"),
    ".zsh": ("Shell", "hash"), ".ts": ("TypeScript", "c"), ".tsx": ("TypeScript", "c"), ".tex": ("TeX", None),
    ".vb": ("Visual Basic", None), "Makefile": ("Makefile", "hash"), ".xml": ("XML", "html"),
    ".rst": ("reStructuredText", None), ".m": ("Objective-C", "c"), ".smali": ("Smali", "hash"),
}
DEFAULT_EXTENSIONS = tuple(_LANGUAGES)
COMMENT_STYLES = ("c", "hash", "dash", "html")

# Our choice, after GitHub linguist's `vendor.yml` (the folder names it treats as vendored code).
VENDORED_DIR = re.compile(
    r"(?:^|/)(?:vendor|vendors|third[_-]?party|3rdparty|node_modules|bower_components|Godeps|external|extern)/",
    re.I)
# Minified assets by name: `app.min.js`, `style-min.css`, `bundle.min.mjs`.
MINIFIED_NAME = re.compile(r"[.-]min\.(?:js|mjs|css)$", re.I)

# --- header removal -----------------------------------------------------------------------------------------------

# What makes a leading comment a licence header: a copyright notice, a licence's name or an SPDX tag.
LICENSE_WORDS = re.compile(
    r"copyright|\(c\)|©|licen[cs]ed?\b|licen[cs]es\b|spdx-license-identifier|permission is hereby granted"
    r"|all rights reserved",
    re.I)
_SHEBANG = re.compile(r"#!")
# PEP 263: "^[ \t\f]*#.*?coding[:=][ \t]*([-_.a-zA-Z0-9]+)", on line 1 or 2.
_ENCODING = re.compile(r"[ \t\f]*#.*?coding[:=][ \t]*[-_.a-zA-Z0-9]+")
_OPENING_TAG = re.compile(r"\s*(?:<\?php\b|<\?xml\b.*\?>\s*$)")
# A `#` line that is code, not a comment: the C preprocessor (in Makefile-ish or mixed files) ends a `#` block.
_PREPROCESSOR = re.compile(r"\s*#[ \t]*(?:include|define|undef|pragma|ifdef|ifndef|endif)\b")


def language_of(path: str, extensions: Sequence[str] = DEFAULT_EXTENSIONS) -> str | None:
    """The language name of an allowed file (`src/main.go` -> `Go`), None when its extension is not allowed."""
    name = PurePosixPath(path).name
    suffix = PurePosixPath(name).suffix
    for key in (name, suffix, suffix.lower()):
        if key and key in extensions and key in _LANGUAGES:
            return _LANGUAGES[key][0]
        if key and key in extensions:
            return key.lstrip(".")
    return None


def comment_style(path: str) -> str | None:
    name = PurePosixPath(path).name
    suffix = PurePosixPath(name).suffix
    for key in (name, suffix, suffix.lower()):
        if key in _LANGUAGES:
            return _LANGUAGES[key][1]
    return None


def _preamble_end(lines: list[str]) -> int:
    """How many leading lines are kept whatever follows: shebang, encoding line, opening tag, blank lines."""
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            i += 1
        elif i == 0 and _SHEBANG.match(line):
            i += 1
        elif i <= 1 and _ENCODING.match(line):
            i += 1
        elif i <= 1 and _OPENING_TAG.match(line):
            i += 1
        else:
            break
    return i


def _delimited_block(lines: list[str], start: int, opener: str, closer: str) -> int | None:
    """End (exclusive) of a block opened by `opener` at `lines[start]` and closed by `closer` with nothing after it;
    None when it never closes or code follows the closer on its line."""
    first = lines[start].lstrip()[len(opener):]
    for i in range(start, len(lines)):
        text = first if i == start else lines[i]
        at = text.find(closer)
        if at >= 0:
            return i + 1 if not text[at + len(closer):].strip() else None
    return None


def _line_block(lines: list[str], start: int, prefix: str, stop: re.Pattern | None = None) -> int:
    end = start
    while end < len(lines) and lines[end].lstrip().startswith(prefix) and not (stop and stop.match(lines[end])):
        end += 1
    return end


def _comment_block_end(lines: list[str], start: int, style: str) -> int | None:
    """End (exclusive) of the comment block starting at `lines[start]`, None when no comment starts there."""
    head = lines[start].lstrip()
    if style == "c":
        if head.startswith("/*"):
            return _delimited_block(lines, start, "/*", "*/")
        if head.startswith("//"):
            return _line_block(lines, start, "//")
    elif style == "hash":
        if head.startswith("#") and not head.startswith("#!") and not _PREPROCESSOR.match(head):
            return _line_block(lines, start, "#", _PREPROCESSOR)
    elif style == "dash":
        if head.startswith("--[["):
            return _delimited_block(lines, start, "--[[", "]]")
        if head.startswith("--"):
            return _line_block(lines, start, "--")
    elif style == "html":
        if head.startswith("<!--"):
            return _delimited_block(lines, start, "<!--", "-->")
    return None


def strip_license_header(text: str, style: str | None) -> str:
    """`text` without its leading licence comment block (see the module docstring); unchanged when there is none."""
    if style is None:
        return text
    lines = text.splitlines(keepends=True)
    start = _preamble_end(lines)
    if start >= len(lines):
        return text
    end = _comment_block_end(lines, start, style)
    if end is None or end == start or not LICENSE_WORDS.search("".join(lines[start:end])):
        return text
    while end < len(lines) and not lines[end].strip():
        end += 1
    return "".join(lines[:start] + lines[end:])


# --- decisions (pure) ---------------------------------------------------------------------------------------------


def license_reason(spdx: str | None, allowed: Sequence[str] = DEFAULT_LICENSES) -> str | None:
    """None when any id of the licence expression is allowed, else `license_unknown` / `license_not_allowed`."""
    ids = license_ids(spdx)
    if not ids:
        return "license_unknown"
    return None if any(i in allowed for i in ids) else "license_not_allowed"


def file_reason(file: SourceFile, extensions: Sequence[str] = DEFAULT_EXTENSIONS) -> str | None:
    """Why a file is dropped before its text is read: `license_file` (the repository's own LICENSE/COPYING at its
    root: licence text, not code), `extension_not_allowed`, `binary`, `vendored`, `minified`."""
    if LICENSE_FILE.fullmatch(file.path):
        return "license_file"
    if language_of(file.path, extensions) is None:
        return "extension_not_allowed"
    if file.binary or file.content is None:
        return "binary"
    if VENDORED_DIR.search("/" + file.path):
        return "vendored"
    if MINIFIED_NAME.search(file.path):
        return "minified"
    return None


@dataclass(frozen=True)
class QualitySignals:
    max_line_length: int
    mean_line_length: float
    alphanumeric_fraction: float
    alpha_per_token: float


def whitespace_tokens(text: str) -> int:
    return len(text.split())


def quality_signals(text: str, count_tokens: Callable[[str], int] = whitespace_tokens) -> QualitySignals:
    lengths = [len(line) for line in text.splitlines()] or [0]
    tokens = count_tokens(text)
    alpha = sum(c.isalpha() for c in text)
    return QualitySignals(
        max_line_length=max(lengths),
        mean_line_length=sum(lengths) / len(lengths),
        alphanumeric_fraction=sum(c.isalnum() for c in text) / len(text) if text else 0.0,
        alpha_per_token=alpha / tokens if tokens else 0.0,
    )


@dataclass(frozen=True)
class QualityThresholds:
    max_line_length: int = MAX_LINE_LENGTH
    max_mean_line_length: float = MAX_MEAN_LINE_LENGTH
    min_alphanumeric_fraction: float = MIN_ALPHANUMERIC_FRACTION
    min_alpha_per_token: float = MIN_ALPHA_PER_TOKEN


def quality_reason(signals: QualitySignals, thresholds: QualityThresholds = QualityThresholds()) -> str | None:
    """The first threshold the file fails, in RedPajama's order, or None (each boundary value is kept)."""
    if signals.max_line_length > thresholds.max_line_length:
        return "max_line_length"
    if signals.mean_line_length > thresholds.max_mean_line_length:
        return "mean_line_length"
    if signals.alphanumeric_fraction < thresholds.min_alphanumeric_fraction:
        return "alphanumeric_fraction"
    if signals.alpha_per_token < thresholds.min_alpha_per_token:
        return "alpha_per_token"
    return None


def content_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def file_document(file: SourceFile, extensions: Sequence[str] = DEFAULT_EXTENSIONS) -> dict | str:
    """The document of a file that passed the licence step, or why it is dropped (the `file` step's reasons)."""
    reason = file_reason(file, extensions)
    if reason:
        return reason
    text = strip_license_header(file.content, comment_style(file.path))
    if not text.strip():
        return "empty"
    return make_document(SOURCE, f"{file.repo_name}/{file.path}", text, LANG, {
        "repo": file.repo_name, "path": file.path, "license": file.license, "license_raw": file.license_raw,
        "language": language_of(file.path, extensions), "header_removed": len(text) != len(file.content),
        "sha256": content_key(text), "input": file.origin, "line": file.line,
    })


def keep_smallest_id(docs: Sequence[dict]) -> tuple[dict, int]:
    """(the copy kept, how many were dropped) among documents with the same text."""
    return min(docs, key=lambda d: d["id"]), len(docs) - 1


# --- Beam ---------------------------------------------------------------------------------------------------------




class ReadGitHub(beam.DoFn):
    """(file index, path) -> files (dicts of SourceFile): a local folder is a repository, anything else an export."""

    def __init__(self):
        self.read = StepCounter(SOURCE, "read")

    def process(self, indexed_path: tuple[int, str]):
        _, path = indexed_path
        items = read_repository(path) if os.path.isdir(path) else read_bigquery_export(path, storage.open_read)
        for item in items:
            if isinstance(item, InputError):
                self.read.dropped(INPUT_ERROR)
                log.warning("%s at byte %s: %s", item.path, item.offset, item.reason)
                yield beam.pvalue.TaggedOutput(ERRORS, asdict(item))
                continue
            self.read.kept()
            yield asdict(item)


class FilterLicense(beam.DoFn):
    def __init__(self, licenses: Sequence[str]):
        self.licenses = tuple(licenses)
        self.license = StepCounter(SOURCE, "license")

    def process(self, file: dict):
        reason = license_reason(file["license"], self.licenses)
        if reason:
            self.license.dropped(reason)
            return
        self.license.kept()
        yield file


class MakeDocument(beam.DoFn):
    """File -> document with its licence header removed; counts what is dropped and what had a header."""

    def __init__(self, extensions: Sequence[str]):
        self.extensions = tuple(extensions)
        self.file = StepCounter(SOURCE, "file")

    def setup(self):
        self._headers = extra_counter(SOURCE, "file/header_removed")

    def process(self, file: dict):
        result = file_document(SourceFile(**file), self.extensions)
        if isinstance(result, str):
            self.file.dropped(result)
            return
        if json.loads(result["meta"])["header_removed"]:
            self._headers.inc()
        self.file.kept()
        yield result


def tokenizer_model(tokenizer: str) -> str:
    """`--tokenizer` may name the folder `llamix tokenizer train` wrote or the model file itself."""
    from tokenizer.train import MODEL_NAME

    return tokenizer if tokenizer.endswith(".model") else storage.join(tokenizer, MODEL_NAME)


class FilterQuality(beam.DoFn):
    """RedPajama's four thresholds; the SentencePiece model (when given) is loaded once per worker."""

    def __init__(self, thresholds: QualityThresholds, tokenizer: str | None):
        self.thresholds = thresholds
        self.tokenizer = tokenizer
        self.quality = StepCounter(SOURCE, "quality")

    def setup(self):
        if self.tokenizer:
            from tokenizer.shard import load_tokenizer

            processor = load_tokenizer(tokenizer_model(self.tokenizer))
            self._count_tokens = lambda text: len(processor.encode(text))
        else:
            self._count_tokens = whitespace_tokens

    def process(self, doc: dict):
        reason = quality_reason(quality_signals(doc["text"], self._count_tokens), self.thresholds)
        if reason:
            self.quality.dropped(reason)
            return
        self.quality.kept()
        yield doc


class KeepOneCopy(beam.DoFn):
    def __init__(self):
        self.dedup = StepCounter(SOURCE, "dedup")

    def process(self, keyed):
        _, docs = keyed
        kept, dropped = keep_smallest_id(list(docs))
        if dropped:
            self.dedup.dropped("duplicate_content", dropped)
        self.dedup.kept()
        yield kept


@dataclass
class GitHubConfig:
    """Every setting of a run; recorded whole in the manifest."""

    licenses: Sequence[str] = DEFAULT_LICENSES
    extensions: Sequence[str] = DEFAULT_EXTENSIONS
    tokenizer: str | None = None
    thresholds: QualityThresholds = field(default_factory=QualityThresholds)

    def manifest(self) -> dict:
        return {"licenses": list(self.licenses), "extensions": list(self.extensions), "tokenizer": self.tokenizer,
                "token_counter": f"sentencepiece:{tokenizer_model(self.tokenizer)}" if self.tokenizer
                else "whitespace", **asdict(self.thresholds)}


class ExtractGitHub(beam.PTransform):
    """(file index, path) -> (documents, input errors)."""

    def __init__(self, config: GitHubConfig):
        super().__init__()
        self.config = config

    def expand(self, paths):
        files = paths | "ReadGitHub" >> beam.ParDo(ReadGitHub()).with_outputs(ERRORS, main="files")
        docs = (
            files.files
            | "FilterLicense" >> guarded("license", FilterLicense(self.config.licenses))
            | "MakeDocument" >> guarded("file", MakeDocument(self.config.extensions))
            | "FilterQuality" >> guarded("quality", FilterQuality(self.config.thresholds, self.config.tokenizer))
            | "KeyByContent" >> beam.Map(lambda doc: (json.loads(doc["meta"])["sha256"], doc))
            | "GroupByContent" >> beam.GroupByKey()
            | "KeepOneCopy" >> guarded("dedup", KeepOneCopy(), documents=grouped_documents)
        )
        return docs, files[ERRORS]


def expand_inputs(inputs: Sequence[str]) -> list[str]:
    """Globs of exports stay as they are; a local folder becomes its repositories (itself or its sub-folders)."""
    expanded: list[str] = []
    for value in inputs:
        if not storage.has_scheme(value) and os.path.isdir(value):
            repos = repository_folders(value)
            if not repos:
                raise FileNotFoundError(f"--input {value}: a folder without repositories (no licence file or .git "
                                        f"at its root, and no sub-folders)")
            expanded += repos
        else:
            expanded.append(value)
    return expanded


def run(inputs: Sequence[str], output: str, config: GitHubConfig = GitHubConfig(), beam_argv: Sequence[str] = (),
        overwrite: bool = False, num_shards: int = 0) -> dict:
    """Runs the pipeline over export globs and repository folders; returns the manifest it wrote."""
    if not inputs:
        raise ValueError("github: give BigQuery exports or repository folders (--input)")
    unknown = sorted(set(config.licenses) - KNOWN_LICENSES)
    if unknown:
        log.warning("github: licences %s are never detected or mapped; they allow nothing", unknown)
    manifest_config = {"inputs": list(inputs), **config.manifest()}
    return run_source_pipeline(
        SourceRun(SOURCE, STEPS, expand_inputs(inputs), output, manifest_config, beam_argv, overwrite, num_shards,
                  models=[tokenizer_model(config.tokenizer)] if config.tokenizer else []),
        ExtractGitHub(config),
    )


def _split(values: Sequence[str] | None) -> list[str]:
    return [p.strip() for value in values or () for p in value.split(",") if p.strip()]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="llamix run github",
        description="GitHub (LLaMA §2.1): permissive licences, RedPajama's quality thresholds, licence headers "
                    "removed, exact file dedup.")
    parser.add_argument("--input", action="append", required=True,
                        help="BigQuery JSONL(.gz) export globs and/or local repository folders (comma-separated, "
                             "repeatable)")
    parser.add_argument("--output", required=True, help="output folder")
    parser.add_argument("--licenses", help=f"allowed SPDX ids (default {','.join(DEFAULT_LICENSES)})")
    parser.add_argument("--extensions", help="allowed extensions, `.py` or a file name like `Makefile` "
                                             "(default: RedPajama v1's list)")
    parser.add_argument("--tokenizer", help="SentencePiece folder or model for alphabetic characters per token "
                                            "(default: whitespace-separated words)")
    parser.add_argument("--num-shards", type=int, default=0, help="Parquet files to write (0: the runner decides)")
    parser.add_argument("--overwrite", action="store_true", help="replace the output folder's contents")
    args, beam_argv = parser.parse_known_args(argv)
    config = GitHubConfig(
        licenses=tuple(_split([args.licenses])) if args.licenses else DEFAULT_LICENSES,
        extensions=tuple(_split([args.extensions])) if args.extensions else DEFAULT_EXTENSIONS,
        tokenizer=args.tokenizer,
    )
    manifest = run(_split(args.input), args.output, config, beam_argv, args.overwrite, args.num_shards)
    log_run_summary(manifest, args.output)
    return 0
