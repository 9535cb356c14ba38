"""MinHash near-dedup: the pure core without Beam, then `NearDedup` on the DirectRunner with one and two workers."""
from __future__ import annotations

import random
import re
from pathlib import Path

import apache_beam as beam
import numpy as np
import pytest
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.testing.util import assert_that, equal_to
from datasketch import MinHashLSH

from pipelines.documents import make_document
from pipelines.funnel import committed_counters, funnel_from_counters
from pipelines.transforms import minhash as mh

SOURCE = "books"
STEP = "near_dedup"
PERMUTATIONS = mh.Permutations(mh.DEFAULT_NUM_PERM, mh.DEFAULT_SEED)
BANDS, ROWS = mh.lsh_params(mh.DEFAULT_THRESHOLD, mh.DEFAULT_NUM_PERM)

# A made-up vocabulary, so that unrelated documents share no 5-gram.
_VOCAB = ["".join(random.Random(i).choices("bcdfghklmnprstvz", k=3)) + "aeiou"[i % 5] + str(i % 7)
          for i in range(4000)]


def random_words(rng: random.Random, n: int) -> list[str]:
    return rng.choices(_VOCAB, k=n)


def substitute(rng: random.Random, tokens: list[str], count: int, region: range) -> list[str]:
    """`count` words replaced inside `region`, at least 6 apart so that every substitution breaks 5 new shingles."""
    tokens = list(tokens)
    for position in rng.sample(list(region)[::6], count):
        tokens[position] = rng.choice(_VOCAB)
    return tokens


def exact_jaccard(a: str, b: str) -> float:
    sa, sb = set(mh.shingles(a)), set(mh.shingles(b))
    return len(sa & sb) / len(sa | sb)


def lsh_candidates(a: str, b: str) -> bool:
    keys = lambda text: set(mh.band_keys(mh.document_signature(text, PERMUTATIONS), BANDS, ROWS))
    return bool(keys(a) & keys(b))


def find_chain() -> tuple[str, str, str]:
    """A≈B (edits in one half) and B≈C (edits in the other half), LSH candidates, while A and C are below 0.8
    and share no band: only the chain can put A and C in one cluster."""
    for seed in range(200):
        rng = random.Random(seed)
        a = random_words(rng, 400)
        b = substitute(rng, a, 9, range(0, 200))
        c = substitute(rng, b, 9, range(200, 400))
        a, b, c = (" ".join(t) for t in (a, b, c))
        if (lsh_candidates(a, b) and lsh_candidates(b, c) and not lsh_candidates(a, c)
                and exact_jaccard(a, b) >= 0.8 and exact_jaccard(b, c) >= 0.8 and exact_jaccard(a, c) < 0.8):
            return a, b, c
    raise AssertionError("no chain among 200 seeds")


def find_false_candidate() -> tuple[str, str]:
    """Two documents that share an LSH bucket although their exact Jaccard is below 0.8."""
    for seed in range(2000):
        rng = random.Random(seed)
        a = random_words(rng, 120)
        b = " ".join(substitute(rng, a, 4, range(0, 120)))
        a = " ".join(a)
        if exact_jaccard(a, b) < 0.8 and lsh_candidates(a, b):
            return a, b
    raise AssertionError("no false candidate among 2000 seeds")


# ------------------------------------------------------------------------------------------------- words, shingles


def test_words_are_lowercased_nfc_and_split_on_non_word_characters():
    text = "Hello, World!\n\tThe CAFE\u0301 -- naïve_42; «Привет» мир… 3.14"
    assert mh.words(text) == ["hello", "world", "the", "café", "naïve_42", "привет", "мир", "3", "14"]
    assert mh.normalize_words("  ...  ") == ""


def test_ascii_fast_path_splits_exactly_like_the_unicode_regex():
    every_ascii = "".join(map(chr, range(128)))
    rng = random.Random(2)
    for text in [every_ascii, every_ascii[::-1], *("".join(rng.choices(every_ascii, k=200)) for _ in range(50))]:
        assert mh.normalize_words(text) == re.sub(r"\W+", " ", text.lower()).strip()
    assert mh.normalize_words("Don't stop_me-now: 4x4!") == "don t stop_me now 4x4"


