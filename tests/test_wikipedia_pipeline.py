"""The Wikipedia source end to end on the DirectRunner, over the fixture dumps in tests/data/wikipedia."""
import json
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from manifests import read_manifest, verify_manifest
from pipelines.readers.mediawiki import DumpInfo, InputError, WikiPage, read_dump
from pipelines.sources import wikipedia

DATA = Path(__file__).parent / "data" / "wikipedia"
ALL_DUMPS = str(DATA / "*.xml*")


def read_docs(output: Path) -> list[dict]:
    return [row for part in sorted(output.glob("part-*.parquet")) for row in pq.read_table(part).to_pylist()]


def reader_census() -> tuple[Counter, int]:
    """What the pure reader sees in the fixtures: page counts by (lang, ns, redirect), and input errors."""
    pages, errors = Counter(), 0
    for path in sorted(DATA.glob("*.xml*")):
        lang = None
        for item in read_dump(str(path)):
            if isinstance(item, DumpInfo):
                lang = item.lang
            elif isinstance(item, InputError):
                errors += 1
            elif isinstance(item, WikiPage):
                pages[(lang, item.ns, item.redirect)] += 1
    return pages, errors


@pytest.fixture(scope="module")
def all_dumps(tmp_path_factory):
    output = tmp_path_factory.mktemp("wikipedia")
    manifest = wikipedia.run([ALL_DUMPS], str(output), min_chars=20)
    return output, manifest


def test_funnel_invariant_holds_and_matches_the_reader(all_dumps):
    _, manifest = all_dumps
    read, select, dedup, clean = manifest["funnel"]
    assert [s["step"] for s in manifest["funnel"]] == ["read", "select", "dedup", "clean"]
    for step in manifest["funnel"]:
        assert step["in"] == step["kept"] + sum(step["dropped"].values())
    assert select["in"] == read["kept"] and dedup["in"] == select["kept"] and clean["in"] == dedup["kept"]

    pages, errors = reader_census()
    assert read["kept"] == sum(pages.values())
    assert read["dropped"] == {"input_error": errors}
    foreign = sum(n for (lang, _, _), n in pages.items() if lang not in wikipedia.LLAMA_WIKI_LANGS)
    non_main = sum(n for (lang, ns, _), n in pages.items() if lang in wikipedia.LLAMA_WIKI_LANGS and ns != 0)
    redirects = sum(n for (lang, ns, r), n in pages.items() if lang in wikipedia.LLAMA_WIKI_LANGS and ns == 0 and r)
    assert foreign and non_main and redirects
    assert select["dropped"] == {"language_not_selected": foreign, "non_main_namespace": non_main,
                                 "redirect": redirects}
    assert clean["kept"] == manifest["stats"]["docs"] == sum(o["rows"] for o in manifest["outputs"]
                                                             if o["path"].endswith(".parquet"))


def test_a_page_in_two_inputs_is_kept_once(all_dumps):
    output, manifest = all_dumps
    # the truncated fixture is a cut copy of the multistream one: its readable articles are all duplicates
    truncated = [p for p in read_dump(str(DATA / "enwiki-20260101-pages-articles-truncated.xml.bz2"))
                 if isinstance(p, WikiPage) and p.ns == 0 and not p.redirect]
    dedup = manifest["funnel"][2]
    assert dedup["dropped"] == {"duplicate_page": len(truncated)} and len(truncated) >= 2
    docs = read_docs(output)
    assert len({d["id"] for d in docs}) == len(docs)


def test_latest_revision_wins():
    old = {"revision_id": 5, "timestamp": "2020", "path": "b"}
    new = {"revision_id": 9, "timestamp": "2019", "path": "a"}
    assert max([old, new], key=wikipedia.revision_order) is new


