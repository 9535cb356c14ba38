"""Streaming reader for StackExchange data dumps: the `Posts.xml` of a site, in a folder or inside a `.7z` archive.

The Internet Archive publishes one archive per site (`cooking.stackexchange.com.7z`, holding `Posts.xml`,
`Users.xml`, …) and Stack Overflow split by table (`stackoverflow.com-Posts.7z`). `Posts.xml` is one `<posts>`
element with one empty `<row …/>` element per post, every field an attribute:

    <posts>
      <row Id="1" PostTypeId="1" AcceptedAnswerId="3" CreationDate="2010-07-09T19:13:54.330" Score="10"
           Body="&lt;p&gt;How do I…&lt;/p&gt;" Title="…" Tags="&lt;baking&gt;&lt;bread&gt;" AnswerCount="2" />
      <row Id="3" PostTypeId="2" ParentId="1" Score="7" Body="…" />
    </posts>

Rows are parsed with lxml's `iterparse` (no DTD loaded, no network, no entity resolution, no huge-tree mode) and
cleared as soon as they are read, so memory stays flat however large the file. A dump never has a DOCTYPE; one
before the root element (the way to declare entities, and so an entity-expansion bomb) makes the whole file an
input error *before* any XML is parsed: libxml2 expands entities inside attribute values whatever
`resolve_entities` says, so the prolog is checked on the raw bytes first.

An archive member is streamed, not extracted: py7zr decompresses it on a thread into a small bounded queue that
the parser reads from (`_ArchiveMemberStream`); nothing is written to disk and at most `QUEUE_CHUNKS` chunks are
held. A broken row (no integer `Id`, a question without `Title`, an answer without `ParentId`, a non-integer
`Score`) is one InputError; bytes that are not UTF-8 or broken XML end the file with one InputError after every
row before them.
"""
from __future__ import annotations

import contextlib
import logging
import posixpath
import queue
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from lxml import etree

from pipelines.readers.mediawiki import InputError

logger = logging.getLogger(__name__)

POSTS_MEMBER = "Posts.xml"
ARCHIVE_SUFFIX = ".7z"
# StackExchange post types (the dump's PostTypes table / data.stackexchange.com schema): 1 question, 2 answer;
# the others (3 orphaned tag wiki, 4 tag wiki excerpt, 5 tag wiki, 6 moderator nomination, 7 wiki placeholder,
# 8 privilege wiki …) are not documents.
QUESTION = 1
ANSWER = 2
# The prolog (XML declaration, comments) before <posts> is a few dozen bytes; a file without a root element start
# this far in is not a dump.
MAX_PROLOG_BYTES = 64 << 10
# Bytes asked of py7zr per write are its own; the queue between it and the parser holds at most this many chunks.
QUEUE_CHUNKS = 8
READ_CHUNK_BYTES = 1 << 16

OpenBinary = Callable[[str], BinaryIO]


@dataclass(frozen=True)
class Post:
    """One `<row>` of Posts.xml, as the fields the pipeline uses."""

    site: str
    post_id: int
    post_type: int
    parent_id: int | None  # answers: the question's Id
    accepted_answer_id: int | None
    score: int
    title: str | None
    body: str  # HTML
    tags: tuple[str, ...]
    creation_date: str | None
    line: int  # line of the row in Posts.xml, for errors


# --- site names --------------------------------------------------------------------------------------------

# `cooking.stackexchange.com.7z`, `stackoverflow.com-Posts.7z`: the site is the name without `.7z` and without a
# `-Posts` table suffix. Archives of other tables (`stackoverflow.com-Users.7z`) hold no posts.
_ARCHIVE_NAME = re.compile(r"(?P<site>[^/\\]+?)(?:-(?P<table>[A-Za-z]+))?\.7z")


def archive_site(path: str) -> tuple[str, str | None] | None:
    """(site, table) of an archive path: `a/cooking.stackexchange.com.7z` -> ("cooking.stackexchange.com", None),
    `stackoverflow.com-Posts.7z` -> ("stackoverflow.com", "Posts"); None when the name does not end in `.7z`."""
    match = _ARCHIVE_NAME.fullmatch(posixpath.basename(path.replace("\\", "/")))
    return (match["site"], match["table"]) if match else None


