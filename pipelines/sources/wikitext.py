"""Wikitext to plain text, by walking the mwparserfromhell node tree.

Every kind of markup has one explicit decision here, and one test in ``tests/test_wikitext.py``:

kept (visible text only)
    wiki links (``[[A|b]]`` → "b", ``[[A]]s`` → "As"; ``[[:Kategorie:X|y]]`` → "y", the leading colon makes a
    category/file link an ordinary visible link), external links with a label (``[http://x y z]`` → "y z"),
    headings (``== Geschichte ==`` → the line "Geschichte"), bold/italic text, list items (markers removed, one
    item per line), the contents of ``<nowiki>``, ``<pre>``, ``<code>``, ``<syntaxhighlight>``/``<source>``
    (verbatim), ``<span>``, ``<small>``, ``<sub>``, ``<sup>``, ``<blockquote>`` and any other tag not listed below.
dropped (with their contents)
    templates and parser functions (``{{…}}``, ``{{#if:…}}``), template arguments (``{{{1}}}``), comments,
    ``<ref>``, ``<references>``, tables (``{|…|}`` and ``<table>``), the tags in :data:`DROPPED_TAGS`,
    behaviour switches (``__NOTOC__``, any ``__UPPER_CASE__`` word, in any script), bare URLs and label-less
    ``[http://x]``, links into the File/Media/Category namespaces under any of the wiki's names for them (see
    :func:`link_namespace_prefixes`), and interlanguage links (see :data:`_INTERLANGUAGE_PREFIX`).
other decisions
    ``<br>`` and block-level HTML tags (``<p>``, ``<div>``, ``<li>``…) become line breaks; ``&nbsp;`` and
    ``&#160;`` become an ordinary space (so "10&nbsp;km" reads "10 km"; a literal U+00A0 in the source is kept),
    every other entity its character (``&amp;`` → "&"); the pipe trick ``[[A (x)|]]``, which MediaWiki expands on
    save and so rarely reaches a dump, is simplified to the title without its trailing parenthesis or comma part
    ("A"), namespace prefixes are not removed from it; horizontal rules (``----``) vanish; the control characters
    U+0000-U+0002, used internally as placeholders, are removed from the input.

Output: a removal leaves no gap (a line holding only removed markup disappears; spaces around a removal collapse
to one, or to none at a line edge or before punctuation), trailing spaces are stripped, three or more newlines
become one blank line, so paragraphs stay separated by a blank line as in the source.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import mwparserfromhell
from mwparserfromhell.nodes import (
    Argument,
    Comment,
    ExternalLink,
    Heading,
    HTMLEntity,
    Node,
    Tag,
    Template,
    Text,
    Wikilink,
)
from mwparserfromhell.wikicode import Wikicode

# Canonical English names every wiki accepts for the Media (-2), File (6) and Category (14) namespaces, besides
# its localized ones; "Image" is the historic alias of File.
CANONICAL_LINK_NAMESPACES = frozenset({"media", "file", "image", "category"})
_LINK_NAMESPACE_KEYS = (-2, 6, 14)

# Tags whose contents are not prose: rendered as images, formulas, scores, maps, or invisible on the page.
DROPPED_TAGS = frozenset(
    {
        "ref", "references", "table", "gallery", "math", "chem", "ce", "imagemap", "timeline", "score",
        "templatestyles", "hiero", "graph", "mapframe", "maplink", "categorytree", "inputbox", "includeonly",
    }
)  # fmt: skip
# Tags holding code or literal text: a "__NAME__" inside them is content, not a behaviour switch; the syntax
# highlighters also display entities as typed.
VERBATIM_TAGS = frozenset({"nowiki", "pre", "code", "syntaxhighlight", "source"})
_LITERAL_ENTITY_TAGS = frozenset({"syntaxhighlight", "source"})
# HTML tags that start and end a block: their contents go on lines of their own.
BLOCK_TAGS = frozenset({"p", "div", "li", "dt", "dd", "blockquote", "center", "pre", "poem", "h1", "h2", "h3",
                        "h4", "h5", "h6"})  # fmt: skip

# Placeholders in the rendered string, resolved by _normalize: a removed node, the start of a list item, and a
# line break from <br> or a block tag.  XML 1.0 text cannot hold them; they are removed from the input anyway.
_REMOVED, _ITEM, _BREAK = "\x00", "\x01", "\x02"
_PLACEHOLDERS = re.compile("[\x00\x01\x02]")

# A behaviour switch: "__NOTOC__", "__KEIN_INHALTSVERZEICHNIS__", "__БЕЗ_ОГЛАВЛЕНИЯ__"; upper case is checked in
# _drop_behaviour_switches so that "__init__" in prose survives.
_BEHAVIOUR_SWITCH = re.compile(r"__([^\W_]+(?:_[^\W_]+)*)__")
# The prefix of an interlanguage link ("[[fr:Paris]]"): a language code as written, in lower-case ASCII, 2-3
# letters with optional "-subtags" ("zh-min-nan", "be-x-old"), or "simple".  Titles such as "[[Re: Zero]]" or
# "[[WP:NPOV]]" keep their text; one-letter interwiki prefixes ("w:", "d:") are visible links and are kept.
_INTERLANGUAGE_PREFIX = re.compile(r"[a-z]{2,3}(?:-[a-z]+)*|simple")
# Pipe trick: "[[Paris (Texas)|]]" shows "Paris", "[[Seattle, Washington|]]" shows "Seattle".
_PIPE_TRICK_SUFFIX = re.compile(r"\s*\([^()]*\)\s*$|,.*$")


def _normalize_namespace_name(name: str) -> str:
    """ "Datei", " Datei ", "kategorie", "Book_talk" → "datei", "datei", "kategorie", "book talk"."""
    return " ".join(name.replace("_", " ").split()).casefold()


def link_namespace_prefixes(namespaces: Mapping[int, tuple[str, ...]]) -> frozenset[str]:
    """Casefolded link prefixes that embed media or categorise instead of showing a link.

    Every name siteinfo lists for Media (-2), File (6) and Category (14), plus the canonical English names.
    """
    names = {
        _normalize_namespace_name(name) for key in _LINK_NAMESPACE_KEYS for name in namespaces.get(key, ())
    }
    return frozenset(name for name in names if name) | CANONICAL_LINK_NAMESPACES


def wikitext_to_text(wikitext: str, dropped_link_prefixes: frozenset[str]) -> str:
    """The visible prose of `wikitext`; links whose namespace prefix is in `dropped_link_prefixes` are dropped."""
    code = mwparserfromhell.parse(_PLACEHOLDERS.sub("", wikitext))
    parts: list[str] = []
    _Renderer(dropped_link_prefixes).render(code, parts, verbatim=False)
    return _normalize("".join(parts))


class _Renderer:
    def __init__(self, dropped_link_prefixes: frozenset[str]) -> None:
        self._dropped_link_prefixes = dropped_link_prefixes

    def render(self, code: Wikicode, out: list[str], *, verbatim: bool) -> None:
        for node in code.nodes:
            self._node(node, out, verbatim=verbatim)

    def text_of(self, code: Wikicode, *, verbatim: bool = False) -> str:
        out: list[str] = []
        self.render(code, out, verbatim=verbatim)
        return "".join(out)

    def _node(self, node: Node, out: list[str], *, verbatim: bool) -> None:
        if isinstance(node, Text):
            out.append(node.value if verbatim else _drop_behaviour_switches(node.value))
        elif isinstance(node, (Template, Argument, Comment)):
            out.append(_REMOVED)
        elif isinstance(node, HTMLEntity):
            character = node.normalize()
            out.append(" " if character == "\u00a0" else character)  # &nbsp; and &#160;
        elif isinstance(node, Heading):
            out.append(" ".join(self.text_of(node.title).split()))
        elif isinstance(node, Wikilink):
            out.append(self._wikilink(node))
        elif isinstance(node, ExternalLink):
            label = self.text_of(node.title).strip() if node.brackets and node.title is not None else ""
            out.append(label or _REMOVED)
        elif isinstance(node, Tag):
            self._tag(node, out, verbatim=verbatim)
        else:
            raise TypeError(f"wikitext_to_text has no rule for mwparserfromhell node {type(node).__name__}")

    def _wikilink(self, link: Wikilink) -> str:
        title = str(link.title).strip()
        if title.startswith(":"):  # "[[:Category:X]]" links to the category page instead of categorising
            title = title[1:]
        else:
            prefix, colon, _ = title.partition(":")
            if colon and (
                _normalize_namespace_name(prefix) in self._dropped_link_prefixes
                or _INTERLANGUAGE_PREFIX.fullmatch(prefix)
            ):
                return _REMOVED
        if link.text is None:
            return self.text_of(mwparserfromhell.parse(title))
        label = self.text_of(link.text)
        if label.strip():
            return label
        return _PIPE_TRICK_SUFFIX.sub("", self.text_of(mwparserfromhell.parse(title)), count=1)

    def _tag(self, tag: Tag, out: list[str], *, verbatim: bool) -> None:
        name = str(tag.tag).strip().lower()
        if tag.wiki_markup in ("*", "#", ";", ":"):  # list markup; the item's text follows as sibling nodes
            # ";term:definition" puts the definition on a line of its own
            out.append(_ITEM if _at_line_start(out) else _BREAK)
        elif name in DROPPED_TAGS or name == "hr":
            out.append(_REMOVED)
        elif name == "br":
            out.append(_BREAK)
        elif tag.contents is None:
            out.append(_REMOVED)  # an empty element such as <span/>: nothing to show
        else:
            if name in _LITERAL_ENTITY_TAGS:
                inner = str(tag.contents)
            else:
                inner = self.text_of(tag.contents, verbatim=verbatim or name in VERBATIM_TAGS)
            if name in BLOCK_TAGS and not tag.wiki_markup:
                inner = _BREAK + inner + _BREAK
            out.append(inner)


def _at_line_start(out: list[str]) -> bool:
    for part in reversed(out):
        if part:
            return part[-1] in ("\n", _ITEM, _BREAK)
    return True


def _drop_behaviour_switches(text: str) -> str:
    return _BEHAVIOUR_SWITCH.sub(lambda m: _REMOVED if m[1].isupper() else m[0], text)


# A line that held only removed markup (and maybe list markers), with its line break.
_REMOVED_LINE = re.compile(r"^[ \t\x01]*\x00[\x00\x01 \t]*(?:\n|\Z)", re.MULTILINE)
_ITEM_START = re.compile(r"\x01+[ \t]*")
_LINE_BREAK = re.compile(r"[ \t]*\x02[ \t]*")
# A removal with the blanks around it, as one run.
_REMOVAL_RUN = re.compile(r"[ \t]*\x00[\x00 \t]*")
# Punctuation that takes no space before it ("Berlin{{ref}}." → "Berlin.").
_CLOSING_PUNCTUATION = frozenset(".,;:!?)]}»”’")
_TRAILING_BLANKS = re.compile(r"[ \t]+$", re.MULTILINE)
_BLANK_LINES = re.compile(r"\n{3,}")


def _join_around_removal(match: re.Match[str]) -> str:
    before = match.string[match.start() - 1] if match.start() else "\n"
    after = match.string[match.end()] if match.end() < len(match.string) else "\n"
    if before == "\n" or after == "\n" or after in _CLOSING_PUNCTUATION or match[0].strip("\x00") == "":
        return ""
    return " "


def _normalize(text: str) -> str:
    text = _REMOVED_LINE.sub("", text)
    text = _ITEM_START.sub("", text)
    text = _LINE_BREAK.sub("\n", text)
    text = _REMOVAL_RUN.sub(_join_around_removal, text)
    text = _TRAILING_BLANKS.sub("", text)
    text = _BLANK_LINES.sub("\n\n", text)
    return text.strip()
