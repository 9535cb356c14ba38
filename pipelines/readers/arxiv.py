"""In-memory reader for arXiv LaTeX sources: bulk tarballs, single e-prints, and plain directories of papers.

arXiv's bulk source files (https://info.arxiv.org/help/bulk_data_s3.html) are tarballs ``arXiv_src_<yymm>_<NNN>.tar``
whose members are ``<yymm>/<id>.gz`` — a gzipped single ``.tex`` file, or a gzipped tar of a multi-file project —
and ``<yymm>/<id>.pdf`` for papers submitted as PDF only. Nothing is ever extracted to disk: the tarball is read as a
stream (``tarfile`` mode ``r|``), every member is decompressed in memory through a reader that stops one byte past
the per-paper cap, and member names are only ever used as dictionary keys, after refusing absolute paths and ``..``.

    for item in read_papers("arXiv_src_2601_001.tar"):
        ...  # PaperSource | SkippedPaper | InputError

What a path is, by its name: ``*.tar`` a bulk tarball; ``*.gz``/``*.tgz`` one paper (an e-print as arXiv serves it);
``*.tex``/``*.ltx``/``*.latex`` a one-file paper; ``*.pdf`` a paper without LaTeX; anything else a directory of papers,
laid out as :func:`directory_entries` describes.
"""
from __future__ import annotations

import contextlib
import gzip
import logging
import os
import posixpath
import re
import tarfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from manifests import storage
from pipelines.readers.mediawiki import InputError, OpenBinary

logger = logging.getLogger(__name__)

# Why a paper is not read (the funnel's read step; input_error is pipelines.funnel.INPUT_ERROR).
UNSAFE_PATH = "unsafe_path"
TOO_LARGE = "too_large"
NOT_LATEX = "not_latex"

# Decompressed bytes allowed per paper (figures included: they pass through the decompressor even though only TeX
# files are kept). The paper and the reference implementation give no limit; arXiv turns away oversized submissions
# (https://info.arxiv.org/help/sizes.html), so a real paper's source stays far below this, while a gzip bomb stops
# here and never costs more memory or CPU than this many bytes.
DEFAULT_MAX_PAPER_BYTES = 64 << 20
# Files of a project that are kept as text: LaTeX sources, and BibTeX output that `\input{paper.bbl}` may pull in.
TEX_SUFFIXES = (".tex", ".ltx", ".latex", ".bbl")
GZIP_SUFFIXES = (".gz", ".tgz")
TAR_SUFFIXES = (".tar",)
PDF_SUFFIXES = (".pdf",)
# Non-LaTeX submissions that arrive as a .gz member: PDF and PostScript files start with these.
NON_LATEX_MAGIC = (b"%PDF", b"%!PS")
_BLOCK = tarfile.BLOCKSIZE
_CHUNK = 1 << 16

ListDir = Callable[[str], list[tuple[str, int]]]


@dataclass(frozen=True)
class PaperSource:
    """A paper's TeX files, decoded. `files` maps the paper-relative POSIX path to the text."""

    arxiv_id: str  # "2601.00001", "math/0601001"; the file or folder name when it is no arXiv identifier
    path: str  # the input file or folder
    member: str | None  # the member of a bulk tarball, or the path inside a directory of papers
    files: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SkippedPaper:
    """A paper refused before parsing: `reason` is UNSAFE_PATH, TOO_LARGE or NOT_LATEX; `detail` says why."""

    reason: str
    path: str
    member: str | None
    detail: str


# --- names --------------------------------------------------------------------------------------------------

# New-style identifiers (since 2007-04): yymm.number, 4 digits after the dot until 2014-12, 5 since; a version may
# follow (https://info.arxiv.org/help/arxiv_identifier.html).
_NEW_STYLE_ID = re.compile(r"(?P<number>\d{4}\.\d{4,5})(?:v\d+)?")
# Old-style identifiers: archive(.subject class)/yymmnnn, written without the slash in file names: math0601001.
_OLD_STYLE_ID = re.compile(r"(?P<archive>[a-z]+(?:-[a-z]+)*)(?:\.[A-Z]{2})?[/_]?(?P<number>\d{7})(?:v\d+)?")
_YYMM_FOLDER = re.compile(r"\d{4}")


def strip_suffixes(name: str) -> str:
    """`2601.00001.tar.gz` -> `2601.00001`: the name without the archive and text suffixes this reader knows."""
    base = posixpath.basename(name.rstrip("/"))
    for suffix in (".tar.gz", *GZIP_SUFFIXES, *TAR_SUFFIXES, *TEX_SUFFIXES, *PDF_SUFFIXES):
        if base.lower().endswith(suffix) and len(base) > len(suffix):
            return base[: -len(suffix)]
    return base


