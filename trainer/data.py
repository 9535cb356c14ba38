"""Packs the token shards into fixed-length training sequences without reading them into RAM.

All documents of all `shard-*.arrow` files, in file order, form one token stream (each row already carries its own BOS
and EOS, so documents stay delimited). Window i is stream[i·L : i·L + L + 1]: its first L tokens are the inputs and
its last L the targets, so consecutive windows share one boundary token and every token is predicted exactly once per
epoch. Windows are visited in a seeded random order that changes every epoch. Only the windows of the current batch
are ever gathered; the shards themselves stay memory-mapped (DESIGN.md, "Token shards").
"""
from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any, Iterator

import numpy as np
import pyarrow as pa
import torch

from tokenizer.format import open_shard, shard_paths

log = logging.getLogger(__name__)


class TokenStream:
    """The concatenation of every document's tokens in a shards folder, as zero-copy views into the mapped files."""

    def __init__(self, data_dir: str | Path):
        self.data_dir = Path(data_dir)
        self.paths = shard_paths(self.data_dir)
        self._tables: list[pa.Table] = []  # held so the memory maps stay open as long as the views do
        self._segments: list[np.ndarray] = []
        for path in self.paths:
            table = open_shard(path)
            self._tables.append(table)
            for chunk in table.column("tokens").chunks:
                if chunk.null_count:
                    raise ValueError(f"{path}: {chunk.null_count} rows have null tokens; every row must be a document")
                # flatten() honours the chunk's offsets and, without nulls, is a slice of the mapped values buffer.
                values = chunk.flatten().to_numpy(zero_copy_only=True)
                if len(values):
                    self._segments.append(values)
        lengths = np.array([len(s) for s in self._segments], dtype=np.int64)
        # starts[j] is the stream position of segment j's first token; starts[-1] is the stream length.
        self._starts = np.concatenate([[0], np.cumsum(lengths)])

    def __len__(self) -> int:
        return int(self._starts[-1])

    def read(self, start: int, stop: int) -> np.ndarray:
        """A copy of stream[start:stop], stitched across segment (and shard) boundaries."""
        if not 0 <= start <= stop <= len(self):
            raise IndexError(f"slice [{start}:{stop}] outside the token stream of {len(self)} tokens")
        pieces = []
        j = int(np.searchsorted(self._starts, start, side="right")) - 1
        while start < stop:
            offset = start - self._starts[j]
            take = min(stop - start, len(self._segments[j]) - offset)
            pieces.append(self._segments[j][offset : offset + take])
            start += take
            j += 1
        return np.concatenate(pieces) if pieces else np.empty(0, dtype=np.uint16)

    def segments(self) -> list[np.ndarray]:
        return list(self._segments)

    def max_token_id(self) -> int:
        """Scans every token (streamed through the memory map, not copied); only for data without a manifest."""
        return int(max(s.max() for s in self._segments))


class PackedBatches:
    """An endless, resumable iterator of (inputs, targets) int64 batches of shape (batch_size, seq_len)."""

    def __init__(self, data_dir: str | Path, seq_len: int, batch_size: int, seed: int = 0):
        self.stream = TokenStream(data_dir)
        self.seq_len = seq_len
        self.batch_size = batch_size
        self.seed = seed
        self.n_windows = (len(self.stream) - 1) // seq_len
        if self.n_windows == 0:
            raise ValueError(
                f"{data_dir}: the shards hold {len(self.stream)} tokens, fewer than seq_len+1={seq_len + 1} needed "
                f"for one training sequence; lower seq_len or add data"
            )
        self.epoch = 0
        self.position = 0  # windows of the current epoch already handed out
        self._order = self._epoch_order(self.epoch)
        log.info("%s: %d tokens in %d shards -> %d windows of %d+1 tokens", data_dir, len(self.stream),
                 len(self.stream.paths), self.n_windows, seq_len)

    def _epoch_order(self, epoch: int) -> np.ndarray:
        # Seeded by (seed, epoch) so that any epoch's order can be rebuilt on resume without replaying earlier ones.
        return np.random.default_rng([self.seed, epoch]).permutation(self.n_windows)

    def window(self, index: int) -> np.ndarray:
        """Window `index` in stream order: seq_len + 1 tokens."""
        start = index * self.seq_len
        return self.stream.read(start, start + self.seq_len + 1)

    def next_batch(self) -> tuple[torch.Tensor, torch.Tensor]:
        rows = np.empty((self.batch_size, self.seq_len + 1), dtype=np.int64)
        for r in range(self.batch_size):
            if self.position == self.n_windows:
                self.epoch += 1
                self.position = 0
                self._order = self._epoch_order(self.epoch)
                log.info("data: starting epoch %d", self.epoch)
            rows[r] = self.window(int(self._order[self.position]))
            self.position += 1
        batch = torch.from_numpy(rows)
        return batch[:, :-1], batch[:, 1:]

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        while True:
            yield self.next_batch()

    def state_dict(self) -> dict[str, Any]:
        # n_tokens and seq_len are there to refuse a resume on different data, where positions would mean nothing.
        return {"seed": self.seed, "epoch": self.epoch, "position": self.position,
                "seq_len": self.seq_len, "n_tokens": len(self.stream)}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        for key, mine in (("seq_len", self.seq_len), ("n_tokens", len(self.stream))):
            if state[key] != mine:
                raise ValueError(f"cannot resume data position: saved {key}={state[key]}, but this loader has {mine}")
        if not 0 <= state["position"] <= self.n_windows:
            raise ValueError(f"saved position {state['position']} outside an epoch of {self.n_windows} windows")
        self.seed = state["seed"]
        self.epoch = state["epoch"]
        self.position = state["position"]
        self._order = self._epoch_order(self.epoch)


def shards_vocab_size(data_dir: str | Path) -> int | None:
    """The tokenizer's vocabulary size as recorded in `<data_dir>/manifest.json` (config.vocab_size), if present."""
    path = Path(data_dir) / "manifest.json"
    if not path.exists():
        return None
    manifest = json.loads(path.read_text())
    vocab_size = manifest.get("config", {}).get("vocab_size")
    if vocab_size is not None and not isinstance(vocab_size, int):
        raise ValueError(f"{path}: config.vocab_size is {vocab_size!r}, expected an integer")
    return vocab_size
