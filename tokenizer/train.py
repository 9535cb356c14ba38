"""Train the LLaMA-1 SentencePiece BPE tokenizer on cleaned documents.

Sentences are streamed to SentencePiece from the Parquet documents by a seeded sampler: the row counts come from
the Parquet footers, a seeded generator picks which documents to use, and one pass over the files yields their
lines. No temporary text file, no copy of the corpus in memory beyond what SentencePiece itself keeps.

With a mixture recipe (`--mixture`), documents are drawn per source so that the sampled *text bytes* follow the
recipe's weights over the sources present: each source gets `weight × budget / mean document bytes` documents,
the mean estimated from the Parquet footers (uncompressed size of the `text` column per row group), and never
more than it has. Bytes rather than documents, because a book is a thousand StackExchange posts long.
"""
from __future__ import annotations

import argparse
import io
import logging
import os
from collections import Counter
from dataclasses import dataclass
from typing import Iterator, Mapping, Sequence

import numpy as np
import pyarrow.parquet as pq
import sentencepiece as spm

from manifests import MANIFEST_NAME, storage, write_manifest
from pipelines.documents import DOC_GLOB, document_patterns

log = logging.getLogger(__name__)

MODEL_NAME = "tokenizer.model"

# The trainer_spec of Meta's released LLaMA-1 tokenizer.model (read from the model's protobuf), LLaMA §2.1:
# "we tokenize the data with the byte-pair encoding (BPE) algorithm … using the implementation from SentencePiece.
# Notably, we split all numbers into individual digits, and fallback to bytes to decompose unknown UTF-8 characters."
LLAMA_TRAINER_SPEC = {
    "model_type": "bpe",
    "vocab_size": 32000,
    "character_coverage": 0.99995,
    "split_digits": True,
    "byte_fallback": True,
    "normalization_rule_name": "identity",
    "add_dummy_prefix": True,
    "remove_extra_whitespaces": False,
    "allow_whitespace_only_pieces": True,
    "max_sentencepiece_length": 16,
    "max_sentence_length": 4192,
    "split_by_unicode_script": True,
    "split_by_number": True,
    "split_by_whitespace": True,
    "treat_whitespace_as_suffix": False,
    "unk_id": 0,
    "bos_id": 1,
    "eos_id": 2,
    "pad_id": -1,
    "input_sentence_size": 200_000_000,
    "seed_sentencepiece_size": 1_000_000,
    "shrinking_factor": 0.75,
    "num_sub_iterations": 2,
    "hard_vocab_limit": True,
    "use_all_vocab": False,
    "vocabulary_output_piece_score": True,
    "unk_surface": " \u2047 ",
    "self_test_sample_size": 0,
    "train_extremely_large_corpus": False,
}
DEFAULT_SAMPLE_DOCS = 1_000_000


@dataclass(frozen=True)
class DocumentFile:
    path: str
    bytes: int
    row_groups: tuple[int, ...]  # rows per Parquet row group, from the footer

    @property
    def rows(self) -> int:
        return sum(self.row_groups)


def document_files(input_dirs: Sequence[str]) -> list[DocumentFile]:
    """The `part-*.parquet` files of each folder with their row-group sizes (footers only, no data read)."""
    from apache_beam.io.filesystems import FileSystems

    files = []
    for directory in input_dirs:
        matched = sorted((m for pattern in document_patterns(directory) for m in FileSystems.match([pattern])[0].metadata_list),
                         key=lambda m: m.path)
        if not matched:
            raise FileNotFoundError(f"{directory}: no {DOC_GLOB} documents (is it the output of `llamix run`?)")
        for meta in matched:
            with storage.open_read(meta.path) as handle:
                footer = pq.ParquetFile(handle).metadata
                groups = tuple(footer.row_group(i).num_rows for i in range(footer.num_row_groups))
            files.append(DocumentFile(meta.path, meta.size_in_bytes, groups))
    return files


@dataclass(frozen=True)
class SourceRows:
    """Where one source's documents are: runs `(first global row, rows)` over the files in order, and an estimate of
    their text bytes (footer sizes; a file that mixes sources shares its text bytes among them by rows)."""

    source: str
    runs: tuple[tuple[int, int], ...]
    text_bytes: float

    @property
    def rows(self) -> int:
        return sum(n for _, n in self.runs)


def _row_group_sources(parquet: pq.ParquetFile, group: int) -> list[tuple[str, int]]:
    """`(source, rows)` runs of one row group: from the column statistics when min == max, else from the column."""
    meta = parquet.metadata.row_group(group)
    column = meta.column(parquet.schema_arrow.get_field_index("source"))
    stats = column.statistics
    if stats is not None and stats.has_min_max and stats.min == stats.max:
        value = stats.min.decode() if isinstance(stats.min, bytes) else stats.min
        return [(value, meta.num_rows)]
    runs: list[tuple[str, int]] = []
    for value in parquet.read_row_group(group, columns=["source"]).column("source").to_pylist():
        if runs and runs[-1][0] == value:
            runs[-1] = (value, runs[-1][1] + 1)
        else:
            runs.append((value, 1))
    return runs


