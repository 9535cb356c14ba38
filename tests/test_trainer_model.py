"""The LLaMA-1 architecture: paper sizes, causality, RMSNorm, rotary embeddings, naming and initialization."""
from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

from trainer.config import load_config
from trainer.model import (
    ModelArgs,
    OutputHead,
    RMSNorm,
    Transformer,
    apply_rotary,
    build_on_meta,
    count_parameters,
    ffn_hidden_dim,
    rotary_tables,
)

CONFIGS = Path(__file__).resolve().parents[1] / "trainer" / "configs"


def small_args(**overrides) -> ModelArgs:
    values = dict(dim=32, n_layers=2, n_heads=4, vocab_size=50, multiple_of=16, max_seq_len=16)
    values.update(overrides)
    return ModelArgs(**values)


# Table 2 of the LLaMA paper: 6.7B, 13.0B, 32.5B, 65.2B parameters.
@pytest.mark.parametrize("name, expected", [("7b", 6.74e9), ("13b", 13.0e9), ("33b", 32.5e9), ("65b", 65.2e9)])
def test_paper_configs_have_table2_parameter_counts_on_meta(name, expected):
    model = build_on_meta(load_config(CONFIGS / f"{name}.toml").model_args())
    assert all(p.device.type == "meta" for p in model.parameters()), "building must not allocate real memory"
    assert all(b.device.type == "meta" for b in model.buffers())
    assert count_parameters(model) == pytest.approx(expected, rel=0.005)


@pytest.mark.parametrize("name, hidden", [("7b", 11008), ("13b", 13824), ("33b", 17920), ("65b", 22016)])
def test_swiglu_hidden_size_matches_meta_reference(name, hidden):
    config = load_config(CONFIGS / f"{name}.toml")
    assert ffn_hidden_dim(config.dim, config.multiple_of) == hidden
    model = build_on_meta(config.model_args())
    assert model.layers[0].feed_forward.w1.weight.shape == (hidden, config.dim)


def test_paper_configs_carry_table2_hyperparameters():
    table2 = {"7b": (4096, 32, 32, 3.0e-4), "13b": (5120, 40, 40, 3.0e-4),
              "33b": (6656, 52, 60, 1.5e-4), "65b": (8192, 64, 80, 1.5e-4)}
    for name, (dim, heads, layers, lr) in table2.items():
        c = load_config(CONFIGS / f"{name}.toml")
        assert (c.dim, c.n_heads, c.n_layers, c.lr) == (dim, heads, layers, lr), name
        assert (c.seq_len, c.tokens_per_step, c.vocab_size) == (2048, 4 * 1024 * 1024, 32000), name
        assert (c.beta1, c.beta2, c.weight_decay, c.grad_clip, c.warmup_steps, c.min_lr_ratio) == (
            0.9, 0.95, 0.1, 1.0, 2000, 0.1), name


