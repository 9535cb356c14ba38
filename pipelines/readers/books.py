"""Book readers: Project Gutenberg plain-text files and Books3 (plain text or JSONL) -> decoded books.

LLaMA §2.1, "Books [4.5%]": "the Gutenberg Project, which contains books that are in the public domain, and the
Books3 section of ThePile". This module reads both and, for Gutenberg, removes the Project Gutenberg header and
footer and reads the header's metadata. Everything here is pure (bytes in, records out); the Beam steps live in
`pipelines/sources/books.py`.

**Files.** A Gutenberg file (`*.txt`, `*.txt.gz`) is one book. A Books3 file is one book (`*.txt`, `*.txt.gz`) or
JSON Lines (`*.jsonl`, `*.jsonl.gz`), one `{"title": …, "text": …}` object per line (`text` required; blank lines
skipped). A `.gz` name is decompressed here, with Python's `gzip`, so that a cut file is an error (`EOFError`)
rather than a silently short book. Unreadable input is an :class:`InputError` naming the file and, for JSONL, the
byte offset and line number of the record; a JSONL file goes on after a bad line, and ends at a cut gzip stream
after yielding every record before the cut.

**Encoding** (`decode_book`). Strict UTF-8 first (a leading BOM dropped): a valid UTF-8 file is taken as UTF-8
even when its header declares ISO-8859-1, because Latin-1 text with any accented letter is almost never valid
UTF-8. Only when UTF-8 fails: the codec the header declares (`Character set encoding: …`), then Windows-1252.
Latin-1 labels ("ISO-8859-1", "ISO Latin-1", "ASCII") are read as Windows-1252, as the WHATWG Encoding Standard
maps them (https://encoding.spec.whatwg.org/#names-and-labels): the two agree on every printable Latin-1
character, and Windows-1252 turns the curly quotes that many "ISO-8859-1" files hold (bytes 0x80-0x9F) into
characters instead of C1 controls. Text that none of these decode (bytes 0x81, 0x8D, 0x8F, 0x90, 0x9D, undefined in
Windows-1252), or that holds NUL characters (a binary file, UTF-16), is an input error.

**Gutenberg header and footer** (`strip_gutenberg`). Marker lines, matched at the start of a line, case-insensitive,
after `\\r\\n` -> `\\n`; the marker variants follow the lists of c-w/gutenberg (`gutenberg/_domain_model/text.py`,
itself a port of Johannes Krugel's `strip_headers.cpp`), narrowed to the lines that *are* PG boilerplate:

* body start, first match wins: `*** START OF THE PROJECT GUTENBERG EBOOK …` (current), `*** START OF THIS PROJECT
  GUTENBERG EBOOK …` (2000s), `***START OF …`, `*** START OF THE COPYRIGHTED PROJECT GUTENBERG EBOOK`; only if none:
  the end of the 1990s "small print", `*END*THE SMALL PRINT! FOR PUBLIC DOMAIN ETEXTS*Ver.…*END*` (or `*END THE
  SMALL PRINT!…`), unless a footer line comes before it (2000s files with the small print after the book). A START
  line whose title wraps is taken with its next line when that line closes the `***`.
* body end, the first after the start of any of: `*** END OF THE/THIS PROJECT GUTENBERG EBOOK …`, `End of the
  Project Gutenberg EBook of …`, `End of Project Gutenberg's …`, `End of this Project Gutenberg Etext …`, `END OF
  PROJECT GUTENBERG`, the German and French forms `Ende dieses Project Gutenberg …`, `Fin de Project Gutenberg …`;
  or the start of a licence block with no end marker before it: `*** START: FULL LICENSE ***`, `THE FULL PROJECT
  GUTENBERG LICENSE`, `START**THE SMALL PRINT!**…` (2000s files that put the small print at the end), `PLEASE READ
  THIS BEFORE YOU DISTRIBUTE OR USE THIS WORK`.
* a credits paragraph right after the start marker ("Produced by …", "E-text prepared by …", "This etext was
  prepared by …", "Transcribed by …") is removed with it; the same words later in the book are not.

A file without any start marker is reported as such (`StrippedBook.start_marker is None`); what to do with it is the
pipeline's choice. Without an end marker the body runs to the end of the file.

**Metadata** (`parse_header`), from the header only (the text before the start marker, or the first
`HEADER_LINES_WITHOUT_MARKER` lines): `Title:`, `Author:` (indented continuation lines joined), `Language:` (mapped
to ISO 639-1 by `language_code`), the ebook number from `[EBook #1234]` / `[eBook #1234]` / `[Etext #1234]`, and
`Release Date:` (or `Posting Date:`) up to its `[`. Files without `Title:` (the 1990s style) take title and author
from the first line, `The Project Gutenberg Etext of TITLE, by AUTHOR`.

    for item in read_gutenberg("pg1342.txt"):      # RawBook | InputError
        stripped = strip_gutenberg(item.text)        # StrippedBook: body, header, markers
"""
from __future__ import annotations

