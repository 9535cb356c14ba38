"""Regenerate the MediaWiki dump fixtures in this folder: ``python tests/data/wikipedia/make_fixtures.py``.

Each fixture is a small dump in the real export format (schema 0.11, default xmlns, siteinfo with localized
namespaces); the prose in them is original, written for these tests.  The generated files are committed, so the
tests never run this script; rerun it after changing a fixture here and commit the results.

| file | what it exercises |
|---|---|
| dewiki-20260101-pages-articles-tiny.xml | German namespaces (Datei, Bild alias, Kategorie, Vorlage), every kind of markup, a redirect, pages in ns 1, 10, 14 |
| ruwiki-20260101-pages-articles-tiny.xml | Cyrillic namespaces (Файл, Изображение alias, Категория) with `canonical` attributes |
| ukwiki-20260101-pages-articles-utf16.xml | UTF-16 LE with BOM and encoding="UTF-16" declaration |
| special-export-fr.xml | no <dbname>: the language comes from xml:lang="fr" |
| enwiki-20260101-pages-articles-multistream-tiny.xml.bz2 | bz2, several concatenated streams like a multistream dump |
| enwiki-20260101-pages-articles-truncated.xml.bz2 | the dump above cut inside its last stream |
| enwiki-20260101-malformed.xml | the second page has an unclosed tag; pages before and after are good |
| enwiki-20260101-invalid-utf8.xml | the second page holds bytes that are not UTF-8; pages before and after are good |
| fiwiki-20260101-pages-articles-tiny.xml | a language outside the 20 LLaMA languages |
"""

from __future__ import annotations

import bz2
import hashlib
from dataclasses import dataclass, field, replace
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

HERE = Path(__file__).resolve().parent
SCHEMA = "http://www.mediawiki.org/xml/export-0.11/"


@dataclass(frozen=True)
class Page:
    title: str
    ns: int
    page_id: int
    text: str
    redirect_to: str | None = None
    timestamp: str = "2025-12-01T10:00:00Z"


@dataclass(frozen=True)
class Site:
    sitename: str
    dbname: str | None
    base: str | None
    lang: str
    # (key, local name, extra attributes); a key listed twice is an alias entry
    namespaces: list[tuple[int, str, dict[str, str]]] = field(default_factory=list)


def namespace_lines(namespaces: list[tuple[int, str, dict[str, str]]]) -> str:
    lines = []
    for key, name, attrs in namespaces:
        extra = "".join(f" {k}={quoteattr(v)}" for k, v in attrs.items())
        if name:
            lines.append(f'      <namespace key="{key}" case="first-letter"{extra}>{escape(name)}</namespace>')
        else:
            lines.append(f'      <namespace key="{key}" case="first-letter"{extra} />')
    return "\n".join(lines)


def header(site: Site, declaration_encoding: str = "UTF-8") -> str:
    dbname = f"    <dbname>{site.dbname}</dbname>\n" if site.dbname else ""
    base = f"    <base>{escape(site.base)}</base>\n" if site.base else ""
    return (
        f'<?xml version="1.0" encoding="{declaration_encoding}"?>\n'
        f'<mediawiki xmlns="{SCHEMA}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        f'xsi:schemaLocation="{SCHEMA} http://www.mediawiki.org/xml/export-0.11.xsd" version="0.11" '
        f'xml:lang="{site.lang}">\n'
        "  <siteinfo>\n"
        f"    <sitename>{escape(site.sitename)}</sitename>\n"
        f"{dbname}{base}"
        "    <generator>MediaWiki 1.45.0-wmf.1</generator>\n"
        "    <case>first-letter</case>\n"
        "    <namespaces>\n"
        f"{namespace_lines(site.namespaces)}\n"
        "    </namespaces>\n"
        "  </siteinfo>\n"
    )


def page_xml(page: Page, text_override: str | None = None) -> str:
    redirect = f"    <redirect title={quoteattr(page.redirect_to)} />\n" if page.redirect_to else ""
    body = escape(page.text) if text_override is None else text_override
    data = page.text.encode("utf-8")
    sha1 = hashlib.sha1(data).hexdigest()
    return (
        "  <page>\n"
        f"    <title>{escape(page.title)}</title>\n"
        f"    <ns>{page.ns}</ns>\n"
        f"    <id>{page.page_id}</id>\n"
        f"{redirect}"
        "    <revision>\n"
        f"      <id>{page.page_id * 10 + 7}</id>\n"
        f"      <parentid>{page.page_id * 10 + 3}</parentid>\n"
        f"      <timestamp>{page.timestamp}</timestamp>\n"
        "      <contributor>\n"
        "        <username>Fixture Writer</username>\n"
        "        <id>4242</id>\n"
        "      </contributor>\n"
        "      <comment>written for the llamix tests</comment>\n"
        "      <model>wikitext</model>\n"
        "      <format>text/x-wiki</format>\n"
        f'      <text bytes="{len(data)}" sha1="{sha1}" xml:space="preserve">{body}</text>\n'
        f"      <sha1>{sha1}</sha1>\n"
        "    </revision>\n"
        "  </page>\n"
    )


