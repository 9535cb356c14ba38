"""Tokenize cleaned documents into Arrow IPC token shards (Beam).

Documents are read from the sources' Parquet files, encoded in batches (`BOS + pieces + EOS`), and written by a
DoFn that cuts a new shard every `--shard-tokens` tokens. Shards are written under a scratch folder first; only
those that Beam reports as committed are renamed to `shard-NNNNN.arrow`, so files from a retried bundle never
reach the output. The manifest records the tokenizer's sha256, tokens per source and language, each shard's sha256.
"""
from __future__ import annotations

import argparse
import json
import logging
import uuid
from dataclasses import dataclass
from typing import Sequence

import apache_beam as beam
import numpy as np
import sentencepiece as spm
from apache_beam.io.filesystems import FileSystems
from apache_beam.transforms.window import GlobalWindow
from apache_beam.utils.timestamp import MIN_TIMESTAMP
from apache_beam.utils.windowed_value import WindowedValue

from manifests import MANIFEST_NAME, storage, write_manifest
from pipelines.funnel import StepCounter, committed_counters, funnel_from_counters, stat_counter, stats_from_counters
from pipelines.runtime import SCRATCH_DIR, beam_options, delete_tree, prepare_output_dir, read_lines
from tokenizer.format import MAX_VOCAB_SIZE, rows_to_table, shard_name, write_shard
from tokenizer.train import MODEL_NAME, document_files

log = logging.getLogger(__name__)

DEFAULT_SHARD_TOKENS = 256 * 1024 * 1024  # ~512 MiB of uint16 per shard: few files, each cheap to memory-map
STAGE = "shards"
STEPS = ("tokenize",)


def load_tokenizer(model_path: str) -> spm.SentencePieceProcessor:
    with storage.open_read(model_path) as handle:
        processor = spm.SentencePieceProcessor(model_proto=handle.read())
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

    def __init__(self, model_path: str):
        self.model_path = model_path
        self.step = StepCounter(STAGE, "tokenize")

    def setup(self):
        self.processor = load_tokenizer(self.model_path)
        self._counters = {}

    def process(self, batch: list[dict]):
        keep = [doc for doc in batch if doc["text"]]
        if len(keep) != len(batch):
            self.step.dropped("empty_text", len(batch) - len(keep))
        for doc, tokens in zip(keep, encode_documents(self.processor, [d["text"] for d in keep])):
            self.step.kept()
            self._count(doc["source"], doc["lang"], len(tokens))
            yield {"tokens": tokens, "source": doc["source"], "id": doc["id"]}

    def _count(self, source: str, lang: str, tokens: int) -> None:
        key = (source, lang)
        if key not in self._counters:
            self._counters[key] = (stat_counter(source, lang, "docs"), stat_counter(source, lang, "tokens"))
        docs, token_counter = self._counters[key]
        docs.inc()
        token_counter.inc(tokens)


class WriteShards(beam.DoFn):
    """Buffers rows and writes one Arrow IPC file per `shard_tokens` tokens (and one at the end of a bundle).

    Emits a small record per file written; the launcher renames exactly those files.
    """

    def __init__(self, scratch_dir: str, shard_tokens: int):
        self.scratch_dir = scratch_dir
        self.shard_tokens = shard_tokens

    def start_bundle(self):
        self._rows: list[dict] = []
        self._tokens = 0

    def process(self, row: dict):
        self._rows.append(row)
        self._tokens += len(row["tokens"])
        if self._tokens >= self.shard_tokens:
            yield self._flush()

    def finish_bundle(self):
        if self._rows:
            yield WindowedValue(self._flush(), MIN_TIMESTAMP, [GlobalWindow()])

    def _flush(self) -> str:
        # Sorting by id makes a shard's content independent of arrival order inside the bundle.
        rows = sorted(self._rows, key=lambda r: r["id"])
        path = storage.join(self.scratch_dir, f"{uuid.uuid4().hex}.arrow")
        with FileSystems.create(path) as sink:
            write_shard(rows_to_table(rows), sink)
        record = {"path": path, "rows": len(rows), "tokens": self._tokens, "first_id": rows[0]["id"]}
        self._rows, self._tokens = [], 0
        return json.dumps(record)


def _read_documents(path: str):
    import pyarrow.parquet as pq

    with storage.open_read(path) as handle:
        parquet = pq.ParquetFile(handle)
        for batch in parquet.iter_batches(batch_size=1024, columns=["id", "text", "source", "lang"]):
            yield from batch.to_pylist()