import codecs
import gzip
import re
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import BinaryIO

from pipelines.readers.jsonl import parse_json_object
from pipelines.readers.mediawiki import InputError

GUTENBERG = "gutenberg"
BOOKS3 = "books3"
UTF8 = "utf-8"
# What "Latin-1" files are read as when they are not UTF-8 (WHATWG: every Latin-1 label means windows-1252).
LATIN1_AS = "cp1252"
# The header declaration is looked for in the first bytes only (1990s small-print headers run to ~20 KB).
DECLARATION_SEARCH_BYTES = 64 << 10
# Where to look for metadata in a file without a start marker (current PG headers are 20-60 lines long).
HEADER_LINES_WITHOUT_MARKER = 100
JSONL_SUFFIXES = (".jsonl", ".jsonl.gz")

OpenBinary = Callable[[str], BinaryIO]


@dataclass(frozen=True)
class RawBook:
    """One book as read, before any stripping."""

    collection: str  # GUTENBERG | BOOKS3
    path: str
    text: str  # decoded, line ends normalised to "\n"
    encoding: str  # the Python codec that decoded it
    title: str | None = None  # Books3 JSONL `title`
    line: int | None = None  # JSONL: 1-based line number
    offset: int | None = None  # JSONL: byte offset of the line in the (decompressed) file


@dataclass(frozen=True)
class GutenbergHeader:
    title: str | None = None
    author: str | None = None
    language: str | None = None  # as written, e.g. "English"
    lang: str = "und"  # ISO 639-1 of the first language named, "und" when unknown
    ebook: int | None = None
    release_date: str | None = None


@dataclass(frozen=True)
class StrippedBook:
    body: str  # the book between the markers, surrounding blank lines removed ("" when nothing is left)
    header: GutenbergHeader
    start_marker: str | None  # START_OF_EBOOK | SMALL_PRINT_END | None (no start marker found)
    end_marker: str | None  # END_OF_EBOOK | END_OF_PROJECT_GUTENBERG | LICENCE | None (runs to the end)


class UndecodableBook(ValueError):
    pass


# --- decoding -------------------------------------------------------------------------------------------------

_DECLARATION = re.compile(rb"^[ \t]*Character set encoding:[ \t]*([^\r\n]*)", re.I | re.M)
_LATIN1_LABEL = re.compile(r"latin[- ]?1\b|8859[-_ ]?1\b|^(?:us-)?ascii$|^l1$|^cp819$")
_UTF8_LABEL = re.compile(r"utf-?8|unicode")


def declared_encoding(data: bytes) -> str | None:
    """The `Character set encoding:` label of a Gutenberg header, as written ("ISO-8859-1"), or None."""
    match = _DECLARATION.search(data[:DECLARATION_SEARCH_BYTES])
    if not match:
        return None
    return match.group(1).decode("ascii", "replace").strip() or None


