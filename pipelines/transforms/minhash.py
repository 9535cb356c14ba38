"""MinHash near-duplicate removal: of every cluster of near-identical documents, keep the one with the smallest id.

Reused by the sources that need document-level near-dedup (books: LLaMA §2.1 removes "books with more than 90%
content overlap"; others at the default 0.8). The pure core, testable without Beam:

* **Words** (`normalize_words`): NFC, `str.lower()`, then every run of characters that are not Unicode word
  characters (Python `re` `\\W`: not a letter, digit, numeric or `_`) becomes one space, stripped at both ends.
  Punctuation and line breaks therefore never split or join shingles differently between two copies. Scripts written
  without spaces (CJK) give long "words"; combining marks without a precomposed form split a word (consistently in
  every copy, so duplicates still match). ASCII text takes a byte-table path with the same result, 3-4x faster.
* **Shingles** (`shingles`): word n-grams (default 5) joined by one space; a document with fewer than n words is
  one shingle, its whole normalized text (an empty document is the one shingle "", so empty documents cluster).
* **Shingle hashes** (`shingle_hashes`), 64-bit, vectorized over the document's UTF-8 bytes: the polynomial
  `P(s) = sum_j s_j * Q^j mod 2^64` of a shingle's bytes comes from one prefix sum over the whole text,
  `P(text[i:k]) = Q^-i * (F[k] - F[i])` (Q odd, so invertible mod 2^64), then the length is mixed in and the
  MurmurHash3 64-bit finalizer (`fmix64`) avalanches it. Every shingle is hashed in O(1) numpy work, with no Python
  call per shingle or word. A polynomial mod 2^64 is not collision-free for adversarial inputs (Thue–Morse strings of
  thousands of bytes collide for every odd Q); for shingles of natural text the collision rate is that of a 64-bit
  hash, and a collision only makes two different shingles count as one. `hash_shingle` is the scalar reference.
* **Permutations** (`Permutations`): `num_perm` affine maps `h -> (a_k * h + b_k) mod 2^32`, `a_k` odd, applied to
  the top 32 bits of the shingle hash: datasketch ≥ 2.0's default scheme "affine32" (datasketch/minhash.py: a
  bijection, so the permutation itself adds no collisions; its min-wise accuracy is empirical, and ours is checked
  against exact Jaccard in tests/test_minhash.py and benchmarks/minhash.py). We skip datasketch's 32-bit fmix pre-mix
  because our input is already fmix64 output. Parameters come from numpy's PCG64 seeded with `seed`, so every
  worker derives the same ones; a DoFn builds them in `setup()` and pickles only `(num_perm, seed)`.
* **Signature** (`minhash_signature`): per permutation, the minimum over all shingles, computed as one
  `(num_perm, chunk)` uint32 matrix per chunk of 4096 shingles (bounded memory for a whole book).
* **Bands** (`lsh_params`, `band_keys`): b bands × r rows from datasketch's `_optimal_param(threshold, num_perm,
  0.5, 0.5)` (datasketch/lsh.py, as `MinHashLSH` picks them; 0.8 and 128 give 9 × 13). A band key is a 16-byte
  BLAKE2b digest of (band index, r values): 2^-128 collisions, and a smaller shuffle than the raw 4r bytes.
* **Connected components** (`large_star`, `small_star`, `component_minimum`): Kiveris et al. 2014, "Connected
  Components in MapReduce and Beyond" (SoCC '14), the alternating Large-Star / Small-Star algorithm. Both operators
  only look at one node's neighbour set, so each is one GroupByKey by node; both preserve connectivity, and at their
  fixed point every component is a star whose centre is its smallest node. There is no global key anywhere.

The Beam graph (`NearDedup`), every shuffle keyed by band key, node or document id:

    docs --SketchDocuments--> (band key, id) --GroupByKey--> star edges (member, bucket minimum) --Distinct-->
         [--VerifyPairs--> edges whose exact shingle-set Jaccard is >= threshold]
         --ConnectedComponents (max_rounds × (LargeStar, SmallStar), then a star check)--> (id, component minimum)
         --CoGroupByKey with docs by id--> docs whose component holds no smaller id     kept / dropped: near_duplicate

Each bucket contributes star edges (every member to the bucket's smallest id), never all pairs. Bucket and node
groups are iterated twice (minimum first, then the edges; Beam's grouped values are re-iterable), never copied into
memory, so a bucket of a million copies costs time on one worker but no memory.

`--verify-jaccard` (`verify_jaccard=True`) keeps a candidate edge only if the exact Jaccard similarity of the two
shingle sets (sorted unique 64-bit hashes: exact up to hash collisions) reaches the threshold. The texts are shuffled
once, in the final join; the sketch step instead emits each document's hash set (8 bytes a shingle, about the size of
its text): one CoGroupByKey by id attaches it to both ends of every edge, one GroupByKey by edge meets the two sets.
That is one extra shuffle of all hash sets plus two copies per candidate edge, instead of shuffling texts twice
and re-shingling them. With star edges, verification compares members with the bucket's smallest id only: two
members that are similar to each other but not to that smallest id lose that bucket's link (recall can drop; the
other bands often still connect them).

Determinism: band keys, bucket minima, the star operators and the final check are functions of what a group holds
(minimum, comparisons), not of the order in which a runner delivers it, so the kept ids do not depend on runner, bundling
or worker count. Components that need more than `max_rounds` rounds are not guessed at: the star check raises
`ComponentsNotConverged`, naming the node, and the run fails (rerun with a larger `max_rounds`). The alternating
algorithm needs O(log² n) rounds in the worst case and about log n in practice (Kiveris et al.); candidate graphs
from near-dedup are mostly small stars. A path whose nodes are in random id order, the slow case, needed 8 rounds
for 1,000 nodes, 11 for 10,000 and 13 for 100,000, hence the default 16. Neither operator emits more edges than it
reads (one per neighbour occurrence, and Small-Star merges the edges to the minimum), so the rounds need no Distinct.
"""
from __future__ import annotations

