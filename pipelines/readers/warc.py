"""Streaming reader for CommonCrawl WET and WARC files (``*.warc.wet.gz``, ``*.warc.gz``) and ``wet.paths.gz``.

A CommonCrawl file is a series of gzip members, one WARC record each.  The gzip layer is ours (`_RecordStream`):
members are decompressed one after another as fastwarc asks for bytes, and the file offset of every member is
remembered.  fastwarc's :class:`ArchiveIterator` parses the records from that stream.  Why not let fastwarc
decompress too: fastwarc 2.0.1 reads a gzip member that the file cuts short as if it had ended, without an error,
and yields the cut record with a short block, or with ``Content-Length`` 0 when the cut falls in its header
(``test_fastwarc_alone_hides_a_truncated_gzip`` pins this down).  Python's zlib tells a truncated member apart.

What a reader yields, per record:

* WET: each ``conversion`` record → :class:`WebPage` with its text (UTF-8 by the WET format; other bytes are an
  :class:`InputError`).  ``warcinfo`` and any other record types are not documents: skipped, not counted.
* WARC: each ``response`` record with HTTP status 200 and an HTML content type (``text/html``,
  ``application/xhtml+xml``) → :class:`WebPage` with the page's main text (resiliparse).  Every other response
  (a redirect, a 404, an image, a PDF) is **not a document**: skipped and not counted, like ``request`` and
  ``metadata`` records; pass ``on_skip`` to count them apart (``"http_status"``, ``"not_html"``).  A WET file
  holds only the conversions of text-like responses, so both inputs yield the same kind of document.

Unreadable input is an :class:`InputError` naming the file and the byte offset of the record (or gzip member) it
concerns, and reading goes on with the next gzip member:

* ``WARC-Block-Digest`` is checked whenever it names an algorithm fastwarc can check (sha1, sha256, sha512, md5;
  CommonCrawl writes sha1): a mismatch is an input error.  fastwarc's own ``verify_digests`` is not used, because
  it drops such records silently.
* A wrong ``Content-Length``: fastwarc 2.0.1 does not resynchronise.  It yields the record with the wrong number
  of bytes, then raises ``OSError("Invalid WARC header")`` at the bytes where it expects the next record, and stops.
  The record's digest catches the bad block; we then restart fastwarc at the next gzip member (found by seeking
  the file, so ``open_binary`` must return a seekable file, as local files and Beam's ``FileSystems.open`` do).
  A document record *without* a digest that is not followed by a readable record is reported, not yielded: its
  block cannot be trusted.  An uncompressed file is resumed at the next ``WARC/1.x`` line after the record.
* A truncated or corrupt gzip member: an input error at that member; records before it are yielded.  A truncated
  file ends there; a corrupt member is skipped to the next member that decompresses.
* An empty file (0 bytes, or no WARC record at all) is one input error, so that it shows in the funnel.

Offsets are file offsets of the gzip member a record starts in: for CommonCrawl files (a member per record) that is
the record's own offset, the number fastwarc's ``stream_pos`` and CommonCrawl's CDX index give, and
``data[offset:]`` decompresses to the record.  In an uncompressed file it is the offset of the record's
``WARC/1.x`` line.  A file gzipped whole (one member) gives every record the offset 0.

    for item in read_pages("CC-MAIN-2026-01-00000.warc.wet.gz"):
        ...  # WebPage | InputError
"""

from __future__ import annotations

import bisect
import codecs
import contextlib
import io
import logging
import re
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.message import Message
from typing import BinaryIO

from fastwarc.stream_io import BrotliReader, ChunkedReader, GzipReader
from fastwarc.warc import ArchiveIterator, HeaderMap, WarcRecord, WarcRecordType
from resiliparse.extract.html2text import extract_plain_text
from resiliparse.parse.encoding import bytes_to_str, detect_encoding, map_encoding_to_html5

from pipelines.readers.mediawiki import InputError, OpenBinary

logger = logging.getLogger(__name__)