def arxiv_id_from_name(name: str) -> str:
    """The arXiv identifier a file or folder is named after (`0601/math0601001.gz` -> `math/0601001`, versions
    dropped); the bare name when it follows neither identifier scheme."""
    stem = strip_suffixes(name)
    new = _NEW_STYLE_ID.fullmatch(stem)
    if new:
        return new["number"]
    old = _OLD_STYLE_ID.fullmatch(stem)
    if old:
        return f"{old['archive']}/{old['number']}"
    return stem


def is_arxiv_id(native_id: str) -> bool:
    return bool(_NEW_STYLE_ID.fullmatch(native_id) or _OLD_STYLE_ID.fullmatch(native_id))


def unsafe_member_name(name: str) -> bool:
    """True for names that would leave the extraction folder if a tool did extract them: absolute paths
    (`/etc/x`, `C:\\x`) and any `..` component. We never extract, but such a member marks a hostile archive."""
    normalized = name.replace("\\", "/")
    return (
        normalized.startswith("/")
        or re.match(r"[A-Za-z]:/", normalized) is not None
        or ".." in normalized.split("/")
    )


def _member_key(name: str) -> str:
    """`./sections/intro.tex` -> `sections/intro.tex` (only for names `unsafe_member_name` accepted)."""
    return posixpath.normpath(name.replace("\\", "/")).lstrip("/")


def _has_suffix(name: str, suffixes: tuple[str, ...]) -> bool:
    return name.lower().endswith(suffixes)


# --- bytes --------------------------------------------------------------------------------------------------


class PaperTooLarge(Exception):
    """More than the cap of decompressed bytes (deliberately not an OSError: it must not read as corrupt input)."""


class _UnsafeMember(Exception):
    pass


class _TarballBroken(Exception):
    """The bulk tarball ended or broke inside a member: one error for the tarball, not one more for the paper."""


class _BulkMember:
    """A bulk tarball member's data, failing with _TarballBroken when the tarball itself is cut short."""

    def __init__(self, handle: BinaryIO):
        self._handle = handle

    def read(self, size: int = -1) -> bytes:
        try:
            return self._handle.read(size)
        except tarfile.ReadError as exc:
            raise _TarballBroken(str(exc)) from exc


class _CappedReader:
    """Reads a (decompressing) stream, failing with PaperTooLarge once more than `cap` bytes came out of it.

    Bytes handed back with `unread` are returned again first, so that the head can be sniffed and then parsed."""

    def __init__(self, stream: BinaryIO, cap: int):
        self._stream = stream
        self._cap = cap
        self._count = 0
        self._pending = b""

    def unread(self, data: bytes) -> None:
        self._pending = data + self._pending

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            parts = []
            while chunk := self.read(_CHUNK):
                parts.append(chunk)
            return b"".join(parts)
        if self._pending:
            data, self._pending = self._pending[:size], self._pending[size:]
            return data
        # never ask for more than one byte past the cap: a gzip bomb stops here, before it allocates
        data = self._stream.read(min(size, self._cap + 1 - self._count))
        self._count += len(data)
        if self._count > self._cap:
            raise PaperTooLarge(f"decompresses to more than {self._cap} bytes")
        return data

    def read_head(self, size: int) -> bytes:
        """Up to `size` bytes (fewer only at the end of the stream)."""
        parts, got = [], 0
        while got < size and (chunk := self.read(size - got)):
            parts.append(chunk)
            got += len(chunk)
        return b"".join(parts)