def test_shingles_are_word_5_grams_joined_by_one_space():
    assert mh.shingles("a b. c, d e f", 5) == ["a b c d e", "b c d e f"]
    assert mh.shingles("one Two", 5) == ["one two"]
    assert mh.shingles("", 5) == [""]
    assert mh.shingles("x y z", 2) == ["x y", "y z"]


def test_vectorized_shingle_hashes_equal_the_scalar_reference():
    rng = random.Random(3)
    long_text = " ".join(rng.choice(["alpha", "βήτα", "γάμμα", "x", "ёж"]) for _ in range(10_000))  # many blocks
    for text in ["", "one", "a b c d", "The quick brown fox jumps over the lazy dog.", "Ünïcödé wörds " * 4, long_text]:
        expected = [mh.hash_shingle(s) for s in mh.shingles(text)]
        assert mh.shingle_hashes(text).tolist() == expected


def test_distinct_shingles_get_distinct_hashes():
    text = " ".join(random_words(random.Random(5), 5000))
    assert len(np.unique(mh.shingle_hashes(text))) == len(set(mh.shingles(text)))


# ------------------------------------------------------------------------------------------------------- signatures


def test_identical_texts_have_identical_signatures_and_punctuation_does_not_matter():
    text = " ".join(random_words(random.Random(1), 200))
    same = text.upper().replace(" ", " -- ", 50) + "!"
    assert np.array_equal(mh.document_signature(text, PERMUTATIONS), mh.document_signature(same, PERMUTATIONS))


def test_permutations_depend_only_on_num_perm_and_seed():
    again = mh.Permutations(mh.DEFAULT_NUM_PERM, mh.DEFAULT_SEED)
    assert np.array_equal(again.a, PERMUTATIONS.a) and np.array_equal(again.b, PERMUTATIONS.b)
    assert np.all(PERMUTATIONS.a & 1)  # odd multipliers: bijections mod 2^32
    assert not np.array_equal(mh.Permutations(mh.DEFAULT_NUM_PERM, 2).a, PERMUTATIONS.a)


@pytest.mark.parametrize("edits", [0, 5, 15, 30, 60])
def test_estimated_jaccard_is_close_to_exact(edits):
    rng = random.Random(edits)
    a = random_words(rng, 1000)
    b = " ".join(substitute(rng, a, edits, range(1000)))
    a = " ".join(a)
    estimate = mh.estimated_jaccard(mh.document_signature(a, PERMUTATIONS), mh.document_signature(b, PERMUTATIONS))
    # 128 permutations: standard error sqrt(J(1-J)/128) <= 0.044; 3 of them.
    assert abs(estimate - exact_jaccard(a, b)) < 0.13


def test_signature_is_the_minimum_of_each_permutation():
    hashes = mh.shingle_hashes("the river flows past old mills and the town")
    top = (hashes >> np.uint64(32)).astype(np.uint64)
    expected = ((PERMUTATIONS.a.astype(np.uint64) * top + PERMUTATIONS.b) % (1 << 32)).min(axis=1)
    assert mh.minhash_signature(hashes, PERMUTATIONS).tolist() == expected.tolist()


# ------------------------------------------------------------------------------------------------------------ bands


def test_bands_and_rows_for_0_8_and_128_are_datasketchs():
    lsh = MinHashLSH(threshold=0.8, num_perm=128)
    assert mh.lsh_params(0.8, 128) == (lsh.b, lsh.r) == (9, 13)


def test_band_keys_match_iff_a_whole_band_matches():
    signature = mh.document_signature("a b c d e f g", PERMUTATIONS)
    changed = signature.copy()
    changed[ROWS * 3 + 1] += 1  # one value of band 3
    keys, changed_keys = mh.band_keys(signature, BANDS, ROWS), mh.band_keys(changed, BANDS, ROWS)
    assert len(set(keys)) == BANDS
    assert [k == c for k, c in zip(keys, changed_keys)] == [i != 3 for i in range(BANDS)]