# Compressed bytes asked of the file per read.
READ_CHUNK_BYTES = 1 << 20
# Compressed bytes handed to zlib per call.
DECOMPRESS_STEP_BYTES = 64 << 10
# Bytes read at a time when looking for the next gzip member after a broken one.
SCAN_WINDOW_BYTES = 64 << 10
# A record's block is held in memory whole; CommonCrawl truncates payloads at a few MiB, so this is generous.
MAX_BLOCK_BYTES = 64 << 20

# The first bytes of a gzip member: magic 1f 8b and compression method 8 (deflate), RFC 1952 §2.3.1.
_GZIP_MEMBER = b"\x1f\x8b\x08"
# Where a record starts in an uncompressed file: a version line ("WARC/1.0", "WARC/1.1", WARC 1.1 §4) at the start
# of a line; the newline is part of the pattern.
_WARC_LINE_START = b"\nWARC/1."
# Digest algorithms fastwarc's verify_block_digest() can check; any other label cannot be verified (not an error).
_CHECKABLE_DIGESTS = frozenset({"sha1", "sha256", "sha512", "md5"})
# Content types whose bodies are HTML documents.
HTML_CONTENT_TYPES = frozenset({"text/html", "application/xhtml+xml"})

SkipCallback = Callable[[str], None]


@dataclass(frozen=True)
class WebPage:
    """One document from a WET conversion record or a WARC HTML response."""

    url: str
    record_id: str
    date: str | None  # WARC-Date, as written ("2026-01-15T08:22:31Z")
    digest: str | None  # WET: WARC-Block-Digest; WARC: WARC-Payload-Digest
    text: str
    offset: int  # file offset of the (gzip member holding the) record, see the module docstring
    content_type: str | None  # WET: the record's Content-Type; WARC: the HTTP media type ("text/html")


# --- the byte stream ----------------------------------------------------------------------------------------


class _GzipFailure(OSError):
    """A gzip member could not be decompressed; `offset` is where the member starts in the file."""

    def __init__(self, offset: int, reason: str, resumable: bool) -> None:
        super().__init__(reason)
        self.offset = offset
        self.reason = reason
        self.resumable = resumable  # False when the file ended: nothing follows to resume at