def site_of(path: str) -> str:
    """The site a dump path belongs to: the archive's name, or the folder holding `Posts.xml`."""
    parsed = archive_site(path)
    if parsed is not None:
        return parsed[0]
    folder = posixpath.dirname(path.replace("\\", "/").rstrip("/"))
    return posixpath.basename(folder) or folder


# --- Tags ----------------------------------------------------------------------------------------------------

# Dumps up to 2023 write `<baking><bread>`; later ones `|baking|bread|`.
_ANGLE_TAGS = re.compile(r"<([^<>]+)>")


def parse_tags(raw: str | None) -> tuple[str, ...]:
    """`<baking><sourdough>` or `|baking|sourdough|` -> ("baking", "sourdough"); None or "" -> ()."""
    if not raw:
        return ()
    if raw.startswith("<"):
        return tuple(_ANGLE_TAGS.findall(raw))
    return tuple(tag for tag in raw.split("|") if tag)


# --- the prolog check ------------------------------------------------------------------------------------------

# What may come before the root element: an XML declaration, comments, processing instructions, whitespace.
_PROLOG_ITEM = re.compile(rb"\s+|<\?.*?\?>|<!--.*?-->", re.DOTALL)
_ROOT_START = re.compile(rb"<[A-Za-z_:]")
UTF8_BOM = b"\xef\xbb\xbf"


def check_prolog(head: bytes) -> str | None:
    """Why the first bytes of a Posts.xml are refused (a DOCTYPE, not UTF-8, no root element), or None."""
    return _scan_prolog(head)[1]


def _scan_prolog(head: bytes) -> tuple[bool, str | None]:
    """(decided, why refused): undecided while `head` ends inside the prolog (more bytes may settle it)."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True, "file is UTF-16 (byte order mark); expected UTF-8 as the dumps are written"
    position = len(UTF8_BOM) if head.startswith(UTF8_BOM) else 0
    while True:
        match = _PROLOG_ITEM.match(head, position)
        if match is None:
            break
        position = match.end()
    rest = head[position:position + 9]
    if rest.upper().startswith(b"<!DOCTYPE"):
        return True, "file has a DOCTYPE (entity declarations are refused); expected <posts> after the XML declaration"
    if _ROOT_START.match(head, position):
        return True, None
    if len(rest) < 9 and b"<!DOCTYPE".startswith(rest.upper()) or rest.startswith((b"<?", b"<!--")):
        return False, f"expected the root element <posts> in the first {len(head)} bytes"  # cut inside the prolog
    return True, f"expected the root element <posts> in the first {len(head)} bytes, found {rest!r}"


class _PrefixedStream:
    """The bytes already read for the prolog check, then the rest of the stream (a file-like for lxml)."""

    def __init__(self, head: bytes, rest: BinaryIO):
        self._head, self._rest = head, rest

    def read(self, size: int = -1) -> bytes:
        if self._head:
            data = self._head if size < 0 else self._head[:size]
            self._head = self._head[len(data):]
            return data
        return self._rest.read(size)


def _read_head(stream: BinaryIO, limit: int = MAX_PROLOG_BYTES) -> bytes:
    """Reads until the prolog is decided (root element or DOCTYPE seen) or `limit` bytes: it may span reads."""
    head = b""
    while len(head) < limit:
        chunk = stream.read(min(READ_CHUNK_BYTES, limit - len(head)))
        if not chunk:
            break
        head += chunk
        if _scan_prolog(head)[0]:
            break
    return head


# --- rows --------------------------------------------------------------------------------------------------


def _int(row: dict, name: str, required: bool) -> int | None:
    value = row.get(name)
    if value is None or value == "":
        if required:
            raise ValueError(f"expected attribute {name}")
        return None
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"expected an integer {name}, found {value[:20]!r}") from None


def post_from_row(site: str, row: dict, line: int) -> Post | str:
    """A Post from a `<row>`'s attributes, or why the row cannot be one."""
    try:
        post_id = _int(row, "Id", True)
        post_type = _int(row, "PostTypeId", True)
        parent_id = _int(row, "ParentId", post_type == ANSWER)
        accepted = _int(row, "AcceptedAnswerId", False)
        score = _int(row, "Score", False) or 0
    except ValueError as exc:
        return f"row Id={row.get('Id')!r}: {exc}"
    title = row.get("Title")
    if post_type == QUESTION and title is None:
        return f"row Id={post_id}: question without attribute Title"
    return Post(site=site, post_id=post_id, post_type=post_type, parent_id=parent_id,  # type: ignore[arg-type]
                accepted_answer_id=accepted, score=score, title=title, body=row.get("Body") or "",
                tags=parse_tags(row.get("Tags")), creation_date=row.get("CreationDate"), line=line)