FOOTER = "</mediawiki>\n"


def dump(site: Site, pages: list[Page], declaration_encoding: str = "UTF-8") -> str:
    return header(site, declaration_encoding) + "".join(page_xml(p) for p in pages) + FOOTER


# --- German ---------------------------------------------------------------------------------------------------

DE_SITE = Site(
    sitename="Wikipedia",
    dbname="dewiki",
    base="https://de.wikipedia.org/wiki/Wikipedia:Hauptseite",
    lang="de",
    namespaces=[
        (-2, "Medium", {}),
        (-1, "Spezial", {}),
        (0, "", {}),
        (1, "Diskussion", {}),
        (2, "Benutzer", {}),
        (3, "Benutzer Diskussion", {}),
        (4, "Wikipedia", {}),
        (5, "Wikipedia Diskussion", {}),
        (6, "Datei", {}),
        (6, "Bild", {}),  # alias entry
        (7, "Datei Diskussion", {}),
        (10, "Vorlage", {}),
        (11, "Vorlage Diskussion", {}),
        (14, "Kategorie", {}),
        (15, "Kategorie Diskussion", {}),
    ],
)

DE_TALBACH = """{{Infobox Fluss
| Name = Talbach
| Länge = 42 km
| Mündung = [[Mühlsee]]
}}
'''Talbach''' ist ein etwa 42&nbsp;km langer [[Fluss]] im [[Mittelgebirge|Bergland]] von Nordhessen.<ref>{{Literatur |Autor=Beispiel |Titel=Gewässerkunde}}</ref>

[[Datei:Talbach Brücke.jpg|mini|Die alte [[Brücke]] bei Niederau]]

== Verlauf ==
Der Bach entspringt am Hang des Kahlbergs und fließt zunächst nach Osten.<ref name="karte" /> Bei ''Niederau'' nimmt er den [[Erlenbach]] auf.

{| class="wikitable"
! Pegel !! Abfluss
|-
| Niederau || 1,2 m³/s
|}

== Geschichte ==
Im Jahr 1871 wurde am Unterlauf eine Mühle gebaut.
[[Bild:Talmühle.png|links|Die Mühle um 1900]]
* Mühle am Talbach
* Sägewerk (bis 1952)
<!-- Quelle für das Sägewerk fehlt noch -->

== Weblinks ==
* [https://example.org/talbach Gewässersteckbrief Talbach]

== Einzelnachweise ==
<references />
__NOTOC__
[[Kategorie:Fluss in Hessen]]
[[Kategorie:Gewässer im Bergland|Talbach]]
[[en:Talbach]]
"""

DE_MUEHLSEE = """'''Mühlsee''' ist ein kleiner Stausee, in den der [[Talbach]] mündet. Er ist in der [[:Kategorie:Fluss in Hessen|Liste der Gewässer]] verzeichnet.

== Nutzung ==
Im Sommer wird am Nordufer gebadet; der Wasserstand schwankt um etwa {{Höhe|2|m}} zwei Meter.
"""

DE_PAGES = [
    Page("Talbach", 0, 101, DE_TALBACH),
    Page("Talbach (Fluss)", 0, 102, "#WEITERLEITUNG [[Talbach]]", redirect_to="Talbach"),
    Page(
        "Vorlage:Infobox Fluss",
        10,
        103,
        '{| class="infobox"\n! {{{Name}}}\n|}\n<noinclude>Dokumentation</noinclude>',
    ),
    Page(
        "Kategorie:Fluss in Hessen",
        14,
        104,
        "Flüsse, die ganz oder teilweise in Hessen liegen.\n[[Kategorie:Fluss in Deutschland]]",
    ),
    Page("Mühlsee", 0, 105, DE_MUEHLSEE),
    Page("Diskussion:Talbach", 1, 106, "== Länge ==\nIst die Länge von 42 km belegt? --~~~~"),
]

# --- Russian --------------------------------------------------------------------------------------------------