class _RecordStream(io.RawIOBase):
    """The WARC bytes of a file, for fastwarc: gzip members decompressed in turn, or a plain file's own bytes.

    `tell()` counts the bytes handed out since the last restart, which is what fastwarc's ``stream_pos`` counts,
    and `file_offset()` maps such a position back to the file.  After a broken record, `restart_after()` moves
    to the next gzip member (or ``WARC/1.x`` line) in the file and starts counting again.
    """

    def __init__(self, raw: BinaryIO, chunk_size: int) -> None:
        self._raw = raw
        self._chunk_size = chunk_size
        self._buffer = b""  # bytes read from the file; the first `_used` of them are used up
        self._used = 0
        self._buffer_offset = 0  # file offset of _buffer[0]
        self._position = 0  # bytes handed out since the last restart
        self._decompressor: zlib._Decompress | None = None
        self._failure: _GzipFailure | None = None  # raised on the next read, after the bytes before it
        # (position, file offset) of each gzip member started since the last restart; for a plain file, one entry
        self._starts: list[tuple[int, int]] = []
        self.restart_offset = 0  # file offset where reading started or last restarted
        self._fill(len(_GZIP_MEMBER))
        self.empty = not self._buffer
        self.gzipped = self._buffer.startswith(_GZIP_MEMBER[:2])
        if not self.gzipped:
            self._starts.append((0, 0))

    def readable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def file_offset(self, position: int) -> int:
        """File offset of the member holding `position` (gzip), or of the byte at `position` (plain).

        Positions are asked for in increasing order, so members before the one asked for are forgotten.
        """
        index = max(bisect.bisect_right(self._starts, (position, float("inf"))) - 1, 0)
        member_position, member_offset = self._starts[index]
        del self._starts[:index]
        return member_offset if self.gzipped else member_offset + position - member_position

    @property
    def _input_offset(self) -> int:
        return self._buffer_offset + self._used

    @property
    def _unused(self) -> int:
        return len(self._buffer) - self._used

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self._read_gzip(len(buffer)) if self.gzipped else self._read_plain(len(buffer))
        buffer[: len(data)] = data
        self._position += len(data)
        return len(data)

    def _fill(self, size: int) -> bool:
        """Read until `size` unused bytes are buffered; False if the file ends first."""
        while self._unused < size:
            chunk = self._raw.read(self._chunk_size)
            if not chunk:
                return False
            self._buffer, self._buffer_offset = self._buffer[self._used :] + chunk, self._input_offset
            self._used = 0
        return True

    def _read_plain(self, size: int) -> bytes:
        if not self._unused:
            self._fill(1)
        data = self._buffer[self._used : self._used + size]
        self._used += len(data)
        return data

    def _read_gzip(self, size: int) -> bytes:
        """Up to `size` decompressed bytes, across member boundaries; b"" after the last member."""
        if self._failure is not None:
            raise self._failure
        parts: list[bytes] = []
        produced = 0
        while produced < size:
            if self._decompressor is None:  # between members
                if not self._fill(1):
                    break  # the file ends after a whole member
                if not self._fill(len(_GZIP_MEMBER)) or not self._buffer.startswith(_GZIP_MEMBER, self._used):
                    found = self._buffer[self._used : self._used + 8]
                    reason = f"expected a gzip member (bytes 1f 8b 08), found {found!r}"
                    self._failure = _GzipFailure(self._input_offset, reason, resumable=True)
                    break
                self._decompressor = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
                self._starts.append((self._position + produced, self._input_offset))
            if not self._unused and not self._fill(1):
                reason = "gzip member is truncated: the file ends inside it"
                self._failure = _GzipFailure(self._starts[-1][1], reason, resumable=False)
                break
            # Feeding a bounded piece keeps zlib from copying the whole unused buffer into unconsumed_tail.
            piece = memoryview(self._buffer)[self._used : self._used + DECOMPRESS_STEP_BYTES]
            try:
                data = self._decompressor.decompress(piece, size - produced)
            except zlib.error as exc:
                self._decompressor = None
                self._failure = _GzipFailure(self._starts[-1][1], f"gzip member is corrupt: {exc}", resumable=True)
                break
            if self._decompressor.eof:
                rest = len(self._decompressor.unused_data)
                self._decompressor = None
            else:
                rest = len(self._decompressor.unconsumed_tail)
            self._used += len(piece) - rest
            parts.append(data)
            produced += len(data)
        if not produced and self._failure is not None:
            raise self._failure
        return b"".join(parts)

    def restart_after(self, offset: int) -> bool:
        """Continue with the first gzip member (or ``WARC/1.x`` line) after file offset `offset`.

        False when there is none, or when the file cannot seek.
        """
        seekable = getattr(self._raw, "seekable", None)
        if seekable is None or not seekable():
            return False
        known = [start for _, start in self._starts if start > offset] if self.gzipped else []
        try:
            target = min(known) if known else self._find_restart(offset + 1)
            if target is not None:
                self._raw.seek(target)
        except OSError as exc:  # the caller reports the record it could not get past
            logger.warning("cannot look for a record to resume at after byte %d: %s", offset, exc)
            return False
        if target is None:
            return False
        self._buffer, self._used, self._buffer_offset, self._position = b"", 0, target, 0
        self._decompressor, self._failure = None, None
        self.restart_offset = target
        self._starts = [] if self.gzipped else [(0, target)]
        return True

    def _find_restart(self, start: int) -> int | None:
        """File offset of the first gzip member that decompresses (or ``WARC/1.x`` line) at or after `start`."""
        pattern = _GZIP_MEMBER if self.gzipped else _WARC_LINE_START
        position = start - (0 if self.gzipped else 1)  # a version line is found by the newline before it
        while True:
            window = self._read_at(position, SCAN_WINDOW_BYTES)
            found = window.find(pattern)
            if found == -1:
                if len(window) < SCAN_WINDOW_BYTES:
                    return None  # the file ends in this window
                position += len(window) - len(pattern) + 1
                continue
            candidate = position + found + (0 if self.gzipped else 1)
            if not self.gzipped or self._member_decompresses(candidate):
                return candidate
            position = candidate + 1

    def _member_decompresses(self, offset: int) -> bool:
        """Whether the bytes at `offset` start a gzip member whose first bytes decompress (magic can occur in data)."""
        decompressor = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        try:
            return bool(decompressor.decompress(self._read_at(offset, SCAN_WINDOW_BYTES), 64))
        except zlib.error:
            return False

    def _read_at(self, offset: int, size: int) -> bytes:
        """Up to `size` bytes from `offset`; fewer only at the end of the file."""
        self._raw.seek(offset)
        data = b""
        while len(data) < size and (chunk := self._raw.read(size - len(data))):
            data += chunk
        return data


