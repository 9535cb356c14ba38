"""The C4 source: its rules as pure functions, then the whole pipeline on the DirectRunner over tests/data/c4."""
import hashlib
import importlib.util
import json
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from manifests import verify_manifest
from pipelines.readers.warc import InputError, WebPage, read_pages
from pipelines.sources import c4
from pipelines.sources.c4 import (
    C4Config, NewestPage, badwords_pattern, clean_page, count_sentences, has_badword, normalize_url, read_badwords,
    remove_citations, remove_duplicate_lines, split_of,
)

DATA = Path(__file__).parent / "data" / "c4"
CC_DATA = Path(__file__).parent / "data" / "commoncrawl"
LID = str(Path(__file__).parent.parent / "models" / "lid.176.ftz")
GOOD = sorted(str(p) for p in DATA.glob("*.warc.wet.gz"))
BAD = [str(CC_DATA / name) for name in ("bad-truncated.warc.wet.gz", "bad-content-length.warc.wet.gz",
                                        "bad-non-utf8.warc.wet.gz", "bad-empty.warc.wet.gz")]
BADWORDS = str(DATA / "badwords.txt")


def _fixture_pages():
    """The fixture generator, imported by path (no `__pycache__` written among the fixtures): its pages are data."""
    spec = importlib.util.spec_from_file_location("make_c4_fixtures", DATA / "make_c4_fixtures.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    sys.dont_write_bytecode, before = True, sys.dont_write_bytecode
    try:
        spec.loader.exec_module(module)
    finally:
        sys.dont_write_bytecode = before
    return module


fx = _fixture_pages()

# Three sentences that pass every rule; a page of them alone is kept.
BODY = [
    "The ferry leaves the north quay at eight every morning in summer.",
    "Tickets are sold in the small office next to the lifeboat station.",
    "Passengers with bicycles should arrive twenty minutes before it sails.",
]


def kept_lines(*extra: str) -> list[str]:
    """The lines `clean_page` keeps from BODY plus `extra`."""
    result = clean_page("\n".join([*BODY, *extra]))
    assert result.text is not None, result.reason
    return result.text.split("\n")


# --- line rules -----------------------------------------------------------------------------------------------


def test_c4_drops_line_without_terminal_punctuation():
    lines = kept_lines("Read the full timetable on the harbour website", "Is the cafe on the pier open today?",
                       "What a view of the islands from the top deck!", 'Locals call the old boat "the Grey Lady"',
                       "The timetable changes in October, so check it again;")
    assert "Read the full timetable on the harbour website" not in lines
    assert "The timetable changes in October, so check it again;" not in lines
    assert {"Is the cafe on the pier open today?", "What a view of the islands from the top deck!",
            'Locals call the old boat "the Grey Lady"'} <= set(lines)


def test_c4_drops_line_ending_in_ellipsis_but_keeps_a_single_period():
    lines = kept_lines("And then the fog came down over the whole bay...", "And then the fog lifted over the bay.")
    assert "And then the fog came down over the whole bay..." not in lines
    assert "And then the fog lifted over the bay." in lines


def test_c4_drops_line_under_five_words():
    lines = kept_lines("The market is busy.", "The market is busy again.")
    assert "The market is busy." not in lines
    assert "The market is busy again." in lines


def test_c4_drops_line_with_a_word_over_1000_characters():
    lines = kept_lines(f"The code for this week is {'x' * 1001} and nothing else.",
                       f"The code for next week is {'y' * 1000} and nothing else.")
    assert not any("x" * 1001 in line for line in lines)
    assert any("y" * 1000 in line for line in lines)


def test_c4_drops_javascript_lines_in_any_case():
    lines = kept_lines("Please enable JavaScript in your browser to see the map.",
                       "You need to enable javascript to run this app.")
    assert lines == BODY


@pytest.mark.parametrize("phrase", c4.POLICY_SUBSTRINGS)
def test_c4_drops_policy_lines(phrase):
    assert kept_lines(f"Please read the notice about {phrase.upper()} before you go on.") == BODY


def test_c4_strips_lines_and_keeps_them_in_order():
    assert kept_lines("   The last boat back leaves at six in the evening.   ") == [
        *BODY, "The last boat back leaves at six in the evening."]


# --- citation markers -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("line, expected", [
    ("It was first lit in 1872.[1]", "It was first lit in 1872."),
    ("It was first lit in 1872.[12][3]", "It was first lit in 1872."),
    ("It was first lit in 1872.[]", "It was first lit in 1872."),
    ("History[edit]", "History"),
    ("Keepers lived there until 1989.[citation needed]", "Keepers lived there until 1989."),
    # kept: the regex is case-sensitive and wants digits only between the brackets
    ("History[Edit]", "History[Edit]"),
    ("See note [a] below.", "See note [a] below."),
    ("See note [1a] below.", "See note [1a] below."),
    ("See note [ 1 ] below.", "See note [ 1 ] below."),
    ("Sold in 1990 (1) for a pound.", "Sold in 1990 (1) for a pound."),
])
def test_citation_markers(line, expected):
    assert remove_citations(line) == expected


