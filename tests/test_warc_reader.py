"""pipelines.readers.warc: streaming WET/WARC files into WebPage and InputError, and expanding paths listings."""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import itertools
import zlib
from pathlib import Path
from typing import BinaryIO

import pytest
from fastwarc.warc import ArchiveIterator, HeaderMap

from pipelines.readers.mediawiki import InputError
from pipelines.readers.warc import (
    _ABSOLUTE_PATH,
    WebPage,
    block_digest_label,
    decode_html,
    expand_paths_listing,
    html_encoding,
    html_main_text,
    http_body,
    join_listed_path,
    media_type,
    read_pages,
    read_warc,
    read_wet,
)

DATA = Path(__file__).parent / "data" / "commoncrawl"
WET = DATA / "CC-MAIN-2026-01-00000.warc.wet.gz"
WET_SECOND = DATA / "CC-MAIN-2026-01-00001.warc.wet.gz"
WARC = DATA / "CC-MAIN-2026-01-00000.warc.gz"
TRUNCATED = DATA / "bad-truncated.warc.wet.gz"
CONTENT_LENGTH = DATA / "bad-content-length.warc.wet.gz"
NON_UTF8 = DATA / "bad-non-utf8.warc.wet.gz"
EMPTY = DATA / "bad-empty.warc.wet.gz"
PATHS = DATA / "wet.paths.gz"
DEMO = Path(__file__).parents[1] / "pipelines" / "demo_data" / "commoncrawl"


def record(
    warc_type: str,
    url: str,
    block: bytes,
    *,
    digest: bool = True,
    content_length: int | None = None,
    extra: tuple[tuple[str, str], ...] = (),
) -> bytes:
    """One WARC/1.0 record, with a sha1 block digest unless `digest` is False."""
    headers = [("WARC-Type", warc_type), ("WARC-Target-URI", url), ("WARC-Date", "2026-01-02T03:04:05Z")]
    headers.append(("WARC-Record-ID", f"<urn:test:{warc_type}:{url}>"))
    if digest:
        headers.append(("WARC-Block-Digest", "sha1:" + base64.b32encode(hashlib.sha1(block).digest()).decode()))
    headers += [*extra, ("Content-Length", str(len(block) if content_length is None else content_length))]
    head = "WARC/1.0\r\n" + "".join(f"{name}: {value}\r\n" for name, value in headers) + "\r\n"
    return head.encode() + block + b"\r\n\r\n"


def page_record(name: str, text: str | None = None, **kwargs: object) -> bytes:
    body = (text or f"Text of page {name}.\nA second line.").encode()
    return record("conversion", f"https://test.example/{name}", body, **kwargs)  # type: ignore[arg-type]


def members(*records: bytes) -> bytes:
    return b"".join(gzip.compress(r, mtime=0) for r in records)


def read_all(path: Path, **kwargs: object) -> list[WebPage | InputError]:
    return list(read_pages(str(path), **kwargs))  # type: ignore[arg-type]


def read_bytes(tmp_path: Path, name: str, data: bytes, **kwargs: object) -> list[WebPage | InputError]:
    path = tmp_path / name
    path.write_bytes(data)
    return read_all(path, **kwargs)


def pages_of(items: list[WebPage | InputError]) -> list[WebPage]:
    return [item for item in items if isinstance(item, WebPage)]


def errors_of(items: list[WebPage | InputError]) -> list[InputError]:
    return [item for item in items if isinstance(item, InputError)]


def urls(items: list[WebPage | InputError]) -> list[str]:
    return [p.url.rsplit("/", 1)[-1] for p in pages_of(items)]


def member_at(data: bytes, offset: int) -> bytes:
    """The decompressed gzip member that starts at `offset`."""
    return zlib.decompressobj(wbits=31).decompress(data[offset:])


# --- WET ---------------------------------------------------------------------------------------------------------


def test_wet_conversion_records_become_pages_and_warcinfo_is_skipped() -> None:
    items = read_all(WET)
    assert not errors_of(items)
    pages = pages_of(items)
    assert len(pages) == 13  # 14 records: the warcinfo is not a document
    assert pages[0].url == "https://www.harbourkitchen.example/recipes/sourdough-starter"
    assert pages[-1].url == "https://devjournal.example/posts/structured-logging-in-small-services"


