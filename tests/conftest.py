"""Shared fixtures: small cleaned-document folders and a tokenizer trained on them (once per session)."""
from __future__ import annotations

import random
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipelines.documents import DOC_SCHEMA, make_document

# A small made-up vocabulary in Latin and Cyrillic script, with numbers so that digit splitting shows.
_WORDS = {
    "en": "the river flows past old mills and the town of Brookfield which was founded in 1742 by farmers".split(),
    "de": "der Fluss fließt an alten Mühlen vorbei und die Stadt wurde im Jahr 1742 von Bauern gegründet".split(),
    "ru": "река течёт мимо старых мельниц а город был основан в 1742 году крестьянами из долины".split(),
}
for _words in _WORDS.values():
    _words += ["2026", "390", "58", "0.5", "16"]


def write_documents(directory: Path, docs_per_lang: int = 60, seed: int = 0, files: int = 2) -> list[dict]:
    """Writes `files` Parquet parts of pseudo-random multi-line documents; returns the documents in id order."""
    rng = random.Random(seed)
    docs = []
    for lang, words in _WORDS.items():
        for i in range(docs_per_lang):
            paragraphs = [" ".join(rng.choices(words, k=rng.randint(8, 40))) for _ in range(rng.randint(1, 4))]
            docs.append(make_document("wikipedia", f"{lang}/{i}", "\n\n".join(paragraphs), lang, {"title": f"T{i}"}))
    directory.mkdir(parents=True, exist_ok=True)
    for part in range(files):
        rows = docs[part::files]
        pq.write_table(pa.Table.from_pylist(rows, schema=DOC_SCHEMA), directory / f"part-{part:05d}-of-{files:05d}.parquet")
    return sorted(docs, key=lambda d: d["id"])


@pytest.fixture(scope="session")
def docs_dir(tmp_path_factory) -> tuple[Path, list[dict]]:
    directory = tmp_path_factory.mktemp("docs")
    return directory, write_documents(directory)


@pytest.fixture(scope="session")
def tokenizer_dir(docs_dir, tmp_path_factory) -> Path:
    from tokenizer.train import train_tokenizer

    output = tmp_path_factory.mktemp("tokenizer")
    train_tokenizer([str(docs_dir[0])], str(output), vocab_size=400, num_threads=2)
    return output
