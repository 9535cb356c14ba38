"""The StackExchange source: reader, HTML to text, answer order, site choice, then the pipeline on the DirectRunner
over tests/data/stackexchange (written by make_stackexchange_fixtures.py)."""
import importlib.util
import io
import json
import os
import sys
import threading
import tracemalloc
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from manifests import verify_manifest
from pipelines.readers.mediawiki import InputError
from pipelines.readers.stackexchange import (
    Post, archive_site, check_prolog, parse_posts, parse_tags, posts_member, read_site_dump, site_of,
)
from pipelines.sources import stackexchange as se
from pipelines.sources.stackexchange import (
    SiteDump, StackExchangeConfig, answer_order, find_site_dumps, format_thread, html_to_text, select_sites,
    site_language, thread_document,
)

DATA = Path(__file__).parent / "data" / "stackexchange"
DEMO = Path(__file__).parent.parent / "pipelines" / "demo_data" / "stackexchange"
COOKING = str(DATA / "cooking.stackexchange.com" / "Posts.xml")
GARDENING = str(DATA / "gardening.stackexchange.com.7z")
BOMB = str(DATA / "bomb.stackexchange.com" / "Posts.xml")
BAD_BYTES = str(DATA / "badbytes.stackexchange.com" / "Posts.xml")


def _generator():
    """The fixture generator, imported by path without writing bytecode among the fixtures."""
    spec = importlib.util.spec_from_file_location("make_stackexchange_fixtures",
                                                  DATA / "make_stackexchange_fixtures.py")
    module = importlib.util.module_from_spec(spec)
    sys.dont_write_bytecode, before = True, sys.dont_write_bytecode
    try:
        spec.loader.exec_module(module)
    finally:
        sys.dont_write_bytecode = before
    return module


fx = _generator()


def post(post_id: int, score: int = 0, post_type: int = 2, body: str = "", title: str | None = None,
         site: str = "cooking.stackexchange.com") -> Post:
    return Post(site=site, post_id=post_id, post_type=post_type, parent_id=1 if post_type == 2 else None,
                accepted_answer_id=None, score=score, title=title, body=body, tags=(), creation_date=None,
                line=post_id)


# --- answer order and format ---------------------------------------------------------------------------------


def test_answers_sort_by_numeric_score_descending():
    answers = [post(2, 10), post(3, 9), post(4, -1), post(5, 100)]
    assert [a.score for a in sorted(answers, key=answer_order)] == [100, 10, 9, -1]


def test_answers_with_equal_scores_keep_the_smaller_id_first():
    assert [a.post_id for a in sorted([post(8, 2), post(7, 2), post(9, 3)], key=answer_order)] == [9, 7, 8]


def test_thread_is_formatted_question_then_answers_by_score():
    question = post(1, 5, post_type=1, title="Why?", body="<p>Because &amp; so.</p>")
    doc = thread_document(question, [post(2, 9, body="<p>nine</p>"), post(3, 10, body="<p>ten</p>"),
                                     post(4, -1, body="<p>minus one</p>"), post(5, 100, body="<p>hundred</p>")])
    assert doc["text"] == "Q: Why?\nBecause & so.\n\nA: hundred\n\nA: ten\n\nA: nine\n\nA: minus one"
    assert doc["id"] == "stackexchange/cooking.stackexchange.com/1"
    meta = json.loads(doc["meta"])
    assert (meta["site"], meta["question_id"], meta["score"]) == ("cooking.stackexchange.com", 1, 5)
    assert [a["id"] for a in meta["answers"]] == [5, 3, 2, 4]


def test_format_thread_leaves_out_empty_parts():
    assert format_thread("Title", "", ["", "answer"]) == "Q: Title\n\nA: answer"


def test_thread_without_title_or_body_is_empty():
    assert thread_document(post(1, post_type=1, title=" ", body="<p> </p>"), [post(2, body="x")]) == se.EMPTY


