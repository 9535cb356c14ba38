"""Training throughput metrics: model FLOPs per token, model FLOPs utilization (MFU) and peak memory.

MFU is the fraction of the accelerator's peak that the model's FLOPs would use at the measured tokens/s (Chowdhery et
al. 2022, PaLM, §4.1 and Appendix B). It is only as honest as the peak it divides by, so the peak comes from a table of
datasheet numbers for devices we know, or from the user (`--peak-tflops`); an unknown device is an error, never a guess.
"""
from __future__ import annotations

import re
import resource
import sys

import torch

# Dense (not the "with sparsity" figure, which is 2x) BF16 tensor-core peak in TFLOP/s, from NVIDIA's datasheets:
# A100 Tensor Core GPU datasheet (312, SXM and PCIe alike); H100 Tensor Core GPU datasheet, H100 SXM column (1,979 with
# sparsity -> 989); H200 Tensor Core GPU datasheet, H200 SXM column (1,979 with sparsity -> 989).
PEAK_BF16_TFLOPS = {"A100": 312.0, "H100": 989.0, "H200": 989.0}

# Name parts that mean the table's number does not apply: a MIG slice has only a fraction of the GPU's SMs, and the
# PCIe and NVL cards of H100/H200 run at a lower power and clock than the SXM part (H100 PCIe: 756 dense BF16).
_NOT_THE_TABLE_PART = {"A100": ("MIG",), "H100": ("MIG", "PCIE", "NVL"), "H200": ("MIG", "PCIE", "NVL")}


def peak_tflops_for_name(device_name: str) -> float:
    """Dense BF16 peak of a CUDA device from its name (torch.cuda.get_device_name), e.g. "NVIDIA H100 80GB HBM3".

    Names are matched word by word, so "NVIDIA A100-SXM4-80GB" is an A100 but "NVIDIA GH200 480GB" is not an H200.
    """
    words = set(re.split(r"[\s\-_/]+", device_name.upper()))
    for model, tflops in PEAK_BF16_TFLOPS.items():
        if model in words:
            excluded = words.intersection(_NOT_THE_TABLE_PART[model])
            if excluded:
                raise ValueError(f"device {device_name!r} is a {model} {'/'.join(sorted(excluded))} part whose peak "
                                 f"differs from the {model} SXM datasheet number ({tflops:g} TFLOP/s); pass its dense "
                                 f"bf16 peak with --peak-tflops")
            return tflops
    raise ValueError(f"no peak TFLOP/s known for device {device_name!r} (known: {', '.join(PEAK_BF16_TFLOPS)}); pass "
                     f"its dense bf16 peak from the vendor's datasheet with --peak-tflops")


def device_peak_tflops(device: torch.device | str, override: float | None = None) -> float:
    """The dense BF16 peak to compute MFU against: `override` (--peak-tflops) if given, else the table's number for
    this CUDA device. A CPU has no table entry, so it needs the override too."""
    if override is not None:
        if override <= 0:
            raise ValueError(f"--peak-tflops must be positive, got {override}")
        return float(override)
    device = torch.device(device)
    if device.type != "cuda":
        raise ValueError(f"no peak TFLOP/s known for device type {device.type!r}; MFU needs one: pass --peak-tflops")
    return peak_tflops_for_name(torch.cuda.get_device_name(device))


def flops_per_token(n_params_non_embedding: int, n_layers: int, n_heads: int, head_dim: int, seq_len: int) -> int:
    """Training FLOPs per token, forward and backward: 6·N + 12·L·H·Q·T (PaLM, Appendix B).

    6·N: each non-embedding weight does a multiply-add (2 FLOPs) per token forward and twice that backward; the
    embedding lookup is a gather, not a matmul, so N leaves it out (the untied output head is a matmul and stays in;
    `trainer.model.count_parameters(model, exclude_embeddings=True)` counts it so). 12·L·H·Q·T: the attention scores
    QK^T and their product with V, with H heads of size Q over a context of T tokens, in each of L layers. As in PaLM
    it counts the full T×T score matrix, not the causal half, so MFU is comparable with published numbers.
    """
    return 6 * n_params_non_embedding + 12 * n_layers * n_heads * head_dim * seq_len


def mfu(tokens_per_s: float, flops_per_token: float, peak_tflops: float) -> float:
    """Model FLOPs utilization, a fraction in [0, 1] (for a single device: tokens_per_s and peak of the same device)."""
    return tokens_per_s * flops_per_token / (peak_tflops * 1e12)


def peak_memory_bytes(device: torch.device | str) -> int:
    """Peak memory since the start (or the last torch.cuda.reset_peak_memory_stats) in bytes.

    CUDA: the caching allocator's peak of memory held by tensors (torch.cuda.max_memory_allocated), which excludes
    cached-but-free blocks and the CUDA context. CPU: the process's peak resident set size (getrusage ru_maxrss), which
    counts everything the process touched, Python and libraries included, and cannot be reset.
    """
    device = torch.device(device)
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device)
    max_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # ru_maxrss is in kilobytes on Linux and in bytes on macOS (getrusage(2) of each).
    return max_rss if sys.platform == "darwin" else max_rss * 1024