def test_c4_removes_citations_before_checking_the_end_mark():
    lines = kept_lines("The lighthouse was automated in 1989 by the trust.[2]", "Later history[edit]")
    assert lines[-1] == "The lighthouse was automated in 1989 by the trust."
    assert "Later history" not in lines


# --- page rules -----------------------------------------------------------------------------------------------


def test_c4_drops_page_with_lorem_ipsum():
    result = clean_page("\n".join([*BODY, "Lorem ipsum dolor sit amet, consectetur adipiscing elit."]))
    assert (result.text, result.reason) == (None, "lorem_ipsum")


def test_c4_drops_page_with_curly_bracket_in_a_line_that_passed_the_line_rules():
    result = clean_page("\n".join([*BODY, "Set the options with var opts = { size: 2 } first."]))
    assert (result.text, result.reason) == (None, "curly_bracket")


def test_c4_page_rules_see_only_lines_that_passed_the_earlier_rules():
    # no end mark, too short, javascript: the line goes before its `{` or "lorem ipsum" is looked at
    assert kept_lines("var opts = { size: 2 }", "{ lorem ipsum }.", "JavaScript: var opts = { size: 2 }.") == BODY


def test_c4_drops_page_with_fewer_than_three_sentences():
    result = clean_page("\n".join([*BODY[:2], "Menu", "Contact us"]))
    assert (result.text, result.reason) == (None, "too_few_sentences")
    two_in_one_line = clean_page("\n".join([BODY[0], f"{BODY[1]} {BODY[2]}"]))
    assert two_in_one_line.text is not None  # sentences, not lines, are counted


def test_clean_page_counts_what_happened_to_each_line():
    result = clean_page("\n".join([*BODY, "Menu", "Too short.", "This site uses cookies to help you."]))
    assert dict(result.lines) == {"valid": 3, "no_end_mark": 1, "too_short": 1, "policy": 1}


@pytest.mark.parametrize("text, sentences", [
    ("It rained. We left.", 2),
    ("Is it open? Yes! Come in.", 3),
    ('He said "stop." Then he left.', 2),
    ("Dr. Okafor opened it at 9 a.m. on Monday.", 1),
    ("The U.S. team won. J. Smith scored twice.", 2),
    ("Prices rose 3.5 percent in 2025. Costs fell.", 2),
    ("Wait... what happened next?", 1),
    ('Locals call it "the Grey Lady"', 1),
    ("First line.\nSecond line.\nno end mark", 3),
    ("", 0),
])
def test_count_sentences(text, sentences):
    assert count_sentences(text) == sentences


# --- URLs and the validation split ------------------------------------------------------------------------------


@pytest.mark.parametrize("url, normalized", [
    ("https://www.site.example/a/", "site.example/a"),
    ("http://site.example/a//", "site.example/a"),
    ("https://site.example/a?utm_source=news&b=1", "site.example/a"),
    ("https://site.example/a?ref=home", "site.example/a"),
    ("https://site.example/a?referrer=x", "site.example/a"),
    ("https://site.example/a?feed=rss", "site.example/a"),
    # kept: only a query that starts with a tracking parameter goes; nothing else is normalized
    ("https://site.example/a?b=1&utm_source=news", "site.example/a?b=1&utm_source=news"),
    ("https://site.example/a#top", "site.example/a#top"),
    ("https://Site.example/A", "Site.example/A"),
    ("https://site.example:443/a", "site.example:443/a"),
    ("https://www2.site.example/a", "www2.site.example/a"),
    ("ftp://site.example/a", "ftp://site.example/a"),
    # the scheme pattern is not anchored (TFDS): an embedded URL loses its scheme too
    ("https://archive.example/web/2020/http://www.site.example/", "archive.example/web/2020/site.example"),
])
def test_normalize_url(url, normalized):
    assert normalize_url(url) == normalized


