"""Streaming reader for MediaWiki XML dumps (``*.xml``, ``*.xml.bz2``).

A dump is one ``<mediawiki>`` element holding a ``<siteinfo>`` header and then millions of ``<page>`` elements.
We never parse the whole document: the decompressed byte stream is read in chunks, cut into ``<page>…</page>``
pieces by searching for the tag bytes in the file's own encoding, and each piece is decoded and parsed on its
own.  One broken page therefore costs one :class:`InputError`, not the file; a stream that ends early (a cut
``.bz2``, a missing ``</mediawiki>``) ends the read with an :class:`InputError`, after every page before it.

Searching raw bytes for ``<page>`` is sound because XML escapes ``<`` inside text, and MediaWiki writes the
``<page>``/``</page>`` tags bare, without attributes.

    for item in read_dump("dewiki-20260101-pages-articles.xml.bz2"):
        ...  # DumpInfo first, then WikiPage | InputError
"""

from __future__ import annotations

import bz2
import codecs
import contextlib
import logging
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO
from urllib.parse import urlsplit

from lxml import etree

logger = logging.getLogger(__name__)

# The Wikipedia languages of the LLaMA-1 mixture: "Wikipedia dumps from the June-August 2022 period, covering 20
# languages, which use either the Latin or Cyrillic scripts: bg, ca, cs, da, de, en, es, fr, hr, hu, it, nl, pl,
# pt, ro, ru, sl, sr, sv, uk" (Touvron et al. 2023, "LLaMA: Open and Efficient Foundation Language Models", §2.1).
LLAMA_WIKI_LANGS: tuple[str, ...] = (
    "bg", "ca", "cs", "da", "de", "en", "es", "fr", "hr", "hu",
    "it", "nl", "pl", "pt", "ro", "ru", "sl", "sr", "sv", "uk",
)  # fmt: skip

# Decompressed bytes asked for per read; a page spanning two chunks is joined in the buffer.
READ_CHUNK_BYTES = 1 << 20
# siteinfo is a few KiB; a file with no <page> and no </mediawiki> this far in is not a dump.
MAX_HEADER_BYTES = 16 << 20

OpenBinary = Callable[[str], BinaryIO]


@dataclass(frozen=True)
class DumpInfo:
    """What a dump says about itself in ``<mediawiki>`` and ``<siteinfo>``."""

    path: str
    lang: str | None
    dbname: str | None
    base_url: str | None
    # key -> every name listed for that key: local name, `canonical` attribute, then alias entries; () for key 0
    namespaces: dict[int, tuple[str, ...]]


@dataclass(frozen=True)
class WikiPage:
    """One ``<page>``, with its last ``<revision>`` (the only one in a pages-articles dump)."""

    title: str
    ns: int
    page_id: int
    revision_id: int | None
    timestamp: str | None
    redirect: bool
    text: str
    offset: int  # byte offset of "<page>" in the decompressed stream


@dataclass(frozen=True)
class InputError:
    """Input that could not be read; `reason` says what was expected."""

    path: str
    offset: int | None
    reason: str


# --- language -----------------------------------------------------------------------------------------------

# A Wikimedia language code as it appears in dbnames, hosts and xml:lang: "de", "als", "zh-yue", "be-x-old".
_LANG_CODE = re.compile(r"[a-z]{2,3}(?:-[a-z0-9]+)*")
# dbname = language code (with "_" for "-") + project: "dewiki", "zh_yuewiki", "frwiktionary".
_DBNAME = re.compile(
    r"(?P<code>[a-z]{2,3}(?:_[a-z0-9]+)*?)"
    r"(?:wiki|wiktionary|wikibooks|wikinews|wikiquote|wikisource|wikiversity|wikivoyage)"
)
# Dump file names start with the dbname: "dewiki-20260101-pages-articles.xml.bz2".
_FILE_NAME = re.compile(_DBNAME.pattern + r"-")


