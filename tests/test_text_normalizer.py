import hashlib
import unicodedata

import numpy as np
import pytest

from pipelines.transforms.text_normalizer import (
    NON_PRINTING_CODE_POINTS,
    UNICODE_PUNCT,
    line_hash,
    normalize,
    normalize_for_dedup,
    strip_accents,
)


# --- normalize: CCNet's normalization before SentencePiece and KenLM ---

def test_normalize_strips_surrounding_whitespace_only():
    assert normalize("  \t two  words \n") == "two  words"
    assert normalize(" \n\t ") == ""


def test_normalize_lowercases_unless_case_is_off():
    assert normalize("The River THAMES") == "the river thames"
    assert normalize("The River", case=False) == "The River"


def test_normalize_strips_accents_unless_accent_is_off():
    assert normalize("Café naïve Łódź") == "cafe naive łodz"  # ł has no combining mark to drop
    assert normalize("Café", accent=False) == "café"


def test_strip_accents_returns_the_decomposed_form_as_ccnet():
    assert strip_accents("señor") == "senor"
    # Hangul syllables decompose into conjoining jamo (category Lo), which stay.
    assert strip_accents("한") == unicodedata.normalize("NFD", "한") and len(strip_accents("한")) == 3


def test_normalize_maps_every_unicode_decimal_digit_to_zero():
    # ASCII, Arabic-Indic three, fullwidth three, Devanagari seven
    assert normalize("Room 101 \u0663 \uff13 \u096d") == "room 000 0 0 0"
    assert normalize("Room 101", numbers=False) == "room 101"
    # Superscript two is category No, not a decimal digit: kept.
    assert normalize("m²") == "m²"


def test_normalize_replaces_ccnet_unicode_punctuation_with_ascii():
    assert normalize("«Bonjour»，“hi”—ok…") == '"bonjour","hi" - ok...'
    assert normalize("【注意】：１００％") == "[注意]:000%"
    assert normalize("Ａ．Ｂ") == "ａ. ｂ"  # fullwidth full stop becomes ". ", fullwidth letters stay


def test_normalize_fullwidth_digit_one_quirk_only_without_numbers():
    assert normalize("\uff11") == "0"
    assert normalize("\uff11", numbers=False) == '"'


def test_normalize_removes_ccnet_unicode_punctuation_with_punct_2():
    assert normalize("«Bonjour»，“hi”—ok…", punct=2) == "bonjourhiok"


def test_normalize_keeps_punctuation_outside_the_table():
    assert normalize("Hello, world! (yes) ¿qué?") == "hello, world! (yes) ¿que?"
    # The right single quote is in the table, the left one is not.
    assert normalize("‘maybe’") == "‘maybe'"
    assert normalize("«a»", punct=0) == "«a»"


def test_normalize_removes_non_printing_code_points_0_to_31_and_127_to_159():
    assert normalize("a\tb\x00c\x7fd\x85e\x9ff\u00a0g") == "abcdef\u00a0g"  # no-break space (160) stays
    assert normalize("line one\nline two") == "line oneline two"  # CCNet joins lines with nothing
    assert set(NON_PRINTING_CODE_POINTS) == set(range(32)) | set(range(127, 160))


def test_normalize_rejects_unknown_punct_mode():
    with pytest.raises(ValueError, match="punct must be 0"):
        normalize("x", punct=3)


def test_unicode_punct_table_is_ccnets_34_entries():
    assert len(UNICODE_PUNCT) == 34
    assert UNICODE_PUNCT["\u2014"] == " - " and UNICODE_PUNCT["\u2026"] == "..." and UNICODE_PUNCT["\u25ba"] == "-"
    assert all(len(key) == 1 for key in UNICODE_PUNCT)


# --- normalize_for_dedup: the llamix line-dedup form ---

def test_dedup_normalization_strips_lowercases_and_zeroes_digits():
    assert normalize_for_dedup("  Hello World 2024  ") == "hello world 0000"


def test_dedup_normalization_removes_all_unicode_punctuation():
    assert normalize_for_dedup("Hello, World! (yes) -- 'no' \"maybe\"") == "hello world yes  no maybe"
    assert normalize_for_dedup("«Ça va?» — oui…") == "ça va  oui"  # accents are kept


def test_dedup_normalization_removes_control_format_and_private_use_characters():
    assert normalize_for_dedup("zero\u200bwidth\u00adsoft\ufeffbom\x07bell\ue000pua\tend") == (
        "zerowidthsoftbombellpuaend"
    )


def test_dedup_normalization_keeps_symbols_marks_and_spaces():
    assert normalize_for_dedup("$5 + 3 © 😀 e\u0301") == "$0 + 0 © 😀 e\u0301"


def test_dedup_normalization_makes_punctuation_variants_collide_unlike_ccnet():
    assert normalize_for_dedup("Hello, world!") == normalize_for_dedup("hello world")
    assert line_hash(normalize_for_dedup("Hello, world!")) == line_hash(normalize_for_dedup("HELLO WORLD"))


def test_dedup_normalization_of_blank_line_is_empty():
    assert normalize_for_dedup("   ") == ""


# --- line_hash: CCNet's str_hash ---

def test_line_hash_is_first_8_bytes_of_sha1_little_endian_like_ccnet_numpy():
    for text in ("hello world", "", "ça va 000"):
        digest = hashlib.sha1(text.encode("utf-8")).digest()
        assert line_hash(text) == int(np.frombuffer(digest[:8], dtype="<u8")[0])
    assert line_hash("hello world") == 13028719972609469994
    assert 0 <= line_hash("x") < 2**64