def test_wet_page_fields() -> None:
    first = pages_of(read_all(WET))[0]
    assert first.record_id.startswith("<urn:uuid:") and first.record_id.endswith(">")
    assert first.date == "2026-01-14T09:31:07Z"
    assert first.digest is not None and first.digest.startswith("sha1:")
    assert first.content_type == "text/plain"
    assert first.text.startswith("How to Make a Sourdough Starter from Scratch | Harbour Kitchen\n")
    assert "Home | About | Contact" in first.text.splitlines()  # the WET text is the whole page, chrome included


def test_wet_text_is_unicode_in_every_script() -> None:
    texts = {p.url.split("/")[2]: p.text for p in pages_of(read_all(WET))}
    assert "Höhenweg" in texts["www.wanderzeit.example"]
    assert "Épluchez" in texts["www.cuisine-facile.example"]
    assert "Огурцы любят тепло" in texts["pro-sad.example"]


def test_offsets_are_gzip_members_holding_the_record() -> None:
    data = WET.read_bytes()
    for page in pages_of(read_all(WET)):
        decompressed = member_at(data, page.offset)
        assert decompressed.startswith(b"WARC/1.0\r\nWARC-Type: conversion\r\n")
        assert f"WARC-Record-ID: {page.record_id}\r\n".encode() in decompressed


def test_offsets_match_fastwarc_stream_pos() -> None:
    # CommonCrawl files hold one record per member; fastwarc reports the member's offset for each record.
    with open(WET, "rb") as file:
        native = [r.stream_pos for r in ArchiveIterator(file) if r.headers.get("WARC-Type") == "conversion"]
    assert [p.offset for p in pages_of(read_all(WET))] == native


def test_second_file_shares_boilerplate_lines_with_the_first() -> None:
    first = {line for p in pages_of(read_all(WET)) for line in p.text.splitlines()}
    second = {line for p in pages_of(read_all(WET_SECOND)) for line in p.text.splitlines()}
    assert {"Home | About | Contact", "Accept all cookies", "© 2026 Harbour Kitchen. All rights reserved."} <= (
        first & second
    )


def test_wet_read_directly_matches_dispatch() -> None:
    assert list(read_wet(str(WET))) == read_all(WET)


# --- WARC --------------------------------------------------------------------------------------------------------


def warc_pages() -> dict[str, WebPage]:
    return {p.url: p for p in pages_of(read_all(WARC))}


def test_warc_html_responses_become_pages() -> None:
    items = read_all(WARC)
    assert not errors_of(items)
    assert sorted(warc_pages()) == [
        "http://www.muehle-erlenbach.example/ueber-uns.html",
        "https://devjournal.example/posts/structured-logging-in-small-services",
        "https://skywatch.example/guides/watching-meteor-showers",
        "https://www.cafe-lumiere.example/our-story",
        "https://www.harbourkitchen.example/recipes/sourdough-starter",
    ]


def test_warc_page_fields() -> None:
    page = warc_pages()["https://www.harbourkitchen.example/recipes/sourdough-starter"]
    assert page.date == "2026-01-13T21:14:05Z"
    assert page.content_type == "text/html"
    data = WARC.read_bytes()
    response = member_at(data, page.offset)
    assert response.startswith(b"WARC/1.0\r\nWARC-Type: response\r\n")
    assert f"WARC-Record-ID: {page.record_id}\r\n".encode() in response
    body = response.split(b"\r\n\r\n", 2)[2][: -len(b"\r\n\r\n")]  # WARC headers, HTTP headers, body
    assert page.digest == "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode()  # WARC-Payload-Digest


def test_warc_read_directly_matches_dispatch() -> None:
    assert list(read_warc(str(WARC))) == read_all(WARC)


def test_main_text_keeps_the_article_and_drops_navigation_banner_and_footer() -> None:
    text = warc_pages()["https://www.harbourkitchen.example/recipes/sourdough-starter"].text
    assert text.startswith("How to Make a Sourdough Starter from Scratch\n")
    assert "For the next six days, discard half of the mixture" in text
    for chrome in ("Recipes", "Techniques", "Skip to main content", "cookies", "All rights reserved", "Privacy"):
        assert chrome not in text, chrome
    assert "You might also like" not in text  # the related-posts aside