import argparse
import hashlib
import logging
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import chain
from typing import Callable, Iterable, Iterator

import apache_beam as beam
import numpy as np
from datasketch.lsh import _optimal_param

from pipelines.deadletter import guarded, joined_documents
from pipelines.funnel import StepCounter, extra_counter

log = logging.getLogger(__name__)

# Word 5-grams, as NearDup (Lee et al. 2022, "Deduplicating Training Data Makes Language Models Better", section
# "Approximate Matching with MinHash") and datatrove's MinhashConfig (n_grams=5).
DEFAULT_NGRAM = 5
# datasketch's MinHash default; with 0.8 it gives 9 bands of 13 rows.
DEFAULT_NUM_PERM = 128
# Jaccard threshold for "near duplicate", as NearDup (Lee et al. 2022, same section) and Gopher's MassiveWeb document
# deduplication (Rae et al. 2021, App. A). Books may pass 0.9 (LLaMA §2.1: "more than 90% content overlap").
DEFAULT_THRESHOLD = 0.8
# Weights of false positives and false negatives in datasketch's `_optimal_param` (`MinHashLSH` defaults).
FALSE_POSITIVE_WEIGHT = 0.5
FALSE_NEGATIVE_WEIGHT = 0.5
DEFAULT_SEED = 1
# Large-Star/Small-Star rounds unrolled in the graph (see the module docstring on convergence).
DEFAULT_MAX_ROUNDS = 16
NEAR_DUPLICATE = "near_duplicate"

# Python's `re` on str: \w is str.isalnum() or "_", for every Unicode character.
_NON_WORD = re.compile(r"\W+")
_ASCII_NON_WORD_TO_SPACE = bytes(c if chr(c).isalnum() or c == ord("_") else ord(" ") for c in range(128)) + bytes(
    range(128, 256))