def decode_tex(data: bytes) -> str:
    """TeX source as text: UTF-8 (with or without BOM), else Latin-1, which older papers use
    (`\\usepackage[latin1]{inputenc}`) and which decodes any byte; line ends normalized to `\\n`."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _looks_like_tar(head: bytes) -> bool:
    """A tar header block with a valid checksum (ustar, GNU and old V7 headers alike)."""
    if len(head) < _BLOCK:
        return False
    try:
        tarfile.TarInfo.frombuf(head[:_BLOCK], "utf-8", "surrogateescape")
    except tarfile.HeaderError:
        return False
    return True


class _EndRecordingTarInfo(tarfile.TarInfo):
    """`tarfile` ends iteration silently when a header after the first is cut or corrupt; this records the header
    error on the TarFile so that the caller can tell a proper end (two zero blocks) from a damaged archive."""

    @classmethod
    def fromtarfile(cls, tar):  # noqa: D102 — tarfile's hook
        try:
            return super().fromtarfile(tar)
        except tarfile.HeaderError as exc:
            tar.llamix_end = exc
            raise


def _check_clean_end(tar: tarfile.TarFile) -> None:
    """Raises tarfile.ReadError unless the archive ended with its end-of-archive blocks."""
    end = getattr(tar, "llamix_end", None)
    if not isinstance(end, tarfile.EOFHeaderError):
        reason = "the file ends without end-of-archive blocks" if end is None or isinstance(
            end, (tarfile.EmptyHeaderError, tarfile.TruncatedHeaderError)) else f"corrupt header ({end})"
        raise tarfile.ReadError(f"archive is truncated or corrupt at byte {tar.offset}: {reason}")


def _members(tar: tarfile.TarFile) -> Iterator[tarfile.TarInfo]:
    while (member := tar.next()) is not None:
        yield member
        tar.members.clear()  # stream mode keeps every TarInfo otherwise: a header bomb would pile them up
    _check_clean_end(tar)


def _tex_files_from_tar(stream: _CappedReader) -> dict[str, str]:
    """TeX files of a paper's project tar, by normalized path. Raises _UnsafeMember, PaperTooLarge, TarError."""
    files: dict[str, str] = {}
    with tarfile.open(fileobj=stream, mode="r|", tarinfo=_EndRecordingTarInfo) as tar:
        for member in _members(tar):
            if unsafe_member_name(member.name):
                raise _UnsafeMember(f"project member {member.name!r} escapes the paper's folder")
            if not member.isfile() or not _has_suffix(member.name, TEX_SUFFIXES):
                continue  # figures, styles, folders, links: read past, never kept
            handle = tar.extractfile(member)
            assert handle is not None  # regular files always have one
            files[_member_key(member.name)] = decode_tex(handle.read())
    return files


# --- papers -------------------------------------------------------------------------------------------------


def paper_from_gzip(
    fileobj: BinaryIO, path: str, member: str | None, name: str, max_paper_bytes: int
) -> PaperSource | SkippedPaper | InputError:
    """One `<id>.gz` e-print (a gzipped .tex file or project tar), decompressed in memory up to the cap."""
    arxiv_id = arxiv_id_from_name(name)
    where = f"member {member!r}" if member else "paper"
    try:
        stream = _CappedReader(gzip.GzipFile(fileobj=fileobj, mode="rb"), max_paper_bytes)
        head = stream.read_head(_BLOCK)
        if head.startswith(NON_LATEX_MAGIC):
            return _skipped(NOT_LATEX, path, member, f"{where} is {head[:4].decode('ascii')}, not LaTeX")
        stream.unread(head)
        if _looks_like_tar(head):
            files = _tex_files_from_tar(stream)
            if not files:
                return _skipped(NOT_LATEX, path, member, f"{where}: project holds no {'/'.join(TEX_SUFFIXES)} file")
        else:
            data = stream.read()
            if b"\0" in data[:_CHUNK]:
                return _skipped(NOT_LATEX, path, member, f"{where} is binary (NUL bytes), neither TeX nor a tar")
            files = {f"{strip_suffixes(name)}.tex": decode_tex(data)}
    except PaperTooLarge as exc:
        return _skipped(TOO_LARGE, path, member, f"{where} {exc}")
    except _UnsafeMember as exc:
        return _skipped(UNSAFE_PATH, path, member, f"{where}: {exc}")
    except (OSError, EOFError, zlib.error, tarfile.TarError) as exc:  # BadGzipFile is an OSError
        return _error(path, None, f"{where}: gzip or tar data is truncated or corrupt ({exc}); expected a gzipped "
                                  f".tex file or project tar")
    return PaperSource(arxiv_id, path, member, files)


def _skipped(reason: str, path: str, member: str | None, detail: str) -> SkippedPaper:
    # PDF-only submissions are a normal part of arXiv; oversized and hostile members deserve a look
    level = logging.DEBUG if reason == NOT_LATEX else logging.WARNING
    logger.log(level, "%s%s: %s (%s)", path, f" [{member}]" if member else "", detail, reason)
    return SkippedPaper(reason, path, member, detail)


def _error(path: str, offset: int | None, reason: str) -> InputError:
    logger.warning("%s at byte %s: %s", path, offset, reason)
    return InputError(path=path, offset=offset, reason=reason)