# --- HTML to text ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("html, text", [
    ("<p>a &amp; b &lt;c&gt; &eacute;t&eacute;&nbsp;&#8212;&#x41;</p>", "a & b <c> été\u00a0—A"),
    ("<p>one</p>\n<p>two</p>", "one\n\ntwo"),
    ("<p>spaces   and\nnewlines   collapse</p>", "spaces and newlines collapse"),
    ("<p>line<br>break</p>", "line\nbreak"),
    ("<pre><code>def f(x):\n    return x &lt; 2\n\n\nprint(f(1))\n</code></pre>",
     "def f(x):\n    return x < 2\n\n\nprint(f(1))"),
    ("<p>see:</p><pre><code>  a  b</code></pre><p>after</p>", "see:\n\n  a  b\n\nafter"),
    ("<ul><li>one</li><li><p>two</p></li></ul>", "- one\n- two"),
    ("<ol><li>first</li><li>second</li></ol><ul><li>x</li></ul>", "1. first\n2. second\n\n- x"),
    ("<ol><li>a<ul><li>inner</li></ul></li><li>b</li></ol>", "1. a\n\n- inner\n\n2. b"),
    ("<p>a <strong>bold</strong> <em>word</em> <a href='http://x.example'>link</a> <code>x=1</code></p>",
     "a bold word link x=1"),
    ("<p>before<!-- hidden --> after</p>", "before after"),
    ("<blockquote><p>quoted</p></blockquote><h2>Head</h2>tail", "quoted\n\nHead\n\ntail"),
    ("<img src='x.png' alt='a picture'><hr>", ""),
    ("<script>alert(1)</script>", "alert(1)"),  # tags go, their text stays: the dumps hold no scripts
    ("plain text, no tags", "plain text, no tags"),
    ("", ""),
])
def test_html_to_text(html, text):
    assert html_to_text(html) == text


# --- reader --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("raw, tags", [
    ("<baking><bread>", ("baking", "bread")),
    ("|tomatoes|pruning|", ("tomatoes", "pruning")),
    ("<c++><c#>", ("c++", "c#")),
    ("", ()),
    (None, ()),
])
def test_parse_tags_reads_both_dump_formats(raw, tags):
    assert parse_tags(raw) == tags


@pytest.mark.parametrize("path, site", [
    ("dumps/cooking.stackexchange.com.7z", ("cooking.stackexchange.com", None)),
    ("stackoverflow.com-Posts.7z", ("stackoverflow.com", "Posts")),
    ("stackoverflow.com-Users.7z", ("stackoverflow.com", "Users")),
    ("ru.stackoverflow.com.7z", ("ru.stackoverflow.com", None)),
    ("cooking.stackexchange.com/Posts.xml", None),
    ("notes.7z.txt", None),
])
def test_archive_site_from_the_file_name(path, site):
    assert archive_site(path) == site


def test_site_of_a_folder_dump_is_the_folder_name():
    assert site_of("/data/se/cooking.stackexchange.com/Posts.xml") == "cooking.stackexchange.com"
    assert site_of("gs://bucket/se/stackoverflow.com-Posts.7z") == "stackoverflow.com"


def test_posts_member_prefers_the_archive_root():
    assert posts_member(["a/Posts.xml", "Posts.xml", "Users.xml"]) == "Posts.xml"
    assert posts_member(["Users.xml"]) is None


@pytest.mark.parametrize("head, refused", [
    (b'<?xml version="1.0" encoding="utf-8"?>\n<posts>', None),
    (b'\xef\xbb\xbf<?xml version="1.0"?><!-- c --><posts>', None),
    (b'<?xml version="1.0"?>\n<!DOCTYPE posts [<!ENTITY a "b">]><posts>', "DOCTYPE"),
    (b'<!-- c -->\n<!doctype posts SYSTEM "http://x.example/p.dtd"><posts>', "DOCTYPE"),
    (b"\xff\xfe<\x00p\x00", "UTF-16"),
    (b"not xml at all", "root element"),
])
def test_check_prolog_refuses_doctypes(head, refused):
    result = check_prolog(head)
    assert (result is None) if refused is None else (refused in result)


class _OneByteAtATime(io.BytesIO):
    def read(self, size=-1):
        return super().read(1)


