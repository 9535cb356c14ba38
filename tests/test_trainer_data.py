"""Packing memory-mapped token shards into training windows (trainer/data.py)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from manifests import write_manifest
from tokenizer.format import rows_to_table, shard_name, write_shard
from trainer.data import PackedBatches, TokenStream, shards_vocab_size

BOS, EOS = 1, 2


def write_shards(directory: Path, docs_per_shard: list[int], seed: int = 0) -> np.ndarray:
    """Writes shards of random documents (BOS ... EOS); returns the concatenation of all their tokens in order."""
    rng = np.random.default_rng(seed)
    directory.mkdir(parents=True, exist_ok=True)
    stream = []
    for index, n_docs in enumerate(docs_per_shard):
        rows = []
        for d in range(n_docs):
            body = rng.integers(3, 500, size=int(rng.integers(1, 40)))
            tokens = np.concatenate([[BOS], body, [EOS]]).astype(np.uint16)
            rows.append({"tokens": tokens, "source": "wikipedia", "id": f"wikipedia/{index}-{d}"})
            stream.append(tokens)
        write_shard(rows_to_table(rows), directory / shard_name(index))
    return np.concatenate(stream)


@pytest.fixture
def shards(tmp_path) -> tuple[Path, np.ndarray]:
    data = tmp_path / "shards"
    return data, write_shards(data, [7, 1, 12])


def test_windows_concatenate_back_to_the_token_stream(shards):
    data, expected = shards
    loader = PackedBatches(data, seq_len=16, batch_size=4)
    assert loader.n_windows == (len(expected) - 1) // 16
    inputs = np.concatenate([loader.window(i)[:-1] for i in range(loader.n_windows)])
    np.testing.assert_array_equal(inputs, expected[: loader.n_windows * 16])
    # Window i ends with the first token of window i+1: every token is a target exactly once.
    assert loader.window(0)[-1] == loader.window(1)[0]


def test_windows_stitch_documents_across_shard_boundaries(tmp_path):
    expected = write_shards(tmp_path, [1, 1, 1, 1], seed=3)
    loader = PackedBatches(tmp_path, seq_len=len(expected) - 1, batch_size=1)
    assert loader.n_windows == 1
    np.testing.assert_array_equal(loader.window(0), expected)


def test_targets_are_inputs_shifted_by_one(shards):
    data, expected = shards
    loader = PackedBatches(data, seq_len=16, batch_size=4, seed=1)
    inputs, targets = loader.next_batch()
    assert inputs.shape == targets.shape == (4, 16)
    assert str(inputs.dtype) == "torch.int64"
    np.testing.assert_array_equal(inputs[:, 1:].numpy(), targets[:, :-1].numpy())
    first = int(loader._order[0])
    np.testing.assert_array_equal(targets[0].numpy(), expected[first * 16 + 1 : first * 16 + 17])


def test_each_epoch_visits_every_window_once_in_a_new_order(shards):
    data, _ = shards
    loader = PackedBatches(data, seq_len=8, batch_size=1, seed=0)
    n = loader.n_windows
    windows = {tuple(loader.window(i)[:-1]): i for i in range(n)}
    assert len(windows) == n, "synthetic data should make every window distinct"
    epochs = [[windows[tuple(loader.next_batch()[0][0].tolist())] for _ in range(n)] for _ in range(2)]
    assert sorted(epochs[0]) == sorted(epochs[1]) == list(range(n))
    assert epochs[0] != epochs[1]
    assert loader.epoch == 1


def test_order_is_deterministic_by_seed(shards):
    data, _ = shards

    def first_batches(seed: int) -> list[np.ndarray]:
        loader = PackedBatches(data, seq_len=8, batch_size=3, seed=seed)
        return [loader.next_batch()[0].numpy() for _ in range(4)]

    a, b, c = first_batches(7), first_batches(7), first_batches(8)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    assert any(not np.array_equal(x, z) for x, z in zip(a, c))


def test_resume_from_state_dict_gives_the_same_batches(shards):
    data, _ = shards
    original = PackedBatches(data, seq_len=16, batch_size=5, seed=4)
    for _ in range(3):
        original.next_batch()
    state = original.state_dict()
    # Enough batches to cross into the next epoch after resuming.
    n_more = 2 * original.n_windows // 5 + 2
    expected = [original.next_batch() for _ in range(n_more)]
    assert original.epoch >= 1

    resumed = PackedBatches(data, seq_len=16, batch_size=5, seed=0)  # seed comes from the state
    resumed.load_state_dict(state)
    for (x, y), (rx, ry) in zip(expected, (resumed.next_batch() for _ in range(n_more))):
        np.testing.assert_array_equal(x.numpy(), rx.numpy())
        np.testing.assert_array_equal(y.numpy(), ry.numpy())


def test_resume_refuses_different_data(shards, tmp_path):
    data, _ = shards
    state = PackedBatches(data, seq_len=16, batch_size=2).state_dict()
    other = tmp_path / "other"
    write_shards(other, [3], seed=9)
    with pytest.raises(ValueError, match="n_tokens"):
        PackedBatches(other, seq_len=16, batch_size=2).load_state_dict(state)


def test_too_few_tokens_for_one_sequence_is_a_clear_error(tmp_path):
    write_shard(rows_to_table([{"tokens": [BOS, 5, 6, EOS], "source": "books", "id": "books/1"}]),
                tmp_path / shard_name(0))
    with pytest.raises(ValueError, match=r"4 tokens, fewer than seq_len\+1=5"):
        PackedBatches(tmp_path, seq_len=4, batch_size=1)
    assert PackedBatches(tmp_path, seq_len=3, batch_size=1).n_windows == 1


def test_missing_shards_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="shard-"):
        TokenStream(tmp_path)


def test_shards_stay_memory_mapped_not_copied(shards):
    data, expected = shards
    stream = TokenStream(data)
    assert len(stream) == len(expected)
    segments = stream.segments()
    assert len(segments) == 3
    # Views into Arrow's mapped buffers own no memory; a concatenated in-RAM copy would.
    assert all(not s.flags.owndata and s.dtype == np.uint16 for s in segments)


def test_vocab_size_comes_from_the_shards_manifest(shards):
    data, _ = shards
    assert shards_vocab_size(data) is None
    write_manifest(str(data), kind="shards", command="llamix shard", config={"vocab_size": 512, "bos_id": BOS,
                   "eos_id": EOS}, outputs=[(shard_name(i), None) for i in range(3)])
    assert shards_vocab_size(data) == 512
