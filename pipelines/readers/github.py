"""GitHub readers: BigQuery `github_repos` exports (JSON Lines, optionally gzipped) and local checked-out repositories.

LLaMA §2.1, "Github [4.5%]": "We use the public GitHub dataset available on Google BigQuery. We only kept projects
that are distributed under the Apache, BSD and MIT licenses." Both readers produce :class:`SourceFile` records with
the licence as an SPDX id (or None when unknown); everything here is pure (bytes in, records out), the Beam steps live
in `pipelines/sources/github.py`.

**BigQuery export** (`read_bigquery_export`). One JSON object a line, the join of `github_repos.files`,
`github_repos.contents` and `github_repos.licenses`: `repo_name`, `path`, `content` (string, or null for binary and
oversized blobs), `license` (BigQuery's lower-case key: "mit", "apache-2.0", … mapped by `BIGQUERY_LICENSES`), and
optional `size`, `binary`. A `.gz` name is decompressed here with Python's `gzip`, so a cut file is an error after
every record before the cut. A line that is not UTF-8, not JSON, not an object, or lacks a string `repo_name`/`path`
is an :class:`InputError` naming the file, the byte offset and the line; the file goes on after it.

**Local repositories** (`read_repository`). A folder is one repository named after the folder; its licence is read
from the licence files at its root (`LICENSE*`, `LICENCE*`, `COPYING*`, any case) by `detect_license`. Files are
listed recursively in path order, `.git` skipped. A file with a NUL byte in its first `BINARY_SNIFF_BYTES` is
binary (git's own heuristic, `buffer_is_binary` in git's `xdiff-interface.c`) and yields a record with `binary=True`
and no content; a file that is not UTF-8 is an :class:`InputError` (undecodable bytes).

**Licence detection** (`detect_license`): the text is lower-cased and its whitespace collapsed, then searched for
the phrases of `LICENSE_PHRASES` (distinctive sentences of each licence's own text; the first id whose phrases are
all present wins, BSD-3-Clause before BSD-2-Clause because the 3-clause text contains the 2-clause one). A file
that is only an `SPDX-License-Identifier: ID` line gives that id. Several licence files that name different licences
(`LICENSE-MIT` + `LICENSE-APACHE`, the Rust habit of dual licensing) give `"Apache-2.0 OR MIT"`; the pipeline keeps
such a repository when any of its ids is allowed, since the licensee may choose.
"""
from __future__ import annotations

import gzip
import os
import re
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from pipelines.readers.jsonl import parse_json_object
from pipelines.readers.mediawiki import InputError

UTF8 = "utf-8"
JSONL_SUFFIXES = (".jsonl", ".jsonl.gz", ".json", ".json.gz")
# git `buffer_is_binary` (xdiff-interface.c): "a NUL in the first 8000 bytes" (FIRST_FEW_BYTES).
BINARY_SNIFF_BYTES = 8000
# Licence files at a repository's root, as GitHub's licensee gem looks for them (any case, any extension).
LICENSE_FILE = re.compile(r"(?:licen[cs]e|copying)(?:[-._][\w.-]*)?", re.I)
SKIPPED_DIRS = frozenset({".git", ".hg", ".svn"})

# BigQuery `github_repos.licenses.license` values (GitHub's licence keys) -> SPDX ids.
BIGQUERY_LICENSES = {
    "mit": "MIT", "apache-2.0": "Apache-2.0", "bsd-2-clause": "BSD-2-Clause", "bsd-3-clause": "BSD-3-Clause",
    "isc": "ISC", "gpl-2.0": "GPL-2.0", "gpl-3.0": "GPL-3.0", "lgpl-2.1": "LGPL-2.1", "lgpl-3.0": "LGPL-3.0",
    "agpl-3.0": "AGPL-3.0", "mpl-2.0": "MPL-2.0", "epl-1.0": "EPL-1.0", "cc0-1.0": "CC0-1.0",
    "unlicense": "Unlicense", "artistic-2.0": "Artistic-2.0",
}