def test_prolog_check_reads_on_until_it_can_decide():
    bomb = Path(BOMB).read_bytes()
    [error] = list(parse_posts("Posts.xml", "s", _OneByteAtATime(bomb)))
    assert "DOCTYPE" in error.reason
    good = fx.posts_xml([fx.question(1, "t", "<p>x</p>")])
    assert [p.post_id for p in parse_posts("Posts.xml", "s", _OneByteAtATime(good))] == [1]


def test_reader_reads_every_row_of_a_folder_dump():
    items = list(read_site_dump(COOKING))
    errors = [i for i in items if isinstance(i, InputError)]
    posts = [i for i in items if isinstance(i, Post)]
    assert [p.post_id for p in posts] == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]
    assert len(errors) == 1 and "expected attribute Id" in errors[0].reason and errors[0].path == COOKING
    first = posts[0]
    assert (first.post_type, first.score, first.tags, first.accepted_answer_id) == (1, 12, ("baking", "bread"), 2)
    assert first.body.startswith("<p>My loaf rises well &amp; then falls flat")  # HTML, entities of the XML decoded
    assert "\n" in first.body  # &#xA; in the attribute


def test_reader_streams_posts_xml_out_of_a_7z_archive_without_writing_files(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    posts = list(read_site_dump(GARDENING))
    assert [(p.site, p.post_id, p.post_type) for p in posts] == [
        ("gardening.stackexchange.com", 1, 1), ("gardening.stackexchange.com", 2, 2)]
    assert list(tmp_path.iterdir()) == []


def test_reader_stopped_early_ends_the_extraction_thread():
    before = threading.active_count()
    items = read_site_dump(GARDENING)
    next(items)
    items.close()
    assert threading.active_count() == before


def test_archive_that_is_not_7z_is_an_input_error(tmp_path):
    broken = tmp_path / "broken.stackexchange.com.7z"
    broken.write_bytes(b"7z? no, just text")
    [error] = list(read_site_dump(str(broken)))
    assert isinstance(error, InputError) and "not a readable 7z archive" in error.reason


def test_corrupt_archive_member_is_an_input_error_naming_the_member(tmp_path):
    rows = [fx.question(i, f"Question {i}", "<p>" + f"text {i} " * 50 + "</p>") for i in range(1, 2001)]
    path = tmp_path / "corrupt.stackexchange.com.7z"
    fx.write_7z(path, {"Posts.xml": fx.posts_xml(rows)})
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle:middle + 64] = bytes(64)  # zeros in the middle of the LZMA stream
    path.write_bytes(bytes(data))
    items = list(read_site_dump(str(path)))
    assert isinstance(items[-1], InputError) and str(path) in items[-1].path
    assert all(isinstance(i, Post) for i in items[:-1]) and len(items) - 1 < 2000


def test_entity_bomb_is_one_input_error_without_memory_blow_up():
    tracemalloc.start()
    try:
        items = list(read_site_dump(BOMB))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(items) == 1 and isinstance(items[0], InputError) and "DOCTYPE" in items[0].reason
    assert peak < 2 << 20  # expanded, the bomb's Body would be 4 × 47 × 10^9 characters


def test_undecodable_bytes_end_the_file_with_one_error_after_the_good_rows():
    items = list(read_site_dump(BAD_BYTES))
    assert [type(i).__name__ for i in items] == ["Post", "Post", "InputError"]
    assert "line 5" in items[-1].reason and "UTF-8" in items[-1].reason


def test_rows_with_bad_fields_are_errors_naming_the_row():
    xml = fx.posts_xml([fx.row(Id=1, PostTypeId=2, Score=1, Body="x"),  # answer without ParentId
                        fx.row(Id=2, PostTypeId=1, Score="many", Title="t", Body="x"),
                        fx.row(Id=3, PostTypeId=1, Score=1, Body="x"),  # question without Title
                        fx.row(Id=4, PostTypeId=1, Score=1, Title="t", Body="x")])
    items = list(parse_posts("Posts.xml", "s", io.BytesIO(xml)))
    reasons = [i.reason for i in items if isinstance(i, InputError)]
    assert len(reasons) == 3
    assert "Id='1'" in reasons[0] and "ParentId" in reasons[0]
    assert "integer Score" in reasons[1] and "'many'" in reasons[1]
    assert "Id=3" in reasons[2] and "Title" in reasons[2]
    assert isinstance(items[-1], Post) and items[-1].post_id == 4


