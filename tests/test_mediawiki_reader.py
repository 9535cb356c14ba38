"""pipelines.readers.mediawiki: streaming MediaWiki XML dumps into DumpInfo, WikiPage and InputError."""

from __future__ import annotations

import bz2
import io
import itertools
from pathlib import Path
from typing import BinaryIO

import pytest

from pipelines.readers.mediawiki import (
    _XML_DECLARATION,
    LLAMA_WIKI_LANGS,
    DumpInfo,
    InputError,
    WikiPage,
    detect_language,
    _sniff_encoding,
    read_dump,
)

DATA = Path(__file__).parent / "data" / "wikipedia"
GERMAN = DATA / "dewiki-20260101-pages-articles-tiny.xml"
RUSSIAN = DATA / "ruwiki-20260101-pages-articles-tiny.xml"
UTF16 = DATA / "ukwiki-20260101-pages-articles-utf16.xml"
NO_DBNAME = DATA / "special-export-fr.xml"
BZ2 = DATA / "enwiki-20260101-pages-articles-multistream-tiny.xml.bz2"
TRUNCATED_BZ2 = DATA / "enwiki-20260101-pages-articles-truncated.xml.bz2"
MALFORMED = DATA / "enwiki-20260101-malformed.xml"
INVALID_UTF8 = DATA / "enwiki-20260101-invalid-utf8.xml"
FINNISH = DATA / "fiwiki-20260101-pages-articles-tiny.xml"

HEADER = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<mediawiki xmlns="http://www.mediawiki.org/xml/export-0.11/" version="0.11" xml:lang="en">\n'
    "  <siteinfo><dbname>enwiki</dbname></siteinfo>\n"
)


def page(title: str, page_id: int, text: str = "Some prose.", ns: int = 0) -> str:
    return (
        f"  <page>\n    <title>{title}</title>\n    <ns>{ns}</ns>\n    <id>{page_id}</id>\n"
        f"    <revision><id>{page_id}0</id><timestamp>2025-01-01T00:00:00Z</timestamp>"
        f'<text bytes="{len(text)}" xml:space="preserve">{text}</text></revision>\n  </page>\n'
    )


def read_all(path: Path, **kwargs: object) -> list[DumpInfo | WikiPage | InputError]:
    return list(read_dump(str(path), **kwargs))  # type: ignore[arg-type]


def pages_of(items: list[DumpInfo | WikiPage | InputError]) -> list[WikiPage]:
    return [item for item in items if isinstance(item, WikiPage)]


def errors_of(items: list[DumpInfo | WikiPage | InputError]) -> list[InputError]:
    return [item for item in items if isinstance(item, InputError)]


def read_bytes(tmp_path: Path, name: str, data: bytes, **kwargs: object) -> list[DumpInfo | WikiPage | InputError]:
    path = tmp_path / name
    path.write_bytes(data)
    return read_all(path, **kwargs)


# --- the languages -----------------------------------------------------------------------------------------------


def test_llama_languages_are_the_twenty_of_the_paper() -> None:
    assert len(LLAMA_WIKI_LANGS) == 20
    assert {"en", "de", "fr", "ru", "uk", "pl", "bg", "sr"} <= set(LLAMA_WIKI_LANGS)
    assert "fi" not in LLAMA_WIKI_LANGS


@pytest.mark.parametrize(
    ("dbname", "xml_lang", "base_url", "file_name", "expected"),
    [
        ("dewiki", "fr", "https://it.wikipedia.org/", "plwiki-x.xml", "de"),  # dbname first
        ("zh_yuewiki", None, None, None, "zh-yue"),  # "_" in dbnames is "-" in codes
        ("frwiktionary", None, None, None, "fr"),
        (None, "sv", "https://it.wikipedia.org/", "plwiki-x.xml", "sv"),  # then xml:lang
        ("commonswiki", "DE", None, None, "de"),  # a dbname that names no language is skipped
        (None, None, "https://it.wikipedia.org/wiki/Pagina_principale", "plwiki-x.xml", "it"),  # then <base>
        (None, None, "https://pl.m.wikipedia.org/wiki/X", None, "pl"),
        (None, None, "https://www.wikipedia.org/", "cswiki-20260101-pages-articles.xml.bz2", "cs"),  # www skipped
        (None, None, None, "/dumps/ukwiki-20260101-pages-articles.xml.bz2", "uk"),  # then the file name
        (None, None, None, "gs://bucket/be_x_oldwiki-latest-pages-articles.xml", "be-x-old"),
        (None, None, None, "export.xml", None),
        (None, "", "not a url", "pages.xml", None),
    ],
)
def test_detect_language_fallback_chain(
    dbname: str | None, xml_lang: str | None, base_url: str | None, file_name: str | None, expected: str | None
) -> None:
    assert detect_language(dbname, xml_lang, base_url, file_name) == expected


