"""Language ID with the real fastText lid.176 model that `make` installs into models/."""
from pathlib import Path

import pytest

from pipelines.readers.mediawiki import LLAMA_WIKI_LANGS
from pipelines.transforms.langid import DEFAULT_MODEL, DEFAULT_THRESHOLD, LanguageIdentifier, language_decision

LINES = Path(__file__).parent / "data" / "langid_lines.tsv"
MODEL = Path(__file__).parent.parent / DEFAULT_MODEL


@pytest.fixture(scope="module")
def identifier():
    return LanguageIdentifier(str(MODEL))


def test_lines_in_all_20_llama_languages_are_identified(identifier):
    rows = [line.split("\t", 1) for line in LINES.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert {lang for lang, _ in rows} == set(LLAMA_WIKI_LANGS)
    for lang, text in rows:
        predicted, score = identifier.identify(text)
        assert (predicted, lang) == (lang, lang) and score >= DEFAULT_THRESHOLD, (text, predicted, score)


def test_newlines_do_not_cut_the_text_short(identifier):
    # fastText reads one line; the identifier joins lines so the whole document counts
    text = "ok\n" + "Der Fluss fließt durch das Tal und die Stadt liegt an seinem Ufer. " * 3
    assert identifier.identify(text)[0] == "de"


def test_decision_reasons():
    langs = frozenset({"en"})
    assert language_decision("en", 0.9, langs, 0.5) is None
    assert language_decision("en", 0.4, langs, 0.5) == "low_lang_score"
    assert language_decision("de", 0.9, langs, 0.5) == "language_not_selected"


def test_missing_model_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="make models"):
        LanguageIdentifier(str(tmp_path / "nope.ftz"))
