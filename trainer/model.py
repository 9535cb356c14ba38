"""The LLaMA-1 transformer (Touvron et al. 2023, §2.2), readable top to bottom.

Differences from GPT-2, as the paper lists them: pre-normalization with RMSNorm, SwiGLU feed-forward with hidden size
2/3·4d, rotary position embeddings, no biases; the output head is not tied to the embedding. Module names follow
Meta's reference `llama/model.py`, so `state_dict()` keys match its checkpoints (tok_embeddings, layers.N.attention.wq,
..., norm, output).

The model knows nothing about devices or parallelism: build it on `torch.device("meta")` to count parameters for free,
and shard it from outside (FSDP2's `fully_shard` per `TransformerBlock`) after calling `to_empty` + `init_weights`.
The attention kernel (flash-attention or SDPA, optionally masked to each packed document) is in trainer/attention.py;
the first forward pass picks it from the activations' device and dtype.
"""
from __future__ import annotations

import math
import zlib
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from trainer.attention import Documents, attention, resolve_backend


@dataclass
class ModelArgs:
    dim: int = 4096
    n_layers: int = 32
    n_heads: int = 32
    vocab_size: int = 32000
    multiple_of: int = 256
    norm_eps: float = 1e-6
    rope_theta: float = 10000.0
    max_seq_len: int = 2048
    attn_backend: str = "auto"  # "auto", "flash_attn" or "sdpa"; auto is resolved on the first forward pass
    doc_mask: bool = False  # attend only within the packed document (BOS starts one), not across the whole row
    bos_id: int = 1  # BOS of the LLaMA SentencePiece tokenizer


def ffn_hidden_dim(dim: int, multiple_of: int) -> int:
    """SwiGLU hidden size: 2/3·4d (§2.2), rounded up to a multiple of `multiple_of` (Meta's llama/model.py).

    SwiGLU has three matrices instead of two, so shrinking the hidden size by 2/3 keeps the parameter count of a
    4d GELU MLP. For 7B: int(2/3·16384) = 10922 -> 11008.
    """
    hidden = int(2 * (4 * dim) / 3)
    return multiple_of * math.ceil(hidden / multiple_of)


class RMSNorm(nn.Module):
    """Root-mean-square layer norm (Zhang & Sennrich 2019): no mean subtraction and no bias."""

    def __init__(self, dim: int, eps: float):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # Normalize in float32: under bf16 autocast the mean of squares loses too many bits.
        x32 = x.float()
        normed = x32 * torch.rsqrt(x32.pow(2).mean(-1, keepdim=True) + self.eps)
        return normed.type_as(x) * self.weight


def rotary_tables(head_dim: int, max_seq_len: int, theta: float, device: torch.device | None = None):
    """cos and sin of the rotation angles, each (max_seq_len, head_dim/2): angle[t, i] = t · theta^(-2i/head_dim)."""
    inv_freq = 1.0 / (theta ** (torch.arange(0, head_dim, 2, device=device, dtype=torch.float32) / head_dim))
    angles = torch.outer(torch.arange(max_seq_len, device=device, dtype=torch.float32), inv_freq)
    return angles.cos(), angles.sin()


