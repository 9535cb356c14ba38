"""The books source: Gutenberg/Books3 reading, header and footer stripping, >90% overlap dedup, end to end."""
import importlib.util
import json
import sys
from pathlib import Path

import apache_beam as beam
import numpy as np
import pyarrow.parquet as pq
import pytest
from apache_beam.testing.util import assert_that, equal_to

from manifests import verify_manifest
from pipelines.documents import make_document
from pipelines.readers.books import (
    LICENCE, SMALL_PRINT_END, START_OF_EBOOK, RawBook, UndecodableBook, codec_for_label, decode_book,
    ebook_number_from_path, file_stem, language_code, parse_header, read_books3, read_gutenberg, strip_gutenberg,
)
from pipelines.readers.mediawiki import InputError
from pipelines.sources import books
from pipelines.transforms.minhash import jaccard, shingle_set

DATA = Path(__file__).parent / "data" / "books"
GUTENBERG = DATA / "gutenberg"
BOOKS3 = DATA / "books3"
sys.path.insert(0, str(DATA))


def _fixture_writer():
    # Loaded under its own name: tests/data/arxiv has a `make_fixtures` module too.
    spec = importlib.util.spec_from_file_location("books_make_fixtures", DATA / "make_fixtures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_fixtures = _fixture_writer()
ALMANAC, SECOND_ALMANAC, almanac_copy, wrap = (
    _fixtures.ALMANAC, _fixtures.SECOND_ALMANAC, _fixtures.almanac_copy, _fixtures.wrap)

from book_stories import (  # noqa: E402
    DER_BRUNNENBAUER, HARBOUR_SONGS, LE_PASSEUR, ORCHARD_LEDGER, SALT_AND_CEDAR, TIDEWATER_CLOCK,
    generated_paragraphs,
)


def one_book(path: Path) -> RawBook:
    (item,) = list(read_gutenberg(str(path)))
    assert isinstance(item, RawBook), item
    return item


def page(header: str, body: str, footer: str = "") -> str:
    return f"{header}\n\n{body}\n\n{footer}"


# --- header and footer styles, on the fixture files ----------------------------------------------------------------


def test_current_style_header_credits_and_licence_are_removed():
    book = one_book(GUTENBERG / "10001.txt")  # CRLF line ends, as PG's own files
    stripped = strip_gutenberg(book.text)
    assert stripped.body == wrap(TIDEWATER_CLOCK.text)
    assert "\r" not in stripped.body and "Gutenberg" not in stripped.body and "Produced by" not in stripped.body
    assert (stripped.start_marker, stripped.end_marker) == (START_OF_EBOOK, "end_of_ebook")
    header = stripped.header
    assert (header.title, header.author, header.language, header.lang) == (
        "The Tidewater Clock", "Elspeth Marrow", "English", "en")
    assert (header.ebook, header.release_date) == (10001, "March 3, 2021")


def test_older_style_end_line_before_the_end_marker_is_where_the_body_stops():
    stripped = strip_gutenberg(one_book(GUTENBERG / "10002.txt").text)
    assert stripped.body == wrap(SALT_AND_CEDAR.text)
    assert (stripped.start_marker, stripped.end_marker) == (START_OF_EBOOK, "end_of_project_gutenberg")
    assert (stripped.header.title, stripped.header.ebook, stripped.header.release_date) == (
        "Salt and Cedar", 10002, "May 3, 2004")


def test_small_print_style_takes_title_and_author_from_the_first_line():
    stripped = strip_gutenberg(one_book(GUTENBERG / "10003.txt").text)
    assert stripped.body == wrap(ORCHARD_LEDGER.text)
    assert stripped.start_marker == SMALL_PRINT_END
    assert "SMALL PRINT" not in stripped.body and "Etext" not in stripped.body
    assert (stripped.header.title, stripped.header.author, stripped.header.ebook) == (
        "The Orchard Ledger", "Tobias Fenn", 10003)
    assert stripped.header.lang == "und"  # 1990s headers name no language


def test_latin1_declared_file_is_read_as_windows_1252():
    book = one_book(GUTENBERG / "10004-8.txt")
    assert book.encoding == "cp1252"
    stripped = strip_gutenberg(book.text)
    assert stripped.body == wrap(LE_PASSEUR.text)
    assert "cœur" in stripped.body and "Étienne" in stripped.body and "« La rivière décidera, »" in stripped.body
    assert (stripped.header.language, stripped.header.lang) == ("French", "fr")


def test_gzip_file_with_a_german_end_line():
    book = one_book(GUTENBERG / "10005-0.txt.gz")
    stripped = strip_gutenberg(book.text)
    assert stripped.body == wrap(DER_BRUNNENBAUER.text) and "„Hier.“" in stripped.body
    assert stripped.end_marker == "end_of_project_gutenberg" and stripped.header.lang == "de"


def test_wrapped_start_title_and_a_trailing_licence_block_without_end_marker():
    stripped = strip_gutenberg(one_book(GUTENBERG / "10006.txt").text)
    assert stripped.body == wrap(HARBOUR_SONGS.text)
    assert stripped.end_marker == LICENCE
    assert stripped.header.title == "Harbour Songs, Being Three Sketches of a Working Quay in All Weathers"


def test_unreadable_gutenberg_files_are_input_errors_naming_the_file():
    reasons = {}
    for name in ("bad-truncated.txt.gz", "bad-utf16.txt", "bad-bytes.txt"):
        (item,) = list(read_gutenberg(str(GUTENBERG / name)))
        assert isinstance(item, InputError) and item.path.endswith(name)
        reasons[name] = item.reason
    assert "EOFError" in reasons["bad-truncated.txt.gz"]
    assert "NUL" in reasons["bad-utf16.txt"]
    assert "0x81" in reasons["bad-bytes.txt"] and "ISO-8859-1" in reasons["bad-bytes.txt"]


# --- marker regexes: what they cut and what they keep ---------------------------------------------------------------

BODY = "It was the end of the Project Gutenberg era, he said.\n\nTHE END"


@pytest.mark.parametrize("start", [
    "*** START OF THE PROJECT GUTENBERG EBOOK A TITLE ***",
    "*** START OF THIS PROJECT GUTENBERG EBOOK A TITLE ***",
    "***START OF THE PROJECT GUTENBERG EBOOK A TITLE***",
    "*** START OF THE COPYRIGHTED PROJECT GUTENBERG EBOOK A TITLE ***",
    "  *** start of the project gutenberg ebook a title ***",
])
def test_start_marker_variants_begin_the_body(start):
    stripped = strip_gutenberg(page(f"Title: A Title\n\n{start}", BODY))
    assert stripped.body == BODY and stripped.start_marker == START_OF_EBOOK


@pytest.mark.parametrize("line", [
    "*** START: FULL LICENSE ***",
    "The start of the Project Gutenberg story is told elsewhere.",
    "START OF THE PROJECT GUTENBERG EBOOK WITHOUT ASTERISKS",
])
def test_lines_that_are_not_start_markers(line):
    assert strip_gutenberg(page(line, BODY)).start_marker is None


@pytest.mark.parametrize("small_print", [
    "*END*THE SMALL PRINT! FOR PUBLIC DOMAIN ETEXTS*Ver.04.29.93*END*",
    "*END THE SMALL PRINT! FOR PUBLIC DOMAIN EBOOKS*Ver.02/11/02*END*",
])
def test_the_end_of_the_small_print_begins_the_body(small_print):
    stripped = strip_gutenberg(page(f"**The Legal Small Print**\n\nNo warranty.\n\n{small_print}", BODY))
    assert stripped.body == BODY and stripped.start_marker == SMALL_PRINT_END


def test_a_start_marker_wins_over_small_print_at_the_end_of_the_file():
    text = page("*** START OF THE PROJECT GUTENBERG EBOOK X ***", BODY,
                "*** END OF THE PROJECT GUTENBERG EBOOK X ***\n\nSTART**THE SMALL PRINT!**FOR PUBLIC DOMAIN "
                "EBOOKS**START**\n\n*END*THE SMALL PRINT! FOR PUBLIC DOMAIN EBOOKS*Ver.02/11/02*END*\n")
    assert strip_gutenberg(text).body == BODY


def test_small_print_after_the_footer_does_not_start_a_body():
    text = page("A header without a START line.", BODY,
                "End of the Project Gutenberg EBook of X\n\nSTART**THE SMALL PRINT!**FOR PUBLIC DOMAIN EBOOKS**START**"
                "\n\nNo warranty.\n\n*END THE SMALL PRINT! FOR PUBLIC DOMAIN EBOOKS*Ver.02/11/02*END*\n")
    assert strip_gutenberg(text).start_marker is None


@pytest.mark.parametrize("footer, name", [
    ("*** END OF THE PROJECT GUTENBERG EBOOK A TITLE ***", "end_of_ebook"),
    ("*** END OF THIS PROJECT GUTENBERG EBOOK A TITLE ***", "end_of_ebook"),
    ("***END OF THE PROJECT GUTENBERG EBOOK A TITLE***", "end_of_ebook"),
    ("End of the Project Gutenberg EBook of A Title, by Somebody", "end_of_project_gutenberg"),
    ("End of Project Gutenberg's A Title, by Somebody", "end_of_project_gutenberg"),
    ("End of this Project Gutenberg Etext of A Title", "end_of_project_gutenberg"),
    ("END OF PROJECT GUTENBERG EBOOK", "end_of_project_gutenberg"),
    ("Ende dieses Project Gutenberg Etextes A Title", "end_of_project_gutenberg"),
    ("Fin de Project Gutenberg A Title", "end_of_project_gutenberg"),
    ("*** START: FULL LICENSE ***", LICENCE),
    ("THE FULL PROJECT GUTENBERG LICENSE", LICENCE),
    ("PLEASE READ THIS BEFORE YOU DISTRIBUTE OR USE THIS WORK", LICENCE),
    ("START**THE SMALL PRINT!**FOR PUBLIC DOMAIN EBOOKS**START**", LICENCE),
])
def test_end_and_licence_lines_end_the_body_and_keep_what_precedes(footer, name):
    text = page("*** START OF THE PROJECT GUTENBERG EBOOK A TITLE ***", BODY, f"{footer}\n\nLicence words.\n")
    stripped = strip_gutenberg(text)
    assert stripped.body == BODY and stripped.end_marker == name  # "end of the Project Gutenberg era" mid-line stays


def test_the_first_footer_line_wins():
    text = page("*** START OF THIS PROJECT GUTENBERG EBOOK X ***", BODY,
                "End of the Project Gutenberg EBook of X\n\n*** END OF THIS PROJECT GUTENBERG EBOOK X ***\n\n"
                "*** START: FULL LICENSE ***\n")
    assert strip_gutenberg(text).end_marker == "end_of_project_gutenberg"


@pytest.mark.parametrize("credits", [
    "Produced by A. Reader and the Online Distributed\nProofreading Team",
    "E-text prepared by A. Reader",
    "This etext was prepared by A. Reader.",
    "Transcribed by A. Reader from the 1901 edition.",
])
def test_a_credits_paragraph_right_after_the_marker_is_removed(credits):
    text = page("*** START OF THE PROJECT GUTENBERG EBOOK X ***", f"\n\n{credits}\n\n\n{BODY}")
    assert strip_gutenberg(text).body == BODY


def test_credit_words_later_in_the_book_are_kept():
    body = "Chapter One\n\nProduced by the river, the mist rose slowly.\n\nTHE END"
    assert strip_gutenberg(page("*** START OF THE PROJECT GUTENBERG EBOOK X ***", body)).body == body


def test_a_book_without_markers_is_reported_and_kept_whole():
    stripped = strip_gutenberg("Title: Loose Pages\n\nSome text.\n\nMore text.")
    assert stripped.start_marker is None and stripped.end_marker is None
    assert stripped.body == "Title: Loose Pages\n\nSome text.\n\nMore text."
    assert stripped.header.title == "Loose Pages"


# --- header metadata ------------------------------------------------------------------------------------------------


def test_header_fields_with_continuation_lines():
    header = parse_header(
        "The Project Gutenberg eBook of The Long Road\n\nTitle: The Long Road\n       Home Again\n\n"
        "Author: Ann Other\n\nRelease date: June 1, 1998 [eBook #1342]\n"
        "                Most recently updated: June 17, 2024\n\nLanguage: English\n")
    assert (header.title, header.author, header.ebook, header.release_date, header.lang) == (
        "The Long Road Home Again", "Ann Other", 1342, "June 1, 1998", "en")


@pytest.mark.parametrize("line, number", [
    ("Release Date: March, 2004 [EBook #5432]", 5432),
    ("Release date: June 1, 1998 [eBook #1342]", 1342),
    ("[Etext #123]", 123),
    ("[E-text #42]", 42),
    ("Posting Date: May 4, 2009 [EBook#77]", 77),
    ("This is Book #3 of the series", None),
    ("An eBook of the old kind", None),
])
def test_ebook_number(line, number):
    assert parse_header(line).ebook == number


@pytest.mark.parametrize("first_line, title, author", [
    ("The Project Gutenberg EBook of Pride of Place, by Jo Quill", "Pride of Place", "Jo Quill"),
    ("Project Gutenberg's The Salt Road, by Ann Other", "The Salt Road", "Ann Other"),
    ("**The Project Gutenberg Etext of Who Goes There?**", "Who Goes There?", None),
    ("The Project Gutenberg eBook of Moss", "Moss", None),
    ("A Book About Gutenberg's Press", None, None),
])
def test_title_and_author_from_the_first_line_when_there_is_no_title_field(first_line, title, author):
    header = parse_header(f"{first_line}\n\nSome licence words.\n")
    assert (header.title, header.author) == (title, author)


@pytest.mark.parametrize("language, code", [
    ("English", "en"), ("french", "fr"), ("French and English", "fr"), ("German, Latin", "de"), ("en", "en"),
    ("Klingon", "und"), (None, "und"), ("", "und"),
])
def test_language_names_map_to_iso_639_1(language, code):
    assert language_code(language) == code


# --- decoding ---------------------------------------------------------------------------------------------------


def test_valid_utf8_wins_over_a_latin1_declaration():
    data = "Character set encoding: ISO-8859-1\n\nCafé".encode("utf-8")
    assert decode_book(data) == ("Character set encoding: ISO-8859-1\n\nCafé", "utf-8")


def test_a_declared_codec_is_used_when_utf8_fails():
    data = "Character set encoding: ISO-8859-2\n\nŁódź".encode("iso-8859-2")
    assert decode_book(data) == ("Character set encoding: ISO-8859-2\n\nŁódź", "iso8859-2")


def test_undeclared_non_utf8_falls_back_to_windows_1252_and_normalises_line_ends():
    assert decode_book(b"\xabOui\xbb, dit-il \x96 \x93bien\x94.\r\nFin\r") == ("«Oui», dit-il – “bien”.\nFin\n",
                                                                                "cp1252")


def test_bom_is_dropped():
    assert decode_book(b"\xef\xbb\xbfText") == ("Text", "utf-8")


@pytest.mark.parametrize("data, message", [
    (b"Caf\xc3 \x81\x8d", "cannot decode as UTF-8"),
    ("Text".encode("utf-16"), "NUL"),
    (b"Character set encoding: UTF-8\n\xff\x81", "declares 'UTF-8'"),
])
def test_undecodable_bytes_raise(data, message):
    with pytest.raises(UndecodableBook, match=message):
        decode_book(data)


@pytest.mark.parametrize("label, codec", [
    ("ISO-8859-1", "cp1252"), ("ISO Latin-1", "cp1252"), ("ASCII", "cp1252"), ("latin1", "cp1252"),
    ("UTF-8", "utf-8"), ("Unicode UTF-8", "utf-8"), ("ISO-8859-15", "iso8859-15"), ("Windows-1251", "cp1251"),
    ("MARC-8", None),
])
def test_declared_labels(label, codec):
    assert codec_for_label(label) == codec


# --- Books3 reading -------------------------------------------------------------------------------------------------


def test_books3_jsonl_records_and_bad_lines():
    items = list(read_books3(str(BOOKS3 / "books3-part-00.jsonl")))
    records = [i for i in items if isinstance(i, RawBook)]
    errors = [i for i in items if isinstance(i, InputError)]
    assert [r.line for r in records] == [1, 2, 3] and records[0].title.endswith("(Books3 edition)")
    assert [e.reason.split(":")[0] for e in errors] == ["line 5, column 53", "line 6"]
    raw = (BOOKS3 / "books3-part-00.jsonl").read_bytes()
    assert all(raw[e.offset:].startswith(b"{") for e in errors)  # offsets point at the bad lines


def test_books3_gzip_jsonl_cut_short_yields_the_records_before_the_cut():
    items = list(read_books3(str(BOOKS3 / "bad-truncated.jsonl.gz")))
    assert [type(i).__name__ for i in items] == ["RawBook", "RawBook", "InputError"]
    assert "EOFError" in items[-1].reason and items[-1].offset > 0


def test_books3_text_file_is_one_book():
    (book,) = list(read_books3(str(BOOKS3 / "The Lamplighter of Vell.epub.txt")))
    assert book.line is None and book.text.startswith("Chapter One")


def test_books3_jsonl_without_any_record_is_an_input_error(tmp_path):
    (tmp_path / "empty.jsonl").write_bytes(b"\n\n")
    (item,) = list(read_books3(str(tmp_path / "empty.jsonl")))
    assert isinstance(item, InputError) and "no JSON record" in item.reason


@pytest.mark.parametrize("path, stem, number", [
    ("/m/1342.txt", "1342", 1342), ("/m/1342-0.txt", "1342-0", 1342), ("/m/1342-8.txt.gz", "1342-8", 1342),
    ("gs://b/pg1342.txt", "pg1342", 1342), ("/b3/The Salt Road.epub.txt", "The Salt Road", None),
    ("/b3/part-00.jsonl.gz", "part-00", None), ("/m/1342-5.txt", "1342-5", None),
])
def test_file_stems_and_ebook_numbers_from_names(path, stem, number):
    assert (file_stem(path), ebook_number_from_path(path)) == (stem, number)


# --- documents and ids ----------------------------------------------------------------------------------------------


def test_gutenberg_without_markers_is_dropped_unless_asked_to_keep_it():
    book = one_book(GUTENBERG / "no-markers.txt")
    assert books.gutenberg_document(book) == books.NO_MARKERS
    doc = books.gutenberg_document(book, keep_unmarked=True)
    assert doc["id"] == "books/gutenberg/no-markers" and doc["text"].startswith("A Note Left in a Drawer")


def test_gutenberg_with_nothing_between_the_markers_is_empty_after_strip():
    assert books.gutenberg_document(one_book(GUTENBERG / "10007.txt")) == books.EMPTY


def test_gutenberg_document_id_and_meta():
    doc = books.gutenberg_document(one_book(GUTENBERG / "10004-8.txt"))
    meta = json.loads(doc["meta"])
    assert (doc["id"], doc["lang"], doc["source"]) == ("books/gutenberg/10004", "fr", "books")
    assert meta["encoding"] == "cp1252" and meta["ebook"] == 10004 and meta["collection"] == "gutenberg"


def test_ids_never_collide_across_collections():
    gutenberg = books.gutenberg_document(one_book(GUTENBERG / "10001.txt"))
    (books3_file,) = list(read_books3(str(BOOKS3 / "10001.txt")))
    assert gutenberg["id"] == "books/gutenberg/10001"
    assert books.books3_document(books3_file)["id"] == "books/books3/10001"


def test_books3_jsonl_ids_are_content_addressed():
    a = RawBook("books3", "/x/a.jsonl", "Same text.", "utf-8", title="T", line=1, offset=0)
    b = RawBook("books3", "/y/b.jsonl", "Same text.", "utf-8", title="T", line=9, offset=500)
    c = RawBook("books3", "/x/a.jsonl", "Other text.", "utf-8", title="T", line=2, offset=11)
    ids = [books.books3_document(r)["id"] for r in (a, b, c)]
    assert ids[0] == ids[1] != ids[2] and ids[0].startswith("books/books3/sha1-")


def test_one_copy_per_id_prefers_utf8_then_longer_then_smaller_path():
    def copy(text, encoding, path):
        return make_document("books", "gutenberg/1", text, "en", {"encoding": encoding, "file": path})

    latin = copy("Longer text here", "cp1252", "/a/1-8.txt")
    utf8 = copy("Short text", "utf-8", "/b/1-0.txt")
    assert min([latin, utf8], key=books.copy_preference) is utf8
    longer, shorter = copy("Longer text", "utf-8", "/z"), copy("Text", "utf-8", "/a")
    assert min([shorter, longer], key=books.copy_preference) is longer
    first, second = copy("Same", "utf-8", "/a/1.txt"), copy("Same", "utf-8", "/b/1.txt")
    assert min([second, first], key=books.copy_preference) is first


# --- containment and LSH (pure) -------------------------------------------------------------------------------------


@pytest.mark.parametrize("smaller, larger, inside", [(90, 100, 81), (50, 100, 45), (25, 100, 20), (100, 100, 100)])
def test_containment_jaccard_matches_exact_sets(smaller, larger, inside):
    a = np.arange(smaller, dtype=np.uint64)  # `inside` of them in b
    b = np.concatenate([np.arange(inside, dtype=np.uint64),
                        np.arange(1000, 1000 + larger - inside, dtype=np.uint64)])
    exact = jaccard(np.unique(a), np.unique(b))
    assert books.containment_jaccard(inside / smaller, smaller / larger) == pytest.approx(exact)
    assert books.overlap_coefficient(np.unique(a), np.unique(b)) == pytest.approx(inside / smaller)


def test_lsh_bands_reach_the_recall_at_the_jaccard_floor_and_no_more_rows_would():
    bands, rows = books.containment_lsh_params()
    floor = books.containment_jaccard(0.9, 0.5)
    assert (bands, rows) == (85, 3) and floor == pytest.approx(0.4286, abs=1e-4)
    assert books.candidate_probability(floor, bands, rows) >= 0.99
    assert books.candidate_probability(floor, 256 // (rows + 1), rows + 1) < 0.99
    assert books.candidate_probability(0.005, bands, rows) < 1e-4  # two unrelated books


def test_lsh_params_refuse_what_cannot_be_reached():
    with pytest.raises(ValueError, match="use more permutations"):
        books.containment_lsh_params(0.9, 0.01, num_perm=4, recall=0.999)


def test_bucket_pairs_orient_every_pair_towards_the_longer_book_then_the_smaller_id():
    members = [(100, "b/x"), (300, "b/z"), (100, "b/a")]
    assert sorted(books.bucket_pairs(members)) == [("b/a", "b/z"), ("b/x", "b/a"), ("b/x", "b/z")]


def test_large_buckets_pair_each_member_with_the_top_book_only():
    members = [(n, f"b/{n:03d}") for n in range(10)]
    assert books.is_large_bucket(members, 4) and not books.is_large_bucket(members, 10)
    assert sorted(books.bucket_pairs(members, max_all_pairs=4)) == [(f"b/{n:03d}", "b/009") for n in range(9)]


def test_chains_are_decided_pair_by_pair_and_ties_keep_the_smaller_id():
    base, x, y, z = (generated_paragraphs(s, n) for s, n in ((11, 40), (12, 3), (13, 5), (14, 10)))
    texts = {
        "books/t/a": base[:25] + x,       # entirely inside b
        "books/t/b": base[:25] + x + y,   # >= 90% inside c
        "books/t/c": base[:25] + y + z,   # the longest: kept
        "books/t/e": generated_paragraphs(15, 8),
        "books/t/f": generated_paragraphs(15, 8),  # same text and length as e: the larger id goes
        "books/t/g": generated_paragraphs(16, 8),
    }
    texts = {doc_id: "\n\n".join(paragraphs) for doc_id, paragraphs in texts.items()}
    sets = {doc_id: shingle_set(text) for doc_id, text in texts.items()}
    overlap = books.overlap_coefficient
    assert overlap(sets["books/t/a"], sets["books/t/b"]) >= 0.9 and overlap(sets["books/t/b"], sets["books/t/c"]) >= 0.9
    assert overlap(sets["books/t/a"], sets["books/t/c"]) < 0.9  # a goes because of b, itself dropped
    docs = [make_document("books", doc_id[len("books/"):], text, "en", {}) for doc_id, text in texts.items()]
    with beam.Pipeline() as pipeline:
        kept = pipeline | beam.Create(docs) | books.OverlapDedup() | beam.Map(lambda doc: doc["id"])
        assert_that(kept, equal_to(["books/t/c", "books/t/e", "books/t/g"]))


# --- the pipeline end to end ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fixtures_run(tmp_path_factory):
    output = tmp_path_factory.mktemp("books")
    manifest = books.run([str(GUTENBERG / "*")], str(output), [str(BOOKS3 / "*")])
    docs = [row for part in sorted(output.glob("part-*.parquet")) for row in pq.read_table(part).to_pylist()]
    return output, manifest, {doc["id"]: doc for doc in docs}


def test_funnel_invariant_and_every_drop_counted_by_reason(fixtures_run):
    _, manifest, docs = fixtures_run
    funnel = manifest["funnel"]
    assert [s["step"] for s in funnel] == list(books.STEPS)
    previous = None
    for step in funnel:
        assert step["in"] == step["kept"] + sum(step["dropped"].values()), step
        assert previous is None or step["in"] == previous
        previous = step["kept"]
    read, strip, id_dedup, overlap = funnel
    assert read == {"step": "read", "in": 26, "kept": 20, "dropped": {"input_error": 6}}
    assert strip["dropped"] == {"empty_after_strip": 2, "no_gutenberg_markers": 1}
    assert id_dedup["dropped"] == {"duplicate_id": 2}
    assert overlap["dropped"] == {"overlapping_book": 1}
    assert overlap["kept"] == len(docs) == manifest["stats"]["docs"] == 14


def test_input_errors_are_written_with_their_files(fixtures_run):
    output, manifest, _ = fixtures_run
    errors = [json.loads(line) for path in (output / "rejected").glob("input_errors*.jsonl")
              for line in path.read_text().splitlines()]
    assert sorted(Path(e["path"]).name for e in errors) == [
        "bad-bytes.txt", "bad-truncated.jsonl.gz", "bad-truncated.txt.gz", "bad-utf16.txt",
        "books3-part-00.jsonl", "books3-part-00.jsonl"]


def test_the_latin1_file_is_decoded_and_counted(fixtures_run):
    _, manifest, docs = fixtures_run
    counters = manifest["stats"]["counters"]
    assert counters["read/encoding/cp1252"] == 1 and counters["read/encoding_fallback"] == 1
    assert "cœur" in docs["books/gutenberg/10004"]["text"]


def test_more_than_90_percent_shared_drops_the_shorter_book_across_collections(fixtures_run):
    _, manifest, docs = fixtures_run
    assert docs["books/gutenberg/20001"]["text"] == wrap(ALMANAC.text)
    assert not any(json.loads(d["meta"])["title"] == "The Lantern Keeper's Almanac (Books3 edition)"
                   for d in docs.values())
    assert books.overlap_coefficient(shingle_set(wrap(ALMANAC.text)), shingle_set(almanac_copy())) > 0.9


def test_60_percent_shared_keeps_both_books(fixtures_run):
    _, manifest, docs = fixtures_run
    shared = books.overlap_coefficient(shingle_set(wrap(ALMANAC.text)), shingle_set(wrap(SECOND_ALMANAC.text)))
    assert 0.55 < shared < 0.65
    assert {"books/gutenberg/20001", "books/gutenberg/20003"} <= docs.keys()
    # They were LSH candidates (Jaccard ~0.43), rejected by the exact containment check.
    assert manifest["stats"]["counters"]["overlap_dedup/candidates_below_threshold"] >= 1


def test_ids_are_unique_and_both_collections_keep_their_10001(fixtures_run):
    _, manifest, docs = fixtures_run
    assert {"books/gutenberg/10001", "books/books3/10001"} <= docs.keys()
    assert sorted(i for i in docs if i.startswith("books/gutenberg/")) == [
        f"books/gutenberg/{n}" for n in (10001, 10002, 10003, 10004, 10005, 10006, 20001, 20003)]
    kept_copy = json.loads(docs["books/gutenberg/10002"]["meta"])["file"]
    assert kept_copy.endswith("10002-0.txt")  # same text and encoding: the smaller path
    assert all("Project Gutenberg" not in d["text"] for d in docs.values())


def test_manifest_verifies_and_records_the_lsh_settings(fixtures_run):
    output, manifest, _ = fixtures_run
    assert verify_manifest(str(output)) == []
    assert (manifest["config"]["lsh_bands"], manifest["config"]["lsh_rows"]) == (85, 3)
    assert manifest["config"]["books3"] == [str(BOOKS3 / "*")]


def test_a_file_in_both_collections_is_refused(tmp_path):
    with pytest.raises(ValueError, match="matched by both"):
        books.run([str(GUTENBERG / "10001.txt")], str(tmp_path / "out"), [str(GUTENBERG / "1000*.txt")])


def test_command_line_needs_an_input(tmp_path):
    with pytest.raises(SystemExit):
        books.main(["--output", str(tmp_path / "out")])


def test_demo_sample_through_the_command_line(tmp_path):
    demo = Path(books.__file__).resolve().parent.parent / "demo_data" / "books"
    assert books.main(["--input", str(demo / "gutenberg" / "*"), "--books3", str(demo / "books3" / "*.jsonl"),
                       "--output", str(tmp_path / "out"), "--num-shards", "1"]) == 0
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["funnel"][0]["dropped"] == {} and manifest["funnel"][-1]["dropped"] == {"overlapping_book": 1}
    assert manifest["stats"]["docs"] == 8