def codec_for_label(label: str) -> str | None:
    """The Python codec to try for a declared label: Latin-1 family -> cp1252, UTF-8 -> utf-8, None if unknown."""
    name = label.strip().lower()
    if _UTF8_LABEL.search(name):
        return UTF8
    if _LATIN1_LABEL.search(name):
        return LATIN1_AS
    try:
        return codecs.lookup(name.split()[0]).name if name else None
    except LookupError:
        return None


def decode_book(data: bytes) -> tuple[str, str]:
    """(text, codec) with "\\r\\n" and "\\r" turned into "\\n"; raises UndecodableBook saying what was tried."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    try:
        text, encoding = data.decode(UTF8), UTF8
    except UnicodeDecodeError as utf8_error:
        label = declared_encoding(data)
        declared = codec_for_label(label) if label else None
        tried = [f"UTF-8 (byte 0x{data[utf8_error.start]:02x} at offset {utf8_error.start})"]
        for codec in dict.fromkeys(c for c in (declared, LATIN1_AS) if c and c != UTF8):
            try:
                text, encoding = data.decode(codec), codec
                break
            except UnicodeDecodeError as err:
                tried.append(f"{codec} (byte 0x{data[err.start]:02x} at offset {err.start})")
        else:
            declaration = f"; the header declares {label!r}" if label else ""
            raise UndecodableBook(f"cannot decode as {', '.join(tried)}{declaration}") from None
    if "\x00" in text:
        raise UndecodableBook(f"NUL characters after decoding as {encoding}: a binary file or UTF-16, not plain text")
    return text.replace("\r\n", "\n").replace("\r", "\n"), encoding


# --- reading files ----------------------------------------------------------------------------------------------


def _open_local(path: str) -> BinaryIO:
    return open(path, "rb")


def _decompressed(path: str, raw: BinaryIO) -> BinaryIO:
    return gzip.GzipFile(fileobj=raw, mode="rb") if path.endswith(".gz") else raw


# What a cut or corrupt gzip stream raises: EOFError (ends early), gzip.BadGzipFile (an OSError: bad magic or
# header), zlib.error (corrupt deflate data).
_STREAM_ERRORS = (EOFError, OSError, zlib.error)


def _read_whole(path: str, open_binary: OpenBinary, collection: str) -> Iterator[RawBook | InputError]:
    try:
        with open_binary(path) as raw, _decompressed(path, raw) as stream:
            data = stream.read()
    except _STREAM_ERRORS as err:
        yield InputError(path, None, f"unreadable {'gzip ' if path.endswith('.gz') else ''}file: "
                                     f"{type(err).__name__}: {err}")
        return
    if not data.strip():
        yield InputError(path, None, "empty file: expected the plain text of a book")
        return
    try:
        text, encoding = decode_book(data)
    except UndecodableBook as err:
        yield InputError(path, None, str(err))
        return
    yield RawBook(collection, path, text, encoding)


def read_gutenberg(path: str, open_binary: OpenBinary | None = None) -> Iterator[RawBook | InputError]:
    """A Project Gutenberg plain-text file (`.txt`, `.txt.gz`) -> one RawBook, or one InputError."""
    yield from _read_whole(path, open_binary or _open_local, GUTENBERG)


def is_jsonl(path: str) -> bool:
    return path.lower().endswith(JSONL_SUFFIXES)


def read_books3(path: str, open_binary: OpenBinary | None = None) -> Iterator[RawBook | InputError]:
    """A Books3 file -> RawBooks and InputErrors: JSONL one record a line, anything else one book a file."""
    open_binary = open_binary or _open_local
    if not is_jsonl(path):
        yield from _read_whole(path, open_binary, BOOKS3)
        return
    offset = line_number = items = 0
    try:
        with open_binary(path) as raw, _decompressed(path, raw) as stream:
            for line_number, line in enumerate(stream, start=1):
                item = _jsonl_record(path, line, line_number, offset)
                offset += len(line)
                if item is not None:
                    items += 1
                    yield item
    except _STREAM_ERRORS as err:
        yield InputError(path, offset, f"unreadable gzip stream after line {line_number}: "
                                       f"{type(err).__name__}: {err}")
        return
    if items == 0:
        yield InputError(path, None, "no JSON record in the file: expected one {\"title\", \"text\"} object a line")


def _jsonl_record(path: str, line: bytes, line_number: int, offset: int) -> RawBook | InputError | None:
    record = parse_json_object(path, line, line_number, offset)
    if not isinstance(record, dict):
        return record
    where = f"line {line_number}"
    text, title = record.get("text"), record.get("title")
    if not isinstance(text, str):
        return InputError(path, offset, f"{where}: expected a string \"text\" field, got "
                                        f"{'none' if text is None else type(text).__name__}")
    if title is not None and not isinstance(title, str):
        return InputError(path, offset, f"{where}: expected \"title\" to be a string, got {type(title).__name__}")
    if "\x00" in text:
        return InputError(path, offset, f"{where}: NUL characters in \"text\": not plain text")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return RawBook(BOOKS3, path, text, UTF8, title=title, line=line_number, offset=offset)


def file_stem(path: str) -> str:
    """`…/pg1342.txt.gz` -> `pg1342`; `The Salt Road.epub.txt` -> `The Salt Road` (.gz, .txt, .epub, .jsonl off)."""
    name = PurePosixPath(path.replace("\\", "/")).name
    for suffix in (".gz", ".txt", ".jsonl", ".epub"):
        if name.lower().endswith(suffix) and len(name) > len(suffix):
            name = name[: -len(suffix)]
    return name


# Project Gutenberg file names: 1342.txt, 1342-0.txt (UTF-8), 1342-8.txt (8-bit), pg1342.txt.
_GUTENBERG_FILE = re.compile(r"(?:pg)?(\d+)(?:-[08])?", re.I)


def ebook_number_from_path(path: str) -> int | None:
    match = _GUTENBERG_FILE.fullmatch(file_stem(path))
    return int(match.group(1)) if match else None


# --- Gutenberg header and footer ---------------------------------------------------------------------------------

START_OF_EBOOK = "start_of_ebook"
SMALL_PRINT_END = "small_print_end"
END_OF_EBOOK = "end_of_ebook"
END_OF_PROJECT_GUTENBERG = "end_of_project_gutenberg"
LICENCE = "licence"

# "*** START OF THE PROJECT GUTENBERG EBOOK X ***", "*** START OF THIS PROJECT GUTENBERG EBOOK X ***",
# "***START OF THE PROJECT GUTENBERG EBOOK", "*** START OF THE COPYRIGHTED PROJECT GUTENBERG EBOOK". Not
# "*** START: FULL LICENSE ***" (the licence, see _LICENCE_START).
_START_OF_EBOOK = re.compile(
    r"^[ \t]*\*{2,}[ \t]*START OF (?:THE |THIS )?(?:COPYRIGHTED )?PROJECT GUTENBERG[^\n]*", re.I | re.M)
# "*END*THE SMALL PRINT! FOR PUBLIC DOMAIN ETEXTS*Ver.04.29.93*END*", "*END THE SMALL PRINT! FOR PUBLIC DOMAIN
# EBOOKS*Ver.02/11/02*END*": the last line of the 1990s header.
_SMALL_PRINT_END = re.compile(r"^[ \t]*\*END\*?[ \t]*THE SMALL PRINT[^\n]*", re.I | re.M)
# A START line whose title wraps: it does not end in asterisks, and the next line does.
_LINE_CLOSED = re.compile(r"\*{2,}[ \t]*$")
_CLOSING_ASTERISKS = re.compile(r"\n[^\n*]{1,200}\*{2,}[ \t]*(?=\n|\Z)")
_END_OF_EBOOK = re.compile(
    r"^[ \t]*\*{2,}[ \t]*END OF (?:THE |THIS )?(?:COPYRIGHTED )?PROJECT GUTENBERG", re.I | re.M)
# "End of the Project Gutenberg EBook of X", "End of Project Gutenberg's X", "End of this Project Gutenberg Etext",
# "END OF PROJECT GUTENBERG", "Ende dieses Project Gutenberg", "Fin de Project Gutenberg".
_END_OF_PROJECT_GUTENBERG = re.compile(
    r"^[ \t]*(?:End of|Ende dieses|Fin de)(?: the| this)? Proje[ck]t Gutenberg", re.I | re.M)
_LICENCE_START = re.compile(
    r"^[ \t]*(?:\*{2,}[ \t]*START:?[ \t]*FULL LICEN[SC]E"
    r"|THE FULL PROJECT GUTENBERG(?:-tm|™)? LICEN[SC]E"
    r"|START\*\*THE SMALL PRINT!"
    r"|PLEASE READ THIS BEFORE YOU DISTRIBUTE OR USE THIS WORK)", re.I | re.M)
_FOOTERS = ((_END_OF_EBOOK, END_OF_EBOOK), (_END_OF_PROJECT_GUTENBERG, END_OF_PROJECT_GUTENBERG),
            (_LICENCE_START, LICENCE))
# The transcribers' credits that open many bodies: "Produced by …", "E-text prepared by …".
_CREDITS = re.compile(
    r"(?:Produced by|E-?text prepared by|This (?:e-?text|e-?book) was (?:prepared|produced) by|Transcribed by)\b",
    re.I)


def _body_start(text: str) -> tuple[int, int, str] | None:
    """(marker start, body start, marker name) of the first start marker, or None."""
    match = _START_OF_EBOOK.search(text)
    if match:
        end = match.end()
        if not _LINE_CLOSED.search(match.group(0)):
            wrapped = _CLOSING_ASTERISKS.match(text, end)
            if wrapped:
                end = wrapped.end()
        return match.start(), end, START_OF_EBOOK
    match = _SMALL_PRINT_END.search(text)
    # Files of the early 2000s put the small print after the book: there it ends nothing.
    if match and not any(pattern.search(text, 0, match.start()) for pattern, _ in _FOOTERS):
        return match.start(), match.end(), SMALL_PRINT_END
    return None


def _without_credits(body: str) -> str:
    """Drops a first paragraph of transcribers' credits."""
    stripped = body.lstrip()
    if not _CREDITS.match(stripped):
        return body
    paragraph_end = stripped.find("\n\n")
    return "" if paragraph_end < 0 else stripped[paragraph_end:]