def source_rows(files: Sequence[DocumentFile]) -> dict[str, SourceRows]:
    """Rows and text bytes of each source in `files`; reads footers, and the `source` column only of row groups
    whose statistics do not show a single source."""
    runs: dict[str, list[tuple[int, int]]] = {}
    text_bytes: Counter[str] = Counter()
    start = 0
    for file in files:
        with storage.open_read(file.path) as handle:
            parquet = pq.ParquetFile(handle)
            text_index = parquet.schema_arrow.get_field_index("text")
            for group, rows in enumerate(file.row_groups):
                group_bytes = parquet.metadata.row_group(group).column(text_index).total_uncompressed_size
                for source, n in _row_group_sources(parquet, group):
                    runs.setdefault(source, []).append((start, n))
                    text_bytes[source] += group_bytes * n / max(rows, 1)
                    start += n
    return {s: SourceRows(s, tuple(r), text_bytes[s]) for s, r in sorted(runs.items())}


def mixture_sample_sizes(sources: Mapping[str, SourceRows], weights: Mapping[str, float], sample_docs: int) -> dict[str, int]:
    """Documents to draw per source so that their expected text bytes follow `weights` and they add up to about
    `sample_docs`; a source with fewer documents than its share gives all it has (its share falls short)."""
    mean_bytes = {s: max(sources[s].text_bytes / max(sources[s].rows, 1), 1.0) for s in weights}
    # budget B: sum_s weight_s * B / mean_s == sample_docs
    budget = sample_docs / sum(w / mean_bytes[s] for s, w in weights.items() if w > 0)
    sizes = {s: min(sources[s].rows, int(round(w * budget / mean_bytes[s]))) for s, w in weights.items()}
    for s, n in sizes.items():
        if n < round(weights[s] * budget / mean_bytes[s]):
            log.warning("%s: only %d documents, fewer than its share of the tokenizer sample needs", s, n)
    return sizes


def split_long_line(line: str, max_bytes: int) -> Iterator[str]:
    """Cuts a line at spaces into pieces of at most `max_bytes` UTF-8 bytes; SentencePiece skips longer sentences."""
    if len(line.encode("utf-8")) <= max_bytes:
        yield line
        return
    piece: list[str] = []
    size = 0
    for word in line.split(" "):
        word_bytes = len(word.encode("utf-8")) + 1
        if piece and size + word_bytes > max_bytes:
            yield " ".join(piece)
            piece, size = [], 0
        if word_bytes > max_bytes:  # one "word" longer than the limit (a URL, a base64 blob): SentencePiece would skip it
            continue
        piece.append(word)
        size += word_bytes
    if piece:
        yield " ".join(piece)


class DocumentSampler:
    """Picks `sample_docs` documents without replacement (seeded) and yields their non-empty lines.

    Without `weights` the documents are drawn uniformly over all rows. With `weights` ({source: weight}, summing
    to 1 over the sources present, see `Recipe.weights`) each source gets its share of the sampled text bytes
    (`mixture_sample_sizes`), drawn uniformly within the source; `sizes_by_source` records the plan.
    """

    def __init__(self, files: Sequence[DocumentFile], sample_docs: int, seed: int, max_sentence_bytes: int,
                 weights: Mapping[str, float] | None = None):
        self.files = list(files)
        self.max_sentence_bytes = max_sentence_bytes
        rng = np.random.default_rng(seed)
        self.sizes_by_source: dict[str, int] = {}
        if weights is None:
            total = sum(f.rows for f in self.files)
            chosen = rng.choice(total, size=min(sample_docs, total), replace=False) if total else np.array([], int)
        else:
            sources = source_rows(self.files)
            missing = sorted(set(weights) - set(sources))
            if missing:
                raise ValueError(f"weights name source(s) {missing} that the input does not have ({sorted(sources)})")
            self.sizes_by_source = mixture_sample_sizes(sources, weights, sample_docs)
            picked = [np.array([], dtype=np.int64)]
            for source, size in sorted(self.sizes_by_source.items()):  # sorted: the seed alone decides the sample
                runs = sources[source].runs
                positions = rng.choice(sources[source].rows, size=size, replace=False)
                ends = np.cumsum([n for _, n in runs])
                run = np.searchsorted(ends, positions, side="right")
                starts = np.array([first for first, _ in runs]) - np.concatenate([[0], ends[:-1]])
                picked.append(starts[run] + positions)
            chosen = np.concatenate(picked)
        self.chosen = np.sort(chosen)
        self.chars_by_source: Counter[str] = Counter()
        self.docs_by_source_lang: Counter[tuple[str, str]] = Counter()
        self.sentences = 0

    def __iter__(self) -> Iterator[str]:
        start = 0
        for file in self.files:
            with storage.open_read(file.path) as handle:
                parquet = pq.ParquetFile(handle)
                for group, rows in enumerate(file.row_groups):
                    lo, hi = np.searchsorted(self.chosen, [start, start + rows])
                    picked = self.chosen[lo:hi] - start
                    start += rows
                    if len(picked):
                        table = parquet.read_row_group(group, columns=["text", "source", "lang"]).take(picked)
                        yield from self._sentences(table)

    def _sentences(self, table) -> Iterator[str]:
        for text, source, lang in zip(*(table.column(c).to_pylist() for c in ("text", "source", "lang"))):
            self.docs_by_source_lang[(source, lang)] += 1
            self.chars_by_source[source] += len(text)
            for line in text.split("\n"):
                if line.strip():
                    for sentence in split_long_line(line, self.max_sentence_bytes):
                        self.sentences += 1
                        yield sentence


