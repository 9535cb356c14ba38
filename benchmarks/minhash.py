"""MinHash near-dedup: signature speed against datasketch, and near-dedup quality against exact Jaccard.

    .venv/bin/python benchmarks/minhash.py [--docs 2000] [--groups 150] [--repeats 5] [--seed 0]

1. Speed, on `--docs` generated documents (100–1000 words drawn from a made-up vocabulary of 20,000 words), all with
   num_perm=128 and the same shingles (`pipelines.transforms.minhash.shingles`, word 5-grams, fed to datasketch as
   UTF-8 bytes). Best of `--repeats` runs each:
   - core, shingle construction excluded from both: ours from the normalized word string
     (`normalized_shingle_hashes` + `minhash_signature`) against `MinHash(num_perm=128).update_batch(shingle_bytes)`
     with the shingle byte strings built beforehand;
   - end to end, shingle construction included in both: ours from the raw text (`shingle_hashes`, which normalizes)
     against raw text -> `shingles()` -> `.encode()` -> `update_batch`;
   - for reference, datasketch's per-shingle `update` on the first 200 documents.
2. Quality at threshold 0.8, on `--groups` base documents (100–800 words), each with copies at word edit rates
   0, 1, 2, 3, 4, 5, 10, 20 and 40%: every word of the base independently, with that probability, is substituted,
   deleted, or followed by an inserted word (one of the three, equally likely). Ids are random, so the base is not
   always the smallest. Ground truth is the exact Jaccard of shingle sets (Python sets of the shingle strings) of
   every pair that shares at least one shingle (an inverted index; every other pair has Jaccard 0).
   - pair level, LSH: a pair is predicted similar if it shares a band bucket (9 bands × 13 rows);
   - document level, `NearDedup` on the DirectRunner (with and without `verify_jaccard`): dropped documents against
     the documents that are not the smallest id of their component in the graph of pairs with Jaccard >= 0.8.
"""
from __future__ import annotations

import argparse
import datetime
import random
import sys
import tempfile
import time
from collections import defaultdict
from itertools import combinations
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import apache_beam as beam  # noqa: E402
import numpy as np  # noqa: E402
from apache_beam.options.pipeline_options import PipelineOptions  # noqa: E402
from datasketch import MinHash, MinHashLSH  # noqa: E402

from pipelines.documents import make_document  # noqa: E402
from pipelines.transforms import minhash as mh  # noqa: E402

NUM_PERM = 128
THRESHOLD = 0.8
EDIT_RATES = (0.0, 0.01, 0.02, 0.03, 0.04, 0.05, 0.10, 0.20, 0.40)


def make_vocabulary(rng: random.Random, size: int = 20_000) -> list[str]:
    letters = "abcdefghiklmnoprstuvwyz"
    return sorted({"".join(rng.choices(letters, k=rng.randint(2, 11))) for _ in range(size * 2)})[:size]


def make_text(rng: random.Random, vocab: list[str], low: int, high: int) -> list[str]:
    return rng.choices(vocab, k=rng.randint(low, high))


def edit(rng: random.Random, vocab: list[str], tokens: list[str], rate: float) -> list[str]:
    out = []
    for token in tokens:
        if rng.random() >= rate:
            out.append(token)
            continue
        kind = rng.randrange(3)
        if kind == 0:
            out.append(rng.choice(vocab))
        elif kind == 2:
            out += [token, rng.choice(vocab)]
    return out


def best_of(repeats: int, runs: dict) -> dict[str, float]:
    """Best time of each function; the repeats are interleaved, so that a busy spell on a shared box hits all."""
    best = {name: float("inf") for name in runs}
    for _ in range(repeats):
        for name, run in runs.items():
            start = time.perf_counter()
            run()
            best[name] = min(best[name], time.perf_counter() - start)
    return best


