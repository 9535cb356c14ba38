"""Tokenize cleaned documents into Arrow IPC token shards (Beam).

Documents are read from the sources' Parquet files, encoded in batches (`BOS + pieces + EOS`), and written by a
DoFn that cuts a new shard every `--shard-tokens` tokens. Shards are written under a scratch folder first; only
those that Beam reports as committed are renamed to `shard-NNNNN.arrow`, so files from a retried bundle never
reach the output. The manifest records the tokenizer's sha256, tokens per source and language, each shard's sha256.

With a mixture recipe (`--mixture`), each document goes to the validation split iff `in_validation(id)` (a hash
of its id, so the split does not depend on workers, bundles or reruns), and shards are written per split and
source: `OUT/train/<source>/shard-NNNNN.arrow`, `OUT/validation/<source>/shard-NNNNN.arrow`. The manifest then
also records, per source, the epochs its train tokens must be repeated to fill its share of `--target-tokens`.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import uuid
from dataclasses import dataclass
from typing import Mapping, Sequence

import apache_beam as beam
import numpy as np
import sentencepiece as spm
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics import Metrics
from apache_beam.transforms.window import GlobalWindow
from apache_beam.utils.timestamp import MIN_TIMESTAMP
from apache_beam.utils.windowed_value import WindowedValue

from manifests import MANIFEST_NAME, storage, write_manifest
from pipelines.funnel import NAMESPACE, StepCounter, committed_counters, funnel_from_counters, stat_counter, stats_from_counters
from pipelines.runtime import SCRATCH_DIR, beam_options, delete_tree, prepare_output_dir, read_lines
from tokenizer.format import MAX_VOCAB_SIZE, rows_to_table, shard_name, write_shard
from tokenizer.train import MODEL_NAME, document_files, source_rows

log = logging.getLogger(__name__)

DEFAULT_SHARD_TOKENS = 256 * 1024 * 1024  # ~512 MiB of uint16 per shard: few files, each cheap to memory-map
STAGE = "shards"
STEPS = ("tokenize",)
SPLITS = ("train", "validation")
DEFAULT_VAL_FRACTION = 0.001
# A source whose train tokens must be repeated more than this many times its recipe epochs to fill its share is
# reported: the recipe (LLaMA Table 1 goes up to 2.45 epochs) assumed far more data than the run has.
EPOCHS_WARNING_FACTOR = 2.0


def in_validation(doc_id: str, val_fraction: float) -> bool:
    """True iff the document belongs to the validation split: the first 8 bytes of sha256(id), read as a
    big-endian integer and divided by 2**64, fall below `val_fraction`. Depends on the id alone."""
    point = int.from_bytes(hashlib.sha256(doc_id.encode("utf-8")).digest()[:8], "big") / 2**64
    return point < val_fraction


def split_counter(split: str, source: str, lang: str, what: str):
    return Metrics.counter(NAMESPACE, f"split/{split}/{source}/{lang}/{what}")


def split_stats_from_counters(counters: Mapping[str, int]) -> list[dict]:
    """Rows `{split, source, lang, docs, tokens}` from the `split/<split>/<source>/<lang>/<what>` counters, sorted."""
    rows: dict[tuple[str, str, str], dict] = {}
    for name, value in counters.items():
        parts = name.split("/")
        if len(parts) != 5 or parts[0] != "split":
            continue
        _, split, source, lang, what = parts
        rows.setdefault((split, source, lang), {"split": split, "source": source, "lang": lang})[what] = value
    return [rows[key] for key in sorted(rows)]


def load_tokenizer(model_path: str) -> spm.SentencePieceProcessor:
    """The SentencePiece model at `model_path`; a `gs://…` model is copied once per worker machine into a local
    cache (`manifests.storage.local_copy`) rather than read again by every DoFn instance."""
    local = storage.local_copy(model_path)
    if not os.path.isfile(local):
        raise FileNotFoundError(f"{model_path}: no such SentencePiece model (a tokenizer.model file)")
    processor = spm.SentencePieceProcessor(model_file=local)
    if processor.vocab_size() > MAX_VOCAB_SIZE:
        raise ValueError(f"{model_path}: vocabulary of {processor.vocab_size()} does not fit uint16 token shards")
    if processor.bos_id() < 0 or processor.eos_id() < 0:
        raise ValueError(f"{model_path}: the tokenizer defines no BOS/EOS piece, shards need both")
    return processor


def encode_documents(processor: spm.SentencePieceProcessor, texts: Sequence[str]) -> list[np.ndarray]:
    """`BOS + pieces + EOS` for each text, as uint16 arrays; one batched call into SentencePiece."""
    bos, eos = processor.bos_id(), processor.eos_id()
    encoded = processor.encode(list(texts), out_type=int)
    return [np.array([bos, *ids, eos], dtype=np.uint16) for ids in encoded]


class TokenizeDocuments(beam.DoFn):
    """Batches of documents -> shard rows. The SentencePiece model is loaded once per worker in `setup`."""

    def __init__(self, model_path: str, val_fraction: float | None = None):
        self.model_path = model_path
        # None: no split (the flat layout); else rows carry "split" and are counted per split.
        self.val_fraction = val_fraction
        self.step = StepCounter(STAGE, "tokenize")
        self.processor: spm.SentencePieceProcessor | None = None  # loaded in setup, on the worker: never pickled

    def setup(self):
        self.processor = load_tokenizer(self.model_path)
        self._counters = {}

    def process(self, batch: list[dict]):
        keep = [doc for doc in batch if doc["text"]]
        if len(keep) != len(batch):
            self.step.dropped("empty_text", len(batch) - len(keep))
        for doc, tokens in zip(keep, encode_documents(self.processor, [d["text"] for d in keep])):
            self.step.kept()
            row = {"tokens": tokens, "source": doc["source"], "id": doc["id"]}
            split = None
            if self.val_fraction is not None:
                split = row["split"] = "validation" if in_validation(doc["id"], self.val_fraction) else "train"
            self._count(split, doc["source"], doc["lang"], len(tokens))
            yield row

    def _count(self, split: str | None, source: str, lang: str, tokens: int) -> None:
        key = (split, source, lang)
        if key not in self._counters:
            if split is None:
                self._counters[key] = (stat_counter(source, lang, "docs"), stat_counter(source, lang, "tokens"))
            else:
                self._counters[key] = (split_counter(split, source, lang, "docs"),
                                       split_counter(split, source, lang, "tokens"))
        docs, token_counter = self._counters[key]
        docs.inc()
        token_counter.inc(tokens)


class WriteShards(beam.DoFn):
    """Buffers rows and writes one Arrow IPC file per `shard_tokens` tokens (and one at the end of a bundle).

    Rows are buffered by folder: `<split>/<source>` when they carry a split (mixture runs), else the output's top
    level (""), so that each file holds one source of one split. Emits a small record per file written (with its
    folder); the launcher renames exactly those files.
    """

    def __init__(self, scratch_dir: str, shard_tokens: int):
        self.scratch_dir = scratch_dir
        self.shard_tokens = shard_tokens

    def start_bundle(self):
        self._buffers: dict[str, tuple[list[dict], int]] = {}

    def process(self, row: dict):
        folder = f"{row['split']}/{row['source']}" if "split" in row else ""
        rows, tokens = self._buffers.get(folder, ([], 0))
        rows.append(row)
        tokens += len(row["tokens"])
        self._buffers[folder] = (rows, tokens)
        if tokens >= self.shard_tokens:
            yield self._flush(folder)

    def finish_bundle(self):
        for folder in sorted(self._buffers):
            yield WindowedValue(self._flush(folder), MIN_TIMESTAMP, [GlobalWindow()])

    def _flush(self, folder: str) -> str:
        buffered, tokens = self._buffers.pop(folder)
        # Sorting by id makes a shard's content independent of arrival order inside the bundle.
        rows = sorted(buffered, key=lambda r: r["id"])
        path = storage.join(self.scratch_dir, f"{uuid.uuid4().hex}.arrow")
        with FileSystems.create(path) as sink:
            write_shard(rows_to_table(rows), sink)
        record = {"path": path, "folder": folder, "rows": len(rows), "tokens": tokens, "first_id": rows[0]["id"]}
        return json.dumps(record)


def _read_documents(path: str):
    import pyarrow.parquet as pq

    with storage.open_read(path) as handle:
        parquet = pq.ParquetFile(handle)
        for batch in parquet.iter_batches(batch_size=1024, columns=["id", "text", "source", "lang"]):
            yield from batch.to_pylist()


def epochs_needed(weights: Mapping[str, float], train_tokens: Mapping[str, int], target_tokens: int) -> dict[str, float | None]:
    """Passes over each source's train tokens that fill its share `target_tokens × weight`; None for a source
    without train tokens (no number of passes fills it)."""
    return {s: (target_tokens * w / train_tokens[s] if train_tokens.get(s) else None) for s, w in sorted(weights.items())}


def mixture_warnings(needed: Mapping[str, float | None], recipe_epochs: Mapping[str, float]) -> list[str]:
    """A warning per source with no train tokens, or needing more than EPOCHS_WARNING_FACTOR × its recipe epochs."""
    warnings = []
    for source, epochs in sorted(needed.items()):
        if epochs is None:
            warnings.append(f"{source}: 0 train tokens, its share of the mixture cannot be filled")
        elif epochs > EPOCHS_WARNING_FACTOR * recipe_epochs[source]:
            warnings.append(f"{source}: needs {epochs:.3g} epochs to reach its share, more than "
                            f"{EPOCHS_WARNING_FACTOR:g} × the recipe's {recipe_epochs[source]:g}; too few tokens")
    return warnings


@dataclass(frozen=True)
class ShardResult:
    output: str
    shards: int
    tokens: int
    warnings: tuple[str, ...] = ()


def _ensure_folder(path: str) -> None:
    if not storage.has_scheme(path):  # object stores have no folders; a local rename needs one
        from pathlib import Path

        Path(path).mkdir(parents=True, exist_ok=True)


def shard_documents(
    input_dirs: Sequence[str],
    tokenizer_dir: str,
    output: str,
    shard_tokens: int = DEFAULT_SHARD_TOKENS,
    beam_argv: Sequence[str] = (),
    overwrite: bool = False,
    mixture: str | None = None,
    target_tokens: int | None = None,
    val_fraction: float = DEFAULT_VAL_FRACTION,
) -> ShardResult:
    """Tokenizes every document of `input_dirs` into shards under `output` and writes the manifest.

    Without `mixture`: flat `output/shard-NNNNN.arrow`. With `mixture` (a recipe file): a hash-of-id validation
    split of `val_fraction`, shards per split and source, and per source the epochs needed to reach its share of
    `target_tokens` (default: the recipe's `train_tokens`).
    """
    model_path = storage.join(tokenizer_dir, MODEL_NAME)
    processor = load_tokenizer(model_path)  # fail here, not on a worker, when the model is unusable
    files = document_files(input_dirs)
    recipe = weights = None
    if mixture is not None:
        from manifests.recipe import load_recipe

        if not 0.0 <= val_fraction < 1.0:
            raise ValueError(f"--val-fraction {val_fraction}: expected a fraction in [0, 1)")
        recipe = load_recipe(mixture)
        weights = recipe.weights(source_rows(files))  # fails before the run on a source the recipe lacks
        target_tokens = target_tokens if target_tokens is not None else recipe.train_tokens
        missing = sorted(set(recipe.sources) - set(weights))
        if missing:
            log.info("recipe %s: no input for %s; weights renormalized over %s", recipe.name, missing, sorted(weights))
    prepare_output_dir(output, overwrite)
    scratch = storage.join(output, SCRATCH_DIR)

    pipeline = beam.Pipeline(options=beam_options(beam_argv))
    (
        pipeline
        | "DocumentFiles" >> beam.Create([f.path for f in files])
        | "SpreadFiles" >> beam.Reshuffle()
        | "ReadDocuments" >> beam.FlatMap(_read_documents)
        | "Batch" >> beam.BatchElements(min_batch_size=16, max_batch_size=512)
        | "Tokenize" >> beam.ParDo(TokenizeDocuments(model_path, val_fraction if recipe else None))
        | "WriteShards" >> beam.ParDo(WriteShards(scratch, shard_tokens))
        | "ListShards" >> beam.io.WriteToText(storage.join(scratch, "listing"), file_name_suffix=".jsonl")
    )
    result = pipeline.run()
    result.wait_until_finish()

    written = sorted(map(json.loads, read_lines(storage.join(scratch, "listing*.jsonl"))),
                     key=lambda r: (r["folder"], r["first_id"]))
    outputs = []
    index_in_folder: dict[str, int] = {}
    for record in written:  # per folder, numbered in first-id order
        index = index_in_folder[record["folder"]] = index_in_folder.get(record["folder"], -1) + 1
        relative = f"{record['folder']}/{shard_name(index)}" if record["folder"] else shard_name(index)
        _ensure_folder(storage.dirname(storage.join(output, relative)))
        FileSystems.rename([record["path"]], [storage.join(output, relative)])
        outputs.append((relative, record["rows"]))
    delete_tree(scratch)  # and with it any file of a retried bundle that no listing names

    counters = committed_counters(result)
    by_language = split_stats_from_counters(counters) if recipe else stats_from_counters(counters)
    tokens = sum(r.get("tokens", 0) for r in by_language)
    if tokens != sum(r["tokens"] for r in written):
        raise RuntimeError(f"token counters ({tokens}) disagree with the shards written ({sum(r['tokens'] for r in written)})")
    tokens_by_source: dict[str, int] = {}
    for row in by_language:
        tokens_by_source[row["source"]] = tokens_by_source.get(row["source"], 0) + row.get("tokens", 0)
    stats = {"docs": sum(r.get("docs", 0) for r in by_language), "tokens": tokens,
             "tokens_by_source": tokens_by_source, "by_language": by_language}

    config = {
        "tokenizer": model_path,
        "tokenizer_sha256": storage.file_digest(model_path)[1],
        "vocab_size": processor.vocab_size(),
        "bos_id": processor.bos_id(),
        "eos_id": processor.eos_id(),
        "shard_tokens": shard_tokens,
        "token_dtype": "uint16",
        "beam_options": list(beam_argv),
    }
    warnings: list[str] = []
    if recipe is not None:
        config["mixture"] = {"recipe": mixture, "name": recipe.name, "weights": weights,
                             "target_tokens": target_tokens, "val_fraction": val_fraction}
        by_split: dict[str, dict[str, int]] = {split: {s: 0 for s in weights} for split in SPLITS}
        for row in by_language:
            by_split[row["split"]][row["source"]] = by_split[row["split"]].get(row["source"], 0) + row.get("tokens", 0)
        needed = epochs_needed(weights, by_split["train"], target_tokens)
        warnings = mixture_warnings(needed, {s: recipe.sources[s].epochs for s in weights})
        for warning in warnings:
            log.warning("%s", warning)
        stats.update(tokens_by_split=by_split, epochs_needed=needed, warnings=warnings)

    tokenizer_manifest = storage.join(tokenizer_dir, MANIFEST_NAME)
    parents = [storage.join(d, MANIFEST_NAME) for d in input_dirs if storage.exists(storage.join(d, MANIFEST_NAME))]
    if storage.exists(tokenizer_manifest):
        parents.append(tokenizer_manifest)
    write_manifest(
        output,
        kind="shards",
        config=config,
        inputs={"paths": list(input_dirs), "files": len(files), "bytes": sum(f.bytes for f in files)},
        parents=parents,
        outputs=outputs,
        funnel=funnel_from_counters(STAGE, STEPS, counters),
        stats=stats,
    )
    return ShardResult(output, len(outputs), tokens, tuple(warnings))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="llamix shard", description=__doc__.splitlines()[0])
    parser.add_argument("--tokenizer", required=True, help="folder with tokenizer.model (from `llamix tokenizer train`)")
    parser.add_argument("--input", required=True, help="comma-separated folders of cleaned documents")
    parser.add_argument("--output", required=True, help="folder for shard-NNNNN.arrow and manifest.json")
    parser.add_argument("--shard-tokens", type=int, default=DEFAULT_SHARD_TOKENS, help="tokens per shard (about)")
    parser.add_argument("--overwrite", action="store_true", help="replace the output folder's contents")
    parser.add_argument("--mixture", help="recipe YAML (e.g. manifests/llama1.yaml): split train/validation and "
                                          "write shards per split and source")
    parser.add_argument("--target-tokens", type=int, help="training tokens the mixture is for (default: the recipe's)")
    parser.add_argument("--val-fraction", type=float, default=DEFAULT_VAL_FRACTION,
                        help="share of documents held out for validation, by a hash of the id (with --mixture)")
    args, beam_argv = parser.parse_known_args(argv)
    if args.target_tokens is not None and args.mixture is None:
        parser.error("--target-tokens needs --mixture (a recipe to share the tokens among)")
    result = shard_documents([d for d in args.input.split(",") if d], args.tokenizer, args.output,
                             args.shard_tokens, beam_argv, args.overwrite, args.mixture, args.target_tokens,
                             args.val_fraction)
    log.info("wrote %d shards, %d tokens to %s", result.shards, result.tokens, result.output)
    return 0

