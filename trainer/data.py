"""Packs the token shards into fixed-length training sequences without reading them into RAM.

All documents of all `shard-*.arrow` files, in file order, form one token stream (each row already carries its own BOS
and EOS, so documents stay delimited). Window i is stream[i·L : i·L + L + 1]: its first L tokens are the inputs and
its last L the targets, so consecutive windows share one boundary token and every token is predicted exactly once per
epoch. Windows are visited in a seeded random order that changes every epoch. Only the windows of the current batch
are ever gathered; the shards themselves stay memory-mapped (DESIGN.md, "Token shards").

Shards written with a mixture (`llamix shard --mixture`) sit in one folder per source, `DATA/<split>/<source>/`, and
`DATA/manifest.json` carries the recipe's weights. `MixtureBatches` keeps one packed stream per source and picks the
source of every sequence by a deterministic schedule that keeps each source's share of *every prefix* of training
within one sequence of its weight, not only on average at the end (LLaMA §2.1, Table 1 gives the proportions).
"""
from __future__ import annotations

import bisect
import json
import logging
import math
import zlib
from pathlib import Path
from typing import Any, Iterator, Mapping

import numpy as np
import pyarrow as pa
import torch
from numpy.lib.stride_tricks import sliding_window_view

from tokenizer.format import open_shard, shard_paths

log = logging.getLogger(__name__)

# Up to this many windows per read, a Python loop of slices beats one vectorized gather: a mixture reads one or two
# windows per source per batch, where numpy's fixed cost per call dominated (55M -> 158M tokens/s, 2048x8, 7 sources,
# benchmarks/tokenize_shards.py); large batches of short windows still take the vectorized path.
FEW_WINDOWS = 16


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
        self._lengths = np.array([len(s) for s in self._segments], dtype=np.int64)
        # starts[j] is the stream position of segment j's first token; starts[-1] is the stream length.
        self._starts = np.concatenate([[0], np.cumsum(self._lengths)])
        self._start_list, self._length_list = self._starts.tolist(), self._lengths.tolist()
        # One read-only (n - length + 1, length) strided view per segment and window length, built on first use: indexing
        # its first axis copies whole windows in one numpy call, with no per-window Python and no index arrays.
        self._window_views: dict[tuple[int, int], np.ndarray] = {}
        self._doc_starts: np.ndarray | None = None
        self._doc_ids: list[str] = []

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

    def read_windows(self, starts: np.ndarray, length: int) -> np.ndarray:
        """stream[s : s + length] for each s in `starts`, as the rows of one int64 array.

        This is the loader's hot path. Windows inside one segment (nearly all: a segment is a whole shard) are copied
        segment by segment with one fancy-indexing call; only the few that straddle a segment boundary are stitched.
        """
        starts = np.asarray(starts, dtype=np.int64)
        if len(starts) and (starts.min() < 0 or starts.max() + length > len(self)):
            raise IndexError(f"windows of {length} tokens at {starts.min()}..{starts.max()} fall outside the token "
                             f"stream of {len(self)} tokens")
        out = np.empty((len(starts), length), dtype=np.int64)
        if len(starts) <= FEW_WINDOWS:
            # A mixture asks each source for one or two windows per batch: numpy's fixed cost per call (unique,
            # searchsorted, fancy indexing) would then outweigh copying the tokens, so slice them one by one.
            for r, start in enumerate(starts.tolist()):
                j = bisect.bisect_right(self._start_list, start) - 1
                offset = start - self._start_list[j]
                if offset + length <= self._length_list[j]:
                    out[r] = self._segments[j][offset : offset + length]
                else:
                    out[r] = self.read(start, start + length)
            return out
        segment = np.searchsorted(self._starts, starts, side="right") - 1
        offsets = starts - self._starts[segment]
        inside = offsets + length <= self._lengths[segment]
        for j in np.unique(segment[inside]):
            rows = np.flatnonzero(inside & (segment == j))
            out[rows] = self._window_view(int(j), length)[offsets[rows]]
        for r in np.flatnonzero(~inside):
            out[r] = self.read(int(starts[r]), int(starts[r]) + length)
        return out

    def _window_view(self, j: int, length: int) -> np.ndarray:
        view = self._window_views.get((j, length))
        if view is None:
            view = self._window_views[(j, length)] = sliding_window_view(self._segments[j], length)
        return view

    def segments(self) -> list[np.ndarray]:
        return list(self._segments)

    def documents(self, start: int, stop: int) -> list[str]:
        """The ids of the documents that stream[start:stop] touches, in stream order (for `sample_log`)."""
        if self._doc_starts is None:
            # Built on first use only: reading every id column costs time and memory a plain run need not pay.
            ids: list[str] = []
            lengths: list[np.ndarray] = []
            for table in self._tables:
                ids.extend(table.column("id").to_pylist())
                for chunk in table.column("tokens").chunks:
                    offsets = chunk.offsets.to_numpy()
                    lengths.append(np.diff(offsets))
            self._doc_ids = ids
            self._doc_starts = np.concatenate([[0], np.cumsum(np.concatenate(lengths))]) if lengths else np.zeros(1)
        first = int(np.searchsorted(self._doc_starts, start, side="right")) - 1
        last = int(np.searchsorted(self._doc_starts, max(start, stop - 1), side="right")) - 1
        return self._doc_ids[first : last + 1]

    def max_token_id(self) -> int:
        """Scans every token (streamed through the memory map, not copied); only for data without a manifest."""
        return int(max(s.max() for s in self._segments))