def test_validation_split_is_md5_of_the_normalized_url_modulo_1000():
    hits = [n for n in range(5000) if int(hashlib.md5(f"site.example/{n}".encode()).hexdigest(), 16) % 1000 == 0]
    assert hits
    for n in range(5000):
        expected = "validation" if n in hits else "train"
        assert split_of(f"site.example/{n}") == expected


# --- URL dedup ----------------------------------------------------------------------------------------------


def page_copy(date: str | None, text: str, record_id: str) -> dict:
    meta = {"url": "https://site.example/a", "date": date, "record_id": record_id}
    return {"id": record_id, "text": text, "meta": json.dumps(meta)}


def newest(*docs: dict) -> dict:
    combine = NewestPage()
    # two partial accumulators merged, as a runner may do
    left = combine.create_accumulator()
    right = combine.create_accumulator()
    for i, doc in enumerate(docs):
        if i % 2:
            right = combine.add_input(right, doc)
        else:
            left = combine.add_input(left, doc)
    best, copies = combine.extract_output(combine.merge_accumulators([left, right]))
    assert copies == len(docs)
    return best


def test_url_dedup_keeps_the_newest_fetch_then_the_longer_text_then_the_larger_record_id():
    old = page_copy("2026-01-10T07:00:00Z", "a longer text than the newer copy", "<urn:uuid:1>")
    new = page_copy("2026-01-20T07:00:00Z", "short", "<urn:uuid:2>")
    undated = page_copy(None, "the longest text of all three copies here", "<urn:uuid:3>")
    assert newest(old, new, undated) is new
    assert newest(undated, new, old) is new
    fraction = page_copy("2026-01-20T07:00:00.500Z", "short", "<urn:uuid:0>")
    assert newest(new, fraction) is fraction  # later by half a second, though "…00.500Z" < "…00Z" as strings
    longer = page_copy("2026-01-20T07:00:00Z", "shorter", "<urn:uuid:0>")
    assert newest(new, longer) is longer
    twin = page_copy("2026-01-20T07:00:00Z", "short", "<urn:uuid:9>")
    assert newest(new, twin) is twin and newest(twin, new) is twin


# --- line dedup (pure part) -----------------------------------------------------------------------------------


def test_remove_duplicate_lines_keeps_the_lines_this_page_owns_once():
    text = "\n".join([*BODY, BODY[0], "Shared line owned by another page."])
    keep = {c4.line_key(line) for line in BODY}
    result = remove_duplicate_lines(text, keep)
    assert result.text == "\n".join(BODY)
    assert (result.global_duplicates, result.local_duplicates) == (1, 1)


def test_line_key_ignores_case_and_surrounding_spaces():
    assert c4.line_key("  The Coastal Bus RUNS hourly.  ") == c4.line_key("the coastal bus runs hourly.")
    assert c4.line_key("the coastal bus runs hourly.") != c4.line_key("the coastal bus runs hourly!")


def test_page_left_empty_or_short_by_line_dedup_is_dropped():
    assert remove_duplicate_lines("\n".join(BODY), set()).reason == "empty"
    keep = {c4.line_key(line) for line in BODY[:2]}
    assert remove_duplicate_lines("\n".join(BODY), keep).reason == "too_few_sentences"


# --- bad words ----------------------------------------------------------------------------------------------


def test_badwords_match_whole_words_and_phrases_in_any_case():
    pattern = badwords_pattern(["grobble", "snark weasel", "a.b"])
    assert has_badword("Grobble at the start of the text", pattern)
    assert has_badword("at the end: GROBBLE", pattern)
    assert has_badword("what a (grobble), said she", pattern)
    assert has_badword("he is a Snark Weasel, they say", pattern)
    # kept: part of a longer word, a phrase split by a newline, and a regex character taken literally
    assert not has_badword("the grobbles sell out; ungrobble it", pattern)
    assert not has_badword("a snark\nweasel", pattern)
    assert not has_badword("a axb c", pattern)
    assert has_badword("a a.b c", pattern)


def test_badwords_file_skips_blank_lines_and_errors_name_the_file(tmp_path):
    assert read_badwords(BADWORDS) == ["grobble", "quoggle", "snark weasel"]
    empty = tmp_path / "empty.txt"
    empty.write_text("\n \n")
    with pytest.raises(ValueError, match="empty.txt"):
        read_badwords(str(empty))
    with pytest.raises(FileNotFoundError, match="missing.txt"):
        read_badwords(str(tmp_path / "missing.txt"))


