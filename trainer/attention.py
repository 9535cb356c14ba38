"""Causal self-attention kernels, with optional document masking.

Two backends compute the same thing:

- "flash_attn": Dao's `flash_attn_func` / `flash_attn_varlen_func` (flash-attention 2). Only on CUDA devices of compute
  capability 8.0+ (Ampere, Hopper) in bf16/fp16, which is what its kernels are built for.
- "sdpa": `torch.nn.functional.scaled_dot_product_attention`, everywhere else.

Document masking: training sequences are packed, several documents per row, each starting with BOS. By default a token
attends to every earlier token of the row, across document boundaries; with document masking it attends only to
earlier tokens of its own document. SDPA gets an explicit boolean mask (causal & same document); flash-attention gets
the row-major flattened batch cut into documents by cumulative sequence lengths, which is the same mask expressed as
segments. Both are built once per forward pass (see `Documents`) and shared by every layer.

q, k, v are (batch, seq, heads, head_dim) throughout, flash-attention's layout; SDPA's transpose happens here.
"""
from __future__ import annotations

import importlib.util
import logging
from dataclasses import dataclass

import torch
import torch.nn.functional as F

log = logging.getLogger(__name__)

BACKENDS = ("flash_attn", "sdpa")


def flash_attn_available() -> bool:
    return importlib.util.find_spec("flash_attn") is not None


def select_backend(device: torch.device | str, dtype: torch.dtype) -> str:
    """"flash_attn" when the package imports and the device is CUDA sm80+ computing in bf16/fp16, else "sdpa"."""
    device = torch.device(device)
    if device.type != "cuda" or dtype not in (torch.bfloat16, torch.float16):
        return "sdpa"
    if torch.cuda.get_device_capability(device) < (8, 0):
        return "sdpa"
    if not flash_attn_available():
        return "sdpa"
    try:
        import flash_attn  # noqa: F401  (find_spec can succeed for a build whose CUDA extension does not load)
    except ImportError as error:
        log.warning("flash_attn is installed but does not import (%s); using sdpa", error)
        return "sdpa"
    return "flash_attn"


def compute_dtype(x: torch.Tensor) -> torch.dtype:
    """The dtype that attention will see: autocast's when it is on (activations stay float32 until a matmul), else x's."""
    if torch.is_autocast_enabled(x.device.type):
        return torch.get_autocast_dtype(x.device.type)
    return x.dtype


def resolve_backend(requested: str, x: torch.Tensor) -> str:
    """Turns a configured backend ("auto", "flash_attn" or "sdpa") into the one used for activations like x, and logs
    it. An explicit "flash_attn" that cannot run is an error, not a silent fallback."""
    if requested == "auto":
        backend = select_backend(x.device, compute_dtype(x))
    elif requested == "flash_attn":
        if select_backend(x.device, compute_dtype(x)) != "flash_attn":
            raise ValueError(f"attn_backend='flash_attn' needs the flash_attn package, a CUDA device of compute "
                             f"capability 8.0+ and bf16/fp16 activations; got device={x.device}, "
                             f"dtype={compute_dtype(x)}, flash_attn installed={flash_attn_available()}")
        backend = requested
    elif requested == "sdpa":
        backend = requested
    else:
        raise ValueError(f"attn_backend={requested!r}, expected 'auto' or one of {BACKENDS}")
    log.info("attention backend: %s (requested %s, device %s, dtype %s)", backend, requested, x.device,
             compute_dtype(x))
    return backend


def document_ids(tokens: torch.Tensor, bos_id: int) -> torch.Tensor:
    """Per position, the index of its document within the row: the number of BOS tokens up to and including it.

    [[BOS a b BOS c]] -> [[1 1 1 2 2]]; tokens before a row's first BOS (the tail of a document cut by packing) get 0.
    """
    return torch.cumsum(tokens == bos_id, dim=-1)