def test_main_text_leaves_out_alt_texts_and_decodes_entities() -> None:
    text = warc_pages()["https://skywatch.example/guides/watching-meteor-showers"].text
    assert text.startswith("A Beginner\u2019s Guide")  # &#8217;
    assert "long exposure" not in text and "Subscribe" not in text


def test_non_html_and_non_200_responses_are_skipped_not_counted() -> None:
    skipped: list[str] = []
    items = read_all(WARC, on_skip=skipped.append)
    assert len(items) == 5 and not errors_of(items)  # 25 records: 8 responses, of which 5 are documents
    assert sorted(skipped) == ["http_status", "http_status", "not_html"]  # 301, 404; the PNG


def test_windows_1252_declared_in_meta_is_decoded() -> None:
    text = warc_pages()["https://www.cafe-lumiere.example/our-story"].text
    assert "Café Lumière opened" in text
    assert "We don\u2019t take bookings" in text and "seasons \u2013 crêpes" in text  # 0x92, 0x96 in cp1252


def test_iso_8859_1_named_in_the_http_header_is_decoded() -> None:
    text = warc_pages()["http://www.muehle-erlenbach.example/ueber-uns.html"].text
    assert text.startswith("Über die Mühle am Erlenbach\n") and "das große Wasserrad" in text


def test_gzip_content_encoding_is_undone() -> None:
    text = warc_pages()["https://devjournal.example/posts/structured-logging-in-small-services"].text
    assert text.startswith("Structured logging in small services\n")


def test_response_without_http_status_line_is_an_input_error(tmp_path: Path) -> None:
    good = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<html><body><p>Kept paragraph of text.</p></body></html>"
    not_http = record("response", "https://t.example/a", b"not an http response")
    items = read_bytes(tmp_path, "x.warc.gz", members(not_http, record("response", "https://t.example/b", good)))
    (error,) = errors_of(items)
    assert "expected an HTTP status line" in error.reason and error.offset == 0
    assert urls(items) == ["b"]


def test_undecodable_content_encoding_is_an_input_error(tmp_path: Path) -> None:
    block = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Encoding: gzip\r\n\r\nthis is not gzip data"
    (error,) = read_bytes(tmp_path, "x.warc.gz", members(record("response", "https://t.example/a", block)))
    assert isinstance(error, InputError) and "Content-Encoding 'gzip'" in error.reason


# --- pure helpers ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content_type", "expected"),
    [
        ("text/html", ("text/html", None)),
        ('text/HTML; Charset="ISO-8859-1"', ("text/html", "ISO-8859-1")),
        ("text/html;charset=utf-8", ("text/html", "utf-8")),
        ("application/xhtml+xml; charset=windows-1251", ("application/xhtml+xml", "windows-1251")),
        ("image/png", ("image/png", None)),
        ("", (None, None)),
        (None, (None, None)),
    ],
)
def test_media_type(content_type: str | None, expected: tuple[str | None, str | None]) -> None:
    assert media_type(content_type) == expected


@pytest.mark.parametrize(
    ("body", "http_charset", "expected"),
    [
        ("<p>Größe</p>".encode("utf-8"), "utf-8", "utf-8"),
        ("<p>Größe</p>".encode("latin-1"), "ISO-8859-1", "cp1252"),  # as browsers do
        ("<p>Größe</p>".encode("latin-1"), "no-such-charset", "cp1252"),  # unknown label: sniffed
        ('<meta charset="windows-1251"><p>Привет</p>'.encode("cp1251"), None, "cp1251"),
        (b"\xef\xbb\xbf<p>BOM wins</p>", "iso-8859-1", "utf-8"),
        ("<p>Größe und Übermaß, ça va très bien</p>".encode("utf-8"), None, "utf-8"),
    ],
)
def test_html_encoding_order_bom_http_meta_sniffing(body: bytes, http_charset: str | None, expected: str) -> None:
    assert html_encoding(body, http_charset) == expected


def test_decode_html_falls_back_when_the_label_is_wrong() -> None:
    assert decode_html("<p>café</p>".encode("cp1252"), "utf-8") == "<p>café</p>"


