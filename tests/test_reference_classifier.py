import json
import random

import pyarrow as pa
import pyarrow.parquet as pq

from pipelines.documents import DOC_SCHEMA, make_document
from pipelines.transforms.reference_classifier import (
    DEFAULT_THRESHOLD, RANDOM, REFERENCE, ReferenceClassifier, balanced_examples, classifier_text, iter_texts, main,
)

SCHOLARLY = ("the study reports measurements of river discharge across three decades and compares them with "
             "regional climate records published by the national survey in its annual review of hydrology").split()
SPAM = "buy cheap best price click here free shipping discount casino win now limited offer deal coupon".split()


def pages(words, n, seed):
    rng = random.Random(seed)
    return [" ".join(rng.choices(words, k=60)) for _ in range(n)]


def test_classifier_text_is_one_lowercase_line():
    assert classifier_text("  Über   Flüsse\nund\tSeen ") == "über flüsse und seen"


def test_examples_are_balanced_and_labelled():
    lines = balanced_examples(["a"] * 5, ["b"] * 50, seed=1)
    assert sum(l.startswith(REFERENCE) for l in lines) == sum(l.startswith(RANDOM) for l in lines) == 5


def test_train_then_predict_round_trip(tmp_path):
    positives = tmp_path / "refs.jsonl"
    positives.write_text("\n".join(json.dumps({"text": t}) for t in pages(SCHOLARLY, 200, 1)))
    negatives = tmp_path / "random"
    negatives.mkdir()
    docs = [make_document("commoncrawl", str(i), t, "en", {}) for i, t in enumerate(pages(SPAM, 300, 2))]
    pq.write_table(pa.Table.from_pylist(docs, schema=DOC_SCHEMA), negatives / "part-00000-of-00001.parquet")
    model = tmp_path / "wikiref.bin"
    assert main(["train", "--positives", str(positives), "--negatives", str(negatives), "--output", str(model)]) == 0

    classifier = ReferenceClassifier(str(model))
    assert classifier.p_reference(pages(SCHOLARLY, 1, 9)[0]) > 0.5
    assert classifier.p_reference(pages(SPAM, 1, 9)[0]) < DEFAULT_THRESHOLD
    assert len(list(iter_texts(str(negatives)))) == 300