class PackedBatches:
    """An endless, resumable iterator of (inputs, targets) int64 batches of shape (batch_size, seq_len)."""

    def __init__(self, data_dir: str | Path, seq_len: int, batch_size: int, seed: int = 0,
                 stream_id: int | None = None):
        self.stream = TokenStream(data_dir)
        self.seq_len = seq_len
        self.batch_size = batch_size
        self.seed = seed
        # Set by MixtureBatches (one per source) so that sources sharing a seed still shuffle independently.
        self.stream_id = stream_id
        self.n_windows = (len(self.stream) - 1) // seq_len
        if self.n_windows == 0:
            raise ValueError(
                f"{data_dir}: the shards hold {len(self.stream)} tokens, fewer than seq_len+1={seq_len + 1} needed "
                f"for one training sequence; lower seq_len or add data"
            )
        self.epoch = 0
        self.position = 0  # windows of the current epoch already handed out
        self.last_windows: list[tuple[str | None, int]] = []  # (source, window index) of the rows last returned
        self._order = self._epoch_order(self.epoch)
        log.info("%s: %d tokens in %d shards -> %d windows of %d+1 tokens", data_dir, len(self.stream),
                 len(self.stream.paths), self.n_windows, seq_len)

    def _epoch_order(self, epoch: int) -> np.ndarray:
        # Seeded by (seed, epoch) so that any epoch's order can be rebuilt on resume without replaying earlier ones.
        key = [self.seed, epoch] if self.stream_id is None else [self.seed, self.stream_id, epoch]
        return np.random.default_rng(key).permutation(self.n_windows)

    @property
    def paths(self) -> list[Path]:
        return self.stream.paths

    def max_token_id(self) -> int:
        return self.stream.max_token_id()

    def window(self, index: int) -> np.ndarray:
        """Window `index` in stream order: seq_len + 1 tokens."""
        start = index * self.seq_len
        return self.stream.read(start, start + self.seq_len + 1)

    def windows(self, indices: np.ndarray) -> np.ndarray:
        """Windows `indices` (stream order) as the rows of one (len(indices), seq_len + 1) int64 array."""
        return self.stream.read_windows(np.asarray(indices, dtype=np.int64) * self.seq_len, self.seq_len + 1)

    def take(self, n: int) -> np.ndarray:
        """The next `n` window indices of the shuffled order, rolling over into a freshly shuffled epoch as needed."""
        taken = []
        while n:
            if self.position == self.n_windows:
                self.epoch += 1
                self.position = 0
                self._order = self._epoch_order(self.epoch)
                log.info("data: %s starting epoch %d", self.stream.data_dir, self.epoch)
            step = min(n, self.n_windows - self.position)
            taken.append(self._order[self.position : self.position + step])
            self.position += step
            n -= step
        return np.concatenate(taken) if taken else np.empty(0, dtype=np.int64)

    def next_batch(self, rows: slice = slice(None)) -> tuple[torch.Tensor, torch.Tensor]:
        """The next global batch's `rows` (all of them by default). The position always advances by the whole global
        batch, so ranks that ask for disjoint row blocks read disjoint windows and stay in step with each other."""
        indices = self.take(self.batch_size)[rows]
        self.last_windows = [(None, int(i)) for i in indices]
        batch = torch.from_numpy(self.windows(indices))
        return batch[:, :-1], batch[:, 1:]

    def documents(self, window: tuple[str | None, int]) -> list[str]:
        """Ids of the documents inside a window that `last_windows` named."""
        start = window[1] * self.seq_len
        return self.stream.documents(start, start + self.seq_len + 1)

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


