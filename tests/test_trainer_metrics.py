"""Throughput metrics: FLOPs per token (PaLM App. B), device peaks from the datasheet table, MFU, peak memory."""
from __future__ import annotations

import pytest
import torch

from trainer.metrics import (
    PEAK_BF16_TFLOPS,
    device_peak_tflops,
    flops_per_token,
    mfu,
    peak_memory_bytes,
    peak_tflops_for_name,
)
from trainer.model import ModelArgs, build_on_meta, count_parameters


def test_flops_per_token_for_llama_7b_matches_hand_computation():
    dim, layers, heads, seq, vocab, hidden = 4096, 32, 32, 2048, 32000, 11008
    args = ModelArgs(dim=dim, n_layers=layers, n_heads=heads, vocab_size=vocab, max_seq_len=seq)
    n = count_parameters(build_on_meta(args), exclude_embeddings=True)
    # Per layer: wq wk wv wo (4·d²), w1 w2 w3 (3·d·hidden), two RMSNorm gains; then the final norm and output head.
    by_hand = layers * (4 * dim * dim + 3 * dim * hidden + 2 * dim) + dim + vocab * dim
    assert n == by_hand == 6_607_343_616
    attention_flops = 12 * 32 * 32 * 128 * 2048  # 12·L·H·Q·T
    assert flops_per_token(n, layers, heads, dim // heads, seq) == 6 * by_hand + attention_flops
    assert flops_per_token(n, layers, heads, dim // heads, seq) == 42_865_287_168


@pytest.mark.parametrize("name, tflops", [
    ("NVIDIA A100-SXM4-80GB", 312.0),
    ("NVIDIA A100-PCIE-40GB", 312.0),
    ("NVIDIA H100 80GB HBM3", 989.0),
    ("NVIDIA H200", 989.0),
])
def test_device_peak_comes_from_the_datasheet_table(monkeypatch, name, tflops):
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda device=None: name)
    assert device_peak_tflops("cuda") == tflops
    assert PEAK_BF16_TFLOPS == {"A100": 312.0, "H100": 989.0, "H200": 989.0}


@pytest.mark.parametrize("name", ["NVIDIA GeForce RTX 4090", "NVIDIA GH200 480GB", "NVIDIA H100 PCIe",
                                  "NVIDIA H100 NVL", "NVIDIA H100 80GB HBM3 MIG 3g.40gb"])
def test_unknown_or_different_device_variant_asks_for_peak_tflops(monkeypatch, name):
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda device=None: name)
    with pytest.raises(ValueError, match="--peak-tflops"):
        device_peak_tflops("cuda")
    assert device_peak_tflops("cuda", override=500) == 500.0


def test_cpu_needs_peak_tflops_override():
    with pytest.raises(ValueError, match="--peak-tflops"):
        device_peak_tflops("cpu")
    assert device_peak_tflops("cpu", override=1.5) == 1.5
    with pytest.raises(ValueError, match="positive"):
        device_peak_tflops("cpu", override=0)


def test_peak_lookup_matches_whole_words_only():
    assert peak_tflops_for_name("NVIDIA A100-SXM4-40GB") == 312.0
    with pytest.raises(ValueError, match="no peak"):
        peak_tflops_for_name("NVIDIA XA1000")


def test_mfu_is_achieved_over_peak_flops():
    # 3,000 tokens/s at 1e11 FLOPs per token = 3e14 FLOP/s = 300 TFLOP/s, on a 989 TFLOP/s H100.
    assert mfu(3_000, 1e11, 989) == pytest.approx(300 / 989)
    assert mfu(0, 1e11, 989) == 0.0


def test_peak_memory_on_cpu_is_a_plausible_process_size():
    before = peak_memory_bytes("cpu")
    assert 10 * 2**20 < before < 2**40  # Python with torch loaded holds more than 10 MiB
    blob = torch.ones(64 * 2**20, dtype=torch.uint8)  # touch 64 MiB
    assert peak_memory_bytes("cpu") >= before
    del blob


def test_training_log_reports_mfu_only_with_a_known_peak(tmp_path):
    import json

    from tokenizer.format import rows_to_table, write_shard
    from trainer.config import TrainConfig
    from trainer.train import run

    rows = [{"tokens": [1, *([5, 6, 7, 8] * 60), 2], "source": "wikipedia", "id": f"wikipedia/x/{i}"} for i in range(8)]
    write_shard(rows_to_table(rows), str(tmp_path / "shard-00000.arrow"))
    base = dict(dim=32, n_layers=1, n_heads=2, vocab_size=16, multiple_of=32, seq_len=16, batch_size=2,
                tokens_per_step=32, lr=1e-3, warmup_steps=1, max_steps=2, log_every=1, device="cpu",
                checkpoint_every=0)
    run(TrainConfig(**base, output_dir=str(tmp_path / "plain")), tmp_path)
    plain = [json.loads(l) for l in (tmp_path / "plain" / "log.jsonl").read_text().splitlines()]
    assert all("mfu" not in r and r["peak_memory_bytes"] > 0 for r in plain)
    run(TrainConfig(**base, peak_tflops=1.0, output_dir=str(tmp_path / "peak")), tmp_path)
    with_peak = [json.loads(l) for l in (tmp_path / "peak" / "log.jsonl").read_text().splitlines()]
    assert all(0 < r["mfu"] < 1 for r in with_peak)


def test_model_attention_settings_come_from_the_config():
    from trainer.config import TrainConfig

    args = TrainConfig(vocab_size=100, attn_backend="sdpa", doc_mask=True, bos_id=3).model_args()
    assert (args.attn_backend, args.doc_mask, args.bos_id) == ("sdpa", True, 3)
    import pytest

    with pytest.raises(ValueError, match="attn_backend"):
        TrainConfig(attn_backend="xformers")