# --- records ------------------------------------------------------------------------------------------------

# Turns a record's block into a document, an input error, or None when the record is not a document.
_BlockReader = Callable[[str, WarcRecord, bytes, int], "WebPage | InputError | None"]


@dataclass(frozen=True)
class _Read:
    item: WebPage | InputError
    verified: bool  # the block matched its WARC-Block-Digest


def _error(path: str, offset: int | None, reason: str) -> InputError:
    logger.warning("%s at byte %s: %s", path, offset, reason)
    return InputError(path=path, offset=offset, reason=reason)


def _describe(record: WarcRecord) -> str:
    return f"{record.record_type} record {record.record_id or '(no WARC-Record-ID)'}"


def block_digest_label(digest: str | None) -> str | None:
    """The algorithm of a ``WARC-Block-Digest`` value ("sha1:ABC…" → "sha1"), or None without one."""
    if not digest or ":" not in digest:
        return None
    return digest.split(":", 1)[0].strip().lower()


def _read_record(
    path: str, record: WarcRecord, offset: int, read_block: _BlockReader, max_block: int
) -> _Read | None:
    """The document in a record of a wanted type, checked against its digest and Content-Length; None if none."""
    if "Content-Length" not in record.headers:
        return _Read(_error(path, offset, f"{_describe(record)} has no Content-Length header"), False)
    if record.content_length > max_block:
        reason = f"{_describe(record)} has a block of {record.content_length} bytes, more than the {max_block} read"
        return _Read(_error(path, offset, reason + " into memory"), False)
    digest = record.headers.get("WARC-Block-Digest")
    verified = block_digest_label(digest) in _CHECKABLE_DIGESTS
    if verified and not record.verify_block_digest():
        reason = f"WARC-Block-Digest {digest} does not match the block (a wrong Content-Length or damage)"
        return _Read(_error(path, offset, f"{_describe(record)}: {reason}"), False)
    block = record.reader.read()
    if len(block) != record.content_length:
        reason = f"ends after {len(block)} of the {record.content_length} bytes of its Content-Length"
        return _Read(_error(path, offset, f"{_describe(record)} {reason}"), False)
    item = read_block(path, record, block, offset)
    return None if item is None else _Read(item, verified)


def _read_file(
    path: str,
    open_binary: OpenBinary | None,
    wanted: WarcRecordType,
    read_block: _BlockReader,
    chunk_size: int,
    max_block: int,
) -> Iterator[WebPage | InputError]:
    opener = open_binary or _open_local
    try:
        raw = opener(path)
    except OSError as exc:
        yield _error(path, None, f"cannot open the file: {exc}")
        return
    with contextlib.closing(raw):
        try:
            stream = _RecordStream(raw, chunk_size)
        except OSError as exc:
            yield _error(path, 0, f"cannot read the file: {exc}")
            return
        if stream.empty:
            yield _error(path, 0, "empty file (0 bytes): expected WARC records")
            return
        yield from _read_stream(path, stream, wanted, read_block, max_block)


