"""The Wikipedia-reference classifier (LLaMA §2.1: "we trained a linear model to classify pages used as references in
Wikipedia v.s. randomly sampled pages, and discarded pages not classified as references").

A fastText supervised model (linear, bag of words and bigrams) with two labels; a document is kept when
p(reference) ≥ 0.25, the threshold of RedPajama v1's `cc/classifier` reproduction. Training balances the classes by
sampling the larger side down to the size of the smaller one (seeded).
"""
from __future__ import annotations

import argparse
import glob
import gzip
import json
import logging
import random
import re
import tempfile
from pathlib import Path
from typing import Iterator, Sequence

import apache_beam as beam

from manifests.storage import local_copy
from pipelines.funnel import StepCounter

log = logging.getLogger(__name__)

REFERENCE = "__label__wiki"
RANDOM = "__label__cc"
DEFAULT_THRESHOLD = 0.25  # RedPajama v1, data_prep/cc/classifier: keep pages with p(wiki) > 0.25
_SPACES = re.compile(r"\s+")


def classifier_text(text: str) -> str:
    """What the model sees: one line, lower-cased, whitespace collapsed (fastText reads a line per example)."""
    return _SPACES.sub(" ", text).strip().lower()


def iter_texts(path: str) -> Iterator[str]:
    """Documents from a folder of llamix Parquet documents, a `.jsonl[.gz]` file with a `text` field, or a `.txt`
    file with one document per line."""
    target = Path(path)
    if target.is_dir():
        import pyarrow.parquet as pq

        from pipelines.documents import document_patterns

        files = sorted(p for pattern in document_patterns(str(target)) for p in glob.glob(pattern))
        if not files:
            raise FileNotFoundError(f"{path}: no part-*.parquet documents")
        for file in files:
            for batch in pq.ParquetFile(file).iter_batches(columns=["text"]):
                yield from batch.column("text").to_pylist()
        return
    opener = gzip.open if target.name.endswith(".gz") else open
    with opener(target, "rt", encoding="utf-8") as handle:
        if ".jsonl" in target.name:
            for number, line in enumerate(handle, 1):
                if line.strip():
                    try:
                        yield json.loads(line)["text"]
                    except (json.JSONDecodeError, KeyError) as err:
                        raise ValueError(f"{path}:{number}: expected a JSON object with a 'text' field ({err})") from None
        elif target.name.endswith((".txt", ".txt.gz")):
            yield from (line.rstrip("\n") for line in handle if line.strip())
        else:
            raise ValueError(f"{path}: expected a folder of Parquet documents, a .jsonl[.gz] or a .txt[.gz] file")


def balanced_examples(positives: Sequence[str], negatives: Sequence[str], seed: int) -> list[str]:
    """fastText training lines: as many of each label, shuffled."""
    n = min(len(positives), len(negatives))
    if n == 0:
        raise ValueError(f"need documents of both classes; got {len(positives)} positives and {len(negatives)} negatives")
    rng = random.Random(seed)
    lines = [f"{REFERENCE} {classifier_text(t)}" for t in rng.sample(list(positives), n)]
    lines += [f"{RANDOM} {classifier_text(t)}" for t in rng.sample(list(negatives), n)]
    rng.shuffle(lines)
    return lines


def train_classifier(positives: Sequence[str], negatives: Sequence[str], output: str, seed: int = 0,
                     epoch: int = 5, word_ngrams: int = 2, dim: int = 64, threads: int = 2) -> dict:
    """Trains and saves the model; returns counts for the caller to report."""
    import fasttext

    lines = balanced_examples(positives, negatives, seed)
    Path(output).parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", suffix=".txt", encoding="utf-8") as train_file:
        train_file.write("\n".join(lines) + "\n")
        train_file.flush()
        model = fasttext.train_supervised(train_file.name, epoch=epoch, wordNgrams=word_ngrams, dim=dim,
                                          thread=threads, seed=seed, verbose=0)
    model.save_model(output)
    return {"examples_per_class": len(lines) // 2, "positives_available": len(positives),
            "negatives_available": len(negatives)}


class ReferenceClassifier:
    def __init__(self, model_path: str):
        import fasttext

        self.model = fasttext.load_model(local_copy(model_path))
        if set(self.model.get_labels()) != {REFERENCE, RANDOM}:
            raise ValueError(f"{model_path}: labels {self.model.get_labels()}, expected {REFERENCE} and {RANDOM}")

    def p_reference(self, text: str) -> float:
        labels, scores = self.model.predict(classifier_text(text), k=2)
        return float(dict(zip(labels, scores)).get(REFERENCE, 0.0))


class FilterReferences(beam.DoFn):
    def __init__(self, source: str, model_path: str, threshold: float = DEFAULT_THRESHOLD, step: str = "classifier"):
        self.model_path = model_path
        self.threshold = threshold
        self.step = StepCounter(source, step)
        self.classifier: ReferenceClassifier | None = None  # loaded in setup, on the worker: never pickled

    def setup(self):
        self.classifier = ReferenceClassifier(self.model_path)

    def process(self, doc: dict):
        score = self.classifier.p_reference(doc["text"])
        if score < self.threshold:
            self.step.dropped("not_reference")
            return
        self.step.kept()
        meta = json.loads(doc["meta"])
        meta["wikiref_score"] = round(score, 4)
        yield {**doc, "meta": json.dumps(meta, ensure_ascii=False, sort_keys=True)}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="llamix classifier", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="action", required=True)
    train = sub.add_parser("train", help="train the Wikipedia-reference fastText classifier")
    train.add_argument("--positives", required=True, help="pages cited by Wikipedia: document folder, .jsonl or .txt")
    train.add_argument("--negatives", required=True, help="random CommonCrawl pages: document folder, .jsonl or .txt")
    train.add_argument("--output", required=True, help="model file to write, e.g. models/wikiref.bin")
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--epoch", type=int, default=5)
    args = parser.parse_args(argv)
    counts = train_classifier(list(iter_texts(args.positives)), list(iter_texts(args.negatives)), args.output,
                              seed=args.seed, epoch=args.epoch)
    log.info("wrote %s: %d examples per class (%d positives, %d negatives available)", args.output,
             counts["examples_per_class"], counts["positives_available"], counts["negatives_available"])
    return 0
