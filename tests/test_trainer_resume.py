"""Checkpoints and exact resume (torch.distributed.checkpoint): after a crash in one process, on two ranks (gloo on
the CPU), and from two ranks onto one, where the data stream must go on with no document repeated or skipped."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import torch
import torch.multiprocessing as mp

import trainer.train
from manifests import verify_manifest
from tests.test_trainer_fsdp import _free_port, _train_rank
from tests.test_trainer_mixture import LLAMA_WEIGHTS, write_mixture
from trainer.checkpoint import complete_checkpoints, load_model, read_train_state
from trainer.config import load_config
from trainer.data import TokenStream
from trainer.train import run

TINY = Path(__file__).resolve().parents[1] / "trainer" / "configs" / "tiny.toml"
# 8 steps of two micro-batches of 4 rows (gradient accumulation included), checkpoints at steps 4 and 8.
SMALL = ["dim=64", "n_layers=2", "n_heads=4", "seq_len=32", "batch_size=4", "tokens_per_step=256", "max_steps=8",
         "warmup_steps=2", "log_every=1", "checkpoint_every=4", "sample_log=true", "device=cpu", "dtype=float32"]


@pytest.fixture(scope="module")
def mixture(tmp_path_factory) -> Path:
    docs = {"commoncrawl": 40, "c4": 30, "github": 12, "wikipedia": 8, "books": 8, "arxiv": 6, "stackexchange": 6}
    return write_mixture(tmp_path_factory.mktemp("mixture"), LLAMA_WEIGHTS, docs)


@pytest.fixture(scope="module")
def uninterrupted(mixture, tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("uninterrupted")
    return run(load_config(TINY, [*SMALL, f"output_dir={out}"]), mixture)


def run_two_ranks(data: Path, out: Path, overrides: list[str] = ()) -> list[tuple[int, float]]:
    mp.spawn(_train_rank, args=(2, _free_port(), str(data), str(out), [*SMALL, *overrides]), nprocs=2, join=True)
    per_rank = [torch.load(out / f"losses-rank{rank}.pt") for rank in range(2)]
    assert per_rank[0] == per_rank[1], "every rank reports the global mean loss"
    return per_rank[0]


@pytest.fixture(scope="module")
def two_ranks(mixture, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("two_ranks")
    run_two_ranks(mixture, out)
    return out


def samples(out: Path) -> dict[int, list[dict]]:
    """Every row each step read, ranks' blocks in rank order: the global micro-batches, as one process reads them."""
    steps: dict[int, list[dict]] = {}
    for path in sorted((out / "samples").glob("rank-*.jsonl")):
        micro: dict[int, list[list[dict]]] = {}
        for line in path.read_text().splitlines():
            record = json.loads(line)
            micro.setdefault(record["step"], []).append(record["rows"])
        for step, batches in micro.items():
            steps.setdefault(step, []).append(batches)
    # steps[s] = [rank0 micro-batches, rank1 micro-batches]; interleave to the global order of rows.
    return {step: [row for parts in zip(*ranks) for part in parts for row in part]
            for step, ranks in sorted(steps.items())}


def losses_of(summary: dict) -> dict[int, float]:
    return dict(summary["losses"])


def test_resume_after_a_crash_is_bitwise_identical_in_one_process(mixture, uninterrupted, tmp_path, monkeypatch):
    out = tmp_path / "crashed"
    real = trainer.train.learning_rate

    def crash_after_step_6(step, config):
        if step == 7:  # the scheduler asks for step 7's rate once step 6 is done
            raise KeyboardInterrupt("killed")
        return real(step, config)

    monkeypatch.setattr(trainer.train, "learning_rate", crash_after_step_6)
    with pytest.raises(KeyboardInterrupt):
        run(load_config(TINY, [*SMALL, f"output_dir={out}"]), mixture)
    monkeypatch.setattr(trainer.train, "learning_rate", real)
    assert [p.name for p in complete_checkpoints(out)] == ["step-000004"]

    resumed = run(load_config(TINY, [*SMALL, f"output_dir={out}"]), mixture)  # resume=auto finds step-000004
    assert resumed["start_step"] == 4
    expected = losses_of(uninterrupted)
    assert losses_of(resumed) == {step: expected[step] for step in range(5, 9)}  # bitwise: == on floats
    # The log and the sample log read as one run: the crashed run's steps 5 and 6 were dropped, then redone.
    log_steps = [json.loads(line)["step"] for line in (out / "log.jsonl").read_text().splitlines()]
    assert log_steps == list(range(1, 9))
    assert samples(out) == samples(Path(uninterrupted["config"].output_dir))
    assert read_train_state(resumed["checkpoint"])["step"] == 8


def test_a_finished_run_resumes_to_nothing(mixture, uninterrupted):
    again = run(uninterrupted["config"], mixture)
    assert again["losses"] == [] and again["start_step"] == 8
    assert again["checkpoint"] == uninterrupted["checkpoint"]