def strip_gutenberg(text: str) -> StrippedBook:
    """Splits a decoded Gutenberg file into header metadata and body (see the module docstring for the markers)."""
    start = _body_start(text)
    if start is None:
        header_text = "\n".join(text.split("\n", HEADER_LINES_WITHOUT_MARKER)[:HEADER_LINES_WITHOUT_MARKER])
        body_from, start_marker = 0, None
    else:
        header_text, body_from, start_marker = text[:start[0]], start[1], start[2]
    end_at, end_marker = len(text), None
    for pattern, name in _FOOTERS:
        match = pattern.search(text, body_from)
        if match and match.start() < end_at:
            end_at, end_marker = match.start(), name
    body = text[body_from:end_at]
    if start_marker is not None:
        body = _without_credits(body)
    return StrippedBook(body.strip("\n").rstrip() if body.strip() else "", parse_header(header_text),
                        start_marker, end_marker)


# --- header metadata ---------------------------------------------------------------------------------------------

# "Title: X" with indented continuation lines.
_FIELD = re.compile(
    r"^[ \t]*(Title|Author|Language|Release Date|Posting Date)[ \t]*:[ \t]*([^\n]*(?:\n[ \t]+\S[^\n]*)*)",
    re.I | re.M)
# "[EBook #1234]", "[eBook #1234]", "[Etext #123]", "[E-text #42]", "EBook #42"; not "Book #3" of a series.
_EBOOK_NUMBER = re.compile(r"\bE-?(?:book|text)[ \t]*#[ \t]*(\d+)", re.I)
# "The Project Gutenberg EBook of TITLE, by AUTHOR", "**The Project Gutenberg Etext of TITLE**",
# "Project Gutenberg's TITLE, by AUTHOR".
_FIRST_LINE = re.compile(
    r"^[\s*]*(?:The )?Project Gutenberg(?:'s|’s| E-?(?:Book|text) of)[ \t]+(?P<title>.+?)"
    r"(?:,[ \t]+by[ \t]+(?P<author>.+?))?[\s*]*$", re.I)