def test_language_from_dbname() -> None:
    info = read_all(GERMAN)[0]
    assert isinstance(info, DumpInfo)
    assert (info.lang, info.dbname) == ("de", "dewiki")
    assert info.base_url == "https://de.wikipedia.org/wiki/Wikipedia:Hauptseite"


def test_language_from_xml_lang_when_dbname_missing() -> None:
    info = read_all(NO_DBNAME)[0]
    assert isinstance(info, DumpInfo)
    assert (info.dbname, info.base_url, info.lang) == (None, None, "fr")


def test_language_from_file_name_when_header_names_none(tmp_path: Path) -> None:
    data = '<mediawiki><siteinfo><sitename>X</sitename></siteinfo>\n' + page("A", 1) + "</mediawiki>\n"
    items = read_bytes(tmp_path, "hrwiki-20260101-pages-articles.xml", data.encode())
    assert isinstance(items[0], DumpInfo) and items[0].lang == "hr"
    assert [p.title for p in pages_of(items)] == ["A"]


def test_language_outside_the_twenty_is_reported_as_found() -> None:
    info = read_all(FINNISH)[0]
    assert isinstance(info, DumpInfo)
    assert info.lang == "fi" and info.lang not in LLAMA_WIKI_LANGS


# --- siteinfo, pages -----------------------------------------------------------------------------------------------


def test_dump_info_comes_first_then_pages() -> None:
    items = read_all(GERMAN)
    assert isinstance(items[0], DumpInfo)
    assert all(isinstance(item, WikiPage) for item in items[1:])
    assert [p.title for p in pages_of(items)] == [
        "Talbach",
        "Talbach (Fluss)",
        "Vorlage:Infobox Fluss",
        "Kategorie:Fluss in Hessen",
        "Mühlsee",
        "Diskussion:Talbach",
    ]


def test_namespaces_parsed_with_localized_names_and_aliases() -> None:
    info = read_all(GERMAN)[0]
    assert isinstance(info, DumpInfo)
    assert info.namespaces[6] == ("Datei", "Bild")
    assert info.namespaces[14] == ("Kategorie",)
    assert info.namespaces[-2] == ("Medium",)
    assert info.namespaces[10] == ("Vorlage",)
    assert info.namespaces[0] == ()


def test_namespaces_include_canonical_attribute_and_cyrillic_aliases() -> None:
    info = read_all(RUSSIAN)[0]
    assert isinstance(info, DumpInfo)
    assert info.namespaces[6] == ("Файл", "File", "Изображение")
    assert info.namespaces[14] == ("Категория", "Category")


def test_page_fields() -> None:
    talbach = pages_of(read_all(GERMAN))[0]
    assert (talbach.title, talbach.ns, talbach.page_id, talbach.revision_id) == ("Talbach", 0, 101, 1017)
    assert talbach.timestamp == "2025-12-01T10:00:00Z"
    assert not talbach.redirect
    # XML escapes are undone: the wikitext is what the editor typed
    assert talbach.text.startswith("{{Infobox Fluss\n")
    assert "<ref>{{Literatur" in talbach.text and "42&nbsp;km" in talbach.text


def test_redirects_are_flagged_by_the_redirect_element() -> None:
    pages = {p.title: p for p in pages_of(read_all(GERMAN))}
    assert pages["Talbach (Fluss)"].redirect  # "#WEITERLEITUNG" is only recognised through <redirect>
    assert not pages["Mühlsee"].redirect