def speed(args) -> dict:
    rng = random.Random(args.seed)
    vocab = make_vocabulary(rng)
    texts = [" ".join(make_text(rng, vocab, 100, 1000)) for _ in range(args.docs)]
    normalized = [mh.normalize_words(t) for t in texts]
    shingle_bytes = [[s.encode("utf-8") for s in mh.shingles(t)] for t in texts]
    n_shingles = sum(map(len, shingle_bytes))
    permutations = mh.Permutations(NUM_PERM, mh.DEFAULT_SEED)

    def ours_core():
        for text in normalized:
            mh.minhash_signature(mh.normalized_shingle_hashes(text), permutations)

    def ours_end_to_end():
        for text in texts:
            mh.minhash_signature(mh.shingle_hashes(text), permutations)

    def datasketch_batch():
        for shingles in shingle_bytes:
            MinHash(num_perm=NUM_PERM).update_batch(shingles)

    def datasketch_end_to_end():
        for text in texts:
            MinHash(num_perm=NUM_PERM).update_batch([s.encode("utf-8") for s in mh.shingles(text)])

    few = shingle_bytes[:200]

    def datasketch_update():
        for shingles in few:
            m = MinHash(num_perm=NUM_PERM)
            for shingle in shingles:
                m.update(shingle)

    def datasketch_batch_few():
        for shingles in few:
            MinHash(num_perm=NUM_PERM).update_batch(shingles)

    t = best_of(args.repeats, {
        "ours_core": ours_core, "datasketch_batch": datasketch_batch,
        "ours_end_to_end": ours_end_to_end, "datasketch_end_to_end": datasketch_end_to_end,
        "datasketch_batch_few": datasketch_batch_few,
    })
    t_update, t_batch_few = best_of(1, {"update": datasketch_update})["update"], t["datasketch_batch_few"]
    print(f"## speed: {args.docs} documents, {n_shingles} shingles ({n_shingles / args.docs:.0f} a document), "
          f"num_perm={NUM_PERM}, best of {args.repeats}")
    print(f"{'':60s} {'docs/s':>10s} {'shingles/s':>12s}")
    rows = [
        ("ours, core (from normalized words)", t["ours_core"]),
        ("datasketch update_batch (shingle bytes prebuilt)", t["datasketch_batch"]),
        ("ours, end to end (from raw text)", t["ours_end_to_end"]),
        ("datasketch, end to end (text -> shingles -> update_batch)", t["datasketch_end_to_end"]),
    ]
    for name, seconds in rows:
        print(f"{name:60s} {args.docs / seconds:10.0f} {n_shingles / seconds:12.0f}")
    core = t["datasketch_batch"] / t["ours_core"]
    e2e = t["datasketch_end_to_end"] / t["ours_end_to_end"]
    strict = t["datasketch_batch"] / t["ours_end_to_end"]
    per_shingle = t_update / t_batch_few
    print(f"speed-up, shingle construction excluded from both: {core:.2f}x")
    print(f"speed-up, shingle construction included in both:   {e2e:.2f}x")
    print(f"speed-up, ours from raw text vs datasketch from prebuilt shingle bytes: {strict:.2f}x")
    print(f"datasketch update_batch vs per-shingle update (first {len(few)} docs): {per_shingle:.1f}x")
    return {"core": core, "e2e": e2e, "strict": strict, "per_shingle": per_shingle}


def quality_corpus(args) -> tuple[dict[str, str], dict[str, float]]:
    rng = random.Random(args.seed + 1)
    vocab = make_vocabulary(rng)
    texts: dict[str, str] = {}
    rate_of: dict[str, float] = {}
    for group in range(args.groups):
        base = make_text(rng, vocab, 100, 800)
        for rate in EDIT_RATES:
            doc_id = f"{rng.getrandbits(48):012x}"
            texts[doc_id] = " ".join(edit(rng, vocab, base, rate))
            rate_of[doc_id] = rate
        base_id = f"{rng.getrandbits(48):012x}"
        texts[base_id] = " ".join(base)
        rate_of[base_id] = -1.0  # the base itself
    return texts, rate_of


def exact_pairs(texts: dict[str, str]) -> dict[tuple[str, str], float]:
    """Exact Jaccard of every pair of documents that share a shingle (all others have 0)."""
    sets = {doc_id: set(mh.shingles(text)) for doc_id, text in texts.items()}
    index: dict[str, list[str]] = defaultdict(list)
    for doc_id, shingle_set in sets.items():
        for shingle in shingle_set:
            index[shingle].append(doc_id)
    pairs = {tuple(sorted(p)) for ids in index.values() if len(ids) > 1 for p in combinations(ids, 2)}
    return {(a, b): len(sets[a] & sets[b]) / len(sets[a] | sets[b]) for a, b in pairs}


def lsh_pairs(texts: dict[str, str]) -> set[tuple[str, str]]:
    bands, rows = mh.lsh_params(THRESHOLD, NUM_PERM)
    permutations = mh.Permutations(NUM_PERM, mh.DEFAULT_SEED)
    buckets: dict[bytes, list[str]] = defaultdict(list)
    for doc_id, text in texts.items():
        for key in mh.band_keys(mh.document_signature(text, permutations), bands, rows):
            buckets[key].append(doc_id)
    return {tuple(sorted(p)) for ids in buckets.values() for p in combinations(ids, 2)}