def detect_language(
    dbname: str | None, xml_lang: str | None, base_url: str | None, file_name: str | None
) -> str | None:
    """The dump's language code: from the dbname, else xml:lang, else the base URL's host, else the file name.

    Returns the code as found ("fi" as well as "de"), lower-cased with "-" between subtags; the caller decides
    whether it is wanted.  A source that does not look like a language code ("commonswiki", "www.") is skipped.
    """
    if dbname and (match := _DBNAME.fullmatch(dbname.strip().lower())):
        return match["code"].replace("_", "-")
    if xml_lang and _LANG_CODE.fullmatch(code := xml_lang.strip().lower().replace("_", "-")):
        return code
    if base_url:
        host = urlsplit(base_url.strip()).hostname or ""
        labels = host.lower().split(".")
        # "de.wikipedia.org", "de.m.wikipedia.org"; a bare "wikipedia.org" or "www." names no language
        if len(labels) >= 3 and labels[0] != "www" and _LANG_CODE.fullmatch(labels[0]):
            return labels[0]
    if file_name and (match := _FILE_NAME.match(os.path.basename(file_name).lower())):
        return match["code"].replace("_", "-")
    return None


# --- encoding -----------------------------------------------------------------------------------------------

# The encoding pseudo-attribute of an XML declaration, read from ASCII-compatible bytes.
_DECLARED_ENCODING = re.compile(rb"""\A<\?xml\s[^>]*?\bencoding\s*=\s*["']([A-Za-z][A-Za-z0-9._-]*)["']""")
# An XML declaration at the start of decoded text; lxml refuses str input that declares an encoding.
_XML_DECLARATION = re.compile(r"\A\s*<\?xml\s[^>]*\?>")

# (byte order mark or the bytes of "<?" without one, codec, code unit) per XML 1.0 Appendix F; UTF-32 before
# UTF-16 because FF FE 00 00 starts with FF FE.
_SIGNATURES: tuple[tuple[bytes, str, int, bool], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le", 4, True),
    (codecs.BOM_UTF32_BE, "utf-32-be", 4, True),
    (codecs.BOM_UTF8, "utf-8", 1, True),
    (codecs.BOM_UTF16_LE, "utf-16-le", 2, True),
    (codecs.BOM_UTF16_BE, "utf-16-be", 2, True),
    (b"<\x00?\x00", "utf-16-le", 2, False),
    (b"\x00<\x00?", "utf-16-be", 2, False),
)
_WIDE_CODECS = {"utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"}


@dataclass(frozen=True)
class _Encoding:
    codec: str  # a Python codec without BOM handling ("utf-16-le", not "utf-16")
    unit: int  # bytes per code unit: matches of a tag must start at a multiple of it
    bom_length: int

    def encode(self, markup: str) -> bytes:
        return markup.encode(self.codec)


def _sniff_encoding(head: bytes) -> _Encoding | str:
    """The encoding of a document starting with `head`, or why it cannot be read."""
    for signature, codec, unit, is_bom in _SIGNATURES:
        if head.startswith(signature):
            return _Encoding(codec, unit, len(signature) if is_bom else 0)
    declared = _DECLARED_ENCODING.match(head)
    if declared is None:
        return _Encoding("utf-8", 1, 0)  # the XML default
    name = declared[1].decode("ascii")
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        return f"XML declaration names encoding {name!r}, which Python has no codec for"
    if codec in _WIDE_CODECS:
        return f"XML declaration names {name!r} but the file has no byte order mark and starts with 8-bit bytes"
    if "<".encode(codec, errors="replace") != b"<":
        return f"XML declaration names {name!r}, which does not encode '<' as in ASCII"
    return _Encoding(codec, 1, 0)


# --- the byte stream ----------------------------------------------------------------------------------------


class _StreamBroken(Exception):
    """The underlying (compressed) stream failed before its end."""