def test_a_bucket_links_every_member_to_its_smallest_id():
    assert sorted(mh.bucket_star_edges(["c", "a", "d", "b"])) == [("b", "a"), ("c", "a"), ("d", "a")]
    assert list(mh.bucket_star_edges(["only"])) == []


def test_exact_jaccard_of_shingle_sets():
    a, b = mh.shingle_set("a b c d e f g"), mh.shingle_set("a b c d e f x")
    assert mh.jaccard(a, b) == pytest.approx(2 / 4)
    assert mh.jaccard(a, a) == 1.0


# ----------------------------------------------------------------------------------------------- connected components


def union_find_minima(edges) -> dict[str, str]:
    parent: dict[str, str] = {}

    def find(x):
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    for u, v in edges:
        ru, rv = find(u), find(v)
        if ru != rv:
            parent[max(ru, rv)] = min(ru, rv)
    return {node: find(node) for node in list(parent)}


def shuffled_path(n: int, seed: int = 0) -> list[tuple[str, str]]:
    ids = [f"n{i:05d}" for i in range(n)]
    random.Random(seed).shuffle(ids)
    return list(zip(ids, ids[1:]))


def test_stars_find_the_components_of_random_graphs():
    rng = random.Random(0)
    for _ in range(100):
        n = rng.randint(2, 200)
        edges = [(str(rng.randrange(n)), str(rng.randrange(n))) for _ in range(rng.randint(1, 250))]
        edges = [e for e in edges if e[0] != e[1]]
        assert mh.alternate_stars(edges) == union_find_minima(edges)


def test_stars_join_a_long_shuffled_path_in_the_default_rounds_and_refuse_to_guess_in_one():
    edges = shuffled_path(5000)
    assert set(mh.alternate_stars(edges).values()) == {"n00000"}
    with pytest.raises(mh.ComponentsNotConverged, match="not converged after 1 "):
        mh.alternate_stars(edges, max_rounds=1)


def run_components(edges, expected: dict[str, str], max_rounds: int = mh.DEFAULT_MAX_ROUNDS) -> None:
    with beam.Pipeline(options=PipelineOptions(["--runner=DirectRunner"])) as pipeline:
        minima = pipeline | beam.Create(edges) | mh.ConnectedComponents(max_rounds)
        assert_that(minima, equal_to(sorted(expected.items())))


def test_beam_connected_components_equal_union_find_and_fail_loudly_when_not_converged():
    rng = random.Random(1)
    edges = [(f"d{rng.randrange(60):02d}", f"d{rng.randrange(60):02d}") for _ in range(50)] + shuffled_path(40, 2)
    run_components(edges, union_find_minima([e for e in edges if e[0] != e[1]]))
    with pytest.raises(Exception, match="not converged after 1 "):
        run_components(shuffled_path(200), {}, max_rounds=1)


# ------------------------------------------------------------------------------------------------- NearDedup on Beam


@pytest.fixture(scope="module")
def corpus() -> tuple[list[dict], dict[str, str]]:
    """Documents, and what each one is there to show."""
    chain_a, chain_b, chain_c = find_chain()
    false_a, false_b = find_false_candidate()
    rng = random.Random(7)
    same = " ".join(random_words(rng, 300))
    texts = {
        "same/1": same,
        "same/0": same.upper() + "!",  # identical words: one cluster, "same/0" < "same/1" is kept
        "same/2": same,
        "chain/a": chain_a, "chain/b": chain_b, "chain/c": chain_c,
        "false/a": false_a, "false/b": false_b,
        "short/a": "Hello world.", "short/b": "hello, WORLD",  # fewer than 5 words: the whole text is the shingle
        **{f"unrelated/{i}": " ".join(random_words(rng, rng.randint(20, 400))) for i in range(12)},
    }
    docs = [make_document(SOURCE, doc_id, text, "en", {}) for doc_id, text in texts.items()]
    return docs, texts