# SPDX id -> phrases that must all appear (lower case, single spaces) in a licence file. Checked in this order.
LICENSE_PHRASES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Apache-2.0", ("apache license", "version 2.0")),
    ("MIT", ("permission is hereby granted, free of charge, to any person obtaining a copy",)),
    ("BSD-3-Clause", ("redistribution and use in source and binary forms",
                      "used to endorse or promote products derived from this software")),
    ("BSD-2-Clause", ("redistribution and use in source and binary forms",
                      "redistributions in binary form must reproduce the above copyright notice")),
    ("ISC", ("permission to use, copy, modify, and/or distribute this software for any purpose",)),
    ("AGPL-3.0", ("gnu affero general public license", "version 3")),
    ("LGPL-3.0", ("gnu lesser general public license", "version 3")),
    ("LGPL-2.1", ("gnu lesser general public license", "version 2.1")),
    ("GPL-3.0", ("gnu general public license", "version 3")),
    ("GPL-2.0", ("gnu general public license", "version 2")),
    ("MPL-2.0", ("mozilla public license", "2.0")),
    ("Unlicense", ("this is free and unencumbered software released into the public domain",)),
)
_SPDX_LINE = re.compile(r"^\s*spdx-license-identifier:\s*([\w.+-]+(?:\s+or\s+[\w.+-]+)*)\s*$", re.I)
_SPACES = re.compile(r"\s+")

OpenBinary = Callable[[str], BinaryIO]


@dataclass(frozen=True)
class SourceFile:
    """One file of a repository, as read."""

    repo_name: str
    path: str  # inside the repository, "/"-separated
    content: str | None  # None: binary or missing in the export
    license: str | None  # SPDX id ("MIT", "Apache-2.0 OR MIT"), None when unknown
    license_raw: str | None  # as the input named it: BigQuery's key, or the licence file(s) read
    binary: bool = False
    size: int | None = None
    origin: str = ""  # the export file or repository folder it came from
    line: int | None = None  # export: 1-based line number


def spdx_from_bigquery(key: str | None) -> str | None:
    """`"apache-2.0"` -> `"Apache-2.0"`; None for a key we do not know (or none)."""
    return BIGQUERY_LICENSES.get(key.strip().lower()) if isinstance(key, str) else None


def detect_license(text: str) -> str | None:
    """The SPDX id of a licence file's text, from `LICENSE_PHRASES` or an SPDX identifier line; None if unknown."""
    for line in text.splitlines()[:5]:
        match = _SPDX_LINE.match(line)
        if match:
            return match.group(1)
    normalized = _SPACES.sub(" ", text.lower())
    for spdx, phrases in LICENSE_PHRASES:
        if all(phrase in normalized for phrase in phrases):
            return spdx
    return None


def combine_licenses(ids: list[str | None]) -> str | None:
    """Licences of several licence files -> one SPDX expression (`"Apache-2.0 OR MIT"`), None if none is known."""
    known = sorted({part for spdx in ids if spdx for part in re.split(r"\s+OR\s+", spdx, flags=re.I)})
    return " OR ".join(known) if known else None


def license_ids(expression: str | None) -> list[str]:
    """`"Apache-2.0 OR MIT"` -> `["Apache-2.0", "MIT"]`."""
    return [part for part in re.split(r"\s+OR\s+", expression, flags=re.I) if part] if expression else []


# --- BigQuery exports ---------------------------------------------------------------------------------------------


def _open_local(path: str) -> BinaryIO:
    return open(path, "rb")


# A cut or corrupt gzip stream raises EOFError, gzip.BadGzipFile (an OSError) or zlib.error.
_STREAM_ERRORS = (EOFError, OSError, zlib.error)


def read_bigquery_export(path: str, open_binary: OpenBinary | None = None) -> Iterator[SourceFile | InputError]:
    """A BigQuery JSONL(.gz) export -> SourceFiles and InputErrors (one per bad line, one for a cut stream)."""
    open_binary = open_binary or _open_local
    offset = line_number = 0
    try:
        with open_binary(path) as raw, (gzip.GzipFile(fileobj=raw, mode="rb") if path.endswith(".gz")
                                        else raw) as stream:
            for line_number, line in enumerate(stream, start=1):
                item = _export_record(path, line, line_number, offset)
                offset += len(line)
                if item is not None:
                    yield item
    except _STREAM_ERRORS as err:
        yield InputError(path, offset, f"unreadable gzip stream after line {line_number}: "
                                       f"{type(err).__name__}: {err}")