def cu_seqlens_from_doc_ids(doc_ids: torch.Tensor) -> torch.Tensor:
    """Cumulative document lengths over the row-major flattened batch, int32, as flash_attn_varlen_func wants:
    [0, end of document 1, end of document 2, ..., batch·seq]. Every row starts a new document, so a document never
    continues from one row into the next."""
    batch, seq_len = doc_ids.shape
    starts = torch.ones_like(doc_ids, dtype=torch.bool)
    starts[:, 1:] = doc_ids[:, 1:] != doc_ids[:, :-1]
    # nonzero has a data-dependent size, so this synchronizes with the host: once per forward pass, not per layer.
    start_positions = starts.flatten().nonzero().flatten()
    end = torch.tensor([batch * seq_len], device=doc_ids.device)
    return torch.cat([start_positions, end]).to(torch.int32)


def cu_seqlens_from_bos(tokens: torch.Tensor, bos_id: int) -> torch.Tensor:
    """cu_seqlens (see `cu_seqlens_from_doc_ids`) for packed rows where BOS starts each document."""
    return cu_seqlens_from_doc_ids(document_ids(tokens, bos_id))


def document_causal_mask(doc_ids: torch.Tensor) -> torch.Tensor:
    """Boolean (batch, 1, seq, seq) mask, True where query i may attend to key j: j <= i and same document."""
    seq_len = doc_ids.shape[-1]
    causal = torch.ones(seq_len, seq_len, dtype=torch.bool, device=doc_ids.device).tril()
    same_document = doc_ids[:, :, None] == doc_ids[:, None, :]
    return (causal & same_document)[:, None]


@dataclass(frozen=True)
class Documents:
    """Where the documents of a packed batch lie, in the form the chosen backend needs; built once per forward."""

    doc_ids: torch.Tensor  # (batch, seq)
    mask: torch.Tensor | None = None  # sdpa: (batch, 1, seq, seq) bool
    cu_seqlens: torch.Tensor | None = None  # flash_attn: (n_documents + 1,) int32

    @classmethod
    def from_tokens(cls, tokens: torch.Tensor, bos_id: int, backend: str) -> Documents:
        doc_ids = document_ids(tokens, bos_id)
        if backend == "flash_attn":
            return cls(doc_ids, cu_seqlens=cu_seqlens_from_doc_ids(doc_ids))
        return cls(doc_ids, mask=document_causal_mask(doc_ids))


def attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, backend: str,
              documents: Documents | None = None) -> torch.Tensor:
    """Causal attention of q, k, v (batch, seq, heads, head_dim); returns (batch, seq, heads, head_dim).

    With `documents`, each position attends only within its own document.
    """
    if backend == "flash_attn":
        return _flash_attention(q, k, v, documents)
    if backend != "sdpa":
        raise ValueError(f"unknown attention backend {backend!r}, expected one of {BACKENDS}")
    q, k, v = (t.transpose(1, 2) for t in (q, k, v))
    if documents is None:
        # is_causal lets SDPA pick its flash kernel; an explicit mask would rule that out.
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
    else:
        mask = documents.mask if documents.mask is not None else document_causal_mask(documents.doc_ids)
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    return y.transpose(1, 2)


def _flash_attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, documents: Documents | None) -> torch.Tensor:
    from flash_attn import flash_attn_func, flash_attn_varlen_func

    if documents is None:
        return flash_attn_func(q, k, v, causal=True)
    batch, seq_len, n_heads, head_dim = q.shape
    cu_seqlens = documents.cu_seqlens
    if cu_seqlens is None:
        cu_seqlens = cu_seqlens_from_doc_ids(documents.doc_ids)
    # max_seqlen only sizes the kernel's grid, so an upper bound is enough; seq_len avoids another host sync.
    y = flash_attn_varlen_func(
        q.reshape(batch * seq_len, n_heads, head_dim),
        k.reshape(batch * seq_len, n_heads, head_dim),
        v.reshape(batch * seq_len, n_heads, head_dim),
        cu_seqlens_q=cu_seqlens, cu_seqlens_k=cu_seqlens,
        max_seqlen_q=seq_len, max_seqlen_k=seq_len,
        causal=True,
    )
    return y.view(batch, seq_len, n_heads, head_dim)