RU_SITE = Site(
    sitename="Википедия",
    dbname="ruwiki",
    base="https://ru.wikipedia.org/wiki/Заглавная_страница",
    lang="ru",
    namespaces=[
        (-2, "Медиа", {"canonical": "Media"}),
        (-1, "Служебная", {"canonical": "Special"}),
        (0, "", {}),
        (1, "Обсуждение", {"canonical": "Talk"}),
        (6, "Файл", {"canonical": "File"}),
        (6, "Изображение", {}),  # alias entry
        (10, "Шаблон", {"canonical": "Template"}),
        (14, "Категория", {"canonical": "Category"}),
    ],
)

RU_TIKHAYA = """{{Карточка реки
| Название = Тихая
| Длина = 118 км
}}
'''Тиха́я''' — река на севере условной [[Равнина|равнины]], левый приток [[Северка|Северки]].<ref>Справочник рек, 1961.</ref>

[[Файл:Тихая осенью.jpg|мини|Река в октябре]]
[[Изображение:Старая карта.png|слева|Карта 1890 года]]

== Гидрология ==
Длина реки — 118&nbsp;км, площадь бассейна — около 2300 км². Ледостав обычно начинается в ноябре.

== Населённые пункты ==
* Заречье
* Большие Броды

[[Категория:Реки условной равнины]]
[[категория:Притоки Северки|Тихая]]
"""

RU_PAGES = [
    Page("Тихая (река)", 0, 201, RU_TIKHAYA),
    Page("Тихая", 0, 202, "#ПЕРЕНАПРАВЛЕНИЕ [[Тихая (река)]]", redirect_to="Тихая (река)"),
    Page("Шаблон:Карточка реки", 10, 203, "{| class=\"infobox\"\n! {{{Название}}}\n|}"),
]

# --- Ukrainian, UTF-16 ----------------------------------------------------------------------------------------

UK_SITE = Site(
    sitename="Вікіпедія",
    dbname="ukwiki",
    base="https://uk.wikipedia.org/wiki/Головна_сторінка",
    lang="uk",
    namespaces=[
        (-2, "Медіа", {}),
        (-1, "Спеціальна", {}),
        (0, "", {}),
        (1, "Обговорення", {}),
        (6, "Файл", {}),
        (10, "Шаблон", {}),
        (14, "Категорія", {}),
    ],
)

UK_PAGES = [
    Page(
        "Ясенівка",
        0,
        301,
        "'''Ясенівка''' — невелике село над [[Річка|річкою]] з ясеновими гаями.\n\n"
        "== Історія ==\nПерша згадка про село датується 1712 роком. [[Файл:Ясенівка.jpg|міні|Церква]]\n"
        "[[Категорія:Села]]\n",
    ),
    Page(
        "Зоряна обсерваторія",
        0,
        302,
        "'''Зоряна обсерваторія''' — аматорська обсерваторія на пагорбі біля Ясенівки, "
        "збудована у 1998 році. Телескоп має дзеркало діаметром 40 см.",
    ),
    Page("Обговорення:Ясенівка", 1, 303, "Чи є джерело для дати 1712? ~~~~"),
]

# --- French without dbname --------------------------------------------------------------------------------------

FR_SITE = Site(
    sitename="Wikipédia",
    dbname=None,
    base=None,
    lang="fr",
    namespaces=[(-2, "Média", {}), (0, "", {}), (6, "Fichier", {}), (14, "Catégorie", {})],
)

FR_PAGES = [
    Page(
        "Pain de seigle",
        0,
        401,
        "Le '''pain de seigle''' est un pain dense et légèrement acide.\n[[Catégorie:Pain]]\n"
        "[[Fichier:Miche.jpg|vignette|Une miche]]",
    ),
]

# --- English, bz2 -----------------------------------------------------------------------------------------------

EN_SITE = Site(
    sitename="Wikipedia",
    dbname="enwiki",
    base="https://en.wikipedia.org/wiki/Main_Page",
    lang="en",
    namespaces=[
        (-2, "Media", {}),
        (-1, "Special", {}),
        (0, "", {}),
        (1, "Talk", {}),
        (6, "File", {}),
        (10, "Template", {}),
        (14, "Category", {}),
    ],
)

EN_PAGES = [
    Page(
        "Amber Creek",
        0,
        501,
        "'''Amber Creek''' is a short stream whose water takes a yellow tint from peat.<ref>Survey, 1903.</ref>\n"
        "[[Category:Rivers]]",
    ),
    Page("Lantern Hill", 0, 502, "'''Lantern Hill''' rises 312 metres above the [[Amber Creek|creek]] valley."),
    Page("Amber River", 0, 503, "#REDIRECT [[Amber Creek]]", redirect_to="Amber Creek"),
    Page("Salt marsh heron", 0, 504, "The '''salt marsh heron''' nests in reeds and feeds at low tide."),
    Page("Copper kettle", 0, 505, "A '''copper kettle''' heats water quickly because copper conducts heat well."),
    Page("Tidewater Mill", 0, 506, "'''Tidewater Mill''' ground grain using the ebb of the tide from 1790 on."),
]