_MASK64 = (1 << 64) - 1
# Polynomial base (odd, so invertible mod 2^64): the 64-bit golden-ratio constant. The length multiplier and the
# finalizer constants are MurmurHash3's fmix64 / 64-bit mixing constants.
_Q = 0x9E3779B97F4A7C15
_Q_INV = pow(_Q, -1, 1 << 64)
_LENGTH_MIX = 0xC2B2AE3D27D4EB4F
_FMIX_M1 = 0xFF51AFD7ED558CCD
_FMIX_M2 = 0xC4CEB9FE1A85EC53
# Shingles hashed / permuted per numpy block: bounds temporary memory (a 1M-word book never needs a 1M × 128 matrix).
_SHINGLES_PER_BLOCK = 4096
_SPACE = ord(" ")
_POWER_CACHE: dict[int, np.ndarray] = {}
_POWER_CACHE_MAX = 1 << 20  # 8 MiB per base
_EMPTY_MIN = np.uint32(0xFFFFFFFF)


# ---------------------------------------------------------------------------------------------------- words, shingles


def normalize_words(text: str) -> str:
    """The document's words, lowercased and NFC-composed, separated by single spaces ("" for no word)."""
    return _normalized_utf8(text).decode("utf-8")


def _normalized_utf8(text: str) -> bytes:
    lowered = unicodedata.normalize("NFC", text.lower())
    if lowered.isascii():
        # The same as the regex below for ASCII text, and 3-4x faster: a byte table, then split/join.
        return b" ".join(lowered.encode("ascii").translate(_ASCII_NON_WORD_TO_SPACE).split())
    return _NON_WORD.sub(" ", lowered).strip().encode("utf-8")


def words(text: str) -> list[str]:
    normalized = normalize_words(text)
    return normalized.split(" ") if normalized else []


def shingles(text: str, ngram: int = DEFAULT_NGRAM) -> list[str]:
    """Word n-grams in document order, with repeats; fewer than `ngram` words: one shingle of all of them."""
    tokens = words(text)
    if len(tokens) < ngram:
        return [" ".join(tokens)]
    return [" ".join(tokens[i:i + ngram]) for i in range(len(tokens) - ngram + 1)]


# ------------------------------------------------------------------------------------------------------ shingle hashes


def _fmix64(h: np.ndarray) -> np.ndarray:
    h ^= h >> np.uint64(33)
    h *= np.uint64(_FMIX_M1)
    h ^= h >> np.uint64(33)
    h *= np.uint64(_FMIX_M2)
    h ^= h >> np.uint64(33)
    return h


def hash_shingle(shingle: str) -> int:
    """Scalar reference for one shingle's 64-bit hash (what `shingle_hashes` computes in bulk)."""
    data = shingle.encode("utf-8")
    poly = 0
    for byte in reversed(data):
        poly = (poly * _Q + byte) & _MASK64
    h = poly ^ ((len(data) * _LENGTH_MIX) & _MASK64)
    h ^= h >> 33
    h = (h * _FMIX_M1) & _MASK64
    h ^= h >> 33
    h = (h * _FMIX_M2) & _MASK64
    return h ^ (h >> 33)


def _powers(base: int, n: int) -> np.ndarray:
    """base^0 … base^(n-1) mod 2^64 (numpy uint64 products wrap, which is the modulo); read-only.

    Tables up to _POWER_CACHE_MAX entries are kept per process and grown by doubling (a module global, so never
    part of a pickled DoFn; replacing it is atomic, so threads sharing a worker read an old or a new table).
    """
    cached = _POWER_CACHE.get(base)
    if cached is not None and len(cached) >= n:
        return cached[:n]
    size = max(n, 2 * len(cached)) if cached is not None else max(n, 1 << 12)
    powers = np.full(size, base, dtype=np.uint64)
    powers[0] = 1
    np.cumprod(powers, out=powers)
    powers.flags.writeable = False
    if size <= _POWER_CACHE_MAX:
        _POWER_CACHE[base] = powers
    return powers[:n]