class MixtureSchedule:
    """Which source each successive sequence comes from: deterministic, and fair on every prefix.

    Drawing sources i.i.d. with the recipe's weights is only right on average; after n draws a source's count wanders
    by ~sqrt(n·w), so early training (and any checkpoint) would see a different mixture than the recipe. Instead this
    is Tijdeman's solution of the "chairman assignment problem" (R. Tijdeman, Discrete Math. 32, 1980): with k sources
    and ε = 1/(2k-2), draw t goes to the source with the earliest deadline (count + 1 - ε) / w among those whose
    entitlement w·t - count is at least ε. Tijdeman proves that then |count_s(t) - w_s·t| ≤ 1 - ε < 1 for every source
    and every t, i.e. each prefix holds the recipe to within one sequence per source. (The simpler "largest deficit
    first" rule, nginx's smooth weighted round-robin, can drift past one sequence for some weights.) Ties go to the
    first name in sorted order, so the schedule depends on nothing but the weights.
    """

    def __init__(self, weights: Mapping[str, float]):
        if not weights:
            raise ValueError("a mixture needs at least one source")
        bad = {name: w for name, w in weights.items() if not (isinstance(w, (int, float)) and w > 0)}
        if bad:
            raise ValueError(f"mixture weights must be positive numbers; got {bad}")
        total = float(sum(weights.values()))
        if not math.isclose(total, 1.0, abs_tol=1e-6):
            raise ValueError(f"mixture weights sum to {total}, expected 1: {dict(weights)}")
        self.names = sorted(weights)
        self._weights = [float(weights[name]) / total for name in self.names]
        self._counts = [0] * len(self.names)
        k = len(self.names)
        self._eps = 1.0 / (2 * k - 2) if k > 1 else 0.0

    @property
    def weights(self) -> np.ndarray:
        return np.array(self._weights)

    @property
    def counts(self) -> np.ndarray:
        """Sequences drawn so far from each source, in `names` order."""
        return np.array(self._counts, dtype=np.int64)

    @property
    def draws(self) -> int:
        return sum(self._counts)

    def next(self) -> str:
        # Plain Python over k (~7) floats: numpy's per-call overhead would cost more than the arithmetic here.
        t = sum(self._counts) + 1
        chosen, best = -1, math.inf
        for i, (w, c) in enumerate(zip(self._weights, self._counts)):
            # The 1e-9 slack only absorbs float rounding of w·t; it is far below any gap the rule depends on.
            if w * t - c >= self._eps - 1e-9:
                deadline = (c + 1 - self._eps) / w
                if deadline < best:  # strict: ties stay with the first name
                    chosen, best = i, deadline
        if chosen < 0:  # impossible by Tijdeman's theorem; a bug, not bad data
            raise RuntimeError(f"mixture schedule found no eligible source at draw {t} (counts {self._counts})")
        self._counts[chosen] += 1
        return self.names[chosen]

    def state_dict(self) -> dict[str, Any]:
        return {"counts": {name: int(c) for name, c in zip(self.names, self.counts)}}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if sorted(state["counts"]) != self.names:
            raise ValueError(f"cannot resume mixture schedule: saved sources {sorted(state['counts'])}, "
                             f"this mixture has {self.names}")
        self._counts = [int(state["counts"][name]) for name in self.names]