def test_1b_benchmark_config_has_1_26b_parameters_on_meta():
    config = load_config(CONFIGS / "1b.toml")
    model = build_on_meta(config.model_args())
    assert count_parameters(model) == 1_261_529_088  # the number its comment states
    assert 1.1e9 <= count_parameters(model) <= 1.3e9
    assert (config.dim // config.n_heads, ffn_hidden_dim(config.dim, config.multiple_of)) == (128, 5632)
    assert config.tokens_per_step % (config.batch_size * config.seq_len) == 0


def test_changing_a_future_token_leaves_earlier_logits_unchanged():
    torch.manual_seed(0)
    model = Transformer(small_args()).eval()
    tokens = torch.randint(0, 50, (2, 12))
    changed = tokens.clone()
    changed[:, 7] = (changed[:, 7] + 1) % 50
    with torch.no_grad():
        before, _ = model(tokens)
        after, _ = model(changed)
    torch.testing.assert_close(before[:, :7], after[:, :7])
    assert not torch.allclose(before[:, 7:], after[:, 7:]), "the changed token must influence its own position onward"


def test_rmsnorm_gives_unit_rms_and_ignores_input_scale():
    norm = RMSNorm(8, eps=1e-6)
    x = torch.randn(3, 8) * 5 + 2
    y = norm(x)
    torch.testing.assert_close(y.pow(2).mean(-1), torch.ones(3), rtol=1e-4, atol=1e-4)
    torch.testing.assert_close(norm(10 * x), y, rtol=1e-5, atol=1e-5)
    # Unlike LayerNorm it does not subtract the mean: a constant vector keeps its sign.
    assert torch.all(norm(torch.full((1, 8), 3.0)) > 0)
    with torch.no_grad():
        norm.weight.fill_(2.0)
    torch.testing.assert_close(norm(x), 2 * y)


def test_rotary_is_identity_at_position_zero_and_preserves_norm():
    cos, sin = rotary_tables(head_dim=8, max_seq_len=10, theta=10000.0)
    x = torch.randn(1, 10, 2, 8)
    rotated = apply_rotary(x, cos, sin)
    torch.testing.assert_close(rotated[:, 0], x[:, 0])
    torch.testing.assert_close(rotated.norm(dim=-1), x.norm(dim=-1))
    assert not torch.allclose(rotated[:, 1:], x[:, 1:])


def test_rotary_attention_score_depends_only_on_relative_position():
    cos, sin = rotary_tables(head_dim=8, max_seq_len=32, theta=10000.0)
    q, k = torch.randn(8), torch.randn(8)

    def score(q_pos: int, k_pos: int) -> torch.Tensor:
        seq = torch.zeros(1, 32, 1, 8)
        qs, ks = seq.clone(), seq.clone()
        qs[0, q_pos, 0], ks[0, k_pos, 0] = q, k
        return apply_rotary(qs, cos, sin)[0, q_pos, 0] @ apply_rotary(ks, cos, sin)[0, k_pos, 0]

    torch.testing.assert_close(score(5, 2), score(20, 17), rtol=1e-4, atol=1e-5)
    assert not torch.isclose(score(5, 2), score(5, 4), rtol=1e-3)


def test_rotary_matches_meta_complex_formulation():
    # Meta's llama/model.py: view (even, odd) pairs as complex numbers and multiply by e^{i·t·theta_j}.
    cos, sin = rotary_tables(head_dim=8, max_seq_len=6, theta=10000.0)
    x = torch.randn(2, 6, 3, 8)
    freqs = torch.polar(torch.ones_like(cos), torch.atan2(sin, cos))
    expected = torch.view_as_real(torch.view_as_complex(x.reshape(2, 6, 3, 4, 2)) * freqs[None, :, None, :])
    torch.testing.assert_close(apply_rotary(x, cos, sin), expected.flatten(-2), rtol=1e-5, atol=1e-5)


def test_state_dict_keys_follow_meta_naming():
    keys = set(Transformer(small_args(n_layers=1)).state_dict())
    assert keys == {
        "tok_embeddings.weight", "norm.weight", "output.weight",
        "layers.0.attention.wq.weight", "layers.0.attention.wk.weight", "layers.0.attention.wv.weight",
        "layers.0.attention.wo.weight", "layers.0.feed_forward.w1.weight", "layers.0.feed_forward.w2.weight",
        "layers.0.feed_forward.w3.weight", "layers.0.attention_norm.weight", "layers.0.ffn_norm.weight",
    }  # no biases, no rotary tables, and an output head of its own (untied)


def test_init_scales_residual_projections_and_starts_near_uniform_loss():
    torch.manual_seed(0)
    args = small_args(dim=256, n_layers=8, n_heads=4, vocab_size=1000)
    model = Transformer(args)
    assert model.layers[0].attention.wq.weight.std().item() == pytest.approx(0.02, rel=0.05)
    residual_std = 0.02 / math.sqrt(2 * args.n_layers)
    assert model.layers[3].attention.wo.weight.std().item() == pytest.approx(residual_std, rel=0.05)
    assert model.layers[3].feed_forward.w2.weight.std().item() == pytest.approx(residual_std, rel=0.05)
    assert model.output.weight.data_ptr() != model.tok_embeddings.weight.data_ptr()
    tokens = torch.randint(0, 1000, (2, 16))
    _, loss = model(tokens, tokens)
    assert loss.item() == pytest.approx(math.log(1000), abs=0.1)


def test_meta_model_materializes_with_to_empty_and_init_weights():
    args = small_args()
    reference = Transformer(args)
    torch.manual_seed(0)
    reference.init_weights()
    model = build_on_meta(args)
    model.to_empty(device="cpu")  # uninitialized memory, rotary tables included
    torch.manual_seed(0)
    model.init_weights()
    # Same seed, same initialization order: the materialized model equals the eagerly built one.
    for (name, a), (_, b) in zip(reference.state_dict().items(), model.state_dict().items()):
        torch.testing.assert_close(a, b, msg=name)
    torch.testing.assert_close(model.rope_cos, reference.rope_cos)
    tokens = torch.randint(0, 50, (1, 16))
    torch.testing.assert_close(model(tokens)[0], reference(tokens)[0])


def test_forward_rejects_sequences_longer_than_max_seq_len():
    model = Transformer(small_args(max_seq_len=8))
    with pytest.raises(ValueError, match="max_seq_len=8"):
        model(torch.zeros(1, 9, dtype=torch.long))


@pytest.mark.parametrize("chunk_rows", [7, 64, 1000])  # chunks that split the rows unevenly, evenly, and not at all
def test_fused_output_loss_equals_linear_then_cross_entropy(chunk_rows, monkeypatch):
    torch.manual_seed(0)
    head = OutputHead(32, 50)
    monkeypatch.setattr(OutputHead, "CHUNK_ELEMENTS", chunk_rows * 50)
    h = torch.randn(3, 40, 32, requires_grad=True)
    targets = torch.randint(0, 50, (3, 40))
    targets[0, :5] = -100  # ignored positions count for nothing, as in F.cross_entropy
    loss = head(h, targets)
    (2.0 * loss).backward()  # a non-unit upstream gradient is scaled through
    fused = (loss.detach(), h.grad.clone(), head.weight.grad.clone())
    h.grad, head.weight.grad = None, None
    reference = F.cross_entropy(head(h).float().view(-1, 50), targets.view(-1))
    (2.0 * reference).backward()
    torch.testing.assert_close(fused[0], reference.detach(), rtol=1e-6, atol=1e-6)
    torch.testing.assert_close(fused[1], h.grad, rtol=1e-5, atol=1e-7)
    torch.testing.assert_close(fused[2], head.weight.grad, rtol=1e-5, atol=1e-7)


def test_training_forward_returns_the_loss_of_the_logits_path():
    torch.manual_seed(0)
    model = Transformer(small_args())
    tokens = torch.randint(0, small_args().vocab_size, (2, 17))
    logits, none = model(tokens[:, :-1])
    nothing, loss = model(tokens[:, :-1], tokens[:, 1:])
    assert none is None and nothing is None
    expected = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), tokens[:, 1:].reshape(-1))
    torch.testing.assert_close(loss, expected, rtol=1e-6, atol=1e-6)
    with torch.autocast("cpu", dtype=torch.bfloat16):  # the bf16 path stays close to the float32 one
        _, loss_bf16 = model(tokens[:, :-1], tokens[:, 1:])
    assert abs(loss_bf16.item() - loss.item()) < 0.05