def _substring_hashes(data: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Hashes of data[starts[i]:ends[i]] (byte offsets into `data`, a uint8 array)."""
    n = len(data)
    prefix = np.zeros(n + 1, dtype=np.uint64)
    np.cumsum(data * _powers(_Q, n), out=prefix[1:])
    poly = (prefix[ends] - prefix[starts]) * _powers(_Q_INV, n + 1)[starts]
    poly ^= (ends - starts).astype(np.uint64) * np.uint64(_LENGTH_MIX)
    return _fmix64(poly)


def shingle_hashes(text: str, ngram: int = DEFAULT_NGRAM) -> np.ndarray:
    """uint64 hash of every shingle of `text`, in order (equal to `[hash_shingle(s) for s in shingles(text)]`)."""
    if ngram < 1:
        raise ValueError(f"ngram must be a positive number of words, got {ngram}")
    return _hashes_of_normalized(_normalized_utf8(text), ngram)


def normalized_shingle_hashes(normalized: str, ngram: int = DEFAULT_NGRAM) -> np.ndarray:
    """`shingle_hashes` of text that `normalize_words` has already normalized."""
    if ngram < 1:
        raise ValueError(f"ngram must be a positive number of words, got {ngram}")
    return _hashes_of_normalized(normalized.encode("utf-8"), ngram)


def _hashes_of_normalized(normalized: bytes, ngram: int) -> np.ndarray:
    data = np.frombuffer(normalized, dtype=np.uint8)
    spaces = np.flatnonzero(data == _SPACE)
    word_starts = np.concatenate(([0], spaces + 1))
    word_ends = np.concatenate((spaces, [len(data)]))
    if len(word_starts) < ngram:
        word_starts, word_ends, ngram = word_starts[:1], word_ends[-1:], 1
    starts = word_starts[:len(word_starts) - ngram + 1]
    ends = word_ends[ngram - 1:]
    # Block by shingles so that the prefix arrays stay small however long the document is.
    blocks = []
    for first in range(0, len(starts), _SHINGLES_PER_BLOCK):
        s = starts[first:first + _SHINGLES_PER_BLOCK]
        e = ends[first:first + _SHINGLES_PER_BLOCK]
        offset = s[0]
        blocks.append(_substring_hashes(data[offset:e[-1]], s - offset, e - offset))
    return np.concatenate(blocks)


def shingle_set(text: str, ngram: int = DEFAULT_NGRAM) -> np.ndarray:
    """The document's distinct shingle hashes, sorted (for exact Jaccard)."""
    return np.unique(shingle_hashes(text, ngram))


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Exact Jaccard similarity of two sorted arrays of distinct values (`shingle_set`)."""
    common = len(np.intersect1d(a, b, assume_unique=True))
    union = len(a) + len(b) - common
    return common / union if union else 1.0


# --------------------------------------------------------------------------------------------------------- signatures


@dataclass(frozen=True)
class Permutations:
    """`num_perm` affine permutations of 32-bit hashes, `h -> a*h + b mod 2^32` with odd `a` (datasketch "affine32")."""

    num_perm: int = DEFAULT_NUM_PERM
    seed: int = DEFAULT_SEED
    a: np.ndarray = field(init=False, repr=False, compare=False)
    b: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        if self.num_perm < 1:
            raise ValueError(f"num_perm must be a positive number of permutations, got {self.num_perm}")
        rng = np.random.Generator(np.random.PCG64(self.seed))
        a = rng.integers(0, 1 << 32, size=self.num_perm, dtype=np.uint32) | np.uint32(1)
        b = rng.integers(0, 1 << 32, size=self.num_perm, dtype=np.uint32)
        # Columns, so that a block is (num_perm, shingles) and the minimum runs along contiguous rows.
        object.__setattr__(self, "a", a[:, None].copy())
        object.__setattr__(self, "b", b[:, None].copy())


def minhash_signature(hashes: np.ndarray, permutations: Permutations) -> np.ndarray:
    """uint32[num_perm]: per permutation, the minimum over the shingle hashes (uint64, as `shingle_hashes` gives)."""
    if len(hashes) == 0:
        raise ValueError("a MinHash signature needs at least one shingle hash; `shingle_hashes` always gives one")
    signature = np.full(permutations.num_perm, _EMPTY_MIN, dtype=np.uint32)
    for first in range(0, len(hashes), _SHINGLES_PER_BLOCK):
        top = (hashes[first:first + _SHINGLES_PER_BLOCK] >> np.uint64(32)).astype(np.uint32)
        block = permutations.a * top
        block += permutations.b
        np.minimum(signature, block.min(axis=1), out=signature)
    return signature


def document_signature(text: str, permutations: Permutations, ngram: int = DEFAULT_NGRAM) -> np.ndarray:
    return minhash_signature(shingle_hashes(text, ngram), permutations)


def estimated_jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """The fraction of permutations whose minima agree: an unbiased estimate of the shingle sets' Jaccard."""
    return float(np.mean(a == b))


# -------------------------------------------------------------------------------------------------------------- bands


@lru_cache(maxsize=None)
def lsh_params(threshold: float = DEFAULT_THRESHOLD, num_perm: int = DEFAULT_NUM_PERM) -> tuple[int, int]:
    """(bands, rows) minimizing false positives + false negatives at `threshold`, as datasketch's MinHashLSH."""
    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"threshold must be a Jaccard similarity in (0, 1], got {threshold}")
    if num_perm < 1:
        raise ValueError(f"num_perm must be a positive number of permutations, got {num_perm}")
    return _optimal_param(threshold, num_perm, FALSE_POSITIVE_WEIGHT, FALSE_NEGATIVE_WEIGHT)


