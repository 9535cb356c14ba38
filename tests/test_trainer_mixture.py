"""Sampling sequences from per-source shards with the recipe's weights (trainer/data.py: MixtureBatches)."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from manifests import write_manifest
from tokenizer.format import rows_to_table, shard_name, write_shard
from trainer.config import load_config
from trainer.data import MixtureBatches, MixtureSchedule, PackedBatches, open_batches
from trainer.train import run

BOS, EOS = 1, 2
# LLaMA-1's sampling proportions (Touvron et al. 2023, Table 1).
LLAMA_WEIGHTS = {"commoncrawl": 0.67, "c4": 0.15, "github": 0.045, "wikipedia": 0.045, "books": 0.045,
                 "arxiv": 0.025, "stackexchange": 0.02}
TINY = Path(__file__).resolve().parents[1] / "trainer" / "configs" / "tiny.toml"


def write_source(directory: Path, source: str, n_docs: int, tag: int, n_shards: int = 2) -> None:
    """Documents whose every body token is `tag`, so a window's first token names its source."""
    rng = np.random.default_rng(tag)
    directory.mkdir(parents=True, exist_ok=True)
    per_shard = -(-n_docs // n_shards)
    for index in range(n_shards):
        rows = []
        for d in range(index * per_shard, min(n_docs, (index + 1) * per_shard)):
            body = np.full(int(rng.integers(5, 60)), tag)
            rows.append({"tokens": np.concatenate([[BOS], body, [EOS]]), "source": source, "id": f"{source}/{d}"})
        write_shard(rows_to_table(rows), directory / shard_name(index))


def write_mixture(root: Path, weights: dict[str, float], docs: dict[str, int], vocab_size: int = 64) -> Path:
    """The layout of `llamix shard --mixture`: <root>/<split>/<source>/shard-*.arrow and <root>/manifest.json."""
    for split in ("train", "validation"):
        for i, source in enumerate(sorted(weights)):
            n_docs = docs[source] if split == "train" else max(2, docs[source] // 10)
            write_source(root / split / source, source, n_docs, tag=10 + i)
    write_manifest(str(root), kind="shards", command="llamix shard --mixture manifests/llama1.yaml",
                   config={"vocab_size": vocab_size, "bos_id": BOS, "eos_id": EOS,
                           "mixture": {"name": "llama1", "weights": weights}}, outputs=[])
    return root


@pytest.fixture(scope="module")
def llama_mixture(tmp_path_factory) -> Path:
    # Small sources, very unequal in size to their weights, so that every one of them rolls over many epochs.
    docs = {"commoncrawl": 40, "c4": 30, "github": 12, "wikipedia": 8, "books": 8, "arxiv": 6, "stackexchange": 6}
    return write_mixture(tmp_path_factory.mktemp("mixture"), LLAMA_WEIGHTS, docs)


def source_of(inputs, names: list[str]) -> list[str]:
    """Each row's source, from its tag token (10 + the source's index in sorted order)."""
    tags = [int(next(t for t in row if t not in (BOS, EOS))) for row in inputs.tolist()]
    return [names[t - 10] for t in tags]


def test_realised_share_holds_at_10_50_and_100_percent_of_steps(llama_mixture):
    steps, batch_size = 250, 8  # 2,000 sequences; at 10% that is 200, where 0.5 pp is one sequence
    loader = MixtureBatches.from_shards(llama_mixture, seq_len=16, batch_size=batch_size, seed=0)
    names = sorted(LLAMA_WEIGHTS)
    seen: list[str] = []
    for step in range(1, steps + 1):
        seen += source_of(loader.next_batch()[0], names)
        if step in (steps // 10, steps // 2, steps):
            for source, weight in LLAMA_WEIGHTS.items():
                share = seen.count(source) / len(seen)  # all sequences are seq_len tokens: also the token share
                assert abs(share - weight) <= 0.005, f"{source} at step {step}: {share:.4f} vs {weight}"
            assert loader.shares() == pytest.approx({s: seen.count(s) / len(seen) for s in names})
    assert all(loader.sources[s].epoch >= 1 for s in names), "every source should have rolled over"


def test_schedule_stays_within_one_sequence_of_the_target_on_every_prefix():
    rng = np.random.default_rng(0)
    cases = [LLAMA_WEIGHTS, {"a": 0.5, "b": 0.5}, {"only": 1.0}]
    cases += [dict(zip("abcdefgh", rng.dirichlet(np.full(k, alpha)))) for k, alpha in ((3, 0.3), (5, 1.0), (8, 0.2))]
    for weights in cases:
        schedule = MixtureSchedule(weights)
        target = schedule.weights
        for t in range(1, 3001):
            schedule.next()
            assert np.abs(schedule.counts - target * t).max() < 1.0, (weights, t, schedule.counts)


@pytest.mark.parametrize("n_windows", [5, 40])  # both read paths: the per-window loop and the vectorized gather
def test_read_windows_matches_read_also_across_shard_boundaries(tmp_path, n_windows):
    write_source(tmp_path, "c4", 30, tag=10, n_shards=3)
    stream = PackedBatches(tmp_path, 16, 1).stream
    rng = np.random.default_rng(n_windows)
    boundaries = [len(s) for s in stream.segments()][:1]  # a window that straddles the first shard boundary
    starts = np.concatenate([rng.integers(0, len(stream) - 17, n_windows - 1), [boundaries[0] - 5]])
    windows = stream.read_windows(starts, 17)
    for start, window in zip(starts, windows):
        np.testing.assert_array_equal(window, stream.read(int(start), int(start) + 17))


def test_schedule_rejects_weights_that_do_not_sum_to_one():
    with pytest.raises(ValueError, match="sum to 1.2"):
        MixtureSchedule({"a": 0.6, "b": 0.6})
    with pytest.raises(ValueError, match="positive"):
        MixtureSchedule({"a": 1.0, "b": 0.0})


def test_mixture_is_deterministic_by_seed(llama_mixture):
    def batches(seed: int) -> list[np.ndarray]:
        loader = MixtureBatches.from_shards(llama_mixture, seq_len=16, batch_size=4, seed=seed)
        return [loader.next_batch()[0].numpy() for _ in range(30)]

    a, b, c = batches(3), batches(3), batches(4)
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert any(not np.array_equal(x, z) for x, z in zip(a, c))


def test_sources_shuffle_independently_of_each_other(tmp_path):
    # Two identical sources with the same seed must not visit their windows in the same order.
    write_source(tmp_path / "a", "a", 30, tag=10)
    write_source(tmp_path / "b", "b", 30, tag=10)
    loader = MixtureBatches({"a": tmp_path / "a", "b": tmp_path / "b"}, {"a": 0.5, "b": 0.5}, 16, 4, seed=0)
    assert not np.array_equal(loader.sources["a"]._order, loader.sources["b"]._order)


def test_resume_from_state_dict_mid_run_gives_the_same_batches(llama_mixture):
    original = MixtureBatches.from_shards(llama_mixture, seq_len=16, batch_size=5, seed=2)
    for _ in range(37):
        original.next_batch()
    state = json.loads(json.dumps(original.state_dict()))  # what a checkpoint stores must survive JSON
    expected = [original.next_batch() for _ in range(60)]

    resumed = MixtureBatches.from_shards(llama_mixture, seq_len=16, batch_size=5, seed=0)  # seed comes from state
    resumed.load_state_dict(state)
    for (x, y), (rx, ry) in zip(expected, (resumed.next_batch() for _ in range(60))):
        np.testing.assert_array_equal(x.numpy(), rx.numpy())
        np.testing.assert_array_equal(y.numpy(), ry.numpy())
    assert resumed.shares() == original.shares()


def test_resume_refuses_different_weights(llama_mixture, tmp_path):
    state = MixtureBatches.from_shards(llama_mixture, seq_len=16, batch_size=2).state_dict()
    weights = dict(LLAMA_WEIGHTS, commoncrawl=0.66, c4=0.16)
    other = MixtureBatches({s: llama_mixture / "train" / s for s in weights}, weights, seq_len=16, batch_size=2)
    with pytest.raises(ValueError, match="mixture weights"):
        other.load_state_dict(state)


def test_weights_and_source_folders_must_match(tmp_path):
    write_mixture(tmp_path, {"c4": 0.5, "books": 0.5}, {"c4": 10, "books": 10})
    (tmp_path / "train" / "arxiv").mkdir()
    with pytest.raises(ValueError, match=r"\['books', 'c4'\], but the shards have \['arxiv', 'books', 'c4'\]"):
        MixtureBatches.from_shards(tmp_path, seq_len=16, batch_size=2)


def test_open_batches_picks_the_mixture_or_the_flat_layout(llama_mixture, tmp_path):
    assert isinstance(open_batches(llama_mixture, 16, 2), MixtureBatches)
    validation = open_batches(llama_mixture, 16, 2, split="validation")
    assert isinstance(validation, MixtureBatches)
    assert all("validation" in str(p) for p in validation.paths)
    # The flat layout of a run without --mixture loads exactly as before.
    write_source(tmp_path / "flat", "c4", 20, tag=10)
    flat = open_batches(tmp_path / "flat", 16, 2, seed=5)
    assert isinstance(flat, PackedBatches)
    reference = PackedBatches(tmp_path / "flat", 16, 2, seed=5)
    for _ in range(10):
        np.testing.assert_array_equal(flat.next_batch()[0].numpy(), reference.next_batch()[0].numpy())
    with pytest.raises(FileNotFoundError, match="no validation/ folder"):
        open_batches(tmp_path / "flat", 16, 2, split="validation")


def test_training_on_a_mixture_logs_its_weights_and_shares(llama_mixture, tmp_path):
    config = load_config(TINY, ["max_steps=3", "n_layers=1", "seq_len=16", "batch_size=8", "tokens_per_step=128",
                                "log_every=1", f"output_dir={tmp_path / 'out'}"])
    summary = run(config, llama_mixture)
    assert summary["config"].vocab_size == 64
    records = [json.loads(line) for line in summary["log"].read_text().splitlines()]
    assert set(records[-1]["mixture"]) == set(LLAMA_WEIGHTS)
    assert sum(records[-1]["mixture"].values()) == pytest.approx(1.0)