def test_redirect_text_without_element_is_flagged(tmp_path: Path) -> None:
    data = HEADER + page("Old name", 1, "  #redirect [[New name]]") + page("New name", 2) + "</mediawiki>"
    pages = pages_of(read_bytes(tmp_path, "enwiki-x.xml", data.encode()))
    assert [p.redirect for p in pages] == [True, False]


def test_namespace_comes_from_ns_element() -> None:
    pages = {p.title: p.ns for p in pages_of(read_all(GERMAN))}
    assert pages == {
        "Talbach": 0,
        "Talbach (Fluss)": 0,
        "Vorlage:Infobox Fluss": 10,
        "Kategorie:Fluss in Hessen": 14,
        "Mühlsee": 0,
        "Diskussion:Talbach": 1,
    }


def test_full_history_page_keeps_the_last_revision(tmp_path: Path) -> None:
    revisions = "".join(
        f'<revision><id>{i}</id><timestamp>2020-0{i}-01T00:00:00Z</timestamp><text xml:space="preserve">v{i}</text>'
        "</revision>"
        for i in (1, 2, 3)
    )
    data = HEADER + f"<page><title>A</title><ns>0</ns><id>9</id>{revisions}</page>\n</mediawiki>"
    (only,) = pages_of(read_bytes(tmp_path, "enwiki-x.xml", data.encode()))
    assert (only.revision_id, only.timestamp, only.text) == (3, "2020-03-01T00:00:00Z", "v3")


def test_offsets_point_at_page_tags() -> None:
    data = GERMAN.read_bytes()
    for p in pages_of(read_all(GERMAN)):
        assert data[p.offset :].startswith(b"<page>")
        assert f"<title>{p.title}</title>".encode() in data[p.offset : p.offset + 200]


def test_dump_without_pages(tmp_path: Path) -> None:
    items = read_bytes(tmp_path, "enwiki-x.xml", (HEADER + "</mediawiki>\n").encode())
    assert len(items) == 1 and isinstance(items[0], DumpInfo)


# --- encodings and compression ---------------------------------------------------------------------------------------


def test_utf16_dump_is_read() -> None:
    assert UTF16.read_bytes().startswith(b"\xff\xfe<\x00?\x00x\x00m\x00l\x00")
    items = read_all(UTF16)
    assert not errors_of(items)
    info = items[0]
    assert isinstance(info, DumpInfo) and info.lang == "uk"
    assert info.namespaces[6] == ("Файл",)
    pages = pages_of(items)
    assert [p.title for p in pages] == ["Ясенівка", "Зоряна обсерваторія", "Обговорення:Ясенівка"]
    assert "1712" in pages[0].text
    data = UTF16.read_bytes()
    assert all(data[p.offset :].startswith("<page>".encode("utf-16-le")) for p in pages)


def test_utf16_big_endian_and_without_bom(tmp_path: Path) -> None:
    text = HEADER.replace("UTF-8", "UTF-16") + page("Відро", 1, "Текст") + "</mediawiki>\n"
    for name, data in [("be.xml", b"\xfe\xff" + text.encode("utf-16-be")), ("nobom.xml", text.encode("utf-16-le"))]:
        pages = pages_of(read_bytes(tmp_path, name, data))
        assert [(p.title, p.text) for p in pages] == [("Відро", "Текст")], name


def test_utf8_bom_is_skipped(tmp_path: Path) -> None:
    items = read_bytes(tmp_path, "enwiki-x.xml", b"\xef\xbb\xbf" + (HEADER + page("A", 1) + "</mediawiki>").encode())
    assert isinstance(items[0], DumpInfo) and [p.title for p in pages_of(items)] == ["A"]


def test_declared_single_byte_encoding_is_used(tmp_path: Path) -> None:
    text = HEADER.replace("UTF-8", "ISO-8859-1") + page("Café", 1, "crème brûlée") + "</mediawiki>\n"
    (only,) = pages_of(read_bytes(tmp_path, "frwiki-x.xml", text.encode("latin-1")))
    assert (only.title, only.text) == ("Café", "crème brûlée")