# ISO 639-1 codes of the languages Project Gutenberg's catalogue names in `Language:` lines (ISO 639-1 table,
# https://www.loc.gov/standards/iso639-2/php/code_list.php). Names it does not list give "und".
GUTENBERG_LANGUAGES: dict[str, str] = {
    "afrikaans": "af", "arabic": "ar", "basque": "eu", "breton": "br", "bulgarian": "bg", "catalan": "ca",
    "chinese": "zh", "croatian": "hr", "czech": "cs", "danish": "da", "dutch": "nl", "english": "en",
    "esperanto": "eo", "estonian": "et", "finnish": "fi", "french": "fr", "frisian": "fy", "galician": "gl",
    "german": "de", "greek": "el", "hebrew": "he", "hungarian": "hu", "icelandic": "is", "irish": "ga",
    "italian": "it", "japanese": "ja", "korean": "ko", "latin": "la", "latvian": "lv", "lithuanian": "lt",
    "norwegian": "no", "occitan": "oc", "persian": "fa", "polish": "pl", "portuguese": "pt", "romanian": "ro",
    "russian": "ru", "sanskrit": "sa", "serbian": "sr", "slovak": "sk", "slovenian": "sl", "spanish": "es",
    "swedish": "sv", "tagalog": "tl", "turkish": "tr", "ukrainian": "uk", "welsh": "cy", "yiddish": "yi",
}  # fmt: skip
_ISO_CODES = frozenset(GUTENBERG_LANGUAGES.values())