class _ByteWindow:
    """The decompressed stream as a sliding window over absolute offsets; consumed bytes are dropped on refill."""

    def __init__(self, fileobj: BinaryIO, chunk_size: int) -> None:
        self._read = getattr(fileobj, "read1", None) or fileobj.read  # read1: one raw read, keeps partial data
        self._chunk_size = chunk_size
        self.buffer = bytearray()
        self.base = 0  # absolute offset of buffer[0]
        self._keep_from = 0  # bytes before this offset are no longer needed
        self.eof = False

    @property
    def end(self) -> int:
        return self.base + len(self.buffer)

    def fill(self) -> bool:
        """Read one more chunk; False at the end of the stream."""
        if self.eof:
            return False
        try:
            chunk = self._read(self._chunk_size)
        except (EOFError, OSError) as exc:  # bz2: EOFError when cut short, OSError on corrupt data
            self.eof = True
            raise _StreamBroken(f"stream broke after {self.end} decompressed bytes ({exc})") from exc
        if not chunk:
            self.eof = True
            return False
        # compact only here, so that consuming many small pages does not move the buffer once per page
        del self.buffer[: self._keep_from - self.base]
        self.base = self._keep_from
        self.buffer += chunk
        return True

    def discard_before(self, offset: int) -> None:
        self._keep_from = max(self._keep_from, offset)

    def slice(self, start: int, stop: int) -> bytes:
        return bytes(self.buffer[start - self.base : stop - self.base])

    def find_first(
        self, markers: tuple[bytes, ...], start: int, unit: int, limit: int | None = None
    ) -> tuple[int, int] | None:
        """(offset, index) of the earliest of `markers` at or after `start`, aligned to `unit`, reading on.

        None when the stream ends first, or when nothing is found in the `limit` bytes after `start`.  List the
        usual marker first: the rarer ones are only looked for before it, so that a marker absent from the buffer
        (``</mediawiki>``) does not cost a scan of the whole buffer per page.
        """
        longest = max(len(marker) for marker in markers)
        scan_from = start
        while True:
            best: tuple[int, int] | None = None
            for index, marker in enumerate(markers):
                before = None if best is None else best[0] + len(marker) - 1
                position = self._aligned_find(marker, scan_from, unit, before)
                if position is not None:
                    best = (position, index)
            if best is not None:
                return best
            if limit is not None and self.end - start >= limit:
                return None
            # the next search starts where a marker cut by the chunk boundary may begin
            scan_from = max(start, self.end - longest + 1)
            if not self.fill():
                return None

    def _aligned_find(self, marker: bytes, start: int, unit: int, stop: int | None = None) -> int | None:
        """Offset of the first `marker` in [start, stop) starting at a multiple of `unit`."""
        end = len(self.buffer) if stop is None else stop - self.base
        position = self.buffer.find(marker, start - self.base, end)
        while position != -1 and (self.base + position) % unit:
            position = self.buffer.find(marker, position + 1, end)
        return None if position == -1 else self.base + position


# --- parsing ------------------------------------------------------------------------------------------------

_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)


def _local_name(element: etree._Element) -> str:
    return etree.QName(element).localname


def _children(element: etree._Element, name: str) -> list[etree._Element]:
    """Child elements called `name`, in any XML namespace (the export schema sets a default xmlns)."""
    return [child for child in element if isinstance(child.tag, str) and _local_name(child) == name]


def _child_text(element: etree._Element, name: str) -> str | None:
    found = _children(element, name)
    return None if not found else (found[0].text or "")


def _parse_namespaces(siteinfo: etree._Element) -> dict[int, tuple[str, ...]]:
    names: dict[int, list[str]] = {}
    for holder in _children(siteinfo, "namespaces"):
        for entry in _children(holder, "namespace"):
            key = int(entry.get("key", ""))  # ValueError is reported by the caller, naming the header
            listed = names.setdefault(key, [])
            for name in ((entry.text or "").strip(), (entry.get("canonical") or "").strip()):
                if name and name not in listed:
                    listed.append(name)
    return {key: tuple(listed) for key, listed in names.items()}