def test_each_kind_of_bad_input_is_a_counted_error_naming_its_file(all_dumps):
    output, manifest = all_dumps
    errors = manifest["input_errors"]
    assert errors["count"] == manifest["funnel"][0]["dropped"]["input_error"] == 3
    named = {Path(e["path"]).name: e for e in errors["examples"]}
    assert set(named) == {"enwiki-20260101-pages-articles-truncated.xml.bz2", "enwiki-20260101-malformed.xml",
                          "enwiki-20260101-invalid-utf8.xml"}
    assert "truncated" in named["enwiki-20260101-pages-articles-truncated.xml.bz2"]["reason"]
    assert "well-formed" in named["enwiki-20260101-malformed.xml"]["reason"]
    assert "utf-8" in named["enwiki-20260101-invalid-utf8.xml"]["reason"]
    assert all(isinstance(e["offset"], int) for e in errors["examples"])
    rejected = [json.loads(line) for f in (output / "rejected").glob("input_errors-*.jsonl")
                for line in f.read_text().splitlines()]
    assert sorted(e["path"] for e in rejected) == sorted(e["path"] for e in errors["examples"])


def test_good_pages_around_bad_ones_are_kept(all_dumps):
    output, _ = all_dumps
    titles = {json.loads(d["meta"])["dbname"] for d in read_docs(output)}
    # the English fixtures each hold a bad page between good ones; their good pages still reach the output
    assert "enwiki" in titles


def test_documents_follow_the_record_schema(all_dumps):
    output, manifest = all_dumps
    docs = read_docs(output)
    assert len({d["id"] for d in docs}) == len(docs)
    for doc in docs:
        meta = json.loads(doc["meta"])
        assert doc["source"] == "wikipedia"
        assert doc["id"] == f"wikipedia/{doc['lang']}/{meta['page_id']}"
        assert doc["lang"] in wikipedia.LLAMA_WIKI_LANGS
        if meta["dbname"]:  # Special:Export files have no <base>, hence no URL
            assert meta["url"].startswith("https://") and "/wiki/" in meta["url"]
        for markup in ("[[", "]]", "{{", "}}", "<ref", "{|"):
            assert markup not in doc["text"], (doc["id"], markup)
    by_lang = Counter(d["lang"] for d in docs)
    assert {r["lang"]: r["docs"] for r in manifest["stats"]["by_language"]} == dict(by_lang)
    assert verify_manifest(str(output)) == []


def test_langs_narrows_the_languages(tmp_path):
    manifest = wikipedia.run([ALL_DUMPS], str(tmp_path), langs=["ru"], min_chars=20)
    docs = read_docs(tmp_path)
    assert docs and {d["lang"] for d in docs} == {"ru"}
    select = manifest["funnel"][1]
    pages, _ = reader_census()
    assert select["dropped"]["language_not_selected"] == sum(n for (lang, _, _), n in pages.items() if lang != "ru")


def test_unknown_language_code_is_refused():
    with pytest.raises(Exception, match="not among the 20 LLaMA"):
        wikipedia.parse_langs("de,fi")
    assert wikipedia.parse_langs("DE, ru") == ("de", "ru")


def test_output_folder_of_an_earlier_run_needs_overwrite(all_dumps, tmp_path):
    wikipedia.run([str(DATA / "ruwiki-*.xml")], str(tmp_path), min_chars=20)
    with pytest.raises(FileExistsError, match="--overwrite"):
        wikipedia.run([str(DATA / "ruwiki-*.xml")], str(tmp_path))
    manifest = wikipedia.run([str(DATA / "dewiki-*.xml")], str(tmp_path), min_chars=20, overwrite=True)
    assert {d["lang"] for d in read_docs(tmp_path)} == {"de"}
    assert read_manifest(str(tmp_path)) == manifest


def test_input_pattern_matching_nothing_is_an_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="matches no file"):
        wikipedia.run([str(tmp_path / "nothing-*.xml")], str(tmp_path / "out"))


def test_article_url_from_base():
    assert wikipedia.article_url("https://de.wikipedia.org/wiki/Wikipedia:Hauptseite", "Köln (Stadt)") == \
        "https://de.wikipedia.org/wiki/K%C3%B6ln_(Stadt)"
    assert wikipedia.article_url(None, "X") is None