def test_unknown_declared_encoding_is_an_input_error(tmp_path: Path) -> None:
    text = HEADER.replace("UTF-8", "X-NO-SUCH-CODEC") + page("A", 1) + "</mediawiki>"
    items = read_bytes(tmp_path, "enwiki-x.xml", text.encode())
    assert len(items) == 1 and isinstance(items[0], InputError)
    assert "X-NO-SUCH-CODEC" in items[0].reason and items[0].path.endswith("enwiki-x.xml")


def test_bz2_dump_is_decompressed() -> None:
    items = read_all(BZ2)
    assert isinstance(items[0], DumpInfo) and items[0].lang == "en"
    pages = pages_of(items)
    assert [p.title for p in pages] == [
        "Amber Creek",
        "Lantern Hill",
        "Amber River",
        "Salt marsh heron",
        "Copper kettle",
        "Tidewater Mill",
    ]
    assert [p.redirect for p in pages] == [False, False, True, False, False, False]
    decompressed = bz2.decompress(BZ2.read_bytes())
    assert all(decompressed[p.offset :].startswith(b"<page>") for p in pages)


def test_open_binary_is_used_and_gets_raw_bytes() -> None:
    opened: list[str] = []

    def open_binary(path: str) -> BinaryIO:
        opened.append(path)
        return io.BytesIO(BZ2.read_bytes())

    items = list(read_dump("gs://bucket/enwiki-20260101-pages-articles.xml.bz2", open_binary))
    assert opened == ["gs://bucket/enwiki-20260101-pages-articles.xml.bz2"]
    assert len(pages_of(items)) == 6 and not errors_of(items)


# --- streaming -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fixture", [GERMAN, RUSSIAN, UTF16, BZ2])
@pytest.mark.parametrize("chunk_size", [1, 7, 64])
def test_pages_spanning_chunk_boundaries_are_read_the_same(fixture: Path, chunk_size: int) -> None:
    assert read_all(fixture, chunk_size=chunk_size) == read_all(fixture)