def _error(path: str, line: int | None, reason: str) -> InputError:
    where = f" at line {line}" if line is not None else ""
    logger.warning("%s%s: %s", path, where, reason)
    return InputError(path=path, offset=None, reason=f"line {line}: {reason}" if line is not None else reason)


def parse_posts(path: str, site: str, stream: BinaryIO) -> Iterator[Post | InputError]:
    """Posts (every PostTypeId) and InputErrors of one Posts.xml byte stream; see the module docstring."""
    head = _read_head(stream)
    refused = check_prolog(head)
    if refused is not None:
        yield _error(path, None, refused)
        return
    events = etree.iterparse(_PrefixedStream(head, stream), events=("start", "end"), resolve_entities=False,
                             load_dtd=False, no_network=True, huge_tree=False, remove_comments=True)
    line: int | None = None
    root = None
    try:
        for event, element in events:
            line = element.sourceline
            if event == "start":
                if root is None:
                    root = element
                    if element.getroottree().docinfo.internalDTD is not None:  # belt and braces: see check_prolog
                        yield _error(path, line, "file declares a DTD; expected none")
                        return
                    if element.tag != "posts":
                        yield _error(path, line, f"root element is <{element.tag}>; expected <posts>")
                        return
                continue
            if element is root:
                break
            if element.tag == "row":
                post = post_from_row(site, dict(element.attrib), line or 0)
                yield _error(path, line, post) if isinstance(post, str) else post
            element.clear()
            if element.getparent() is root:
                while element.getprevious() is not None:  # the cleared rows before this one
                    del root[0]
    except etree.XMLSyntaxError as exc:
        yield _error(path, exc.position[0] if exc.position else line,
                     f"not well-formed UTF-8 XML ({exc.msg}); the rest of the file is skipped")


# --- 7z members, streamed --------------------------------------------------------------------------------------


class _Cancelled(Exception):
    """Raised inside py7zr's writer when the reader stopped early, to end the extraction thread."""


