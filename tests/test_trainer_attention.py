"""Attention kernels: backend choice, document ids, cu_seqlens, and document masking on the SDPA path."""
from __future__ import annotations

import logging

import pytest
import torch
import torch.nn.functional as F

from trainer import attention as attn
from trainer.attention import (
    Documents,
    attention,
    cu_seqlens_from_bos,
    document_causal_mask,
    document_ids,
    resolve_backend,
    select_backend,
)
from trainer.model import ModelArgs, Transformer, apply_rotary

BOS = 1


def qkv(batch: int, seq: int, heads: int = 2, head_dim: int = 8, seed: int = 0):
    generator = torch.Generator().manual_seed(seed)
    return tuple(torch.randn(batch, seq, heads, head_dim, generator=generator) for _ in range(3))


def test_select_backend_is_sdpa_on_cpu_in_every_dtype():
    for dtype in (torch.float32, torch.bfloat16, torch.float16):
        assert select_backend(torch.device("cpu"), dtype) == "sdpa"


def test_select_backend_is_sdpa_on_cuda_when_flash_attn_is_missing(monkeypatch):
    monkeypatch.setattr(torch.cuda, "get_device_capability", lambda device=None: (9, 0))
    monkeypatch.setattr(attn, "flash_attn_available", lambda: False)
    assert select_backend("cuda", torch.bfloat16) == "sdpa"


def test_select_backend_needs_sm80_and_half_precision_for_flash_attn(monkeypatch):
    monkeypatch.setattr(attn, "flash_attn_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "get_device_capability", lambda device=None: (7, 0))
    assert select_backend("cuda", torch.bfloat16) == "sdpa"  # V100
    monkeypatch.setattr(torch.cuda, "get_device_capability", lambda device=None: (8, 0))
    assert select_backend("cuda", torch.float32) == "sdpa"


def test_explicit_flash_attn_request_that_cannot_run_is_an_error():
    with pytest.raises(ValueError, match="flash_attn"):
        resolve_backend("flash_attn", torch.zeros(1, 2, 4))
    with pytest.raises(ValueError, match="attn_backend='xformers'"):
        resolve_backend("xformers", torch.zeros(1, 2, 4))


def test_document_ids_count_bos_tokens_up_to_each_position():
    tokens = torch.tensor([[1, 5, 6, 1, 7, 8], [9, 9, 1, 4, 1, 1]])
    assert document_ids(tokens, BOS).tolist() == [[1, 1, 1, 2, 2, 2], [0, 0, 1, 1, 2, 3]]


def test_cu_seqlens_cut_flattened_batch_at_bos_and_at_every_row_start():
    tokens = torch.tensor([[1, 5, 6, 1, 7, 8], [9, 9, 1, 4, 1, 1]])
    cu_seqlens = cu_seqlens_from_bos(tokens, BOS)
    assert cu_seqlens.dtype == torch.int32
    # row 0: [1 5 6] [1 7 8]; row 1: [9 9] (a cut document) [1 4] [1] [1]
    assert cu_seqlens.tolist() == [0, 3, 6, 8, 10, 11, 12]


def test_document_mask_is_causal_and_stays_within_each_document():
    mask = document_causal_mask(document_ids(torch.tensor([[1, 5, 1, 6]]), BOS))
    assert mask.shape == (1, 1, 4, 4)
    assert mask[0, 0].int().tolist() == [[1, 0, 0, 0],
                                         [1, 1, 0, 0],
                                         [0, 0, 1, 0],
                                         [0, 0, 1, 1]]


def test_default_sdpa_path_is_bitwise_plain_causal_sdpa():
    q, k, v = qkv(2, 16)
    expected = F.scaled_dot_product_attention(q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2),
                                              is_causal=True).transpose(1, 2)
    assert torch.equal(attention(q, k, v, "sdpa"), expected)


def test_document_masked_sdpa_equals_attending_each_document_alone():
    # One row packing a 5-token and a 7-token document.
    tokens = torch.tensor([[1, 11, 12, 13, 14, 1, 21, 22, 23, 24, 25, 26]])
    q, k, v = qkv(1, 12)
    documents = Documents.from_tokens(tokens, BOS, "sdpa")
    packed = attention(q, k, v, "sdpa", documents)
    first = attention(q[:, :5], k[:, :5], v[:, :5], "sdpa")
    second = attention(q[:, 5:], k[:, 5:], v[:, 5:], "sdpa")
    torch.testing.assert_close(packed[:, :5], first)
    torch.testing.assert_close(packed[:, 5:], second)
    # Without the mask the second document sees the first one.
    assert not torch.allclose(attention(q, k, v, "sdpa")[:, 5:], second)


def test_model_with_doc_mask_gives_second_document_the_logits_it_has_alone():
    torch.manual_seed(0)
    args = ModelArgs(dim=32, n_layers=2, n_heads=4, vocab_size=50, multiple_of=16, max_seq_len=16, doc_mask=True)
    model = Transformer(args).eval()
    first, second = torch.tensor([[1, 7, 8, 9]]), torch.tensor([[1, 30, 31, 32, 33, 34]])
    with torch.no_grad():
        packed, _ = model(torch.cat([first, second], dim=1))
        alone, _ = model(second)
    # Rotary positions differ (4.. vs 0..), but attention scores depend only on relative position.
    torch.testing.assert_close(packed[:, 4:], alone, rtol=1e-4, atol=1e-5)


def test_model_default_path_is_unchanged_and_logs_backend_once(caplog):
    torch.manual_seed(0)
    args = ModelArgs(dim=32, n_layers=1, n_heads=4, vocab_size=50, multiple_of=16, max_seq_len=16)
    model = Transformer(args).eval()
    tokens = torch.tensor([[1, 5, 6, 1, 7, 8]])
    with caplog.at_level(logging.INFO, logger="trainer.attention"), torch.no_grad():
        logits, _ = model(tokens)
        model(tokens)
    assert model.attn_backend == "sdpa"
    assert [r.getMessage() for r in caplog.records].count(
        "attention backend: sdpa (requested auto, device cpu, dtype torch.float32)") == 1
    # The same layer computed by hand with plain causal SDPA, as the model did before backends existed.
    layer = model.layers[0].attention
    with torch.no_grad():
        x = model.layers[0].attention_norm(model.tok_embeddings(tokens))
        q, k, v = (w(x).view(1, 6, 4, 8) for w in (layer.wq, layer.wk, layer.wv))
        q, k = (apply_rotary(t, model.rope_cos, model.rope_sin) for t in (q, k))
        y = F.scaled_dot_product_attention(q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2), is_causal=True)
        expected = layer.wo(y.transpose(1, 2).reshape(1, 6, 32))
        assert torch.equal(layer(x, model.rope_cos, model.rope_sin, "sdpa"), expected)