def apply_rotary(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """Rotates each (even, odd) channel pair of x (batch, seq, heads, head_dim) by its position's angle.

    Meta's reference multiplies by complex numbers over *interleaved* pairs; doing the same rotation in real
    arithmetic gives identical numbers (so Meta's checkpoints load unpermuted) and also works on the meta device and
    in bf16, where complex tensors do not.
    """
    seq_len = x.shape[1]
    cos = cos[:seq_len, None, :]  # (seq, 1, head_dim/2), broadcast over heads
    sin = sin[:seq_len, None, :]
    x_even, x_odd = x.float().unflatten(-1, (-1, 2)).unbind(-1)
    rotated = torch.stack((x_even * cos - x_odd * sin, x_even * sin + x_odd * cos), dim=-1)
    return rotated.flatten(-2).type_as(x)


class Attention(nn.Module):
    def __init__(self, args: ModelArgs):
        super().__init__()
        self.n_heads = args.n_heads
        self.head_dim = args.dim // args.n_heads
        self.wq = nn.Linear(args.dim, args.dim, bias=False)
        self.wk = nn.Linear(args.dim, args.dim, bias=False)
        self.wv = nn.Linear(args.dim, args.dim, bias=False)
        self.wo = nn.Linear(args.dim, args.dim, bias=False)

    def forward(self, x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor, backend: str,
                documents: Documents | None = None) -> torch.Tensor:
        batch, seq_len, dim = x.shape
        q = self.wq(x).view(batch, seq_len, self.n_heads, self.head_dim)
        k = self.wk(x).view(batch, seq_len, self.n_heads, self.head_dim)
        v = self.wv(x).view(batch, seq_len, self.n_heads, self.head_dim)
        q, k = apply_rotary(q, cos, sin), apply_rotary(k, cos, sin)
        y = attention(q, k, v, backend, documents)  # causal; within each document when documents is given
        return self.wo(y.reshape(batch, seq_len, dim))


class FeedForward(nn.Module):
    """SwiGLU (Shazeer 2020): w2(silu(w1 x) * w3 x)."""

    def __init__(self, args: ModelArgs):
        super().__init__()
        hidden = ffn_hidden_dim(args.dim, args.multiple_of)
        self.w1 = nn.Linear(args.dim, hidden, bias=False)
        self.w2 = nn.Linear(hidden, args.dim, bias=False)
        self.w3 = nn.Linear(args.dim, hidden, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.w2(F.silu(self.w1(x)) * self.w3(x))


class _LinearCrossEntropy(torch.autograd.Function):
    """Mean cross-entropy of `h @ weight.T` against `targets`, computed `chunk` rows at a time.

    The forward pass also computes both gradients, chunk by chunk (d loss / d logits = softmax - onehot), so that
    neither the (rows, vocab) logits nor their softmax ever exist whole: at LLaMA's 32k vocabulary they are the largest
    activation of a training step (2048 x 32000 float32 = 262 MB per sequence, and as much again for the gradient). The
    matrix products are the same three a Linear + cross_entropy does (forward, and two in backward), in the same
    dtypes; only the element-wise softmax work is fused per chunk. Rows whose target is `ignore_index` count for
    nothing, as in F.cross_entropy.
    """

    @staticmethod
    def forward(ctx, h: torch.Tensor, weight: torch.Tensor, targets: torch.Tensor, chunk: int,
                ignore_index: int) -> torch.Tensor:
        valid = targets != ignore_index
        count = valid.sum().clamp(min=1)
        grad_h = torch.empty_like(h)
        grad_weight = torch.zeros(weight.shape, dtype=torch.float32, device=weight.device)
        total = torch.zeros((), dtype=torch.float32, device=h.device)
        for start in range(0, h.shape[0], chunk):
            h_c, t_c, v_c = h[start : start + chunk], targets[start : start + chunk], valid[start : start + chunk]
            logits = (h_c @ weight.t()).float()  # float32 softmax, as the logits path does
            lse = torch.logsumexp(logits, dim=-1)
            safe_t = torch.where(v_c, t_c, 0)
            target_logit = logits.gather(1, safe_t[:, None])[:, 0]
            total += ((lse - target_logit) * v_c).sum()
            grad = logits.sub_(lse[:, None]).exp_()  # softmax, in place of the logits
            grad[torch.arange(len(t_c), device=grad.device), safe_t] -= 1.0
            grad *= (v_c.float() / count)[:, None]
            grad = grad.to(h.dtype)
            grad_h[start : start + chunk] = grad @ weight
            grad_weight += (grad.t() @ h_c).float()
        ctx.save_for_backward(grad_h, grad_weight.to(weight.dtype))
        return total / count

    @staticmethod
    def backward(ctx, grad_loss: torch.Tensor):
        grad_h, grad_weight = ctx.saved_tensors
        return grad_h * grad_loss, grad_weight * grad_loss, None, None, None


class OutputHead(nn.Linear):
    """The output projection (`output.weight`, untied from the embedding). Called with `targets` it returns the
    training loss through `_LinearCrossEntropy` instead of logits. Being the module FSDP shards, it runs inside
    FSDP's gather of its weight either way."""

    # Rows per chunk: about 32 MB of float32 logits at a 32k vocabulary; big enough to keep the matrix products
    # efficient.
    CHUNK_ELEMENTS = 1 << 23

    def __init__(self, dim: int, vocab_size: int):
        super().__init__(dim, vocab_size, bias=False)

    def forward(self, h: torch.Tensor, targets: torch.Tensor | None = None, ignore_index: int = -100) -> torch.Tensor:
        if targets is None:
            return super().forward(h)
        h = h.reshape(-1, h.shape[-1])
        if torch.is_autocast_enabled(h.device.type):  # the Linear would run in the autocast dtype; so do we
            dtype = torch.get_autocast_dtype(h.device.type)
            h, weight = h.to(dtype), self.weight.to(dtype)
        else:
            weight = self.weight
        chunk = max(1, self.CHUNK_ELEMENTS // self.out_features)
        return _LinearCrossEntropy.apply(h, weight, targets.reshape(-1), chunk, ignore_index)


class TransformerBlock(nn.Module):
    def __init__(self, args: ModelArgs):
        super().__init__()
        self.attention = Attention(args)
        self.feed_forward = FeedForward(args)
        self.attention_norm = RMSNorm(args.dim, args.norm_eps)
        self.ffn_norm = RMSNorm(args.dim, args.norm_eps)

    def forward(self, x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor, backend: str,
                documents: Documents | None = None) -> torch.Tensor:
        # Pre-norm: normalize each sublayer's input, not the residual stream (§2.2, after GPT-3).
        h = x + self.attention(self.attention_norm(x), cos, sin, backend, documents)
        return h + self.feed_forward(self.ffn_norm(h))


class Transformer(nn.Module):
    def __init__(self, args: ModelArgs):
        super().__init__()
        self.args = args
        self.tok_embeddings = nn.Embedding(args.vocab_size, args.dim)
        self.layers = nn.ModuleList(TransformerBlock(args) for _ in range(args.n_layers))
        self.norm = RMSNorm(args.dim, args.norm_eps)
        self.output = OutputHead(args.dim, args.vocab_size)
        # Not persistent: they are a function of args, so checkpoints hold only learned weights.
        self.register_buffer("rope_cos", torch.empty(args.max_seq_len, args.dim // args.n_heads // 2), persistent=False)
        self.register_buffer("rope_sin", torch.empty(args.max_seq_len, args.dim // args.n_heads // 2), persistent=False)
        # Which kernel depends on the device and dtype the model runs in, known only at the first forward pass.
        self.attn_backend: str | None = None
        if self.rope_cos.device.type != "meta":
            self.init_weights()

    @torch.no_grad()
    def init_rotary(self) -> None:
        """Fills the rotary tables (buffers, not parameters: a function of the config, never checkpointed)."""
        cos, sin = rotary_tables(self.args.dim // self.args.n_heads, self.args.max_seq_len, self.args.rope_theta,
                                 device=self.rope_cos.device)
        self.rope_cos.copy_(cos)
        self.rope_sin.copy_(sin)

    @torch.no_grad()
    def init_weights(self, seed: int | None = None) -> None:
        """(Re)initializes every parameter and buffer in place.

        A separate method so that a model built on the meta device can be materialized with `to_empty(device=...)`
        and then initialized on its final, possibly sharded, device (trainer.train does this).

        seed=None draws from torch's global generator. With a seed, each parameter gets its own generator seeded by
        (seed, parameter name) and is drawn whole, then only this rank's shard is kept: the weights are then the same
        whatever the number of ranks, the sharding, or the wrappers around the blocks.
        """
        self.init_rotary()
        # The paper does not give its initialization; we use GPT-2's (Radford et al. 2019, §2.3): N(0, 0.02), with
        # the projections that write into the residual stream (wo, w2) scaled by 1/sqrt(2·n_layers). Each layer adds
        # two such outputs to the stream, so without the scaling its variance would grow with depth.
        residual_std = 0.02 / math.sqrt(2 * self.args.n_layers)
        for name, param in self.named_parameters():
            name = _clean_name(name)
            if name.endswith(("attention.wo.weight", "feed_forward.w2.weight")):
                std = residual_std
            elif param.dim() == 2:
                std = 0.02
            else:  # RMSNorm gains
                nn.init.ones_(param)
                continue
            if seed is None:
                nn.init.normal_(param, mean=0.0, std=std)
                continue
            device = param.device
            generator = torch.Generator(device=device).manual_seed(seed * 1_000_003 + zlib.crc32(name.encode()))
            full = torch.empty(param.shape, dtype=param.dtype, device=device).normal_(0.0, std, generator=generator)
            if hasattr(param, "device_mesh"):  # a DTensor shard (FSDP2): keep this rank's part of the whole
                from torch.distributed.tensor import distribute_tensor

                full = distribute_tensor(full, param.device_mesh, param.placements)
            param.copy_(full)

    def forward(self, tokens: torch.Tensor, targets: torch.Tensor | None = None):
        """tokens, targets: (batch, seq) int64. Returns (logits (batch, seq, vocab) float32, None) without targets and
        (None, mean next-token cross-entropy) with them: training never needs the logits, and not building them saves
        their memory and time (see OutputHead)."""
        seq_len = tokens.shape[1]
        if seq_len > self.args.max_seq_len:
            raise ValueError(f"sequence of {seq_len} tokens is longer than max_seq_len={self.args.max_seq_len}")
        h = self.tok_embeddings(tokens)
        if self.attn_backend is None:
            self.attn_backend = resolve_backend(self.args.attn_backend, h)
        documents = Documents.from_tokens(tokens, self.args.bos_id, self.attn_backend) if self.args.doc_mask else None
        for layer in self.layers:
            h = layer(h, self.rope_cos, self.rope_sin, self.attn_backend, documents)
        h = self.norm(h)
        if targets is not None:
            # Training: the loss straight from the hidden states, never the whole (batch, seq, vocab) logits.
            return None, self.output(h, targets)
        # Logits in float32 so that the softmax over 32k entries is not computed in bf16.
        return self.output(h).float(), None


def _clean_name(name: str) -> str:
    """A parameter's name without the prefixes that wrappers add (activation checkpointing, torch.compile), i.e. its
    state_dict key."""
    return name.replace("_checkpoint_wrapped_module.", "").replace("_orig_mod.", "")


def build_on_meta(args: ModelArgs) -> Transformer:
    """The model's structure without memory: every parameter is a shape-only tensor on the meta device."""
    with torch.device("meta"):
        return Transformer(args)


def count_parameters(model: nn.Module, exclude_embeddings: bool = False) -> int:
    """Number of learned parameters (works on meta tensors). Optionally leaves out the token embedding table, which
    costs memory but no FLOPs."""
    total = sum(p.numel() for p in model.parameters())
    if exclude_embeddings and isinstance(model, Transformer):
        total -= model.tok_embeddings.weight.numel()
    return total