class _ArchiveMemberStream:
    """A read-only stream of one archive member, decompressed by py7zr on a thread (py7zr pushes chunks into a
    writer; lxml pulls them through `read`). The queue is bounded, so decompression waits for the parser."""

    _END = object()

    def __init__(self, archive, member: str):
        import py7zr.io

        self._queue: queue.Queue = queue.Queue(maxsize=QUEUE_CHUNKS)
        self._cancel = threading.Event()
        self._buffer = b""
        self._done = False
        self.error: BaseException | None = None
        outer = self

        class _Writer(py7zr.io.Py7zIO):
            def write(self, s):
                while True:
                    if outer._cancel.is_set():
                        raise _Cancelled()
                    try:
                        outer._queue.put(bytes(s), timeout=0.1)
                        return len(s)
                    except queue.Full:
                        continue

            def read(self, size=None):
                return b""

            def seek(self, offset, whence=0):
                return 0

            def flush(self):
                return None

            def size(self):
                return 0

        class _Factory(py7zr.io.WriterFactory):
            def create(self, filename):
                return _Writer()

        def extract():
            try:
                archive.extract(targets=[member], factory=_Factory())
            except _Cancelled:
                pass
            except BaseException as exc:  # handed to the reading thread, which reports it as an InputError
                outer.error = exc
            finally:
                outer._put_end()

        self._thread = threading.Thread(target=extract, name=f"7z:{member}", daemon=True)
        self._thread.start()

    def _put_end(self) -> None:
        while not self._cancel.is_set():
            try:
                self._queue.put(self._END, timeout=0.1)
                return
            except queue.Full:
                continue

    def read(self, size: int = -1) -> bytes:
        while not self._done and (size < 0 or len(self._buffer) < size):
            chunk = self._queue.get()
            if chunk is self._END:
                self._done = True
                if self.error is not None:
                    raise OSError(f"7z member is truncated or corrupt: {self.error}")
                break
            self._buffer += chunk
            if size >= 0:
                break  # lxml asks for what it wants; a short read is fine
        data = self._buffer if size < 0 else self._buffer[:size]
        self._buffer = self._buffer[len(data):]
        return data

    def close(self) -> None:
        self._cancel.set()
        with contextlib.suppress(queue.Empty):
            while True:
                self._queue.get_nowait()
        self._thread.join(timeout=5)


def posts_member(names: list[str]) -> str | None:
    """The Posts.xml of an archive's member list (at its root, else the shallowest)."""
    candidates = sorted((n for n in names if posixpath.basename(n) == POSTS_MEMBER), key=lambda n: (n.count("/"), n))
    return candidates[0] if candidates else None


def archive_posts_size(raw: BinaryIO) -> tuple[str, int] | str:
    """(member, uncompressed size) of an archive's Posts.xml, read from its header without decompressing, or why
    there is none."""
    import py7zr

    try:
        with py7zr.SevenZipFile(raw, mode="r") as archive:
            infos = {info.filename: info.uncompressed for info in archive.list()}
    except (py7zr.exceptions.Bad7zFile, py7zr.exceptions.ArchiveError, OSError, EOFError, ValueError) as exc:
        return f"not a readable 7z archive: {exc}"
    member = posts_member(list(infos))
    if member is None:
        return f"archive holds no {POSTS_MEMBER}"
    return member, infos[member]


def _open_local(path: str) -> BinaryIO:
    return open(path, "rb")


def read_site_dump(path: str, open_binary: OpenBinary | None = None) -> Iterator[Post | InputError]:
    """Every post of a site dump: `…/<site>/Posts.xml` or `<site>.7z` / `<site>-Posts.7z`.

    `open_binary(path)` returns the file's raw bytes (Beam: ``FileSystems.open(path,
    compression_type=CompressionTypes.UNCOMPRESSED)``); an archive needs a seekable stream.
    """
    opener = open_binary or _open_local
    site = site_of(path)
    try:
        raw = opener(path)
    except OSError as exc:
        yield _error(path, None, f"cannot open: {exc}")
        return
    with contextlib.closing(raw):
        if archive_site(path) is None:
            yield from parse_posts(path, site, raw)
            return
        yield from _read_archive(path, site, raw)


def _read_archive(path: str, site: str, raw: BinaryIO) -> Iterator[Post | InputError]:
    import py7zr

    try:
        archive = py7zr.SevenZipFile(raw, mode="r")
    except (py7zr.exceptions.Bad7zFile, py7zr.exceptions.ArchiveError, OSError, EOFError, ValueError) as exc:
        yield _error(path, None, f"not a readable 7z archive: {exc}")
        return
    with archive:
        member = posts_member(archive.getnames())
        if member is None:
            yield _error(path, None, f"archive holds no {POSTS_MEMBER}; expected a site dump")
            return
        stream = _ArchiveMemberStream(archive, member)
        try:
            for item in parse_posts(f"{path}!{member}", site, stream):  # type: ignore[arg-type]
                yield item
        except OSError as exc:
            yield _error(f"{path}!{member}", None, str(exc))
        finally:
            stream.close()