def run_near_dedup(docs: list[dict], output: Path, beam_args: list[str], **kwargs) -> tuple[list[str], dict]:
    pipeline = beam.Pipeline(options=PipelineOptions(["--runner=DirectRunner", *beam_args]))
    (
        pipeline
        | beam.Create(docs)
        | mh.NearDedup(SOURCE, STEP, **kwargs)
        | beam.Map(lambda doc: doc["id"])
        | beam.io.WriteToText(str(output / "kept"), file_name_suffix=".txt")
    )
    result = pipeline.run()
    result.wait_until_finish()
    kept = sorted(line for path in output.glob("kept*.txt") for line in path.read_text().splitlines() if line)
    return kept, committed_counters(result)


@pytest.fixture(scope="module")
def one_worker(corpus, tmp_path_factory):
    return run_near_dedup(corpus[0], tmp_path_factory.mktemp("one"), ["--direct_num_workers=1"])


def test_near_dedup_keeps_the_smallest_id_of_each_cluster(one_worker):
    kept, _ = one_worker
    prefixed = [f"{SOURCE}/{name}" for name in
                ["same/0", "chain/a", "false/a", "short/a", *(f"unrelated/{i}" for i in range(12))]]
    assert kept == sorted(prefixed)


def test_chain_forms_one_cluster_although_its_ends_are_below_the_threshold(corpus, one_worker):
    _, texts = corpus
    assert exact_jaccard(texts["chain/a"], texts["chain/c"]) < 0.8
    assert exact_jaccard(texts["chain/a"], texts["chain/b"]) >= 0.8 and exact_jaccard(texts["chain/b"], texts["chain/c"]) >= 0.8
    assert not lsh_candidates(texts["chain/a"], texts["chain/c"])
    kept, _ = one_worker
    assert [k for k in kept if "/chain/" in k] == [f"{SOURCE}/chain/a"]


def test_funnel_counts_every_document_once(corpus, one_worker):
    _, counters = one_worker
    (step,) = funnel_from_counters(SOURCE, [STEP], counters)
    assert step["in"] == len(corpus[0]) == step["kept"] + sum(step["dropped"].values())
    assert step["dropped"] == {"near_duplicate": 2 + 2 + 1 + 1}
    assert counters[f"extra/{SOURCE}/{STEP}/candidate_edges"] >= 6


def test_kept_ids_do_not_depend_on_the_number_of_workers(corpus, one_worker, tmp_path):
    kept, counters = run_near_dedup(corpus[0], tmp_path, ["--direct_num_workers=2",
                                                          "--direct_running_mode=multi_processing"])
    assert kept == one_worker[0]
    assert funnel_from_counters(SOURCE, [STEP], counters) == funnel_from_counters(SOURCE, [STEP], one_worker[1])


def test_verify_jaccard_removes_a_false_candidate(corpus, tmp_path):
    _, texts = corpus
    assert lsh_candidates(texts["false/a"], texts["false/b"]) and exact_jaccard(texts["false/a"], texts["false/b"]) < 0.8
    kept, counters = run_near_dedup(corpus[0], tmp_path, [], verify_jaccard=True)
    assert f"{SOURCE}/false/b" in kept and f"{SOURCE}/same/1" not in kept and f"{SOURCE}/chain/c" not in kept
    assert counters[f"extra/{SOURCE}/{STEP}/candidates_below_threshold"] == 1
    (step,) = funnel_from_counters(SOURCE, [STEP], counters)
    assert step["dropped"] == {"near_duplicate": 5} and step["kept"] == len(corpus[0]) - 5


def test_a_repeated_id_is_an_error_naming_it(tmp_path):
    doc = make_document(SOURCE, "twice", "one two three", "en", {})
    with pytest.raises(Exception, match="books/twice"):
        run_near_dedup([doc, doc], tmp_path, [], max_rounds=1)