def test_without_a_badwords_list_the_step_is_skipped_and_said_so():
    steps, skipped = C4Config().steps()
    assert "badwords" not in steps and "LDNOOBW" in skipped["badwords"]
    assert C4Config(badwords=BADWORDS).steps() == (list(c4.STEPS), {})


# --- the pipeline ---------------------------------------------------------------------------------------------


def read_docs(output: Path) -> list[dict]:
    return [row for part in sorted(output.rglob("part-*.parquet")) for row in pq.read_table(part).to_pylist()]


def by_url(docs: list[dict]) -> dict[str, dict]:
    return {json.loads(doc["meta"])["url"]: doc for doc in docs}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    output = tmp_path_factory.mktemp("c4")
    manifest = c4.run(GOOD + BAD, str(output), C4Config(lid_model=LID, badwords=BADWORDS))
    return output, manifest, read_docs(output)


@pytest.fixture(scope="module")
def rerun(tmp_path_factory):
    """The same input through the CLI entry point, on two threads: another bundle order."""
    output = tmp_path_factory.mktemp("c4-again")
    assert c4.main(["--input", ",".join(GOOD + BAD), "--output", str(output), "--lid-model", LID,
                    "--badwords", BADWORDS, "--direct_running_mode=multi_threading", "--direct_num_workers=2"]) == 0
    return output, read_docs(output)


def test_funnel_holds_at_every_step_and_read_matches_the_reader(corpus):
    _, manifest, docs = corpus
    assert [s["step"] for s in manifest["funnel"]] == list(c4.STEPS)
    previous = None
    for step in manifest["funnel"]:
        assert step["in"] == step["kept"] + sum(step["dropped"].values()), step
        if previous is not None:
            assert step["in"] == previous, step
        previous = step["kept"]
    assert previous == manifest["stats"]["docs"] == len(docs)
    pages = errors = 0
    for path in GOOD + BAD:
        for item in read_pages(path):
            pages += isinstance(item, WebPage)
            errors += isinstance(item, InputError)
    assert manifest["funnel"][0] == {"step": "read", "in": pages + errors, "kept": pages,
                                     "dropped": {"input_error": errors}}


def test_every_drop_reason_is_counted_at_its_step(corpus):
    _, manifest, _ = corpus
    dropped = {step["step"]: step["dropped"] for step in manifest["funnel"]}
    assert dropped["length"] == {"too_long": 1}
    # the tidewater guide, and the pages that the bad files share (notes.example/a … /e)
    urls = [item.url for path in GOOD + BAD for item in read_pages(path)
            if isinstance(item, WebPage) and len(item.text) <= c4.MAX_PAGE_CHARS]
    assert dropped["url_dedup"] == {"duplicate_url": len(urls) - len(set(map(normalize_url, urls)))}
    assert len(set(map(normalize_url, (u for u in urls if "tidewater" in u)))) == 1
    assert dropped["clean"]["lorem_ipsum"] == 1 and dropped["clean"]["curly_bracket"] == 1
    assert dropped["clean"]["too_few_sentences"] >= 1  # the contact page, and the one-line pages of the bad files
    assert dropped["line_dedup"] == {"too_few_sentences": 1}  # page D
    assert sum(dropped["lang_id"].values()) == 1  # the German page
    assert dropped["badwords"] == {"badword": 1}
    counters = manifest["stats"]["counters"]
    for outcome in ("no_end_mark", "too_short", "too_long_word", "javascript", "policy", "valid"):
        assert counters[f"clean/lines_{outcome}"] >= 1, outcome
    assert counters["line_dedup/lines_local_duplicate"] == 1
    assert counters["line_dedup/lines_global_duplicate"] >= 3  # two copies of the repeated line, D's shared line


def test_bad_input_is_counted_and_named(corpus):
    _, manifest, _ = corpus
    assert manifest["funnel"][0]["dropped"]["input_error"] >= len(BAD)
    named = {Path(e["path"]).name for e in manifest["input_errors"]["examples"]}
    assert {Path(p).name for p in BAD} <= named