def test_resume_refuses_a_different_model_or_stream(mixture, uninterrupted):
    config = load_config(TINY, [*SMALL, "dim=128", f"output_dir={uninterrupted['config'].output_dir}"])
    with pytest.raises(ValueError, match=r"cannot resume from .*step-000008: dim 64 -> 128"):
        run(config, mixture)


def test_two_ranks_match_one_process_and_write_a_sharded_checkpoint(uninterrupted, two_ranks):
    expected = losses_of(uninterrupted)
    losses = dict(torch.load(two_ranks / "losses-rank0.pt"))
    assert list(losses) == list(range(1, 9))
    for step, loss in losses.items():
        assert loss == pytest.approx(expected[step], rel=1e-5), step
    checkpoint = two_ranks / "step-000008"
    names = {p.relative_to(checkpoint).as_posix() for p in checkpoint.rglob("*") if p.is_file()}
    assert {"__0_0.distcp", "__1_0.distcp", "rng/rank-00000.pt", "rng/rank-00001.pt", ".metadata"} <= names
    assert read_train_state(checkpoint)["world_size"] == 2
    assert verify_manifest(str(checkpoint)) == []
    # Both ranks' rows together are the rows one process reads.
    assert samples(two_ranks) == samples(Path(uninterrupted["config"].output_dir))


def test_resume_on_two_ranks_continues_within_1e_6(mixture, two_ranks, tmp_path):
    out = tmp_path / "resumed2"
    out.mkdir()
    shutil.copytree(two_ranks / "step-000004", out / "step-000004")  # what a run killed after step 4..7 leaves
    losses = dict(run_two_ranks(mixture, out))
    expected = dict(torch.load(two_ranks / "losses-rank0.pt"))
    assert list(losses) == [5, 6, 7, 8]
    for step, loss in losses.items():
        assert loss == pytest.approx(expected[step], rel=1e-6), step


def test_resume_from_two_ranks_onto_one_neither_repeats_nor_skips_documents(mixture, uninterrupted, two_ranks,
                                                                            tmp_path):
    out = tmp_path / "two_to_one"
    out.mkdir()
    shutil.copytree(two_ranks / "step-000004", out / "step-000004")
    resumed = run(load_config(TINY, [*SMALL, f"output_dir={out}"]), mixture)
    assert resumed["start_step"] == 4

    before, after = samples(two_ranks), samples(out)
    stream = [before[s] for s in range(1, 5)] + [after[s] for s in range(5, 9)]
    reference = samples(Path(uninterrupted["config"].output_dir))
    assert stream == [reference[s] for s in range(1, 9)]
    documents = [doc for rows in stream for row in rows for doc in row["documents"]]
    assert documents == [doc for s in range(1, 9) for row in reference[s] for doc in row["documents"]]
    assert len({doc for doc in documents}) > 20  # the check is over real, varied documents
    expected = losses_of(uninterrupted)
    for step, loss in losses_of(resumed).items():
        assert loss == pytest.approx(expected[step], rel=1e-5), step


def test_validation_loss_is_logged_per_source_and_weighted(mixture, tmp_path):
    out = tmp_path / "eval"
    summary = run(load_config(TINY, [*SMALL, "eval_every=4", "eval_batches=2", "sample_log=false",
                                     f"output_dir={out}"]), mixture)
    records = [json.loads(line) for line in (out / "log.jsonl").read_text().splitlines()]
    evals = [r for r in records if "val_loss" in r]
    assert [r["step"] for r in evals] == [4, 8]
    per_source = {key.split("/", 1)[1]: value for key, value in evals[-1].items() if key.startswith("val_loss/")}
    # A source whose held-out split is shorter than one sequence (books here) is left out, with a warning.
    long_enough = {name for name in LLAMA_WEIGHTS if len(TokenStream(mixture / "validation" / name)) > 32}
    assert set(per_source) == long_enough and len(long_enough) >= 5
    weighted = sum(LLAMA_WEIGHTS[name] * value for name, value in per_source.items()) / sum(
        LLAMA_WEIGHTS[name] for name in per_source)
    assert evals[-1]["val_loss"] == pytest.approx(weighted)
    assert summary["val_loss"]["all"] == evals[-1]["val_loss"]
    assert (out / "tensorboard").is_dir() and list((out / "tensorboard").glob("events.out.tfevents.*"))


def test_eval_every_on_flat_shards_is_a_clear_error(tmp_path):
    from tests.test_trainer_train import write_pattern_shards

    data = write_pattern_shards(tmp_path / "flat")
    with pytest.raises(ValueError, match="eval_every=2 needs a validation split"):
        run(load_config(TINY, [*SMALL, "eval_every=2", f"output_dir={tmp_path / 'out'}"]), data)


def test_load_model_gives_the_trained_weights_whatever_the_ranks(uninterrupted, two_ranks):
    one, _ = load_model(uninterrupted["checkpoint"])
    two, config = load_model(two_ranks / "step-000008")
    tokens = torch.randint(0, config.vocab_size, (2, 16), generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        torch.testing.assert_close(two(tokens)[0], one(tokens)[0], rtol=1e-4, atol=1e-4)