@dataclass(frozen=True)
class ShardResult:
    output: str
    shards: int
    tokens: int


def shard_documents(
    input_dirs: Sequence[str],
    tokenizer_dir: str,
    output: str,
    shard_tokens: int = DEFAULT_SHARD_TOKENS,
    beam_argv: Sequence[str] = (),
    overwrite: bool = False,
) -> ShardResult:
    model_path = storage.join(tokenizer_dir, MODEL_NAME)
    processor = load_tokenizer(model_path)  # fail here, not on a worker, when the model is unusable
    files = document_files(input_dirs)
    prepare_output_dir(output, overwrite)
    scratch = storage.join(output, SCRATCH_DIR)

    pipeline = beam.Pipeline(options=beam_options(beam_argv))
    (
        pipeline
        | "DocumentFiles" >> beam.Create([f.path for f in files])
        | "SpreadFiles" >> beam.Reshuffle()
        | "ReadDocuments" >> beam.FlatMap(_read_documents)
        | "Batch" >> beam.BatchElements(min_batch_size=16, max_batch_size=512)
        | "Tokenize" >> beam.ParDo(TokenizeDocuments(model_path))
        | "WriteShards" >> beam.ParDo(WriteShards(scratch, shard_tokens))
        | "ListShards" >> beam.io.WriteToText(storage.join(scratch, "listing"), file_name_suffix=".jsonl")
    )
    result = pipeline.run()
    result.wait_until_finish()

    written = sorted(map(json.loads, read_lines(storage.join(scratch, "listing*.jsonl"))), key=lambda r: r["first_id"])
    outputs = []
    for index, record in enumerate(written):
        FileSystems.rename([record["path"]], [storage.join(output, shard_name(index))])
        outputs.append((shard_name(index), record["rows"]))
    delete_tree(scratch)  # and with it any file of a retried bundle that no listing names

    counters = committed_counters(result)
    by_language = stats_from_counters(counters)
    tokens = sum(r.get("tokens", 0) for r in by_language)
    if tokens != sum(r["tokens"] for r in written):
        raise RuntimeError(f"token counters ({tokens}) disagree with the shards written ({sum(r['tokens'] for r in written)})")
    tokens_by_source: dict[str, int] = {}
    for row in by_language:
        tokens_by_source[row["source"]] = tokens_by_source.get(row["source"], 0) + row.get("tokens", 0)

    tokenizer_manifest = storage.join(tokenizer_dir, MANIFEST_NAME)
    parents = [storage.join(d, MANIFEST_NAME) for d in input_dirs if storage.exists(storage.join(d, MANIFEST_NAME))]
    if storage.exists(tokenizer_manifest):
        parents.append(tokenizer_manifest)
    write_manifest(
        output,
        kind="shards",
        config={
            "tokenizer": model_path,
            "tokenizer_sha256": storage.file_digest(model_path)[1],
            "vocab_size": processor.vocab_size(),
            "bos_id": processor.bos_id(),
            "eos_id": processor.eos_id(),
            "shard_tokens": shard_tokens,
            "token_dtype": "uint16",
            "beam_options": list(beam_argv),
        },
        inputs={"paths": list(input_dirs), "files": len(files), "bytes": sum(f.bytes for f in files)},
        parents=parents,
        outputs=outputs,
        funnel=funnel_from_counters(STAGE, STEPS, counters),
        stats={"docs": sum(r.get("docs", 0) for r in by_language), "tokens": tokens,
               "tokens_by_source": tokens_by_source, "by_language": by_language},
    )
    return ShardResult(output, len(outputs), tokens)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="llamix shard", description=__doc__.splitlines()[0])
    parser.add_argument("--tokenizer", required=True, help="folder with tokenizer.model (from `llamix tokenizer train`)")
    parser.add_argument("--input", required=True, help="comma-separated folders of cleaned documents")
    parser.add_argument("--output", required=True, help="folder for shard-NNNNN.arrow and manifest.json")
    parser.add_argument("--shard-tokens", type=int, default=DEFAULT_SHARD_TOKENS, help="tokens per shard (about)")
    parser.add_argument("--overwrite", action="store_true", help="replace the output folder's contents")
    args, beam_argv = parser.parse_known_args(argv)
    result = shard_documents([d for d in args.input.split(",") if d], args.tokenizer, args.output,
                             args.shard_tokens, beam_argv, args.overwrite)
    log.info("wrote %d shards, %d tokens to %s", result.shards, result.tokens, result.output)
    return 0