def _read_bulk_tarball(path: str, raw: BinaryIO,
                       max_paper_bytes: int) -> Iterator[PaperSource | SkippedPaper | InputError]:
    """Every paper of an `arXiv_src_*.tar`; a damaged tarball ends with one InputError after the papers before it."""
    last, offset = "its start", 0
    try:
        with tarfile.open(fileobj=raw, mode="r|*", tarinfo=_EndRecordingTarInfo) as tar:
            for member in _members(tar):
                last, offset = f"member {member.name!r}", member.offset
                if unsafe_member_name(member.name):
                    yield _skipped(UNSAFE_PATH, path, member.name,
                                   f"member {member.name!r} is an absolute path or climbs out with '..'")
                elif member.isdir():
                    continue  # the <yymm>/ folder entries: not papers
                elif not member.isfile():
                    yield _skipped(NOT_LATEX, path, member.name, f"member {member.name!r} is a link or device")
                elif _has_suffix(member.name, PDF_SUFFIXES):
                    yield _skipped(NOT_LATEX, path, member.name, "PDF-only submission")
                elif not _has_suffix(member.name, GZIP_SUFFIXES):
                    yield _skipped(NOT_LATEX, path, member.name, f"member {member.name!r} is neither .gz nor .pdf")
                elif member.size > max_paper_bytes:
                    yield _skipped(TOO_LARGE, path, member.name,
                                   f"{member.size} compressed bytes, over the cap of {max_paper_bytes}")
                else:
                    handle = tar.extractfile(member)
                    assert handle is not None
                    item = paper_from_gzip(_BulkMember(handle), path, member.name, member.name, max_paper_bytes)
                    if isinstance(item, InputError):
                        item = InputError(path=path, offset=member.offset, reason=item.reason)
                    yield item
    except _TarballBroken as exc:
        yield _error(path, offset, f"tarball is truncated or corrupt inside {last} ({exc}); expected the member's "
                                   f"data, then more members up to the end-of-archive blocks")
    except (OSError, EOFError, zlib.error, tarfile.TarError) as exc:
        yield _error(path, offset, f"tarball is truncated or corrupt after {last} ({exc}); expected tar members up "
                                   f"to the end-of-archive blocks")


# --- directories of papers ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DirectoryEntry:
    """One paper (or bulk tarball) in a directory of papers. `name` is relative to the directory; `files` lists a
    paper folder's files (relative to the directory), empty for single files."""

    kind: str  # "tarball" | "gzip" | "tex" | "pdf" | "folder"
    name: str
    files: tuple[str, ...] = ()


def _file_kind(name: str) -> str | None:
    if _has_suffix(name, TAR_SUFFIXES):
        return "tarball"
    if _has_suffix(name, GZIP_SUFFIXES):
        return "gzip"
    if _has_suffix(name, TEX_SUFFIXES):
        return "tex"
    if _has_suffix(name, PDF_SUFFIXES):
        return "pdf"
    return None


def directory_entries(relative_paths: Iterable[str]) -> tuple[list[DirectoryEntry], list[str]]:
    """How a directory of papers is read, from the relative paths of every file under it:

    - a file directly inside is one paper (`<id>.gz`, `<id>.tex`, `<id>.pdf`) or a bulk tarball (`*.tar`);
    - a subfolder is one paper project (`<id>/main.tex`, `<id>/figs/…`), read whole;
    - a `<yymm>` subfolder (4 digits) is looked into instead, as an extracted bulk tarball lays papers out.

    Returns (entries, ignored files) — other files directly inside (README, checksums) are ignored."""
    entries: dict[str, DirectoryEntry] = {}
    folders: dict[str, list[str]] = {}
    ignored: list[str] = []
    for rel in sorted(relative_paths):
        parts = rel.split("/")
        prefix = parts[0] + "/" if len(parts) > 1 and _YYMM_FOLDER.fullmatch(parts[0]) else ""
        inner = parts[1:] if prefix else parts
        if len(inner) > 1:
            folders.setdefault(prefix + inner[0], []).append(rel)
        elif (kind := _file_kind(rel)) is not None:
            entries[rel] = DirectoryEntry(kind, rel)
        else:
            ignored.append(rel)
    for folder, files in folders.items():
        entries[folder] = DirectoryEntry("folder", folder, tuple(files))
    return [entries[name] for name in sorted(entries)], ignored


def _list_local(directory: str) -> list[tuple[str, int]]:
    found = []
    for root, _, names in os.walk(directory):
        for name in names:
            full = os.path.join(root, name)
            found.append((os.path.relpath(full, directory).replace(os.sep, "/"), os.path.getsize(full)))
    return found


def _open_local(path: str) -> BinaryIO:
    return open(path, "rb")