def _read_stream(
    path: str, stream: _RecordStream, wanted: WarcRecordType, read_block: _BlockReader, max_block: int
) -> Iterator[WebPage | InputError]:
    # A document is held back until the next record has been read: when fastwarc cannot read what follows a
    # document whose digest could not be checked, its Content-Length, and so its block, is suspect.
    pending: _Read | None = None
    records_seen = errors_seen = 0
    while True:
        pass_start = stream.restart_offset
        last_offset: int | None = None  # of the last record read in this pass
        try:
            for record in ArchiveIterator(stream, parse_http=False, stream_detect=False, auto_decode="none"):
                offset = stream.file_offset(record.stream_pos)
                if pending is not None:
                    yield pending.item
                    pending = None
                last_offset = offset
                records_seen += 1
                if record.record_type & wanted:
                    pending = _read_record(path, record, offset, read_block, max_block)
        except _GzipFailure as failure:
            # The failure is located exactly; a record read from the broken member went with it.
            if pending is not None and (pending.verified or (pending.item.offset or 0) < failure.offset):
                yield pending.item
            pending = None
            errors_seen += 1
            yield _error(path, failure.offset, failure.reason)
            if failure.resumable and stream.restart_after(failure.offset):
                continue
            return
        except OSError as exc:  # fastwarc: what follows the last record is not a WARC record
            reported = False
            if last_offset is None:
                reason = f"expected a WARC record (a WARC/1.x line, headers, a Content-Length block): {exc}"
                yield _error(path, pass_start, reason)
                reported = True
            elif pending is not None and isinstance(pending.item, WebPage) and not pending.verified:
                reason = (
                    f"record {pending.item.record_id} is not followed by a readable WARC record ({exc}) and has no "
                    "checkable WARC-Block-Digest: its Content-Length, so its text, cannot be trusted"
                )
                pending = _Read(_error(path, pending.item.offset, reason), False)
                reported = True
            if pending is not None:
                yield pending.item
                pending = None
            errors_seen += int(reported)
            resume_after = pass_start if last_offset is None else last_offset
            if stream.restart_after(resume_after):
                continue
            if not reported:
                errors_seen += 1
                reason = f"expected a WARC record after the record at byte {last_offset} ({exc}); nothing to resume at"
                yield _error(path, last_offset, reason)
            return
        break
    if pending is not None:
        yield pending.item
    if records_seen == 0 and errors_seen == 0:
        yield _error(path, 0, "file holds no WARC records")


def _open_local(path: str) -> BinaryIO:
    return open(path, "rb")


# --- WET ----------------------------------------------------------------------------------------------------


def _wet_page(path: str, record: WarcRecord, block: bytes, offset: int) -> WebPage | InputError:
    what = _describe(record)
    url = record.headers.get("WARC-Target-URI")
    if not record.record_id or not url:
        return _error(path, offset, f"{what}: expected WARC-Record-ID and WARC-Target-URI headers")
    try:
        text = block.decode("utf-8")
    except UnicodeDecodeError as exc:
        return _error(path, offset, f"{what} is not valid UTF-8: {exc.reason} at byte {exc.start} of its block")
    return WebPage(
        url=url,
        record_id=record.record_id,
        date=record.headers.get("WARC-Date"),
        digest=record.headers.get("WARC-Block-Digest"),
        text=text,
        offset=offset,
        content_type=record.headers.get("Content-Type"),
    )


def read_wet(
    path: str,
    open_binary: OpenBinary | None = None,
    *,
    chunk_size: int = READ_CHUNK_BYTES,
    max_block_bytes: int = MAX_BLOCK_BYTES,
) -> Iterator[WebPage | InputError]:
    """Yield each ``conversion`` record of a WET file as a WebPage or, when it cannot be read, an InputError.

    `open_binary(path)` must return the file's raw bytes (Beam: ``FileSystems.open(path,
    compression_type=CompressionTypes.UNCOMPRESSED)``); gzip is recognised by its magic bytes and read here.
    """
    yield from _read_file(path, open_binary, WarcRecordType.conversion, _wet_page, chunk_size, max_block_bytes)


# --- WARC ---------------------------------------------------------------------------------------------------


def media_type(content_type: str | None) -> tuple[str | None, str | None]:
    """(media type, charset) of a Content-Type header value: 'text/HTML; charset="UTF-8"' → ("text/html", "UTF-8")."""
    if not content_type or not content_type.strip():
        return None, None
    message = Message()
    message["Content-Type"] = content_type
    charset = message.get_param("charset")
    return message.get_content_type(), charset if isinstance(charset, str) else None