def datasketch_lsh_pairs(texts: dict[str, str]) -> set[tuple[str, str]]:
    """The same candidate pairs from datasketch's own MinHash + MinHashLSH, as a reference for our permutations."""
    lsh = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM)
    sketches = {}
    for doc_id, text in texts.items():
        sketch = MinHash(num_perm=NUM_PERM)
        sketch.update_batch([s.encode("utf-8") for s in mh.shingles(text)])
        sketches[doc_id] = sketch
        lsh.insert(doc_id, sketch)
    return {tuple(sorted((doc_id, other))) for doc_id, sketch in sketches.items()
            for other in lsh.query(sketch) if other != doc_id}


def truth_dropped(texts: dict[str, str], similar: set[tuple[str, str]]) -> set[str]:
    minima = mh.alternate_stars(similar, max_rounds=30)
    return {doc_id for doc_id, minimum in minima.items() if minimum != doc_id}


def run_near_dedup(texts: dict[str, str], verify: bool) -> tuple[set[str], float]:
    docs = [make_document("books", doc_id, text, "en", {}) for doc_id, text in texts.items()]
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        pipeline = beam.Pipeline(options=PipelineOptions(["--runner=DirectRunner", "--direct_num_workers=1"]))
        (pipeline | beam.Create(docs) | mh.NearDedup("books", verify_jaccard=verify)
         | beam.Map(lambda doc: doc["id"].split("/", 1)[1]) | beam.io.WriteToText(f"{tmp}/kept"))
        pipeline.run().wait_until_finish()
        seconds = time.perf_counter() - start
        kept = {line for path in Path(tmp).glob("kept*") for line in path.read_text().split()}
    return set(texts) - kept, seconds


def precision_recall(predicted: set, truth: set) -> tuple[float, float]:
    hits = len(predicted & truth)
    return hits / len(predicted) if predicted else 1.0, hits / len(truth) if truth else 1.0


def quality(args) -> dict:
    texts, rate_of = quality_corpus(args)
    jaccard = exact_pairs(texts)
    similar = {pair for pair, j in jaccard.items() if j >= THRESHOLD}
    candidates = lsh_pairs(texts)
    print(f"\n## quality at threshold {THRESHOLD}: {args.groups} groups × {len(EDIT_RATES) + 1} documents = "
          f"{len(texts)}; {len(jaccard)} pairs share a shingle, {len(similar)} have exact Jaccard >= {THRESHOLD}")
    print(f"{'edit rate vs base':>18s} {'mean exact J':>13s} {'J >= 0.8':>9s} {'LSH candidate':>14s}")
    by_rate: dict[float, list[tuple[float, bool]]] = defaultdict(list)
    for (a, b), j in jaccard.items():
        if {rate_of[a], rate_of[b]} & {-1.0} and len({rate_of[a], rate_of[b]}) == 2:
            by_rate[max(rate_of[a], rate_of[b])].append((j, (a, b) in candidates))
    for rate in EDIT_RATES:
        rows = by_rate[rate]
        print(f"{rate:18.0%} {np.mean([j for j, _ in rows]):13.3f} {np.mean([j >= THRESHOLD for j, _ in rows]):9.1%} "
              f"{np.mean([c for _, c in rows]):14.1%}")
    p, r = precision_recall(candidates, similar)
    print(f"pairs, our LSH buckets: {len(candidates)} candidate pairs, precision {p:.3f}, recall {r:.3f}")
    reference = datasketch_lsh_pairs(texts)
    rp, rr = precision_recall(reference, similar)
    print(f"pairs, datasketch MinHash + MinHashLSH (reference): {len(reference)} candidate pairs, "
          f"precision {rp:.3f}, recall {rr:.3f}")
    result = {"pair_precision": p, "pair_recall": r, "docs": len(texts), "pairs": len(jaccard),
              "similar": len(similar), "candidates": len(candidates), "by_rate": by_rate}
    truth = truth_dropped(texts, similar)
    for verify in (False, True):
        dropped, seconds = run_near_dedup(texts, verify)
        p, r = precision_recall(dropped, truth)
        label = "NearDedup --verify-jaccard" if verify else "NearDedup"
        print(f"documents, {label}: dropped {len(dropped)} (truth {len(truth)}), precision {p:.3f}, "
              f"recall {r:.3f} ({seconds:.1f} s on the DirectRunner)")
        result["verify" if verify else "plain"] = (len(dropped), len(truth), p, r, seconds)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=2000, help="documents for the speed comparison")
    parser.add_argument("--groups", type=int, default=150, help="groups of near-duplicates for the quality test")
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per method (best is reported)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(f"# MinHash benchmark, {datetime.date.today()}, numpy {np.__version__}, "
          f"datasketch {__import__('datasketch').__version__}")
    start = time.perf_counter()
    speed(args)
    quality(args)
    print(f"\ntotal {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