def test_html_main_text_numbered_list_items_are_plain_lines() -> None:
    html = (
        "<html><body><nav><ul><li>Home</li><li>Shop</li></ul></nav><main><article><h1>Packing list</h1>"
        "<p>Everything you need for a long weekend of walking in the hills, whatever the weather brings.</p>"
        "<ol><li>Waterproof jacket with a hood</li><li>Two pairs of wool socks</li></ol>"
        "<ul><li>Bulleted lists look like menus to resiliparse</li></ul>"
        "<p>Pack the heaviest things closest to your back so that the load sits high and steady.</p>"
        "</article></main><footer>© 2026 Hill Walks</footer></body></html>"
    )
    assert html_main_text(html).splitlines() == [
        "Packing list",
        "",
        "Everything you need for a long weekend of walking in the hills, whatever the weather brings.",
        "",
        "Waterproof jacket with a hood",
        "Two pairs of wool socks",
        "",
        "Pack the heaviest things closest to your back so that the load sits high and steady.",
    ]


def test_http_body_undoes_chunked_transfer_and_content_encodings() -> None:
    html = b"<html><body>hello</body></html>"
    compressed = gzip.compress(html)
    chunked = b"%x\r\n" % len(compressed) + compressed + b"\r\n0\r\n\r\n"
    headers = HeaderMap()
    headers.parse(io.BytesIO(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Encoding: gzip\r\n\r\n"))
    assert http_body(headers, chunked) == html
    deflate = HeaderMap()
    deflate.parse(io.BytesIO(b"HTTP/1.1 200 OK\r\nContent-Encoding: deflate\r\n\r\n"))
    assert http_body(deflate, zlib.compress(html)) == html
    plain = HeaderMap()
    plain.parse(io.BytesIO(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n"))
    assert http_body(plain, html) == html


def test_http_body_unknown_encoding_is_reported() -> None:
    headers = HeaderMap()
    headers.parse(io.BytesIO(b"HTTP/1.1 200 OK\r\nContent-Encoding: compress\r\n\r\n"))
    assert http_body(headers, b"x") == "unsupported Content-Encoding 'compress'"


@pytest.mark.parametrize(
    ("digest", "expected"),
    [("sha1:ABCDEF", "sha1"), ("SHA256:ab12", "sha256"), ("md5:00", "md5"), ("garbage", None), (None, None)],
)
def test_block_digest_label(digest: str | None, expected: str | None) -> None:
    assert block_digest_label(digest) == expected


# --- bad input ---------------------------------------------------------------------------------------------------


def test_truncated_gzip_yields_pages_before_the_cut_then_an_input_error() -> None:
    items = read_all(TRUNCATED)
    assert urls(items) == ["a", "b", "c", "d"]
    assert isinstance(items[-1], InputError) and len(errors_of(items)) == 1
    error = items[-1]
    assert error.path == str(TRUNCATED) and "truncated" in error.reason
    data = TRUNCATED.read_bytes()
    assert error.offset is not None and error.offset > pages_of(items)[-1].offset
    assert data[error.offset : error.offset + 3] == b"\x1f\x8b\x08"  # the member that was cut


def test_fastwarc_alone_hides_a_truncated_gzip() -> None:
    # Why the reader decompresses itself: fastwarc 2.0.1 yields the cut record E without an error, its
    # Content-Length read as 0 because the cut fell before that header.
    with open(TRUNCATED, "rb") as file:
        seen = [(r.headers.get("WARC-Target-URI"), r.content_length, r.reader.read()) for r in ArchiveIterator(file)]
    assert seen[-1] == ("https://notes.example/e", 0, b"")


def test_wrong_content_length_is_an_input_error_and_reading_resumes() -> None:
    items = read_all(CONTENT_LENGTH)
    assert urls(items) == ["a", "c", "e"]
    too_long, too_short = errors_of(items)
    data = CONTENT_LENGTH.read_bytes()
    for error, name in ((too_long, b"b"), (too_short, b"d")):
        assert error.path == str(CONTENT_LENGTH)
        assert "WARC-Block-Digest" in error.reason and "Content-Length" in error.reason
        assert b"WARC-Target-URI: https://notes.example/" + name + b"\r\n" in member_at(data, error.offset or 0)


def test_fastwarc_alone_stops_at_a_wrong_content_length() -> None:
    # What fastwarc 2.0.1 does: it yields record B with the wrong number of bytes, then cannot find the next
    # header and raises; it does not resynchronise by itself.
    seen = []
    with open(CONTENT_LENGTH, "rb") as file, pytest.raises(OSError, match="Invalid WARC header"):
        for r in ArchiveIterator(file):
            seen.append(r.headers.get("WARC-Target-URI"))
            r.reader.read()
    assert seen[1:] == ["https://notes.example/a", "https://notes.example/b"]


def test_non_utf8_payload_is_an_input_error_and_reading_continues() -> None:
    items = read_all(NON_UTF8)
    assert urls(items) == ["a", "c"]
    (error,) = errors_of(items)
    assert error.path == str(NON_UTF8) and "is not valid UTF-8" in error.reason
    assert b"WARC-Target-URI: https://notes.example/b\r\n" in member_at(NON_UTF8.read_bytes(), error.offset or 0)


def test_empty_file_is_one_input_error() -> None:
    (error,) = read_all(EMPTY)
    assert isinstance(error, InputError)
    assert (error.path, error.offset) == (str(EMPTY), 0) and "empty file" in error.reason


def test_gzip_without_records_is_one_input_error(tmp_path: Path) -> None:
    (error,) = read_bytes(tmp_path, "x.warc.wet.gz", gzip.compress(b""))
    assert isinstance(error, InputError) and "no WARC records" in error.reason


def test_warcinfo_only_file_is_no_error(tmp_path: Path) -> None:
    assert read_bytes(tmp_path, "x.warc.wet.gz", members(record("warcinfo", "x", b"software: t\r\n"))) == []


def test_record_without_digest_followed_by_garbage_is_not_trusted(tmp_path: Path) -> None:
    # B's Content-Length is 30 bytes short and it has no digest: the rest of its text breaks the stream after it.
    text = "Text of page b, which is long enough to be cut by a wrong Content-Length."
    b = page_record("b", text, digest=False, content_length=len(text) - 30)
    data = members(page_record("a", digest=False), b, page_record("c", digest=False))
    items = read_bytes(tmp_path, "x.warc.wet.gz", data)
    assert urls(items) == ["a", "c"]
    (error,) = errors_of(items)
    assert "record <urn:test:conversion:https://test.example/b>" in error.reason and "cannot be trusted" in error.reason


def test_broken_record_after_a_verified_one_is_reported_at_its_own_offset(tmp_path: Path) -> None:
    broken = gzip.compress(b"WARX/1.0\r\nWARC-Type: conversion\r\nContent-Length: 2\r\n\r\nxx\r\n\r\n", mtime=0)
    data = members(page_record("a")) + broken + members(page_record("c"))
    items = read_bytes(tmp_path, "x.warc.wet.gz", data)
    assert urls(items) == ["a", "c"]
    (error,) = errors_of(items)
    assert error.offset == len(members(page_record("a"))) and "expected a WARC record" in error.reason


def test_corrupt_gzip_member_is_skipped(tmp_path: Path) -> None:
    a, b, c = (members(page_record(name, f"Page {name} " + "with some words " * 40)) for name in "abc")
    corrupt = bytearray(b)
    corrupt[30:40] = b"\xff" * 10
    items = read_bytes(tmp_path, "x.warc.wet.gz", a + bytes(corrupt) + c)
    assert urls(items) == ["a", "c"]
    (error,) = errors_of(items)
    assert error.offset == len(a) and "corrupt" in error.reason


def test_garbage_after_the_last_member_is_an_input_error(tmp_path: Path) -> None:
    data = members(page_record("a"), page_record("b"))
    items = read_bytes(tmp_path, "x.warc.wet.gz", data + b"trailing bytes that are not gzip")
    assert urls(items) == ["a", "b"]
    (error,) = errors_of(items)
    assert error.offset == len(data) and "expected a gzip member" in error.reason


def test_digest_mismatch_is_an_input_error(tmp_path: Path) -> None:
    damaged = page_record("b").replace(b"Text of page b", b"Text of page X")
    items = read_bytes(tmp_path, "x.warc.wet.gz", members(page_record("a"), damaged, page_record("c")))
    assert urls(items) == ["a", "c"]
    (error,) = errors_of(items)
    assert "does not match the block" in error.reason


def test_record_without_target_uri_is_an_input_error(tmp_path: Path) -> None:
    no_url = page_record("b").replace(b"WARC-Target-URI: https://test.example/b\r\n", b"")
    items = read_bytes(tmp_path, "x.warc.wet.gz", members(page_record("a"), no_url))
    assert urls(items) == ["a"] and "WARC-Target-URI" in errors_of(items)[0].reason


def test_oversized_block_is_an_input_error(tmp_path: Path) -> None:
    big = page_record("b", "x" * 5000)
    items = read_bytes(tmp_path, "x.warc.wet.gz", members(page_record("a"), big), max_block_bytes=1000)
    assert urls(items) == ["a"] and "more than the 1000 read into memory" in errors_of(items)[0].reason


class Unseekable(io.RawIOBase):
    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        return self._data.readinto(buffer)


def test_unseekable_stream_stops_at_the_first_broken_record() -> None:
    data = CONTENT_LENGTH.read_bytes()
    items = list(read_wet("gs://b/bad.warc.wet.gz", lambda _: Unseekable(data)))  # type: ignore[arg-type,return-value]
    assert urls(items) == ["a"]
    assert len(errors_of(items)) == 2  # B's digest, then the stream that cannot be resumed after it
    assert "nothing to resume at" in errors_of(items)[-1].reason


# --- compression and layout --------------------------------------------------------------------------------------


def test_single_member_gzip_is_read_with_offset_zero(tmp_path: Path) -> None:
    data = gzip.compress(b"".join(page_record(name) for name in "abc"))
    items = read_bytes(tmp_path, "x.warc.wet.gz", data)
    assert urls(items) == ["a", "b", "c"] and [p.offset for p in pages_of(items)] == [0, 0, 0]


def test_uncompressed_wet_offsets_are_record_starts(tmp_path: Path) -> None:
    records = [page_record(name) for name in "abc"]
    data = b"".join(records)
    items = read_bytes(tmp_path, "x.warc.wet", data)
    assert urls(items) == ["a", "b", "c"]
    assert [p.offset for p in pages_of(items)] == [0, len(records[0]), len(records[0]) + len(records[1])]


def test_uncompressed_file_resumes_at_the_next_version_line(tmp_path: Path) -> None:
    b = page_record("b", "Text of page b, long enough to be cut short by a wrong length.", content_length=20)
    data = page_record("a") + b + page_record("c")
    items = read_bytes(tmp_path, "x.wet", data)
    assert urls(items) == ["a", "c"]
    (error,) = errors_of(items)
    assert error.offset == len(page_record("a"))


def test_uncompressed_file_cut_inside_a_record(tmp_path: Path) -> None:
    data = page_record("a") + page_record("b", "Text of page b, which the file cuts in the middle.")
    items = read_bytes(tmp_path, "x.wet", data[:-30])
    assert urls(items) == ["a"]
    (error,) = errors_of(items)
    assert error.offset == len(page_record("a")) and "does not match the block" in error.reason


def test_single_member_gzip_stops_at_a_broken_record(tmp_path: Path) -> None:
    b = page_record("b", "Text of page b, long enough to be cut short by a wrong length.", content_length=20)
    items = read_bytes(tmp_path, "x.warc.wet.gz", gzip.compress(page_record("a") + b + page_record("c")))
    assert urls(items) == ["a"]  # no later member to resume at: the rest of the file is one error
    assert [e.offset for e in errors_of(items)] == [0, 0]
    assert "nothing to resume at" in errors_of(items)[-1].reason


def test_gzip_is_recognised_by_content_not_name(tmp_path: Path) -> None:
    items = read_bytes(tmp_path, "x.warc.wet", members(page_record("a")))
    assert urls(items) == ["a"]


def test_open_binary_is_used_and_gets_raw_bytes() -> None:
    opened: list[str] = []

    def open_binary(path: str) -> BinaryIO:
        opened.append(path)
        return io.BytesIO(WET.read_bytes())

    items = list(read_pages("gs://bucket/crawl/CC-MAIN-2026-01-00000.warc.wet.gz", open_binary))
    assert opened == ["gs://bucket/crawl/CC-MAIN-2026-01-00000.warc.wet.gz"]
    assert items == read_all(WET)


def test_file_that_cannot_be_opened_is_an_input_error(tmp_path: Path) -> None:
    (error,) = list(read_pages(str(tmp_path / "missing.warc.wet.gz")))
    assert isinstance(error, InputError) and error.offset is None and "cannot open" in error.reason


@pytest.mark.parametrize(
    ("name", "reader"),
    [
        ("CC-MAIN-x.warc.wet.gz", "wet"),
        ("x.wet.gz", "wet"),
        ("x.WET", "wet"),
        ("https://data.example/crawl/CC-MAIN-x.warc.gz", "warc"),
        ("x.warc", "warc"),
    ],
)
def test_read_pages_dispatches_on_the_file_name(name: str, reader: str) -> None:
    wet = members(page_record("a"))
    html = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<html><body><p>A paragraph of text.</p></body></html>"
    data = wet + members(record("response", "https://test.example/w", html))
    (item,) = list(read_pages(name, lambda _: io.BytesIO(data)))  # type: ignore[arg-type,return-value]
    assert isinstance(item, WebPage) and item.url.endswith("/a" if reader == "wet" else "/w")


def test_read_pages_unknown_name_is_an_input_error() -> None:
    (error,) = list(read_pages("notes.txt.gz"))
    assert isinstance(error, InputError) and ".warc.wet.gz" in error.reason


# --- streaming -----------------------------------------------------------------------------------------------------


class CountingReader(io.RawIOBase):
    """A file that records how much was asked of it."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)
        self.bytes_read = 0
        self.largest_request = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._data.seek(offset, whence)

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        self.largest_request = max(self.largest_request, len(buffer))
        count = self._data.readinto(buffer)
        self.bytes_read += count
        return count


def test_reader_streams_instead_of_loading_the_file() -> None:
    # incompressible text, so that compressed and decompressed sizes are alike
    words = [hashlib.sha1(str(i).encode()).hexdigest() for i in range(20000)]
    data = members(*(page_record(f"p{i}", " ".join(words[i * 20 : i * 20 + 20])) for i in range(1000)))
    reader = CountingReader(data)
    items = read_wet("x.warc.wet.gz", lambda _: reader, chunk_size=4096)  # type: ignore[arg-type,return-value]
    first = list(itertools.islice(items, 3))
    assert all(isinstance(item, WebPage) for item in first)
    assert reader.bytes_read < 256 * 1024 < len(data)  # fastwarc reads ahead 64 KiB at most
    assert 0 < reader.largest_request <= 4096
    rest = list(items)
    assert len(pages_of(first + rest)) == 1000 and not errors_of(rest)


@pytest.mark.parametrize("chunk_size", [1, 7, 100])
@pytest.mark.parametrize("fixture", [WET, WARC, CONTENT_LENGTH, TRUNCATED])
def test_small_read_chunks_give_the_same_result(fixture: Path, chunk_size: int) -> None:
    assert read_all(fixture, chunk_size=chunk_size) == read_all(fixture)


# --- paths listings --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("base", "expected"),
    [
        ("https://data.commoncrawl.example/", "https://data.commoncrawl.example/crawl-data/CC-MAIN-2026-01/"),
        ("gs://my-bucket/mirror", "gs://my-bucket/mirror/crawl-data/CC-MAIN-2026-01/"),
        ("/data/commoncrawl/", "/data/commoncrawl/crawl-data/CC-MAIN-2026-01/"),
        ("relative/dir", "relative/dir/crawl-data/CC-MAIN-2026-01/"),
    ],
)
def test_expand_paths_listing_joins_each_line_to_the_base(base: str, expected: str) -> None:
    paths = expand_paths_listing(str(PATHS), base)
    assert len(paths) == 4
    assert all(p.startswith(expected) and p.endswith(".warc.wet.gz") for p in paths)
    assert paths[0].endswith("/segments/1767225600000.11/wet/CC-MAIN-20260101000000-20260101030000-00000.warc.wet.gz")
    assert "//crawl-data" not in paths[0]


def test_expand_paths_listing_local_dir_names_real_files(tmp_path: Path) -> None:
    listing = tmp_path / "wet.paths.gz"
    listing.write_bytes(gzip.compress(b"crawl/a.warc.wet.gz\n\n  crawl/b.warc.wet.gz  \n"))
    assert expand_paths_listing(str(listing), str(tmp_path)) == [
        f"{tmp_path}/crawl/a.warc.wet.gz",
        f"{tmp_path}/crawl/b.warc.wet.gz",
    ]


def test_expand_paths_listing_reads_plain_and_multi_member_listings(tmp_path: Path) -> None:
    plain = tmp_path / "plain.paths"
    plain.write_bytes(b"a.warc.gz\nb.warc.gz\n")
    assert expand_paths_listing(str(plain), "s3://x") == ["s3://x/a.warc.gz", "s3://x/b.warc.gz"]
    multi = tmp_path / "multi.paths.gz"
    multi.write_bytes(gzip.compress(b"a.warc.gz\n") + gzip.compress(b"b.warc.gz\n"))
    assert expand_paths_listing(str(multi), "s3://x/") == ["s3://x/a.warc.gz", "s3://x/b.warc.gz"]


def test_expand_paths_listing_uses_open_binary() -> None:
    data = PATHS.read_bytes()

    def open_binary(path: str) -> BinaryIO:
        return io.BytesIO(data)

    paths = expand_paths_listing("gs://b/wet.paths.gz", "gs://b/", open_binary)
    assert paths[0].startswith("gs://b/crawl-data/")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "names no paths"),
        (b"\n \n", "names no paths"),
        (gzip.compress(b"a.warc.gz\n")[:-12], "truncated"),
        (b"\x1f\x8b\x08garbage", "corrupt"),
        (b"caf\xe9.warc.gz\n", "not UTF-8"),
    ],
)
def test_expand_paths_listing_errors_name_the_listing(tmp_path: Path, data: bytes, message: str) -> None:
    listing = tmp_path / "wet.paths.gz"
    listing.write_bytes(data)
    with pytest.raises(ValueError, match=message) as raised:
        expand_paths_listing(str(listing), "https://x.example/")
    assert str(listing) in str(raised.value)


def test_expand_paths_listing_needs_a_base() -> None:
    with pytest.raises(ValueError, match="base URL"):
        expand_paths_listing(str(PATHS), "")


@pytest.mark.parametrize(
    ("base", "listed", "expected"),
    [
        ("https://h.example", "crawl-data/x.gz", "https://h.example/crawl-data/x.gz"),
        ("https://h.example//", "crawl-data/x.gz", "https://h.example/crawl-data/x.gz"),
        ("gs://b/p/", "x.gz", "gs://b/p/x.gz"),
        ("/data", "x.gz", "/data/x.gz"),
        ("/data", "s3://other/x.gz", "s3://other/x.gz"),  # already a URL
        ("/data", "/abs/x.gz", "/abs/x.gz"),  # already rooted
    ],
)
def test_join_listed_path(base: str, listed: str, expected: str) -> None:
    assert join_listed_path(base, listed) == expected


@pytest.mark.parametrize(
    ("text", "absolute"),
    [
        ("gs://b/x", True),
        ("https://h/x", True),
        ("s3+custom.v2://b", True),
        ("/rooted/x", True),
        ("crawl-data/x", False),
        ("c:relative", False),  # no "//" after the colon: not a URL
        ("1http://x", False),  # a scheme starts with a letter
        ("crawl-data/https://x", False),  # only at the start
    ],
)
def test_absolute_path_regex(text: str, absolute: bool) -> None:
    assert bool(_ABSOLUTE_PATH.match(text)) is absolute


# --- demo sample ---------------------------------------------------------------------------------------------------


def test_demo_sample_reads_without_errors() -> None:
    files = sorted(DEMO.glob("*.warc.wet.gz"))
    assert files, "pipelines/demo_data/commoncrawl holds no WET files"
    pages = []
    for path in files:
        items = read_all(path)
        assert not errors_of(items), path
        pages += pages_of(items)
    assert 40 <= len(pages) <= 60
    assert sum(path.stat().st_size for path in files) < 400_000
    assert len({p.record_id for p in pages}) == len(pages)