def html_encoding(body: bytes, http_charset: str | None) -> str:
    """The encoding to decode an HTML body with, in the order of the HTML standard's encoding sniffing algorithm.

    A byte order mark first, then the HTTP charset (mapped to the encoding browsers use for that label:
    ISO-8859-1 → cp1252), then a ``<meta>`` charset, then resiliparse's guess from the bytes.
    """
    for bom, codec in ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if body.startswith(bom):
            return codec
    if http_charset and _python_codec(mapped := map_encoding_to_html5(http_charset, fallback_utf8=False)):
        return mapped  # type: ignore[return-value]
    detected = detect_encoding(body, from_html_meta=True)
    return detected if _python_codec(detected) else "utf-8"  # type: ignore[return-value]


def _python_codec(name: str | None) -> bool:
    if not name:
        return False
    try:
        codecs.lookup(name)
    except LookupError:
        return False
    return True


def decode_html(body: bytes, http_charset: str | None) -> str:
    """An HTML body as text: decoded by `html_encoding`, with resiliparse's fallbacks for mislabelled pages."""
    return bytes_to_str(body, html_encoding(body, http_charset), errors="replace")


def html_main_text(html: str) -> str:
    """The main content of an HTML page as plain text, one paragraph or list item per line.

    resiliparse's main-content extraction drops navigation, headers, footers and sidebars (and, by its own
    heuristics, bulleted ``<ul>`` lists, which look like menus; numbered ``<ol>`` lists stay).  Alt texts are left
    out (file names and keywords more often than prose); list items get no bullet and lines no indent, so that a
    list reads like the lines of a WET file and line deduplication treats both inputs alike.
    """
    text = extract_plain_text(
        html, preserve_formatting=True, main_content=True, list_bullets=False, alt_texts=False, links=False
    )
    return "\n".join(line.strip() for line in text.splitlines()).strip()


def http_body(headers: HeaderMap, body: bytes) -> bytes | str:
    """The body with its Transfer-Encoding and Content-Encoding undone, or what is wrong with them.

    CommonCrawl stores bodies decoded (it renames the headers ``X-Crawler-…``); other crawlers may not.  A body
    cut short by the crawler's size limit is decoded as far as it goes.
    """
    transfer = (headers.get("Transfer-Encoding") or "").lower()
    encoding = (headers.get("Content-Encoding") or "identity").strip().lower()
    try:
        if "chunked" in transfer:
            body = ChunkedReader(io.BytesIO(body)).read()
        if encoding in ("gzip", "x-gzip"):
            body = GzipReader(io.BytesIO(body)).read()
        elif encoding == "deflate":
            body = GzipReader(io.BytesIO(body), zlib=True).read()
        elif encoding == "br":
            body = BrotliReader(io.BytesIO(body)).read()
        elif encoding != "identity":
            return f"unsupported Content-Encoding {encoding!r}"
    except OSError as exc:
        return f"cannot undo Transfer-Encoding {transfer!r} / Content-Encoding {encoding!r}: {exc}"
    return body


def _warc_page(
    path: str, record: WarcRecord, block: bytes, offset: int, on_skip: SkipCallback | None
) -> WebPage | InputError | None:
    what = _describe(record)
    url = record.headers.get("WARC-Target-URI")
    if not record.record_id or not url:
        return _error(path, offset, f"{what}: expected WARC-Record-ID and WARC-Target-URI headers")
    headers = HeaderMap()
    try:
        header_length = headers.parse(io.BytesIO(block))
    except OSError as exc:
        return _error(path, offset, f"{what}: HTTP headers cannot be parsed: {exc}")
    if headers.status_code is None:
        return _error(path, offset, f"{what}: expected an HTTP status line, found {block[:40]!r}")
    content_type = headers.get("Content-Type") or record.headers.get("WARC-Identified-Payload-Type")
    mime, charset = media_type(content_type)
    if headers.status_code != 200 or mime not in HTML_CONTENT_TYPES:
        if on_skip is not None:
            on_skip("http_status" if headers.status_code != 200 else "not_html")
        return None
    body = http_body(headers, block[header_length:])
    if isinstance(body, str):
        return _error(path, offset, f"{what}: {body}")
    return WebPage(
        url=url,
        record_id=record.record_id,
        date=record.headers.get("WARC-Date"),
        digest=record.headers.get("WARC-Payload-Digest"),
        text=html_main_text(decode_html(body, charset)),
        offset=offset,
        content_type=mime,
    )