def _parse_header(path: str, header: str) -> DumpInfo | str:
    """DumpInfo from the text before the first <page>, or what was wrong with it.

    The header is an unfinished document (its root is still open), so it is fed to a pull parser and read
    from the parse events instead of being closed by hand.
    """
    parser = etree.XMLPullParser(events=("start", "end"), resolve_entities=False, no_network=True, huge_tree=True)
    try:
        parser.feed(_XML_DECLARATION.sub("", header, count=1))
        events = list(parser.read_events())
    except etree.XMLSyntaxError as exc:
        return f"header before the first <page> is not well-formed XML: {exc}"
    starts = [element for event, element in events if event == "start"]
    if not starts:
        return "expected a <mediawiki> root element before the first <page>, found none"
    root = starts[0]
    if _local_name(root) != "mediawiki":
        return f"expected a <mediawiki> root element, found <{_local_name(root)}>"
    closed = {_local_name(element) for event, element in events if event == "end"}
    siteinfo = _children(root, "siteinfo")
    dbname = base_url = None
    namespaces: dict[int, tuple[str, ...]] = {}
    if siteinfo:
        if "siteinfo" not in closed:
            return "expected </siteinfo> before the first <page>"
        dbname = (_child_text(siteinfo[0], "dbname") or "").strip() or None
        base_url = (_child_text(siteinfo[0], "base") or "").strip() or None
        try:
            namespaces = _parse_namespaces(siteinfo[0])
        except ValueError as exc:
            return f"<siteinfo><namespaces> has a <namespace> without an integer key: {exc}"
    lang = detect_language(dbname, root.get(_XML_LANG), base_url, path)
    return DumpInfo(path=path, lang=lang, dbname=dbname, base_url=base_url, namespaces=namespaces)


def _optional_int(element: etree._Element, name: str) -> int | None:
    value = _child_text(element, name)
    return None if value is None or not value.strip() else int(value)


def _parse_page(text: str, offset: int) -> WikiPage | str:
    """WikiPage from one "<page>…</page>" string, or what was wrong with it."""
    try:
        page = etree.fromstring(text, _parser())
    except etree.XMLSyntaxError as exc:
        return f"page is not well-formed XML (lines count from its <page>): {exc}"
    title = _child_text(page, "title")
    if title is None:
        return "expected <title> in <page>"
    record = f"page {title!r}"
    ns_text = _child_text(page, "ns")
    id_text = _child_text(page, "id")
    if ns_text is None or id_text is None:
        return f"{record}: expected <ns> and <id> in <page>"
    revisions = _children(page, "revision")
    if not revisions:
        return f"{record}: expected a <revision> in <page>"
    revision = revisions[-1]  # full-history dumps list revisions oldest first
    try:
        ns, page_id, revision_id = int(ns_text), int(id_text), _optional_int(revision, "id")
    except ValueError as exc:
        return f"{record}: expected integer <ns>, <id> and <revision><id>: {exc}"
    wikitext = _child_text(revision, "text") or ""  # <text deleted="deleted"/> has no text
    redirect = bool(_children(page, "redirect")) or wikitext.lstrip()[:9].upper() == "#REDIRECT"
    return WikiPage(
        title=title,
        ns=ns,
        page_id=page_id,
        revision_id=revision_id,
        timestamp=_child_text(revision, "timestamp"),
        redirect=redirect,
        text=wikitext,
        offset=offset,
    )


# --- the reader ---------------------------------------------------------------------------------------------


def _open_local(path: str) -> BinaryIO:
    return open(path, "rb")