def language_code(language: str | None) -> str:
    """ISO 639-1 of the first language named ("English", "French and English", "en"); "und" when unknown."""
    if not language:
        return "und"
    first = re.split(r",|;|/|\band\b|&", language.strip(), maxsplit=1)[0].strip().lower()
    if first in _ISO_CODES:
        return first
    return GUTENBERG_LANGUAGES.get(first, "und")


def _one_line(value: str) -> str:
    return " ".join(value.split())


def parse_header(header: str) -> GutenbergHeader:
    """Title, author, language, ebook number and release date from a Gutenberg header (see module docstring)."""
    fields: dict[str, str] = {}
    for match in _FIELD.finditer(header):
        fields.setdefault(match.group(1).lower(), match.group(2))
    title = _one_line(fields["title"]) if fields.get("title", "").strip() else None
    author = _one_line(fields["author"]) if fields.get("author", "").strip() else None
    if title is None:
        first_line = next((line for line in header.split("\n") if line.strip()), "")
        match = _FIRST_LINE.match(first_line)
        if match:
            title = _one_line(match.group("title"))
            author = author or (_one_line(match.group("author")) if match.group("author") else None)
    language = _one_line(fields["language"]) if fields.get("language", "").strip() else None
    released = fields.get("release date") or fields.get("posting date") or ""
    release_date = released.split("\n", 1)[0].split("[", 1)[0].strip() or None
    number = _EBOOK_NUMBER.search(header)
    return GutenbergHeader(
        title=title,
        author=author,
        language=language,
        lang=language_code(language),
        ebook=int(number.group(1)) if number else None,
        release_date=release_date,
    )
