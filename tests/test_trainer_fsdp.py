"""Parallelism from outside the model: activation checkpointing, and 2-rank FSDP2 on the CPU (gloo) against one
process on the same global batches."""
from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest
import torch
import torch.multiprocessing as mp

from tests.test_trainer_train import write_pattern_shards
from trainer.config import TrainConfig, load_config
from trainer.distributed import World, destroy
from trainer.model import ModelArgs, Transformer
from trainer.parallelize import apply_ac, parallelize
from trainer.train import run

TINY = Path(__file__).resolve().parents[1] / "trainer" / "configs" / "tiny.toml"
# Two micro-batches of 4 rows per step, so gradient accumulation is exercised too.
SMALL = ["dim=64", "n_layers=2", "n_heads=4", "seq_len=32", "batch_size=4", "tokens_per_step=256", "max_steps=5",
         "warmup_steps=2", "log_every=1", "device=cpu", "dtype=float32"]
ARGS = ModelArgs(dim=32, n_layers=4, n_heads=4, vocab_size=50, multiple_of=16, max_seq_len=16)


def tiny_model() -> Transformer:
    torch.manual_seed(0)
    return Transformer(ARGS)


def loss_and_grads(model: Transformer) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    tokens = torch.randint(0, ARGS.vocab_size, (2, 16), generator=torch.Generator().manual_seed(1))
    _, loss = model(tokens[:, :-1], tokens[:, 1:])
    loss.backward()
    return loss.detach(), {name: p.grad for name, p in model.named_parameters()}


@pytest.mark.parametrize("mode, every", [("full", 1), ("every-k-layers", 2)])
def test_activation_checkpointing_keeps_loss_and_gradients(mode, every):
    plain_loss, plain_grads = loss_and_grads(tiny_model())
    model = tiny_model()
    apply_ac(model, mode, every)
    loss, grads = loss_and_grads(model)
    assert torch.equal(loss, plain_loss)
    # named_parameters() sees the wrapper's prefix; state_dict() does not.
    grads = {name.replace("_checkpoint_wrapped_module.", ""): g for name, g in grads.items()}
    assert grads.keys() == plain_grads.keys()
    for name, grad in grads.items():
        assert torch.equal(grad, plain_grads[name]), name


def test_every_k_layers_wraps_every_kth_block():
    model = tiny_model()
    apply_ac(model, "every-k-layers", 2)
    wrapped = [type(block).__name__ == "CheckpointWrapper" for block in model.layers]
    assert wrapped == [False, True, False, True]


def test_unknown_ac_mode_is_rejected():
    with pytest.raises(ValueError, match="activation_checkpointing='some'"):
        apply_ac(tiny_model(), "some")
    with pytest.raises(ValueError, match="activation_checkpointing='some'"):
        load_config(TINY, ["activation_checkpointing=some"])


def test_parallelize_leaves_state_dict_keys_unchanged():
    reference = tiny_model().state_dict()
    model = tiny_model()
    config = TrainConfig(dim=32, n_layers=4, n_heads=4, vocab_size=50, seq_len=16, batch_size=1, tokens_per_step=16,
                         activation_checkpointing="full", compile=True)
    parallelize(model, config, World(rank=0, world_size=1, device=torch.device("cpu")))
    state = model.state_dict()
    assert list(state) == list(reference)
    for name, tensor in state.items():
        assert torch.equal(tensor, reference[name]), name


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _train_rank(rank: int, world_size: int, port: int, data: str, out: str, overrides: list[str]) -> None:
    """One torchrun-like rank: the environment torchrun would set, then the ordinary training entry point."""
    os.environ.update(RANK=str(rank), LOCAL_RANK=str(rank), WORLD_SIZE=str(world_size), MASTER_ADDR="127.0.0.1",
                      MASTER_PORT=str(port))
    torch.set_num_threads(1)
    try:
        summary = run(load_config(TINY, [*overrides, f"output_dir={out}"]), data)
    finally:
        destroy()
    torch.save(summary["losses"], Path(out) / f"losses-rank{rank}.pt")


def test_two_rank_fsdp_matches_one_process(tmp_path):
    data = write_pattern_shards(tmp_path / "shards")
    single = run(load_config(TINY, [*SMALL, f"output_dir={tmp_path / 'single'}"]), data)

    out = tmp_path / "fsdp"
    mp.spawn(_train_rank, args=(2, _free_port(), str(data), str(out), SMALL), nprocs=2, join=True)

    expected = [loss for _, loss in single["losses"]]
    assert len(expected) == 5
    for rank in range(2):
        losses = [loss for _, loss in torch.load(out / f"losses-rank{rank}.pt")]
        assert losses == pytest.approx(expected, rel=1e-5), f"rank {rank}"
    # Rank 0 alone writes the log, one line per step here.
    assert len((out / "log.jsonl").read_text().splitlines()) == 5
    assert (out / "step-000005" / "__1_0.distcp").is_file()  # rank 1 wrote its own shards of the checkpoint