def test_reader_memory_stays_flat_over_many_rows():
    rows = [fx.question(i, f"Question {i}", "<p>" + "word " * 200 + "</p>", answers=0) for i in range(1, 3001)]
    xml = fx.posts_xml(rows)
    tracemalloc.start()
    try:
        count = sum(1 for _ in parse_posts("Posts.xml", "s", io.BytesIO(xml)))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 3000
    assert peak < len(xml) // 2, (peak, len(xml))  # the parsed tree is cleared row by row


def test_join_counts_every_post_of_a_group():
    counted = []

    class Counter:
        def kept(self, n=1):
            counted.append(("kept", n))

        def dropped(self, reason, n=1):
            counted.append((reason, n))

    join = se.JoinThreads(keep_unanswered=False)
    join.join = Counter()
    q1, q2 = post(1, post_type=1, title="a"), Post(**{**post(1, post_type=1, title="b").__dict__, "line": 99})
    [(question, answers)] = list(join.process((("s", 1), [q2, post(3), q1, post(2)])))
    assert question.title == "a" and [a.post_id for a in answers] == [3, 2]
    assert list(join.process((("s", 7), [post(4), post(5)]))) == []
    assert list(join.process((("s", 8), [post(8, post_type=1, title="c")]))) == []
    assert counted == [("duplicate_question", 1), ("merged_into_question", 2), ("kept", 1),
                       ("answer_without_question", 2), ("question_without_answers", 1)]


# --- sites -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("site, lang", [
    ("cooking.stackexchange.com", "en"),
    ("stackoverflow.com", "en"),
    ("ru.stackoverflow.com", "ru"),
    ("es.stackoverflow.com", "es"),
    ("pt.meta.stackoverflow.com", "pt"),
    ("ja.stackoverflow.com", "ja"),
    ("cs.stackexchange.com", "en"),  # computer science, not Czech
    ("french.stackexchange.com", "en"),
])
def test_site_language(site, lang):
    assert site_language(site) == lang


def test_top_sites_by_posts_xml_size_then_name():
    dumps = [SiteDump("a", "a.7z", 10), SiteDump("b", "b.7z", 30), SiteDump("c", "c/Posts.xml", 30),
             SiteDump("d", "d.7z", 5), SiteDump("x", "x.7z", -1, "archive holds no Posts.xml")]
    selected, others = select_sites(dumps, top=2)
    assert [d.site for d in selected] == ["b", "c", "x"]  # the broken archive goes on, to be counted
    assert [d.site for d in others] == ["a", "d"]


def test_named_sites_are_selected_and_unknown_names_are_an_error():
    dumps = [SiteDump("a", "a.7z", 10), SiteDump("b", "b.7z", 30)]
    assert [d.site for d in select_sites(dumps, sites=["a"])[0]] == ["a"]
    with pytest.raises(ValueError, match="--sites zz"):
        select_sites(dumps, sites=["zz"])
    with pytest.raises(ValueError, match="found twice"):
        select_sites(dumps + [SiteDump("a", "a/Posts.xml", 1)])


def test_find_site_dumps_in_a_folder_of_sites_reads_archive_sizes_from_the_header():
    dumps = {d.site: d for d in find_site_dumps([str(DATA)])}
    assert set(dumps) == {"cooking.stackexchange.com", "gardening.stackexchange.com", "bomb.stackexchange.com",
                          "badbytes.stackexchange.com"}
    assert dumps["gardening.stackexchange.com"].size == len(fx.posts_xml(fx.GARDENING))  # uncompressed
    assert dumps["cooking.stackexchange.com"].size == os.path.getsize(COOKING)


# --- the pipeline ----------------------------------------------------------------------------------------------


def read_docs(output: Path) -> dict[str, dict]:
    docs = [row for path in sorted(output.glob("part-*.parquet")) for row in pq.read_table(path).to_pylist()]
    return {d["id"]: d for d in docs}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    output = tmp_path_factory.mktemp("stackexchange")
    manifest = se.run([str(DATA)], str(output), StackExchangeConfig(top_sites=3))
    return output, manifest, read_docs(output)