def band_keys(signature: np.ndarray, bands: int, rows: int) -> list[bytes]:
    """One 16-byte key per band; two documents share a key iff their signatures agree on that whole band."""
    if bands * rows > len(signature):
        raise ValueError(f"{bands} bands × {rows} rows need {bands * rows} signature values, got {len(signature)}")
    values = signature.astype("<u4", copy=False)
    return [
        hashlib.blake2b(band.to_bytes(2, "little") + values[band * rows:(band + 1) * rows].tobytes(),
                        digest_size=16).digest()
        for band in range(bands)
    ]


def bucket_star_edges(ids: Iterable[str]) -> Iterator[tuple[str, str]]:
    """Edges (member, smallest member) of one LSH bucket; iterates `ids` twice, holds none of them."""
    smallest = min(ids)
    for doc_id in ids:
        if doc_id != smallest:
            yield doc_id, smallest


# ------------------------------------------------------------------------------------------- connected components


class ComponentsNotConverged(RuntimeError):
    pass


def large_star(node: str, neighbors: Iterable[str]) -> Iterator[tuple[str, str]]:
    """Kiveris et al. 2014, Large-Star: connect every larger neighbour to the smallest of node ∪ neighbours.

    Edges come out as (larger, smaller); `neighbors` is iterated twice and may repeat.
    """
    smallest = min(chain(neighbors, (node,)))
    for neighbor in neighbors:
        if neighbor > node:
            yield neighbor, smallest


def small_star(node: str, neighbors: Iterable[str]) -> Iterator[tuple[str, str]]:
    """Kiveris et al. 2014, Small-Star: connect node and its smaller neighbours to the smallest of them."""
    smallest = min(chain(neighbors, (node,)))
    if node != smallest:
        yield node, smallest
    for neighbor in neighbors:
        if neighbor < node and neighbor != smallest:
            yield neighbor, smallest


def component_minimum(node: str, neighbors: Iterable[str], max_rounds: int) -> str:
    """The smallest node of `node`'s component, once the graph is a forest of stars around their minima.

    A node is a centre (only larger neighbours) or a leaf (exactly one distinct neighbour, smaller); a leaf's one
    neighbour is then a centre, or it would have a larger neighbour too. Anything else means Large-Star/Small-Star
    had not converged: raises ComponentsNotConverged rather than guess.
    """
    smaller: str | None = None
    larger: str | None = None
    for neighbor in neighbors:
        if neighbor < node:
            if smaller is not None and neighbor != smaller:
                raise ComponentsNotConverged(
                    f"connected components not converged after {max_rounds} Large-Star/Small-Star rounds: node "
                    f"{node!r} has two smaller neighbours ({smaller!r}, {neighbor!r}) where a star has one; "
                    f"rerun with a larger max_rounds"
                )
            smaller = neighbor
        elif neighbor > node:
            larger = neighbor
    if smaller is None:
        return node
    if larger is not None:
        raise ComponentsNotConverged(
            f"connected components not converged after {max_rounds} Large-Star/Small-Star rounds: node {node!r} has "
            f"a smaller ({smaller!r}) and a larger ({larger!r}) neighbour where a star has one or the other; "
            f"rerun with a larger max_rounds"
        )
    return smaller