def read_dump(
    path: str, open_binary: OpenBinary | None = None, *, chunk_size: int = READ_CHUNK_BYTES
) -> Iterator[DumpInfo | WikiPage | InputError]:
    """Yield the dump's DumpInfo, then each page as a WikiPage or, when it cannot be read, an InputError.

    `open_binary(path)` must return the file's raw bytes (Beam: ``FileSystems.open(path,
    compression_type=CompressionTypes.UNCOMPRESSED)``); files ending in ``.bz2`` are decompressed here.
    If the header is unreadable, a single InputError is yielded instead of the DumpInfo and nothing else.
    """
    opener = open_binary or _open_local
    try:
        raw = opener(path)
    except OSError as exc:
        yield _error(path, None, f"cannot open the dump: {exc}")
        return
    with contextlib.closing(raw):
        stream: BinaryIO = bz2.BZ2File(raw) if path.endswith(".bz2") else raw  # type: ignore[assignment]
        with contextlib.closing(stream):
            yield from _read_stream(path, _ByteWindow(stream, chunk_size))


def _error(path: str, offset: int | None, reason: str) -> InputError:
    logger.warning("%s at byte %s: %s", path, offset, reason)
    return InputError(path=path, offset=offset, reason=reason)


def _read_stream(path: str, window: _ByteWindow) -> Iterator[DumpInfo | WikiPage | InputError]:
    position = 0  # where the item being read starts, for errors
    try:
        while len(window.buffer) < 1024 and window.fill():
            pass
        encoding = _sniff_encoding(bytes(window.buffer[:1024]))
        if isinstance(encoding, str):
            yield _error(path, 0, encoding)
            return
        page_open, page_close, root_close = (encoding.encode(tag) for tag in ("<page>", "</page>", "</mediawiki>"))

        found = window.find_first((page_open, root_close), 0, encoding.unit, limit=MAX_HEADER_BYTES)
        if found is None:
            yield _error(path, 0, f"expected <page> or </mediawiki> in the first {window.end} bytes: not a dump")
            return
        try:
            header = window.slice(encoding.bom_length, found[0]).decode(encoding.codec)
        except UnicodeDecodeError as exc:
            yield _error(path, encoding.bom_length + exc.start, f"header is not valid {encoding.codec}: {exc.reason}")
            return
        info = _parse_header(path, header)
        if isinstance(info, str):
            yield _error(path, 0, info)
            return
        yield info

        # invariant: `found` is the next "<page>" (index 0) or "</mediawiki>" (index 1) after the gap
        gap_start = found[0]
        while True:
            position = found[0]
            gap = window.slice(gap_start, position)
            if gap.decode(encoding.codec, errors="replace").strip():
                yield _error(path, gap_start, f"expected only whitespace between pages, found {gap[:40]!r}")
            if found[1] == 1:
                return  # </mediawiki>
            window.discard_before(position)
            end = window.find_first((page_close, page_open, root_close), position + len(page_open), encoding.unit)
            if end is None:
                yield _error(path, position, "stream ended inside a <page>: expected </page> and </mediawiki>")
                return
            if end[1] == 0:
                stop = end[0] + len(page_close)
                yield _decode_page(path, window.slice(position, stop), position, encoding)
                position = gap_start = stop
                found = window.find_first((page_open, root_close), stop, encoding.unit)
                if found is None:
                    yield _error(path, stop, "stream ended after a </page>: expected <page> or </mediawiki>")
                    return
            else:  # the next <page> or </mediawiki> came before this page's </page>
                yield _error(path, position, "expected </page> before the next <page> or </mediawiki>")
                found = (end[0], end[1] - 1)
                gap_start = end[0]
    except _StreamBroken as exc:
        yield _error(path, position, f"compressed stream is truncated or corrupt: {exc}; expected its end marker")


def _decode_page(path: str, data: bytes, offset: int, encoding: _Encoding) -> WikiPage | InputError:
    try:
        text = data.decode(encoding.codec)
    except UnicodeDecodeError as exc:
        return _error(
            path, offset, f"page is not valid {encoding.codec}: {exc.reason} at byte {offset + exc.start}"
        )
    page = _parse_page(text, offset)
    return _error(path, offset, page) if isinstance(page, str) else page