def test_pipeline_funnel_holds_and_counts_every_drop(corpus):
    _, manifest, docs = corpus
    funnel = {s["step"]: s for s in manifest["funnel"]}
    assert [s["step"] for s in manifest["funnel"]] == list(se.STEPS)
    previous = None
    for step in manifest["funnel"]:
        assert step["in"] == step["kept"] + sum(step["dropped"].values())
        if previous is not None:
            assert step["in"] == previous
        previous = step["kept"]
    assert previous == len(docs) == manifest["stats"]["docs"]
    # cooking: 13 posts + a row without Id; bomb: 1 file error; badbytes: 2 posts, then undecodable bytes;
    # gardening (the smallest) is not selected
    assert funnel["read"]["dropped"] == {"input_error": 3, "not_question_or_answer": 1}
    assert funnel["join"]["dropped"] == {"answer_without_question": 1, "merged_into_question": 8,
                                         "question_without_answers": 1}
    assert funnel["format"]["dropped"] == {"empty": 1}
    assert manifest["stats"]["sites"] == {"selected": 3, "not_selected": 1, "not_selected_posts_xml_bytes":
                                          len(fx.posts_xml(fx.GARDENING))}
    assert [s["site"] for s in manifest["config"]["sites_not_selected"]] == ["gardening.stackexchange.com"]
    verify_manifest(str(corpus[0]))


def test_pipeline_input_errors_name_the_file(corpus):
    _, manifest, _ = corpus
    paths = {Path(e["path"]).parent.name for e in manifest["input_errors"]["examples"]}
    assert paths == {"cooking.stackexchange.com", "bomb.stackexchange.com", "badbytes.stackexchange.com"}


def test_pipeline_documents_are_ordered_threads(corpus):
    _, _, docs = corpus
    assert set(docs) == {"stackexchange/cooking.stackexchange.com/1", "stackexchange/cooking.stackexchange.com/6",
                         "stackexchange/badbytes.stackexchange.com/1"}
    bread = docs["stackexchange/cooking.stackexchange.com/1"]
    assert bread["text"] == (
        "Q: Why does my bread collapse in the oven?\nMy loaf rises well & then falls flat at 200\u00a0°C.\n\n"
        "What am I doing wrong?\n\n"
        "A: Score the top so the steam can escape:\n\n1. use a sharp blade\n2. cut 1\u00a0cm deep\n\n"
        "A: Your dough is over-proofed; shorten the second rise.\n\n"
        "A: Check the oven temperature with a separate thermometer.\n\nA: Use less yeast.")
    meta = json.loads(bread["meta"])
    assert meta["tags"] == ["baking", "bread"] and meta["score"] == 12 and bread["lang"] == "en"
    flour = docs["stackexchange/cooking.stackexchange.com/6"]["text"]
    assert "flour = 500 g\nif cups < 4:\n    add water" in flour
    assert flour.index("weigh it") < flour.index("125\u00a0g")  # equal scores: the smaller id first


def test_pipeline_keeps_unanswered_questions_when_asked(tmp_path):
    manifest = se.run([str(DATA / "cooking.stackexchange.com")], str(tmp_path),
                      StackExchangeConfig(keep_unanswered=True))
    docs = read_docs(tmp_path)
    assert docs["stackexchange/cooking.stackexchange.com/9"]["text"] == (
        "Q: Can I freeze fresh basil?\nNobody has answered this yet.")
    assert "question_without_answers" not in manifest["funnel"][1]["dropped"]


def test_demo_sample_reads_without_errors_and_is_small():
    assert sum(p.stat().st_size for p in DEMO.rglob("*") if p.is_file()) < 60_000
    for dump in find_site_dumps([str(DEMO)]):
        assert not any(isinstance(i, InputError) for i in read_site_dump(dump.path)), dump.path


def test_main_parses_the_cli(tmp_path):
    assert se.main(["--input", str(DEMO), "--output", str(tmp_path), "--sites", "ru.stackoverflow.com"]) == 0
    docs = read_docs(tmp_path)
    assert {d["lang"] for d in docs.values()} == {"ru"} and len(docs) == 2