def alternate_stars(edges: Iterable[tuple[str, str]], max_rounds: int = DEFAULT_MAX_ROUNDS) -> dict[str, str]:
    """In-memory mirror of `ConnectedComponents` (tests, benchmarks): node -> smallest node of its component."""
    current = sorted({tuple(sorted(edge, reverse=True)) for edge in edges if edge[0] != edge[1]})
    for _ in range(max_rounds):
        for operator in (large_star, small_star):
            current = [edge for node, neighbors in _adjacency(current).items() for edge in operator(node, neighbors)]
    return {node: component_minimum(node, neighbors, max_rounds) for node, neighbors in _adjacency(current).items()}


def _adjacency(edges: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    adjacency: dict[str, list[str]] = {}
    for u, v in edges:
        adjacency.setdefault(u, []).append(v)
        adjacency.setdefault(v, []).append(u)
    return adjacency


# --------------------------------------------------------------------------------------------------------------- Beam

SHINGLE_SETS = "shingle_sets"


def _both_ways(edge: tuple[str, str]) -> Iterator[tuple[str, str]]:
    u, v = edge
    yield u, v
    yield v, u


class _SketchDocuments(beam.DoFn):
    """doc -> (band key, id) per band; with `with_shingle_sets`, also (id, sorted distinct shingle hashes as bytes)."""

    def __init__(self, ngram: int, num_perm: int, seed: int, bands: int, rows: int, with_shingle_sets: bool):
        self.ngram, self.num_perm, self.seed = ngram, num_perm, seed
        self.bands, self.rows = bands, rows
        self.with_shingle_sets = with_shingle_sets

    def setup(self):
        self._permutations = Permutations(self.num_perm, self.seed)

    def process(self, doc: dict):
        hashes = shingle_hashes(doc["text"], self.ngram)
        for key in band_keys(minhash_signature(hashes, self._permutations), self.bands, self.rows):
            yield key, doc["id"]
        if self.with_shingle_sets:
            yield beam.pvalue.TaggedOutput(SHINGLE_SETS, (doc["id"], np.unique(hashes).astype("<u8").tobytes()))


class _CountEdges(beam.DoFn):
    def __init__(self, source: str, name: str):
        self.source, self.name = source, name

    def setup(self):
        self._counter = extra_counter(self.source, self.name)

    def process(self, edge):
        self._counter.inc()
        yield edge


class _AttachShingleSets(beam.DoFn):
    """A document's shingle set -> every candidate pair it is an end of, keyed by the pair (first, second)."""

    def __init__(self, step: str):
        self.step = step

    def process(self, keyed):
        doc_id, grouped = keyed
        sets = iter(grouped["sets"])
        shingle_set_bytes = next(sets, None)
        if shingle_set_bytes is None or next(sets, None) is not None:
            raise ValueError(f"{self.step}: expected one document with id {doc_id!r}, found "
                             f"{'none' if shingle_set_bytes is None else 'several'}; ids must be unique per source")
        for second in grouped["as_first"]:
            yield (doc_id, second), shingle_set_bytes
        for first in grouped["as_second"]:
            yield (first, doc_id), shingle_set_bytes


class _KeepSimilarPairs(beam.DoFn):
    def __init__(self, source: str, step: str, threshold: float,
                 similarity: Callable[[np.ndarray, np.ndarray], float]):
        self.source, self.step, self.threshold, self.similarity = source, step, threshold, similarity

    def setup(self):
        self._rejected = extra_counter(self.source, f"{self.step}/candidates_below_threshold")

    def process(self, keyed):
        pair, sets = keyed
        ends = [np.frombuffer(s, dtype="<u8") for s in sets]
        if len(ends) != 2:
            raise ValueError(f"{self.step}: candidate pair {pair!r} met {len(ends)} shingle sets, expected 2")
        if self.similarity(*ends) >= self.threshold:
            yield pair
        else:
            self._rejected.inc()


class VerifyPairs(beam.PTransform):
    """(candidate pairs (a, b), (id, sorted shingle hashes as bytes)) -> the pairs whose `similarity` reaches
    `threshold`. Each set is shuffled once to the ends of its pairs, and the two meet by pair; `similarity` must be
    symmetric (Jaccard, the overlap coefficient), since the two sets arrive in no particular order. Candidates below
    the threshold are counted as `<step>/candidates_below_threshold`."""

    def __init__(self, source: str, step: str, threshold: float,
                 similarity: Callable[[np.ndarray, np.ndarray], float] | None = None):
        super().__init__()
        self.source, self.step, self.threshold = source, step, threshold
        self.similarity = similarity or jaccard

    def expand(self, inputs):
        pairs, sets = inputs
        return (
            {
                "sets": sets,
                "as_first": pairs,
                "as_second": pairs | "KeyBySecond" >> beam.MapTuple(lambda first, second: (second, first)),
            }
            | "GroupByDocument" >> beam.CoGroupByKey()
            | "AttachShingleSets" >> beam.ParDo(_AttachShingleSets(self.step))
            | "GroupByPair" >> beam.GroupByKey()
            | "KeepSimilar" >> beam.ParDo(_KeepSimilarPairs(self.source, self.step, self.threshold, self.similarity))
        )


class _StarRound(beam.PTransform):
    def __init__(self, operator):
        super().__init__()
        self.operator = operator

    def expand(self, edges):
        return (
            edges
            | "BothWays" >> beam.FlatMap(_both_ways)
            | "GroupByNode" >> beam.GroupByKey()
            | "Operator" >> beam.FlatMapTuple(self.operator)
        )


class ConnectedComponents(beam.PTransform):
    """Undirected edges (u, v) -> (node, smallest node of its component) for every node on an edge.

    `max_rounds` alternations of Large-Star and Small-Star (Kiveris et al. 2014), unrolled; then every node checks
    that it sits in a star and raises ComponentsNotConverged otherwise.
    """

    def __init__(self, max_rounds: int = DEFAULT_MAX_ROUNDS):
        super().__init__()
        if max_rounds < 1:
            raise ValueError(f"max_rounds must be at least 1, got {max_rounds}")
        self.max_rounds = max_rounds

    def expand(self, edges):
        edges = edges | "DropSelfLoops" >> beam.Filter(lambda edge: edge[0] != edge[1])
        for round_ in range(self.max_rounds):
            edges = (
                edges
                | f"LargeStar{round_}" >> _StarRound(large_star)
                | f"SmallStar{round_}" >> _StarRound(small_star)
            )
        max_rounds = self.max_rounds
        return (
            edges
            | "BothWays" >> beam.FlatMap(_both_ways)
            | "GroupByNode" >> beam.GroupByKey()
            | "ComponentMinimum" >> beam.MapTuple(
                lambda node, neighbors: (node, component_minimum(node, neighbors, max_rounds)))
        )


class _KeepComponentMinimum(beam.DoFn):
    """(id, {docs, minimum}) -> the document if no smaller id shares its component; counts kept / near_duplicate."""

    def __init__(self, source: str, step: str):
        self.counter = StepCounter(source, step)

    def process(self, keyed):
        doc_id, grouped = keyed
        docs = list(grouped["docs"])
        if len(docs) != 1:
            raise ValueError(f"near-dedup: expected one document with id {doc_id!r}, found {len(docs)}; "
                             f"ids must be unique per source (DESIGN.md, 'The document record')")
        minimum = next(iter(grouped["minimum"]), doc_id)
        if minimum < doc_id:
            self.counter.dropped(NEAR_DUPLICATE)
            return
        self.counter.kept()
        yield docs[0]


class NearDedup(beam.PTransform):
    """Document dicts -> the documents that are the smallest id of their near-duplicate cluster (or in none).

    Counters: `llamix/<source>/<step>/kept`, `.../dropped/near_duplicate` (funnel), and the manifest extras
    `<step>/candidate_edges` (distinct star edges from LSH buckets) and, with `verify_jaccard`,
    `<step>/candidates_below_threshold`.
    """

    def __init__(self, source: str, step: str = "near_dedup", threshold: float = DEFAULT_THRESHOLD,
                 num_perm: int = DEFAULT_NUM_PERM, ngram: int = DEFAULT_NGRAM, seed: int = DEFAULT_SEED,
                 verify_jaccard: bool = False, max_rounds: int = DEFAULT_MAX_ROUNDS):
        super().__init__()
        if ngram < 1:
            raise ValueError(f"ngram must be a positive number of words, got {ngram}")
        self.source, self.step = source, step
        self.threshold, self.num_perm, self.ngram, self.seed = threshold, num_perm, ngram, seed
        self.verify_jaccard, self.max_rounds = verify_jaccard, max_rounds
        self.bands, self.rows = lsh_params(threshold, num_perm)

    def expand(self, docs):
        log.info("near-dedup %s/%s: threshold %.2f, %d permutations = %d bands × %d rows, %d-word shingles%s",
                 self.source, self.step, self.threshold, self.num_perm, self.bands, self.rows, self.ngram,
                 ", exact Jaccard check" if self.verify_jaccard else "")
        sketches = docs | "SketchDocuments" >> beam.ParDo(
            _SketchDocuments(self.ngram, self.num_perm, self.seed, self.bands, self.rows, self.verify_jaccard)
        ).with_outputs(SHINGLE_SETS, main="bands")
        edges = (
            sketches.bands
            | "GroupByBand" >> beam.GroupByKey()
            | "StarEdges" >> beam.FlatMapTuple(lambda _, ids: bucket_star_edges(ids))
            | "DistinctEdges" >> beam.Distinct()
            | "CountEdges" >> beam.ParDo(_CountEdges(self.source, f"{self.step}/candidate_edges"))
        )
        if self.verify_jaccard:
            edges = (edges, sketches[SHINGLE_SETS]) | "VerifyJaccard" >> VerifyPairs(
                self.source, self.step, self.threshold)
        minima = edges | "ConnectedComponents" >> ConnectedComponents(self.max_rounds)
        return (
            {"docs": docs | "KeyById" >> beam.Map(lambda doc: (doc["id"], doc)), "minimum": minima}
            | "JoinComponents" >> beam.CoGroupByKey()
            | "KeepComponentMinimum" >> guarded(self.step, _KeepComponentMinimum(self.source, self.step),
                                                documents=joined_documents("docs"))
        )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The near-dedup options of a source's command line (`llamix run books --verify-jaccard …`)."""
    group = parser.add_argument_group("near-duplicate removal (MinHash LSH)")
    group.add_argument("--near-dup-threshold", type=float, default=DEFAULT_THRESHOLD,
                       help=f"Jaccard similarity of word {DEFAULT_NGRAM}-gram sets above which documents are near "
                            f"duplicates (default {DEFAULT_THRESHOLD})")
    group.add_argument("--verify-jaccard", action="store_true",
                       help="keep an LSH candidate pair only if its exact shingle-set Jaccard reaches the threshold")
    group.add_argument("--cc-max-rounds", type=int, default=DEFAULT_MAX_ROUNDS,
                       help=f"Large-Star/Small-Star rounds for clustering (default {DEFAULT_MAX_ROUNDS}); "
                            f"the run fails, never guesses, if they do not suffice")


def from_arguments(args: argparse.Namespace, source: str, step: str = "near_dedup") -> NearDedup:
    return NearDedup(source, step, threshold=args.near_dup_threshold, verify_jaccard=args.verify_jaccard,
                     max_rounds=args.cc_max_rounds)