def read_warc(
    path: str,
    open_binary: OpenBinary | None = None,
    *,
    on_skip: SkipCallback | None = None,
    chunk_size: int = READ_CHUNK_BYTES,
    max_block_bytes: int = MAX_BLOCK_BYTES,
) -> Iterator[WebPage | InputError]:
    """Yield each HTML ``response`` of a WARC file (status 200) as a WebPage with its main text, or an InputError.

    Other responses are not documents: skipped, with `on_skip("http_status" | "not_html")` called for each.
    """

    def read_block(path: str, record: WarcRecord, block: bytes, offset: int) -> WebPage | InputError | None:
        return _warc_page(path, record, block, offset, on_skip)

    yield from _read_file(path, open_binary, WarcRecordType.response, read_block, chunk_size, max_block_bytes)


# --- dispatch and listings ----------------------------------------------------------------------------------

WET_SUFFIXES = (".warc.wet.gz", ".wet.gz", ".wet")
WARC_SUFFIXES = (".warc.gz", ".warc")


def read_pages(
    path: str, open_binary: OpenBinary | None = None, *, on_skip: SkipCallback | None = None, **options: int
) -> Iterator[WebPage | InputError]:
    """read_wet or read_warc, by the file name; a name that is neither is one InputError."""
    name = path.rsplit("/", 1)[-1].lower()
    if name.endswith(WET_SUFFIXES):
        return read_wet(path, open_binary, **options)
    if name.endswith(WARC_SUFFIXES):
        return read_warc(path, open_binary, on_skip=on_skip, **options)
    reason = f"expected a file name ending in one of {', '.join(WET_SUFFIXES + WARC_SUFFIXES)}"
    return iter([_error(path, None, reason)])


# A path that is already absolute: a URL with a scheme ("gs://…", "https://…") or a rooted local path.
_ABSOLUTE_PATH = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://|/")


def join_listed_path(base_url: str, listed: str) -> str:
    """`listed` under `base_url` with one "/" between them; absolute entries (a scheme, a leading "/") as they are.

    A plain string join, not URL resolution: "gs://bucket/cc" + "crawl-data/x" → "gs://bucket/cc/crawl-data/x".
    """
    if _ABSOLUTE_PATH.match(listed):
        return listed
    return base_url.rstrip("/") + "/" + listed


def expand_paths_listing(listing_path: str, base_url: str, open_binary: OpenBinary | None = None) -> list[str]:
    """The files a CommonCrawl ``*.paths.gz`` listing names (one path per line), joined to `base_url`.

    Raises ValueError naming the listing when it cannot be read or names nothing: a listing is a run's argument,
    not input data, so a broken one stops the run before it starts.
    """
    if not base_url:
        raise ValueError(f"{listing_path}: expected a base URL or directory to resolve the listed paths against")
    opener = open_binary or _open_local
    with contextlib.closing(opener(listing_path)) as raw:
        data = raw.read()
    if data.startswith(_GZIP_MEMBER[:2]):
        decompressor = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        try:
            unpacked = bytearray()
            while data:  # every member of a multi-member gzip
                unpacked += decompressor.decompress(data)
                if not decompressor.eof:
                    raise ValueError(f"{listing_path}: gzip listing is truncated")
                data = decompressor.unused_data
                decompressor = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        except zlib.error as exc:
            raise ValueError(f"{listing_path}: gzip listing is corrupt: {exc}") from exc
        data = bytes(unpacked)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{listing_path}: listing is not UTF-8 text (byte {exc.start}): {exc.reason}") from exc
    paths = [join_listed_path(base_url, line.strip()) for line in text.splitlines() if line.strip()]
    if not paths:
        raise ValueError(f"{listing_path}: listing names no paths")
    return paths