class MixtureBatches:
    """Like PackedBatches, over one shards folder per source, each sequence's source chosen by a MixtureSchedule.

    Every source is its own packed stream with its own epochs: a small source (Wikipedia, Books in LLaMA's recipe)
    simply starts its next epoch, reshuffled with a seed of (seed, source, epoch), while a large one is still in its
    first. A sequence never mixes sources, so the share of sequences is also the share of tokens.
    """

    def __init__(self, source_dirs: Mapping[str, str | Path], weights: Mapping[str, float], seq_len: int,
                 batch_size: int, seed: int = 0):
        if sorted(source_dirs) != sorted(weights):
            raise ValueError(f"mixture weights name sources {sorted(weights)}, but the shards have "
                             f"{sorted(source_dirs)}; every source folder needs a weight and every weight a folder")
        self.schedule = MixtureSchedule(weights)
        self.last_windows: list[tuple[str | None, int]] = []
        self.seq_len = seq_len
        self.batch_size = batch_size
        self.seed = seed
        # crc32 of the name, not the position in the list, so that a source's order does not change when another
        # source is added or removed.
        self.sources = {
            name: PackedBatches(source_dirs[name], seq_len, batch_size, seed=seed, stream_id=zlib.crc32(name.encode()))
            for name in self.schedule.names
        }

    @classmethod
    def from_shards(cls, data_dir: str | Path, seq_len: int, batch_size: int, seed: int = 0,
                    split: str = "train") -> MixtureBatches:
        """The `<data_dir>/<split>/<source>/` folders, weighted by `config.mixture.weights` of the manifest."""
        weights = mixture_weights(data_dir)
        if weights is None:
            raise ValueError(f"{Path(data_dir) / 'manifest.json'} has no config.mixture.weights")
        split_dir = Path(data_dir) / split
        source_dirs = {p.name: p for p in sorted(split_dir.iterdir()) if p.is_dir()} if split_dir.is_dir() else {}
        return cls(source_dirs, weights, seq_len, batch_size, seed=seed)

    @property
    def weights(self) -> dict[str, float]:
        return dict(zip(self.schedule.names, self.schedule.weights.tolist()))

    @property
    def paths(self) -> list[Path]:
        return [path for loader in self.sources.values() for path in loader.paths]

    def max_token_id(self) -> int:
        return max(loader.max_token_id() for loader in self.sources.values())

    def shares(self) -> dict[str, float]:
        """The realised share of each source over every sequence handed out so far."""
        draws = max(1, self.schedule.draws)
        return {name: int(c) / draws for name, c in zip(self.schedule.names, self.schedule.counts.tolist())}

    def next_batch(self, rows: slice = slice(None)) -> tuple[torch.Tensor, torch.Tensor]:
        """The next global batch's `rows` (all by default). The schedule and every source's position advance for the
        whole global batch, but only the windows of `rows` are read: each rank gathers its own disjoint part."""
        names = [self.schedule.next() for _ in range(self.batch_size)]
        indices: dict[str, np.ndarray] = {}
        for name in dict.fromkeys(names):  # first-draw order, never a set's hash order
            indices[name] = self.sources[name].take(names.count(name))
        # Row r is the k-th draw of its source within this batch, i.e. that source's k-th window.
        seen: dict[str, int] = {}
        picks = []
        for name in names:
            picks.append((name, int(indices[name][seen.get(name, 0)])))
            seen[name] = seen.get(name, 0) + 1
        picks = picks[rows]
        self.last_windows = picks
        out = np.empty((len(picks), self.seq_len + 1), dtype=np.int64)
        by_source: dict[str, list[int]] = {}
        for r, (name, _) in enumerate(picks):
            by_source.setdefault(name, []).append(r)
        for name, where in by_source.items():
            out[where] = self.sources[name].windows(np.array([picks[r][1] for r in where], dtype=np.int64))
        batch = torch.from_numpy(out)
        return batch[:, :-1], batch[:, 1:]

    def documents(self, window: tuple[str | None, int]) -> list[str]:
        return self.sources[window[0]].documents(window)

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        while True:
            yield self.next_batch()

    def state_dict(self) -> dict[str, Any]:
        return {"seed": self.seed, "weights": self.weights, "schedule": self.schedule.state_dict(),
                "sources": {name: loader.state_dict() for name, loader in self.sources.items()}}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        saved = state.get("weights")
        if saved is None or sorted(saved) != self.schedule.names or any(
                not math.isclose(saved[name], w, abs_tol=1e-12) for name, w in self.weights.items()):
            raise ValueError(f"cannot resume: saved mixture weights {saved}, this loader has {self.weights}")
        self.schedule.load_state_dict(state["schedule"])
        for name, loader in self.sources.items():
            loader.load_state_dict(state["sources"][name])
        self.seed = state["seed"]


def open_batches(data_dir: str | Path, seq_len: int, batch_size: int, seed: int = 0,
                 split: str = "train") -> PackedBatches | MixtureBatches:
    """The loader for a shards folder: the mixture when it has `<split>/` and config.mixture in its manifest, else the
    flat `shard-*.arrow` stream (which has no splits)."""
    if (Path(data_dir) / split).is_dir() and mixture_weights(data_dir) is not None:
        return MixtureBatches.from_shards(data_dir, seq_len, batch_size, seed=seed, split=split)
    if split != "train":
        raise FileNotFoundError(f"{data_dir}: no {split}/ folder with a mixture manifest; flat shards have no splits")
    return PackedBatches(data_dir, seq_len, batch_size, seed=seed)


def _shards_config(data_dir: str | Path) -> dict[str, Any]:
    path = Path(data_dir) / "manifest.json"
    if not path.exists():
        return {}
    return json.loads(path.read_text()).get("config", {})


def mixture_weights(data_dir: str | Path) -> dict[str, float] | None:
    """`config.mixture.weights` ({source: weight}) of `<data_dir>/manifest.json`, if the shards were mixed."""
    mixture = _shards_config(data_dir).get("mixture")
    if mixture is None:
        return None
    weights = mixture.get("weights") if isinstance(mixture, dict) else None
    if not isinstance(weights, dict) or not weights:
        raise ValueError(f"{Path(data_dir) / 'manifest.json'}: config.mixture.weights is {weights!r}, "
                         f"expected an object of source: weight")
    return {str(name): float(w) for name, w in weights.items()}


def shards_vocab_size(data_dir: str | Path) -> int | None:
    """The tokenizer's vocabulary size as recorded in `<data_dir>/manifest.json` (config.vocab_size), if present."""
    vocab_size = _shards_config(data_dir).get("vocab_size")
    if vocab_size is not None and not isinstance(vocab_size, int):
        raise ValueError(f"{Path(data_dir) / 'manifest.json'}: config.vocab_size is {vocab_size!r}, expected an integer")
    return vocab_size