@pytest.mark.parametrize("page, removed, kept", [
    (fx.END_MARKS, [fx.NO_END_MARK_LINE], [fx.QUOTE_END_LINE, "Do you need to book a place for a car on the "
                                           "morning crossing?"]),
    (fx.ELLIPSIS, [fx.ELLIPSIS_LINE], []),
    (fx.SHORT, [fx.SHORT_LINE], [fx.FIVE_WORD_LINE]),
    (fx.LONG_WORD, [fx.LONG_WORD_LINE], []),
    (fx.JAVASCRIPT, [fx.JAVASCRIPT_LINE], []),
    (fx.POLICY, fx.POLICY_LINES, []),
    (fx.CITATION, fx.CITATION_LINES, ["The lighthouse on the point was built in 1871 and first lit the following "
                                      "spring."]),
    (fx.CURLY_IGNORED, ["var opts = { size: 2 }"], []),
])
def test_each_line_rule_on_its_fixture_page(corpus, page, removed, kept):
    _, _, docs = corpus
    lines = by_url(docs)[page.url]["text"].split("\n")
    assert fx.MENU not in lines  # the menu has no end mark
    for line in removed:
        assert line not in lines
    for line in kept:
        assert line in lines
    assert len(lines) >= 3


@pytest.mark.parametrize("page", [fx.LOREM, fx.CURLY, fx.FEW_SENTENCES, fx.TOO_LONG, fx.GERMAN, fx.BADWORD,
                                  fx.D_PAGE, fx.OLD_COPY])
def test_dropped_pages_are_gone(corpus, page):
    _, _, docs = corpus
    assert page.url not in by_url(docs)


def test_badwords_drop_only_whole_listed_words(corpus):
    _, _, docs = corpus
    assert fx.BADWORD.url not in by_url(docs)
    assert fx.NEAR_BADWORD.url in by_url(docs)  # "grobbles" is not the listed "grobble"


def test_a_line_repeated_across_three_pages_survives_in_exactly_one(corpus):
    _, _, docs = corpus
    holders = [doc for doc in docs
               if fx.REPEATED_LINE.lower() in (line.strip().lower() for line in doc["text"].split("\n"))]
    assert len(holders) == 1
    winner = min(fx.REPEATED, key=lambda page: hashlib.md5(page.url.encode()).hexdigest())
    assert json.loads(holders[0]["meta"])["url"] == winner.url
    pages = by_url(docs)
    assert all(page.url in pages for page in fx.REPEATED)  # the other two lost one line each, and stay
    assert pages[fx.REPEATED[0].url]["text"].split("\n").count(fx.LOCAL_DUPLICATE) == 1
    assert fx.SHARED_WITH_D in pages[fx.E_PAGE.url]["text"]


def test_url_dedup_keeps_the_newer_copy(corpus):
    _, _, docs = corpus
    kept = by_url(docs)[fx.NEW_COPY.url]
    assert json.loads(kept["meta"])["normalized_url"] == "tidewater.example/guide"
    assert "brought up to date in January" in kept["text"]


def test_documents_are_english_with_scores_and_ids(corpus):
    _, manifest, docs = corpus
    for doc in docs:
        meta = json.loads(doc["meta"])
        assert doc["source"] == "c4" and doc["lang"] == "en" and meta["lang_score"] >= c4.DEFAULT_LID_THRESHOLD
        assert doc["id"] == f"c4/{meta['record_id'].strip('<>')}/{meta['url']}"
    assert len({doc["id"] for doc in docs}) == len(docs)
    config = manifest["config"]
    assert "fastText" in config["language_identifier"] and "langdetect" in config["language_identifier"]
    assert config["lid_threshold"] == c4.DEFAULT_LID_THRESHOLD and config["badwords_count"] == 3
    assert config["skipped_steps"] == {} and config["rules"]["min_words_per_line"] == 5


def test_validation_split_is_md5_of_url_and_stable_across_runs(corpus, rerun):
    output, manifest, docs = corpus
    expected = {doc["id"] for doc in docs
                if int(hashlib.md5(normalize_url(json.loads(doc["meta"])["url"]).encode()).hexdigest(), 16) % 1000 == 0}
    validation = {doc["id"] for doc in read_docs(output / "split=validation")}
    assert validation == expected == {doc["id"] for doc in docs if fx.VALIDATION.url in doc["id"]}
    assert {doc["id"] for doc in read_docs(output / "split=train")} == {doc["id"] for doc in docs} - validation
    again_output, again = rerun
    assert {doc["id"] for doc in read_docs(again_output / "split=validation")} == validation
    assert sorted((d["id"], d["text"]) for d in again) == sorted((d["id"], d["text"]) for d in docs)
    assert {o["path"].split("/")[0] for o in manifest["outputs"]} == {"split=train", "split=validation", "rejected"}
    assert manifest["stats"]["counters"]["split/validation"] == 1
    assert verify_manifest(str(output)) == []