class CountingReader(io.RawIOBase):
    """A file that records how much was asked of it."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)
        self.bytes_read = 0
        self.largest_request = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        self.largest_request = max(self.largest_request, size)
        chunk = self._data.read(size)
        self.bytes_read += len(chunk)
        return chunk


def test_reader_streams_instead_of_loading_the_file() -> None:
    data = (HEADER + "".join(page(f"Page {i}", i, "word " * 40) for i in range(2000)) + "</mediawiki>\n").encode()
    reader = CountingReader(data)
    items = read_dump("enwiki-x.xml", lambda _: reader, chunk_size=4096)  # type: ignore[arg-type,return-value]
    first = list(itertools.islice(items, 3))
    assert [type(item) for item in first] == [DumpInfo, WikiPage, WikiPage]
    assert reader.bytes_read <= 2 * 4096 < len(data)
    assert 0 < reader.largest_request <= 4096
    rest = list(items)
    assert len(pages_of(first + rest)) == 2000 and not errors_of(rest)


# --- bad input -------------------------------------------------------------------------------------------------------


def test_truncated_bz2_yields_pages_before_the_cut_then_an_input_error() -> None:
    items = read_all(TRUNCATED_BZ2)
    assert isinstance(items[0], DumpInfo)
    assert [p.title for p in pages_of(items)] == ["Amber Creek", "Lantern Hill", "Amber River", "Salt marsh heron"]
    assert isinstance(items[-1], InputError) and len(errors_of(items)) == 1
    error = items[-1]
    assert error.path == str(TRUNCATED_BZ2)
    assert "truncated" in error.reason and error.offset is not None
    assert error.offset > pages_of(items)[-1].offset


def test_malformed_page_is_an_input_error_and_reading_continues() -> None:
    items = read_all(MALFORMED)
    assert [p.title for p in pages_of(items)] == ["Quiet Lake", "Birch Row"]
    (error,) = errors_of(items)
    assert error.path == str(MALFORMED)
    assert "not well-formed XML" in error.reason
    assert MALFORMED.read_bytes()[error.offset :].startswith(b"<page>\n    <title>Broken Page</title>")


def test_undecodable_page_is_an_input_error_and_reading_continues() -> None:
    items = read_all(INVALID_UTF8)
    assert [p.title for p in pages_of(items)] == ["Quiet Lake", "Birch Row"]
    (error,) = errors_of(items)
    assert error.path == str(INVALID_UTF8)
    assert error.reason.startswith("page is not valid utf-8")
    assert INVALID_UTF8.read_bytes()[error.offset :].startswith(b"<page>\n    <title>Mojibake</title>")


def test_bz2_that_is_not_bz2_is_an_input_error(tmp_path: Path) -> None:
    items = read_bytes(tmp_path, "enwiki-x.xml.bz2", b"this is plain text, not bzip2")
    assert len(items) == 1 and isinstance(items[0], InputError)
    assert items[0].path.endswith("enwiki-x.xml.bz2") and "corrupt" in items[0].reason


def test_plain_xml_cut_inside_a_page(tmp_path: Path) -> None:
    data = (HEADER + page("A", 1) + page("B", 2))[:-60].encode()
    items = read_bytes(tmp_path, "enwiki-x.xml", data)
    assert [p.title for p in pages_of(items)] == ["A"]
    assert isinstance(items[-1], InputError) and "expected </page>" in items[-1].reason
    assert data[items[-1].offset :].startswith(b"<page>\n    <title>B")


def test_plain_xml_missing_closing_root(tmp_path: Path) -> None:
    items = read_bytes(tmp_path, "enwiki-x.xml", (HEADER + page("A", 1)).encode())
    assert [p.title for p in pages_of(items)] == ["A"]
    assert isinstance(items[-1], InputError) and "</mediawiki>" in items[-1].reason


def test_page_without_closing_tag_before_next_page(tmp_path: Path) -> None:
    unclosed = page("B", 2).replace("</page>", "")
    data = HEADER + page("A", 1) + unclosed + page("C", 3) + "</mediawiki>\n"
    items = read_bytes(tmp_path, "enwiki-x.xml", data.encode())
    assert [p.title for p in pages_of(items)] == ["A", "C"]
    (error,) = errors_of(items)
    assert "expected </page>" in error.reason


def test_junk_between_pages_is_an_input_error(tmp_path: Path) -> None:
    data = HEADER + page("A", 1) + "stray words\n" + page("B", 2) + "</mediawiki>\n"
    items = read_bytes(tmp_path, "enwiki-x.xml", data.encode())
    assert [p.title for p in pages_of(items)] == ["A", "B"]
    (error,) = errors_of(items)
    assert "whitespace between pages" in error.reason


def test_page_missing_required_fields_is_an_input_error(tmp_path: Path) -> None:
    data = HEADER + "<page><title>No ns</title><id>1</id><revision/></page>\n" + page("B", 2, ns=0) + "</mediawiki>"
    items = read_bytes(tmp_path, "enwiki-x.xml", data.encode())
    (error,) = errors_of(items)
    assert "'No ns'" in error.reason and "<ns>" in error.reason
    assert [p.title for p in pages_of(items)] == ["B"]


def test_non_integer_ns_is_an_input_error(tmp_path: Path) -> None:
    data = HEADER + page("A", 1).replace("<ns>0</ns>", "<ns>main</ns>") + "</mediawiki>"
    (error,) = errors_of(read_bytes(tmp_path, "enwiki-x.xml", data.encode()))
    assert "'A'" in error.reason and "integer" in error.reason


def test_unreadable_header_is_a_single_input_error(tmp_path: Path) -> None:
    for name, data in [
        ("broken-siteinfo.xml", b"<mediawiki><siteinfo><dbname>enwiki</siteinfo>\n<page></page></mediawiki>"),
        ("html.xml", b"<html><body>not a dump</body></html>"),
        ("empty.xml", b""),
    ]:
        items = read_bytes(tmp_path, name, data)
        assert len(items) == 1 and isinstance(items[0], InputError), name
        assert items[0].path.endswith(name)


def test_wrong_root_element_is_an_input_error(tmp_path: Path) -> None:
    items = read_bytes(tmp_path, "x.xml", b"<export><page><title>A</title></page></export>")
    assert len(items) == 1 and isinstance(items[0], InputError)
    assert "expected a <mediawiki> root element, found <export>" in items[0].reason


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    (error,) = read_all(tmp_path / "enwiki-missing.xml")
    assert isinstance(error, InputError) and error.offset is None and "cannot open" in error.reason


def test_entities_are_not_resolved(tmp_path: Path) -> None:
    data = HEADER + page("A", 1, "&amp;lt;b&amp;gt; &amp;nbsp;") + "</mediawiki>"
    (only,) = pages_of(read_bytes(tmp_path, "enwiki-x.xml", data.encode()))
    assert only.text == "&lt;b&gt; &nbsp;"


def test_header_with_unclosed_siteinfo_is_an_input_error(tmp_path: Path) -> None:
    data = b"<mediawiki><siteinfo><dbname>enwiki</dbname>\n" + page("A", 1).encode() + b"</mediawiki>"
    (error,) = read_bytes(tmp_path, "enwiki-x.xml", data)
    assert isinstance(error, InputError) and error.reason == "expected </siteinfo> before the first <page>"


def test_namespace_without_integer_key_is_an_input_error(tmp_path: Path) -> None:
    data = (
        '<mediawiki><siteinfo><namespaces><namespace key="six">Datei</namespace></namespaces></siteinfo>\n'
        + page("A", 1)
        + "</mediawiki>"
    )
    (error,) = read_bytes(tmp_path, "dewiki-x.xml", data.encode())
    assert isinstance(error, InputError) and "integer key" in error.reason


# --- the encoding sniffing regexes ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("head", "codec"),
    [
        (b'<?xml version="1.0" encoding="UTF-8"?>\n<mediawiki>', "utf-8"),
        (b"<?xml version='1.0' encoding='iso-8859-1'?><mediawiki>", "iso8859-1"),  # single quotes
        (b'<?xml version="1.0" encoding = "windows-1251" standalone="yes"?>', "cp1251"),
        (b'<?xml version="1.0"?><mediawiki>', "utf-8"),  # no encoding: the XML default
        (b"<mediawiki>", "utf-8"),  # no declaration
        (b'<mediawiki note=\'encoding="latin-1"\'>', "utf-8"),  # not a declaration: ignored
    ],
)
def test_encoding_read_from_declaration(head: bytes, codec: str) -> None:
    encoding = _sniff_encoding(head)
    assert not isinstance(encoding, str)
    assert (encoding.codec, encoding.unit, encoding.bom_length) == (codec, 1, 0)


def test_declaration_naming_utf16_without_bom_on_8bit_bytes_is_refused() -> None:
    assert isinstance(_sniff_encoding(b'<?xml version="1.0" encoding="UTF-16"?>'), str)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('<?xml version="1.0" encoding="UTF-16"?>\n<mediawiki>', "\n<mediawiki>"),
        ("\n  <?xml version='1.0'?><mediawiki>", "<mediawiki>"),
        ("<mediawiki><?xml-stylesheet href='a'?>", "<mediawiki><?xml-stylesheet href='a'?>"),  # not at the start
    ],
)
def test_xml_declaration_is_stripped_before_parsing_text(text: str, expected: str) -> None:
    assert _XML_DECLARATION.sub("", text, count=1) == expected


# --- the demo sample -------------------------------------------------------------------------------------------------

DEMO = Path(__file__).parent.parent / "pipelines" / "demo_data"


def test_demo_dumps_read_without_errors_in_latin_and_cyrillic_languages() -> None:
    dumps = sorted(DEMO.glob("*wiki-*.xml*"))
    languages = set()
    for dump in dumps:
        items = read_all(dump)
        assert not errors_of(items), dump.name
        info = items[0]
        assert isinstance(info, DumpInfo) and info.lang in LLAMA_WIKI_LANGS, dump.name
        languages.add(info.lang)
        pages = pages_of(items)
        articles = [p for p in pages if p.ns == 0 and not p.redirect]
        assert len(articles) >= 8, dump.name
        assert any(p.redirect for p in pages) and any(p.ns != 0 for p in pages), dump.name
    assert {"en", "de", "fr", "ru", "uk"} <= languages
    assert any(dump.name.endswith(".xml.bz2") for dump in dumps)
