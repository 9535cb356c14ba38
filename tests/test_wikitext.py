"""pipelines.sources.wikitext: what the Wikipedia cleaner keeps and what it removes, one kind of markup per test."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.readers.mediawiki import DumpInfo, WikiPage, read_dump
from pipelines.sources.wikitext import link_namespace_prefixes, wikitext_to_text

GERMAN_NAMESPACES = {-2: ("Medium",), 0: (), 6: ("Datei", "Bild"), 10: ("Vorlage",), 14: ("Kategorie",)}
RUSSIAN_NAMESPACES = {-2: ("Медиа", "Media"), 6: ("Файл", "File", "Изображение"), 14: ("Категория", "Category")}
DE = link_namespace_prefixes(GERMAN_NAMESPACES)
RU = link_namespace_prefixes(RUSSIAN_NAMESPACES)
EN = link_namespace_prefixes({})
DATA = Path(__file__).parent / "data" / "wikipedia"


def clean(wikitext: str, prefixes: frozenset[str] = EN) -> str:
    return wikitext_to_text(wikitext, prefixes)


# --- namespace prefixes --------------------------------------------------------------------------------------------


def test_link_namespace_prefixes_from_siteinfo_plus_canonical_english() -> None:
    assert DE == {"medium", "datei", "bild", "kategorie", "media", "file", "image", "category"}
    assert "vorlage" not in DE  # templates are {{…}}, a [[Vorlage:X]] link is a visible link


def test_link_namespace_prefixes_are_casefolded_and_underscore_normalised() -> None:
    prefixes = link_namespace_prefixes({6: ("Fichier_Image ",), 14: ("КАТЕГОРИЯ",)})
    assert {"fichier image", "категория"} <= prefixes


# --- templates, parser functions, arguments, comments, behaviour switches -------------------------------------------


def test_drops_template() -> None:
    assert clean("Der Fluss {{Belege fehlen}} ist lang.") == "Der Fluss ist lang."


def test_drops_multiline_infobox_template_and_its_line() -> None:
    text = "{{Infobox Fluss\n| Name = Talbach\n| Länge = 42 km\n}}\n'''Talbach''' ist ein Fluss."
    assert clean(text) == "Talbach ist ein Fluss."


def test_drops_nested_templates() -> None:
    assert clean("A{{outer|x={{inner|y}}|z}}B") == "AB"


def test_drops_parser_function() -> None:
    assert clean("Heute ist {{#if: {{{x|}}} | ja | nein }} offen.") == "Heute ist offen."


def test_drops_template_argument() -> None:
    assert clean("Name: {{{Name|unbekannt}}}") == "Name:"


def test_drops_comment() -> None:
    assert clean("Sicht<!-- versteckt -->bar <!-- noch\neiner --> hier") == "Sichtbar hier"


@pytest.mark.parametrize("switch", ["__NOTOC__", "__TOC__", "__NOEDITSECTION__", "__KEIN_INHALTSVERZEICHNIS__",
                                    "__БЕЗ_ОГЛАВЛЕНИЯ__", "__FORCETOC__"])  # fmt: skip
def test_drops_behaviour_switch(switch: str) -> None:
    assert clean(f"{switch}\nErster Satz. {switch} Zweiter Satz.") == "Erster Satz. Zweiter Satz."


def test_keeps_lower_case_double_underscore_words() -> None:
    assert clean("Python calls __init__ first.") == "Python calls __init__ first."


# --- wiki links ------------------------------------------------------------------------------------------------------


def test_keeps_wikilink_label() -> None:
    assert clean("im [[Mittelgebirge|Bergland]] von Hessen") == "im Bergland von Hessen"


def test_keeps_wikilink_title_without_label() -> None:
    assert clean("ein [[Fluss]] in [[Hessen]]") == "ein Fluss in Hessen"


def test_keeps_wikilink_trail() -> None:
    assert clean("zwei [[Mühle]]n und [[Fluss]]läufe") == "zwei Mühlen und Flussläufe"


def test_keeps_markup_inside_wikilink_label() -> None:
    assert clean("[[Talbach|der ''alte'' Talbach]]") == "der alte Talbach"


def test_pipe_trick_is_simplified_to_title_without_parenthesis() -> None:
    assert clean("[[Paris (Texas)|]] und [[Seattle, Washington|]]") == "Paris und Seattle"
    assert clean("[[Mühle|]] und [[Bach (Fluss, Hessen)|]]") == "Mühle und Bach"


def test_drops_localized_category_link_german() -> None:
    text = "Ein Fluss.\n[[Kategorie:Fluss in Hessen]]\n[[Kategorie:Gewässer|Talbach]]"
    assert clean(text, DE) == "Ein Fluss."
    assert "Kategorie" not in clean(text, DE) and "Talbach" not in clean(text, DE)


def test_drops_localized_file_link_german() -> None:
    assert clean("[[Datei:Brücke.jpg|mini|Die Brücke]] Der Fluss.", DE) == "Der Fluss."


def test_drops_file_link_alias_from_siteinfo() -> None:
    assert clean("Vorher [[Bild:Mühle.png|links|Eine Mühle]] nachher.", DE) == "Vorher nachher."


def test_drops_file_link_with_nested_links_in_caption() -> None:
    result = clean("[[Datei:X.jpg|mini|A [[b]] c]]\nText.", DE)
    assert result == "Text."
    assert "b" not in result.split()


def test_drops_media_link() -> None:
    assert clean("Hör mal: [[Medium:Ton.ogg|Aufnahme]].", DE) == "Hör mal:."


def test_drops_canonical_english_namespaces_on_any_wiki() -> None:
    text = "[[File:A.jpg|thumb|x]] [[Image:B.png]] [[Category:Rivers]] Prose [[Media:C.ogg]] stays."
    assert clean(text, DE) == "Prose stays."


def test_drops_category_link_case_and_underscore_insensitive() -> None:
    assert clean("Satz.[[ kategorie : Fluss ]][[KATEGORIE:See]]", DE) == "Satz."
    assert clean("Satz. [[Datei_Foto:X]]", link_namespace_prefixes({6: ("Datei Foto",)})) == "Satz."


def test_drops_cyrillic_file_namespace() -> None:
    text = "[[Файл:Тихая осенью.jpg|мини|Река в октябре]]\nРека течёт на север."
    assert clean(text, RU) == "Река течёт на север."


def test_drops_cyrillic_category_and_alias() -> None:
    text = "Река.\n[[Категория:Реки]]\n[[категория:Притоки|Тихая]]\n[[Изображение:Карта.png|слева|Карта]]"
    assert clean(text, RU) == "Река."


def test_keeps_link_to_namespace_not_in_the_dump() -> None:
    # "Datei:" is only a file namespace where siteinfo says so; on English Wikipedia it is a plain title
    assert clean("[[Datei:X|Datei X]] is German.", EN) == "Datei X is German."


def test_keeps_colon_prefixed_category_text() -> None:
    assert clean("Siehe die [[:Kategorie:Flüsse|Liste der Flüsse]].", DE) == "Siehe die Liste der Flüsse."
    assert clean("Siehe [[:Kategorie:Flüsse]].", DE) == "Siehe Kategorie:Flüsse."


def test_keeps_colon_prefixed_file_link_text() -> None:
    assert clean("Das [[:Datei:Karte.png|Original der Karte]] ist alt.", DE) == "Das Original der Karte ist alt."


def test_drops_interlanguage_links() -> None:
    text = "Ein Fluss.\n[[en:Talbach]]\n[[fr:Talbach (rivière)]]\n[[zh-min-nan:Talbach]]\n[[simple:Talbach]]"
    assert clean(text, DE) == "Ein Fluss."


def test_keeps_titles_that_only_look_like_interlanguage_links() -> None:
    text = "[[Re: Zero]], [[WP:NPOV|neutral]], [[w:Paris|Paris]], [[Star Trek: Voyager]]"
    assert clean(text) == "Re: Zero, neutral, Paris, Star Trek: Voyager"


def test_keeps_colon_prefixed_interlanguage_link_text() -> None:
    assert clean("Siehe [[:fr:Paris|den französischen Artikel]].") == "Siehe den französischen Artikel."


# --- external links ---------------------------------------------------------------------------------------------------


def test_keeps_external_link_label_not_url() -> None:
    result = clean("Siehe [https://example.org/talbach Gewässer am Talbach] online.")
    assert result == "Siehe Gewässer am Talbach online."
    assert "example.org" not in result


def test_drops_external_link_without_label() -> None:
    assert clean("Quelle: [https://example.org/x].") == "Quelle:."


def test_drops_bare_url() -> None:
    assert clean("Mehr unter https://example.org/seite und weiter.") == "Mehr unter und weiter."


def test_keeps_protocol_relative_link_label() -> None:
    assert clean("[//example.org/x das Archiv]") == "das Archiv"


# --- tags ------------------------------------------------------------------------------------------------------------


def test_drops_ref() -> None:
    result = clean("Der Fluss ist lang.<ref>Müller, S. 4</ref> Er fließt.<ref name=\"a\">[[Buch]]</ref>")
    assert result == "Der Fluss ist lang. Er fließt."


def test_drops_self_closing_ref() -> None:
    assert clean('Er fließt nach Osten.<ref name="karte" /> Dann') == "Er fließt nach Osten. Dann"


def test_drops_ref_before_punctuation_without_space() -> None:
    assert clean("Im Jahr 1871 {{Belege}}.") == "Im Jahr 1871."


def test_drops_references_list() -> None:
    assert clean("== Einzelnachweise ==\n<references />\n<references>\n<ref name=a>x</ref>\n</references>") == (
        "Einzelnachweise"
    )


def test_drops_wiki_table() -> None:
    text = 'Vorher.\n{| class="wikitable"\n! Pegel !! Abfluss\n|-\n| Niederau || 1,2\n|}\nNachher.'
    result = clean(text)
    assert result == "Vorher.\nNachher."
    assert "Pegel" not in result


def test_drops_html_table() -> None:
    assert clean("A<table><tr><td>Zelle</td></tr></table>B") == "AB"


@pytest.mark.parametrize(
    "tag",
    ["<gallery>\nA.jpg|Bild eins\n</gallery>", "<math>E = mc^2</math>", "<imagemap>\nBild.png\n</imagemap>",
     "<timeline>\nImageSize = width:100\n</timeline>", "<score>\\relative c' { c d e }</score>",
     '<templatestyles src="Vorlage/styles.css" />', "<chem>H2O</chem>", "<includeonly>nur eingebunden</includeonly>"],
)  # fmt: skip
def test_drops_non_prose_tags(tag: str) -> None:
    result = clean(f"Davor {tag} danach.")
    assert result == "Davor danach."


@pytest.mark.parametrize(
    ("markup", "expected"),
    [
        ("<span style='color:red'>rot</span>", "rot"),
        ("<small>klein</small>", "klein"),
        ("H<sub>2</sub>O", "H2O"),
        ("m<sup>2</sup>", "m2"),
        ("<code>x = [[y]]</code>", "x = y"),
        ("<abbr title='zum Beispiel'>z. B.</abbr>", "z. B."),
        ("<u>unterstrichen</u> und <s>durch</s>", "unterstrichen und durch"),
    ],
)
def test_keeps_text_of_inline_tags(markup: str, expected: str) -> None:
    assert clean(markup) == expected


def test_keeps_nowiki_contents_verbatim() -> None:
    assert clean("Schreib <nowiki>[[kein Link]] {{keine Vorlage}} __NOTOC__ &amp;</nowiki> so.") == (
        "Schreib [[kein Link]] {{keine Vorlage}} __NOTOC__ & so."
    )


def test_keeps_pre_contents() -> None:
    assert clean("<pre>for i in range(3):\n    print(i)</pre>") == "for i in range(3):\n    print(i)"


def test_keeps_syntaxhighlight_contents_literally() -> None:
    result = clean('<syntaxhighlight lang="python">def __init__(self): a &amp;&amp; b</syntaxhighlight>')
    assert result == "def __init__(self): a &amp;&amp; b"


def test_keeps_blockquote_text_on_its_own_lines() -> None:
    assert clean("Er schrieb:<blockquote>Das Wasser ist klar.</blockquote>Dann ging er.") == (
        "Er schrieb:\nDas Wasser ist klar.\nDann ging er."
    )


def test_br_becomes_newline() -> None:
    assert clean("erste Zeile<br>zweite Zeile <br /> dritte<br/>vierte") == "erste Zeile\nzweite Zeile\ndritte\nvierte"


def test_drops_horizontal_rule() -> None:
    assert clean("Oben.\n----\nUnten.") == "Oben.\nUnten."


# --- headings, emphasis, lists, entities -----------------------------------------------------------------------------


def test_keeps_heading_as_line() -> None:
    result = clean("Einleitung.\n\n== Geschichte ==\nIm Jahr 1871.\n=== Mühle [[Talbach|am Bach]] ===\nText.")
    assert result == "Einleitung.\n\nGeschichte\nIm Jahr 1871.\nMühle am Bach\nText."
    assert "=" not in result


def test_removes_bold_and_italic_markup_keeping_text() -> None:
    assert clean("'''Talbach''' ist ''kein'' '''''großer''''' Fluss.") == "Talbach ist kein großer Fluss."


def test_list_markers_removed_items_kept_as_lines() -> None:
    text = "Orte:\n* Niederau\n** Oberdorf\n# erstens\n#* zweitens\n: eingerückt"
    assert clean(text) == "Orte:\nNiederau\nOberdorf\nerstens\nzweitens\neingerückt"


def test_definition_list_term_and_definition_on_separate_lines() -> None:
    assert clean(";Pegel:Messstelle am Fluss\n; Abfluss\n: Wassermenge pro Sekunde") == (
        "Pegel\nMessstelle am Fluss\nAbfluss\nWassermenge pro Sekunde"
    )


def test_html_entities_decoded_and_nbsp_is_a_space() -> None:
    assert clean("42&nbsp;km &amp; 3&ndash;4&#160;m &lt;tief&gt; &eacute;") == "42 km & 3–4 m <tief> é"


def test_literal_no_break_space_is_kept() -> None:
    assert clean("42\u00a0km") == "42\u00a0km"


# --- output normalisation --------------------------------------------------------------------------------------------


def test_paragraphs_stay_separated_by_one_blank_line() -> None:
    text = "Erster Absatz.\n\n\n\nZweiter Absatz.\n{{Vorlage}}\n\n[[Kategorie:X]]\n\nDritter."
    assert clean(text, DE) == "Erster Absatz.\n\nZweiter Absatz.\n\nDritter."


def test_removals_leave_single_spaces_and_no_trailing_blanks() -> None:
    assert clean("a {{x}} {{y}}  b {{z}}\n{{q}} c") == "a b\nc"


def test_removal_inside_a_word_leaves_no_space() -> None:
    assert clean("Fluss<ref>x</ref>lauf") == "Flusslauf"


def test_leading_and_trailing_blank_lines_are_stripped() -> None:
    assert clean("\n\n  \n{{Infobox}}\n\nText.\n\n[[Kategorie:X]]\n", DE) == "Text."


def test_placeholder_characters_in_input_are_removed() -> None:
    assert clean("a\x00b\x01c\x02d") == "abcd"


def test_empty_input() -> None:
    assert clean("") == ""


# --- on the fixtures -------------------------------------------------------------------------------------------------


def read_fixture(name: str) -> tuple[DumpInfo, dict[str, WikiPage]]:
    items = list(read_dump(str(DATA / name)))
    info = items[0]
    assert isinstance(info, DumpInfo)
    return info, {item.title: item for item in items if isinstance(item, WikiPage)}


def test_german_fixture_article_is_cleaned_with_its_own_namespaces() -> None:
    info, pages = read_fixture("dewiki-20260101-pages-articles-tiny.xml")
    text = wikitext_to_text(pages["Talbach"].text, link_namespace_prefixes(info.namespaces))
    assert text.startswith("Talbach ist ein etwa 42 km langer Fluss im Bergland von Nordhessen.\n\nVerlauf\n")
    for kept in ["Geschichte", "Mühle am Talbach", "Sägewerk (bis 1952)", "Gewässersteckbrief Talbach", "Niederau"]:
        assert kept in text
    for gone in ["{{", "[[", "<ref", "Literatur", "Brücke", "Talmühle", "Kategorie", "Pegel", "__NOTOC__",
                 "example.org", "Quelle", "en:Talbach", "'''"]:  # fmt: skip
        assert gone not in text, gone


def test_russian_fixture_article_is_cleaned_with_its_own_namespaces() -> None:
    info, pages = read_fixture("ruwiki-20260101-pages-articles-tiny.xml")
    text = wikitext_to_text(pages["Тихая (река)"].text, link_namespace_prefixes(info.namespaces))
    assert text.startswith("Тиха́я — река на севере условной равнины, левый приток Северки.")
    assert "Длина реки — 118 км" in text and "Большие Броды" in text
    for gone in ["Файл", "Изображение", "Категория", "категория", "Карточка", "Справочник", "октябре"]:
        assert gone not in text, gone
