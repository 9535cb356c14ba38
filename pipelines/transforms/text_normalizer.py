"""Line normalization for perplexity scoring and line deduplication, after CCNet.

`normalize` reproduces `cc_net/text_normalizer.py::normalize`, which CCNet applies before SentencePiece and KenLM
(both when training its language models and when scoring), so the models CCNet published see the text they were
trained on. `normalize_for_dedup` follows the llamix spec for the hashing step of line deduplication and differs
from CCNet's function of the same name (see its docstring). `line_hash` is CCNet's `dedup.py::str_hash`.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata

# The fixed Unicode punctuation table of cc_net/text_normalizer.py (UNICODE_PUNCT), in its order: each character
# and the ASCII text `normalize(..., punct=1)` writes for it. Kept as data, entry for entry, including two mappings
# that look odd but are what CCNet's models saw: FULLWIDTH DIGIT ONE becomes a double quote (unreachable with
# numbers=True, where it is a digit and becomes "0" first), and FULLWIDTH FULL STOP becomes ". " (with a space).
UNICODE_PUNCT: dict[str, str] = {
    "\uff0c": ",",  # ， FULLWIDTH COMMA
    "\u3002": ".",  # 。 IDEOGRAPHIC FULL STOP
    "\u3001": ",",  # 、 IDEOGRAPHIC COMMA
    "\u201e": '"',  # „ DOUBLE LOW-9 QUOTATION MARK
    "\u201d": '"',  # ” RIGHT DOUBLE QUOTATION MARK
    "\u201c": '"',  # “ LEFT DOUBLE QUOTATION MARK
    "\u00ab": '"',  # « LEFT-POINTING DOUBLE ANGLE QUOTATION MARK
    "\u00bb": '"',  # » RIGHT-POINTING DOUBLE ANGLE QUOTATION MARK
    "\uff11": '"',  # １ FULLWIDTH DIGIT ONE (sic)
    "\u300d": '"',  # 」 RIGHT CORNER BRACKET
    "\u300c": '"',  # 「 LEFT CORNER BRACKET
    "\u300a": '"',  # 《 LEFT DOUBLE ANGLE BRACKET
    "\u300b": '"',  # 》 RIGHT DOUBLE ANGLE BRACKET
    "\u00b4": "'",  # ´ ACUTE ACCENT
    "\u2236": ":",  # ∶ RATIO
    "\uff1a": ":",  # ： FULLWIDTH COLON
    "\uff1f": "?",  # ？ FULLWIDTH QUESTION MARK
    "\uff01": "!",  # ！ FULLWIDTH EXCLAMATION MARK
    "\uff08": "(",  # （ FULLWIDTH LEFT PARENTHESIS
    "\uff09": ")",  # ） FULLWIDTH RIGHT PARENTHESIS
    "\uff1b": ";",  # ； FULLWIDTH SEMICOLON
    "\u2013": "-",  # – EN DASH
    "\u2014": " - ",  # — EM DASH
    "\uff0e": ". ",  # ． FULLWIDTH FULL STOP
    "\uff5e": "~",  # ～ FULLWIDTH TILDE
    "\u2019": "'",  # ’ RIGHT SINGLE QUOTATION MARK
    "\u2026": "...",  # … HORIZONTAL ELLIPSIS
    "\u2501": "-",  # ━ BOX DRAWINGS HEAVY HORIZONTAL
    "\u3008": "<",  # 〈 LEFT ANGLE BRACKET
    "\u3009": ">",  # 〉 RIGHT ANGLE BRACKET
    "\u3010": "[",  # 【 LEFT BLACK LENTICULAR BRACKET
    "\u3011": "]",  # 】 RIGHT BLACK LENTICULAR BRACKET
    "\uff05": "%",  # ％ FULLWIDTH PERCENT SIGN
    "\u25ba": "-",  # ► BLACK RIGHT-POINTING POINTER
}

# cc_net/text_normalizer.py NON_PRINTING_CHARS_RE: code points 0-31 and 127-159 (C0 and C1 controls with DEL).
# Tab and newline are among them, so normalizing a multi-line text joins its lines with nothing in between.
NON_PRINTING_CODE_POINTS: tuple[int, ...] = (*range(0, 32), *range(127, 160))

# Python's \d on str: every character of Unicode category Nd, not only ASCII 0-9 (cc_net DIGIT_RE).
_DIGIT_RE = re.compile(r"\d")
_REPLACE_PUNCT = str.maketrans(UNICODE_PUNCT)
_REMOVE_PUNCT = str.maketrans({c: None for c in UNICODE_PUNCT})
_REMOVE_NON_PRINTING = str.maketrans({cp: None for cp in NON_PRINTING_CODE_POINTS})


def strip_accents(text: str) -> str:
    """Decomposes to NFD and drops the nonspacing marks (category Mn), as CCNet does: "café" -> "cafe".

    The result stays decomposed (CCNet returns the NFD string), so Hangul syllables come back as conjoining jamo.
    """
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")


def normalize(line: str, accent: bool = True, case: bool = True, numbers: bool = True, punct: int = 1) -> str:
    """CCNet's normalization, step for step: strip surrounding whitespace; lowercase (`case`); strip accents
    (`accent`); every decimal digit to "0" (`numbers`); the UNICODE_PUNCT characters replaced by their ASCII text
    (`punct=1`) or removed (`punct=2`), left alone otherwise; then the non-printing code points 0-31 and 127-159
    removed. Order matters and is CCNet's: digits go to "0" before the punctuation table is applied.
    """
    if punct not in (0, 1, 2):
        raise ValueError(f"punct must be 0 (keep), 1 (replace by ASCII) or 2 (remove), got {punct!r}")
    line = line.strip()
    if not line:
        return line
    if case:
        line = line.lower()
    if accent:
        line = strip_accents(line)
    if numbers:
        line = _DIGIT_RE.sub("0", line)
    if punct == 1:
        line = line.translate(_REPLACE_PUNCT)
    elif punct == 2:
        line = line.translate(_REMOVE_PUNCT)
    return line.translate(_REMOVE_NON_PRINTING)


class _PunctuationAndOtherTable(dict):
    """`str.translate` table deleting every character whose Unicode category starts with P or C; filled on first
    sight of each code point, so it holds only the characters the data actually uses."""

    def __missing__(self, code_point: int) -> int | None:
        kept = None if unicodedata.category(chr(code_point))[0] in "PC" else code_point
        self[code_point] = kept
        return kept


_REMOVE_PUNCT_AND_OTHER = _PunctuationAndOtherTable()


def normalize_for_dedup(line: str) -> str:
    """The form of a line that line deduplication hashes: strip, lowercase, every decimal digit to "0", then every
    character of Unicode category P* (punctuation: . , ! ? ' " - « » ¿ …) or C* (control, format, private use,
    surrogate, unassigned: tab, zero-width space, soft hyphen, BOM, U+E000) removed. Letters, marks (accents are
    kept), symbols ($ + © emoji) and spaces stay.

    CCNet's `normalize_for_dedup` differs: it removes only the 34 characters of its UNICODE_PUNCT table and code
    points 0-31/127-159, so ASCII punctuation (".", ",", "!") and zero-width or format characters survive there and
    "Hello, world!" and "hello world" hash differently; here they hash alike. Categories come from the Unicode
    database of the running Python (`unicodedata.unidata_version`).
    """
    line = line.strip()
    if not line:
        return line
    line = _DIGIT_RE.sub("0", line.lower())
    return line.translate(_REMOVE_PUNCT_AND_OTHER)


def line_hash(normalized: str) -> int:
    """The first 8 bytes of the SHA-1 of the UTF-8 text as an unsigned 64-bit integer, read little-endian:
    CCNet's `dedup.py::str_hash` (numpy.frombuffer(digest[:8], uint64) on a little-endian machine)."""
    return int.from_bytes(hashlib.sha1(normalized.encode("utf-8")).digest()[:8], "little")
