"""Arrow IPC token shards: the contract between the tokenize stage and the trainer (DESIGN.md, "Token shards").

One row per document: `tokens` (BOS, the document's pieces, EOS as uint16), `source` and `id`. Files are Arrow IPC
*file* format so that the trainer can memory-map them and read any row without a copy.
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterable, Iterator

import numpy as np
import pyarrow as pa

SHARD_SCHEMA = pa.schema(
    [
        pa.field("tokens", pa.large_list(pa.uint16())),
        pa.field("source", pa.string()),
        pa.field("id", pa.string()),
    ]
)
# uint16 holds ids < 65,536; LLaMA's vocabulary is 32,000.
MAX_VOCAB_SIZE = 1 << 16
SHARD_GLOB = "shard-*.arrow"


def shard_name(index: int) -> str:
    return f"shard-{index:05d}.arrow"


def rows_to_table(rows: Iterable[dict]) -> pa.Table:
    """Builds a shard table from `{"tokens": list[int] | np.ndarray, "source": str, "id": str}` rows."""
    tokens, sources, ids = [], [], []
    for row in rows:
        tokens.append(np.asarray(row["tokens"], dtype=np.uint16))
        sources.append(row["source"])
        ids.append(row["id"])
    if tokens:
        offsets = np.zeros(len(tokens) + 1, dtype=np.int64)
        np.cumsum([len(t) for t in tokens], out=offsets[1:])
        values = pa.array(np.concatenate(tokens), type=pa.uint16())
        token_column = pa.LargeListArray.from_arrays(pa.array(offsets, type=pa.int64()), values)
    else:
        token_column = pa.array([], type=pa.large_list(pa.uint16()))
    return pa.Table.from_arrays(
        [token_column, pa.array(sources, type=pa.string()), pa.array(ids, type=pa.string())],
        schema=SHARD_SCHEMA,
    )


def write_shard(table: pa.Table, sink) -> None:
    """Writes `table` as one Arrow IPC file to `sink` (a path or a writable binary file object)."""
    if not table.schema.equals(SHARD_SCHEMA):
        raise ValueError(f"shard table schema {table.schema} differs from {SHARD_SCHEMA}")
    with pa.ipc.new_file(sink, SHARD_SCHEMA) as writer:
        writer.write_table(table, max_chunksize=max(1, table.num_rows))


def open_shard(path: str | Path) -> pa.Table:
    """Memory-maps one shard; the returned table's buffers point into the mapped file (no copy)."""
    source = pa.memory_map(str(path), "r")
    table = pa.ipc.open_file(source).read_all()
    if not table.schema.equals(SHARD_SCHEMA):
        raise ValueError(f"{path}: schema {table.schema} is not a llamix token shard ({SHARD_SCHEMA})")
    return table


def shard_paths(directory: str | Path) -> list[Path]:
    paths = sorted(Path(directory).glob(SHARD_GLOB))
    if not paths:
        raise FileNotFoundError(f"no {SHARD_GLOB} files in {directory}")
    return paths


def iter_documents(path: str | Path) -> Iterator[tuple[str, str, np.ndarray]]:
    """Yields `(id, source, tokens)` for each row of a shard; `tokens` is a zero-copy uint16 view."""
    table = open_shard(path)
    for batch in table.to_batches():
        tokens = batch.column("tokens")
        offsets = tokens.offsets.to_numpy()
        values = tokens.values.to_numpy(zero_copy_only=True)
        for i, (doc_id, source) in enumerate(zip(batch.column("id").to_pylist(), batch.column("source").to_pylist())):
            yield doc_id, source, values[offsets[i] : offsets[i + 1]]
