"""Line dedup with cc_net semantics: every copy of a repeated line goes, within a hash group only."""
import json

import apache_beam as beam

from pipelines.funnel import committed_counters, funnel_from_counters
from pipelines.transforms.line_dedup import DEFAULT_MIN_CHARS, LineDedup, line_hashes, remove_lines

MENU = "Home | About us | Contact"
COOKIE = "We use cookies to improve your experience."


def doc(doc_id, lines, group=0):
    return {"id": doc_id, "text": "\n".join(lines), "source": "commoncrawl", "lang": "und", "meta": "{}",
            "group": group}


def run_dedup(tmp_path, docs, min_chars=1):
    pipeline = beam.Pipeline()
    (pipeline | beam.Create(docs) | LineDedup("commoncrawl", min_chars=min_chars)
     | beam.Map(lambda d: json.dumps([d["id"], d["text"]])) | beam.io.WriteToText(str(tmp_path / "out")))
    result = pipeline.run()
    result.wait_until_finish()
    counters = committed_counters(result)
    texts = dict(json.loads(line) for f in tmp_path.glob("out*") for line in f.read_text().splitlines())
    return texts, funnel_from_counters("commoncrawl", ["line_dedup"], counters)[0], counters


def test_lines_equal_after_normalization_share_a_hash():
    a, b, c = line_hashes("Call 555-1234 now!\nCALL 999-0000 NOW\ncall now")
    assert a == b  # case, digits and punctuation do not matter
    assert a != c
    assert line_hashes("   \n...")[0] is None and line_hashes("   \n...")[1] is None


def test_remove_lines_drops_listed_hashes_and_empty_lines():
    text = f"{MENU}\nA unique sentence about rivers.\n\n{COOKIE}"
    menu_hash = line_hashes(MENU)[0]
    assert remove_lines(text, {menu_hash}) == (f"A unique sentence about rivers.\n{COOKIE}", 2)


def test_every_copy_of_a_duplicated_line_is_dropped_and_unique_lines_kept(tmp_path):
    docs = [
        doc("a", [MENU, "Alpha article body one.", COOKIE]),
        doc("b", [MENU.upper(), "Beta article body two.", COOKIE]),
        doc("c", ["Gamma article body three.", "gamma ARTICLE body three!"]),  # a repeat inside one document
        doc("d", [MENU, "Delta text in another hash group."], group=1),
    ]
    texts, step, counters = run_dedup(tmp_path, docs)
    assert texts["a"] == "Alpha article body one."
    assert texts["b"] == "Beta article body two."
    assert "c" not in texts  # both copies of its only line went: nothing left
    # the menu line appears once in group 1, so it stays there
    assert texts["d"] == f"{MENU}\nDelta text in another hash group."
    assert step == {"step": "line_dedup", "in": 4, "kept": 3, "dropped": {"too_short": 1}}
    assert counters["extra/commoncrawl/line_dedup/lines_removed"] == 6


def test_documents_under_300_characters_after_dedup_are_dropped(tmp_path):
    assert DEFAULT_MIN_CHARS == 300
    long_line = "x" * 299
    docs = [doc("short", [long_line]), doc("exact", [long_line + "y"]),
            doc("shrunk", [MENU, "y" * 250]), doc("other", [MENU, "z" * 400])]
    texts, step, _ = run_dedup(tmp_path, docs, min_chars=DEFAULT_MIN_CHARS)
    assert set(texts) == {"exact", "other"}
    assert texts["other"] == "z" * 400
    assert step["dropped"] == {"too_short": 2}


def test_the_same_record_read_twice_is_kept_once_with_its_lines(tmp_path):
    record = doc("r", ["A sentence only this record has.", "And a second one of its own."])
    texts, step, _ = run_dedup(tmp_path, [record, dict(record), doc("s", ["Something else entirely here."])])
    assert texts["r"] == record["text"]
    assert step["dropped"] == {"duplicate_record": 1}
    assert step["in"] == 3 and step["kept"] == 2