def _export_record(path: str, line: bytes, line_number: int, offset: int) -> SourceFile | InputError | None:
    record = parse_json_object(path, line, line_number, offset)
    if not isinstance(record, dict):
        return record
    where = f"line {line_number}"
    for name in ("repo_name", "path"):
        if not isinstance(record.get(name), str) or not record[name]:
            return InputError(path, offset, f"{where}: expected a non-empty string {name!r} field")
    content, license_key = record.get("content"), record.get("license")
    if content is not None and not isinstance(content, str):
        return InputError(path, offset, f"{where}: expected \"content\" to be a string or null, "
                                        f"got {type(content).__name__}")
    if license_key is not None and not isinstance(license_key, str):
        return InputError(path, offset, f"{where}: expected \"license\" to be a string or null")
    binary = bool(record.get("binary")) or (content is not None and "\x00" in content)
    size = record.get("size")
    return SourceFile(
        repo_name=record["repo_name"], path=record["path"], content=None if binary else content,
        license=spdx_from_bigquery(license_key), license_raw=license_key, binary=binary,
        size=size if isinstance(size, int) else None, origin=path, line=line_number,
    )


def is_export(path: str) -> bool:
    return path.lower().endswith(JSONL_SUFFIXES)


# --- local repositories -------------------------------------------------------------------------------------------


def is_repository(folder: Path) -> bool:
    """A folder is a repository when it has a `.git` folder or a licence file at its root."""
    return (folder / ".git").exists() or any(LICENSE_FILE.fullmatch(p.name) for p in folder.iterdir() if p.is_file())


def repository_folders(folder: str) -> list[str]:
    """`folder` itself when it is a repository, else its sub-folders (each one repository), sorted."""
    root = Path(folder)
    if is_repository(root):
        return [str(root)]
    return sorted(str(p) for p in root.iterdir() if p.is_dir() and p.name not in SKIPPED_DIRS)


def repository_license(root: Path) -> tuple[str | None, str | None]:
    """(SPDX expression or None, the licence files read, comma-separated, or None) of a repository."""
    files = sorted(p for p in root.iterdir() if p.is_file() and LICENSE_FILE.fullmatch(p.name))
    ids = [detect_license(p.read_bytes().decode(UTF8, errors="replace")) for p in files]
    return combine_licenses(ids), ",".join(p.name for p in files) or None


def read_repository(folder: str) -> Iterator[SourceFile | InputError]:
    """Every file of a local repository (licence files included), in path order; undecodable ones as InputErrors."""
    root = Path(folder)
    repo_name = root.name
    spdx, license_files = repository_license(root)
    paths: list[Path] = []
    for directory, subdirs, names in os.walk(root):
        subdirs[:] = sorted(d for d in subdirs if d not in SKIPPED_DIRS)
        paths += [Path(directory) / name for name in names]
    for file in sorted(paths):
        relative = file.relative_to(root).as_posix()
        if file.is_symlink():
            continue  # BigQuery's `files` table lists symlinks with a target, not content: nothing to read
        try:
            data = file.read_bytes()
        except OSError as err:
            yield InputError(str(file), None, f"unreadable file: {type(err).__name__}: {err}")
            continue
        common = dict(repo_name=repo_name, path=relative, license=spdx, license_raw=license_files, size=len(data),
                      origin=str(root))
        if b"\x00" in data[:BINARY_SNIFF_BYTES]:
            yield SourceFile(content=None, binary=True, **common)
            continue
        try:
            text = data.decode(UTF8)
        except UnicodeDecodeError as err:
            yield InputError(str(file), err.start, f"not UTF-8 at byte {err.start}: expected a UTF-8 text file")
            continue
        yield SourceFile(content=text, **common)