def _read_capped(opener: OpenBinary, path: str, cap: int) -> bytes:
    with contextlib.closing(opener(path)) as handle:
        data = handle.read(cap + 1)
    if len(data) > cap:
        raise PaperTooLarge(f"is more than {cap} bytes")
    return data


def _read_folder(directory: str, entry: DirectoryEntry, opener: OpenBinary, sizes: dict[str, int],
                 max_paper_bytes: int) -> PaperSource | SkippedPaper | InputError:
    tex = [rel for rel in entry.files if _has_suffix(rel, TEX_SUFFIXES)]
    if not tex:
        return _skipped(NOT_LATEX, directory, entry.name, f"folder {entry.name!r} holds no TeX file")
    total = sum(sizes[rel] for rel in tex)
    if total > max_paper_bytes:
        return _skipped(TOO_LARGE, directory, entry.name,
                        f"folder {entry.name!r} holds {total} bytes of TeX, over the cap of {max_paper_bytes}")
    files: dict[str, str] = {}
    for rel in tex:
        try:
            data = _read_capped(opener, storage.join(directory, rel), max_paper_bytes)
        except OSError as exc:
            return _error(storage.join(directory, rel), None, f"cannot read {entry.name!r}'s file {rel!r}: {exc}")
        except PaperTooLarge as exc:  # grew since it was listed
            return _skipped(TOO_LARGE, directory, entry.name, f"{rel!r} {exc}")
        files[rel[len(entry.name) + 1:]] = decode_tex(data)
    return PaperSource(arxiv_id_from_name(entry.name), directory, entry.name, files)


def _read_directory(directory: str, opener: OpenBinary, list_dir: ListDir,
                    max_paper_bytes: int) -> Iterator[PaperSource | SkippedPaper | InputError]:
    listed = list_dir(directory)
    if not listed:
        yield _error(directory, None, "expected a bulk tarball (*.tar), an e-print (*.gz), a .tex or .pdf file, "
                                      "or a directory holding papers; found no file there")
        return
    sizes = dict(listed)
    entries, ignored = directory_entries(sizes)
    if ignored:
        logger.info("%s: ignored %d files that are no papers (e.g. %s)", directory, len(ignored), ignored[0])
    for entry in entries:
        if entry.kind == "folder":
            yield _read_folder(directory, entry, opener, sizes, max_paper_bytes)
        else:
            yield from _read_file(storage.join(directory, entry.name), opener, max_paper_bytes, member=entry.name,
                                  source=directory)


def _read_file(path: str, opener: OpenBinary, max_paper_bytes: int, member: str | None = None,
               source: str | None = None) -> Iterator[PaperSource | SkippedPaper | InputError]:
    """A single input file by its kind; `source`/`member` name it inside a directory of papers."""
    source = source or path
    kind = _file_kind(path)
    if kind == "pdf":
        yield _skipped(NOT_LATEX, source, member, "PDF-only submission")
        return
    try:
        raw = opener(path)
    except OSError as exc:
        yield _error(path, None, f"cannot open: {exc}")
        return
    with contextlib.closing(raw):
        if kind == "tarball":
            yield from _read_bulk_tarball(path, raw, max_paper_bytes)
        elif kind == "gzip":
            yield paper_from_gzip(raw, source, member, path, max_paper_bytes)
        else:  # tex
            try:
                data = raw.read(max_paper_bytes + 1)
            except OSError as exc:
                yield _error(path, None, f"cannot read: {exc}")
                return
            if len(data) > max_paper_bytes:
                yield _skipped(TOO_LARGE, source, member, f"{path} is more than {max_paper_bytes} bytes")
                return
            name = posixpath.basename(path)
            yield PaperSource(arxiv_id_from_name(name), source, member, {name: decode_tex(data)})


def read_papers(
    path: str,
    open_binary: OpenBinary | None = None,
    list_dir: ListDir | None = None,
    *,
    max_paper_bytes: int = DEFAULT_MAX_PAPER_BYTES,
) -> Iterator[PaperSource | SkippedPaper | InputError]:
    """Yield each paper under `path` as a PaperSource, or why it was refused (SkippedPaper), or an InputError.

    `open_binary(path)` returns a file's raw bytes (Beam: ``FileSystems.open(path,
    compression_type=CompressionTypes.UNCOMPRESSED)``); `list_dir(dir)` returns (relative POSIX path, size) of every
    file under a directory, recursively, and nothing for a path that is no directory.
    """
    opener = open_binary or _open_local
    if _file_kind(path) is not None:
        yield from _read_file(path, opener, max_paper_bytes)
    else:
        yield from _read_directory(path, opener, list_dir or _list_local, max_paper_bytes)