def train_tokenizer(
    input_dirs: Sequence[str],
    output_dir: str,
    vocab_size: int = LLAMA_TRAINER_SPEC["vocab_size"],
    sample_docs: int = DEFAULT_SAMPLE_DOCS,
    seed: int = 0,
    num_threads: int | None = None,
    mixture: str | None = None,
) -> str:
    """Trains `output_dir/tokenizer.model` and writes its manifest; returns the model path.

    `mixture`: a recipe file (manifests/llama1.yaml); documents are then sampled in its proportions.
    """
    files = document_files(input_dirs)
    spec = dict(LLAMA_TRAINER_SPEC, vocab_size=vocab_size)
    weights = None
    mixture_config = None
    if mixture is not None:
        from manifests.recipe import load_recipe

        recipe = load_recipe(mixture)
        weights = recipe.weights(source_rows(files))
        mixture_config = {"recipe": mixture, "name": recipe.name, "weights": weights}
    sampler = DocumentSampler(files, sample_docs, seed, spec["max_sentence_length"], weights)
    log.info("sampling %d of %d documents from %d files", len(sampler.chosen), sum(f.rows for f in files), len(files))
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(sampler),
        model_writer=model,
        num_threads=num_threads or os.cpu_count() or 1,
        minloglevel=2,
        **spec,
    )
    model_path = storage.join(output_dir, MODEL_NAME)
    storage.write_bytes_atomic(model_path, model.getvalue())

    parents = [storage.join(d, MANIFEST_NAME) for d in input_dirs if storage.exists(storage.join(d, MANIFEST_NAME))]
    write_manifest(
        output_dir,
        kind="tokenizer",
        config={"trainer_spec": spec, "sample_docs": sample_docs, "seed": seed, "mixture": mixture_config},
        inputs={"paths": list(input_dirs), "files": len(files), "bytes": sum(f.bytes for f in files)},
        parents=parents,
        outputs=[(MODEL_NAME, vocab_size)],
        stats={
            "docs_sampled": len(sampler.chosen),
            "docs_available": sum(f.rows for f in files),
            "sentences": sampler.sentences,
            "by_source": _sampled_by_source(sampler),
            "by_language": [
                {"source": s, "lang": lang, "docs_sampled": n} for (s, lang), n in sorted(sampler.docs_by_source_lang.items())
            ],
        },
    )
    return model_path


def _sampled_by_source(sampler: DocumentSampler) -> dict[str, dict]:
    """Per source: documents and characters sampled, and their share of the sampled characters."""
    docs: Counter[str] = Counter()
    for (source, _), n in sampler.docs_by_source_lang.items():
        docs[source] += n
    chars = sum(sampler.chars_by_source.values()) or 1
    return {s: {"docs_sampled": docs[s], "chars_sampled": sampler.chars_by_source[s],
                "char_share": sampler.chars_by_source[s] / chars} for s in sorted(docs)}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="llamix tokenizer train", description=__doc__.splitlines()[0])
    parser.add_argument("--input", required=True, help="comma-separated folders of cleaned documents (part-*.parquet)")
    parser.add_argument("--output", required=True, help="folder for tokenizer.model and manifest.json")
    parser.add_argument("--vocab-size", type=int, default=LLAMA_TRAINER_SPEC["vocab_size"])
    parser.add_argument("--sample-docs", type=int, default=DEFAULT_SAMPLE_DOCS,
                        help="documents drawn (seeded, without replacement) to train on")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--mixture", help="recipe YAML (e.g. manifests/llama1.yaml): sample in its proportions")
    args = parser.parse_args(argv)
    path = train_tokenizer([d for d in args.input.split(",") if d], args.output, args.vocab_size, args.sample_docs,
                           args.seed, mixture=args.mixture)
    log.info("wrote %s", path)
    return 0