def multistream_bz2(site: Site, pages: list[Page], per_stream: int) -> tuple[bytes, list[int]]:
    """A dump compressed like *-multistream.xml.bz2: header stream, pages in groups, footer stream.

    Also returns where each stream starts in the compressed bytes.
    """
    streams = [header(site).encode()]
    for start in range(0, len(pages), per_stream):
        streams.append("".join(page_xml(p) for p in pages[start : start + per_stream]).encode())
    streams.append(FOOTER.encode())
    compressed, starts = b"", []
    for stream in streams:
        starts.append(len(compressed))
        compressed += bz2.compress(stream)
    return compressed, starts


# --- bad input --------------------------------------------------------------------------------------------------

GOOD_FIRST = Page("Quiet Lake", 0, 601, "'''Quiet Lake''' freezes over in most winters.")
GOOD_LAST = Page("Birch Row", 0, 603, "'''Birch Row''' is a lane lined with silver birches.")


def malformed_dump() -> str:
    broken = page_xml(Page("Broken Page", 0, 602, "unused"), text_override="an <b>unclosed tag in raw XML")
    return header(EN_SITE) + page_xml(GOOD_FIRST) + broken + page_xml(GOOD_LAST) + FOOTER


def invalid_utf8_dump() -> bytes:
    # Page ids of their own (7xx): two files of one wiki share ids only when they hold the same pages.
    bad = page_xml(Page("Mojibake", 0, 702, "PLACEHOLDER")).encode("utf-8")
    bad = bad.replace(b">PLACEHOLDER<", b">caf\xe9 au lait \xff\xfe<")  # Latin-1 é and stray bytes
    good_first = page_xml(replace(GOOD_FIRST, page_id=701)).encode()
    good_last = page_xml(replace(GOOD_LAST, page_id=703)).encode()
    return header(EN_SITE).encode() + good_first + bad + good_last + FOOTER.encode()


# --- Finnish ----------------------------------------------------------------------------------------------------

FI_SITE = Site(
    sitename="Wikipedia",
    dbname="fiwiki",
    base="https://fi.wikipedia.org/wiki/Wikipedia:Etusivu",
    lang="fi",
    namespaces=[(-2, "Media", {}), (0, "", {}), (6, "Tiedosto", {}), (14, "Luokka", {})],
)

FI_PAGES = [Page("Kuusijärvi", 0, 701, "'''Kuusijärvi''' on pieni järvi metsän keskellä.\n[[Luokka:Järvet]]")]


def main() -> None:
    (HERE / "dewiki-20260101-pages-articles-tiny.xml").write_text(dump(DE_SITE, DE_PAGES), encoding="utf-8")
    (HERE / "ruwiki-20260101-pages-articles-tiny.xml").write_text(dump(RU_SITE, RU_PAGES), encoding="utf-8")
    # encoding="utf-16" writes a BOM and the machine's byte order; little-endian is spelled out for stability
    (HERE / "ukwiki-20260101-pages-articles-utf16.xml").write_bytes(
        b"\xff\xfe" + dump(UK_SITE, UK_PAGES, declaration_encoding="UTF-16").encode("utf-16-le")
    )
    (HERE / "special-export-fr.xml").write_text(dump(FR_SITE, FR_PAGES), encoding="utf-8")
    compressed, starts = multistream_bz2(EN_SITE, EN_PAGES, per_stream=2)
    (HERE / "enwiki-20260101-pages-articles-multistream-tiny.xml.bz2").write_bytes(compressed)
    # cut halfway into the stream holding the last two pages: the first four pages are still readable
    last_pages = starts[-2]
    cut = last_pages + (starts[-1] - last_pages) // 2
    (HERE / "enwiki-20260101-pages-articles-truncated.xml.bz2").write_bytes(compressed[:cut])
    (HERE / "enwiki-20260101-malformed.xml").write_text(malformed_dump(), encoding="utf-8")
    (HERE / "enwiki-20260101-invalid-utf8.xml").write_bytes(invalid_utf8_dump())
    (HERE / "fiwiki-20260101-pages-articles-tiny.xml").write_text(dump(FI_SITE, FI_PAGES), encoding="utf-8")


if __name__ == "__main__":
    main()
