"""Sampling text from a trained `Transformer`: greedy, temperature, and nucleus (top-p) sampling.

There is no KV cache: `trainer.model.Attention` keeps no state between calls, and adding a cache would mean changing
the model that training uses. So, as in nanoGPT's `generate`, every new token recomputes the whole context window
(the last `max_seq_len` tokens). Each step costs a full forward pass over up to `max_seq_len` tokens, which is fine for
checking what a checkpoint learned and wrong for serving.

Once the context is longer than `max_seq_len`, the window slides: the oldest tokens are dropped and the rest are
re-encoded from position 0, so rotary positions restart with the window, as they did for every training sequence.

The command line (checkpoint loading, tokenizer, printing) lives with the CLI; `add_generate_arguments` gives it the
sampling options.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import torch
from torch import nn


def check_sampling_args(temperature: float, top_p: float) -> None:
    """Raises ValueError unless temperature >= 0 (0 means greedy) and 0 < top_p <= 1."""
    if not temperature >= 0:  # also catches NaN
        raise ValueError(f"temperature must be >= 0 (0 means greedy decoding), got {temperature}")
    if not 0 < top_p <= 1:
        raise ValueError(f"top_p must lie in (0, 1] (1 keeps every token), got {top_p}")


def top_p_filter(probs: torch.Tensor, top_p: float) -> torch.Tensor:
    """Nucleus filtering (Holtzman et al. 2020, "The Curious Case of Neural Text Degeneration", §3.1).

    probs: (..., vocab), each row summing to 1. Keeps, per row, the smallest set of most probable tokens whose
    cumulative probability reaches top_p (always at least the most probable one), zeroes the rest and renormalizes.
    A token is kept when the probability of the tokens ranked above it is still below top_p: for probabilities
    .5 .3 .15 .05, top_p=.8 keeps two tokens and top_p=.81 three. Equal probabilities keep their vocabulary order.
    """
    sorted_probs, order = probs.sort(dim=-1, descending=True, stable=True)
    # Mass strictly above each token; computed directly rather than as cumsum - p, which would round differently.
    above = torch.cat([torch.zeros_like(sorted_probs[..., :1]), sorted_probs.cumsum(dim=-1)[..., :-1]], dim=-1)
    keep_sorted = above < top_p
    keep_sorted[..., 0] = True
    keep = torch.zeros_like(keep_sorted).scatter(-1, order, keep_sorted)
    filtered = probs * keep
    return filtered / filtered.sum(dim=-1, keepdim=True)


def sample_next(logits: torch.Tensor, *, temperature: float, top_p: float,
                generator: torch.Generator | None) -> torch.Tensor:
    """The next token id for logits of shape (vocab,) -> () or (batch, vocab) -> (batch,).

    temperature 0 is greedy (argmax; top_p and generator are unused). Otherwise the logits are divided by the
    temperature, turned into probabilities, cut to the top_p nucleus and sampled with `generator`, which must live on
    the logits' device.
    """
    check_sampling_args(temperature, top_p)
    if logits.dim() not in (1, 2):
        raise ValueError(f"logits must be (vocab,) or (batch, vocab), got shape {tuple(logits.shape)}")
    if temperature == 0:
        return logits.argmax(dim=-1)
    probs = torch.softmax(logits.float() / temperature, dim=-1)
    if top_p < 1:
        probs = top_p_filter(probs, top_p)
    rows = probs if probs.dim() == 2 else probs[None]
    choice = torch.multinomial(rows, num_samples=1, generator=generator)[:, 0]
    return choice if probs.dim() == 2 else choice[0]


def generate(model: nn.Module, prompt_ids: list[int], *, max_new_tokens: int, temperature: float = 0.0,
             top_p: float = 1.0, eos_id: int | None = None, seed: int = 0) -> list[int]:
    """Continues `prompt_ids` by up to `max_new_tokens` tokens; returns the prompt followed by the new tokens (as
    nanoGPT and Hugging Face do; `result[len(prompt_ids):]` is the continuation).

    Stops early after emitting `eos_id`, which is then the last token returned (so the caller can tell why it
    stopped). The model runs in eval mode under `torch.inference_mode` on the device of its parameters, and is put
    back in training mode afterwards if it was in it. With temperature > 0 the same seed gives the same tokens on the
    same device. Autocast, if wanted, is the caller's: wrap the call in `torch.autocast`.
    """
    check_sampling_args(temperature, top_p)
    if max_new_tokens < 0:
        raise ValueError(f"max_new_tokens must be >= 0, got {max_new_tokens}")
    if not prompt_ids:
        raise ValueError("the prompt is empty: generation needs at least one token (e.g. BOS) to condition on")
    max_seq_len = model.args.max_seq_len
    device = next(model.parameters()).device
    generator = torch.Generator(device=device).manual_seed(seed)
    tokens = list(prompt_ids)
    was_training = model.training
    model.eval()
    try:
        with torch.inference_mode():
            for _ in range(max_new_tokens):
                window = torch.tensor([tokens[-max_seq_len:]], dtype=torch.long, device=device)
                logits, _ = model(window)
                next_id = int(sample_next(logits[0, -1], temperature=temperature, top_p=top_p, generator=generator))
                tokens.append(next_id)
                if next_id == eos_id:
                    break
    finally:
        model.train(was_training)
    return tokens


def _temperature(text: str) -> float:
    value = float(text)
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"temperature must be >= 0 (0 means greedy), got {text}")
    return value


def _top_p(text: str) -> float:
    value = float(text)
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"top-p must lie in (0, 1], got {text}")
    return value


def add_generate_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Adds the sampling options of `llamix generate` to `parser` (the caller adds where the checkpoint is)."""
    parser.add_argument("--prompt", required=True, help="text to continue; it is tokenized with BOS prepended")
    parser.add_argument("--max-new-tokens", type=int, default=64, help="tokens to generate at most (default 64)")
    parser.add_argument("--temperature", type=_temperature, default=0.0,
                        help="softmax temperature; 0 (the default) is greedy decoding, deterministic")
    parser.add_argument("--top-p", type=_top_p, default=1.0,
                        help="nucleus sampling: sample only from the most probable tokens whose probabilities add up "
                             "to this; the default 1.0 keeps every token (0.9 is a common choice). Ignored when "
                             "--temperature is 0")
    parser.add_argument("--seed", type=int, default=0, help="seed of the sampler (default 0)")
    parser.add_argument("--tokenizer", type=Path, default=None,
                        help="SentencePiece model to use instead of the one the checkpoint's lineage names")
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto",
                        help="where to run the model (default auto: cuda if available)")
    return parser
