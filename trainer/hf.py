"""Export to the Hugging Face Llama format: a folder that `LlamaForCausalLM.from_pretrained` and `AutoTokenizer` load.

Our module names are Meta's (`trainer/model.py`), and so is our rotary convention: it rotates *interleaved* channel
pairs (0, 1), (2, 3), ... of each head. Hugging Face's Llama rotates with `rotate_half`, which pairs channel i with
channel i + head_dim/2. Rotary acts on q and k only, and q·k is a sum over channels, so reordering the output rows
of wq and wk (the same way for both) turns one convention into the other without changing any attention score: the
permutation that `convert_llama_weights_to_hf.py` in transformers applies to Meta's checkpoints.

The folder holds `config.json`, `generation_config.json`, the weights as safetensors (one `model.safetensors`, or
shards with a `model.safetensors.index.json` when they pass `max_shard_bytes`) and, given the SentencePiece model,
`tokenizer.model` with the tokenizer configs. It is written under a temporary name and renamed when complete, like
our checkpoints (trainer/checkpoint.py), so a reader never sees half an export.
"""
from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path
from typing import Mapping

import sentencepiece as spm
import torch
from safetensors.torch import save_file
from torch import Tensor

from trainer.checkpoint import publish_folder
from trainer.model import ModelArgs, ffn_hidden_dim

log = logging.getLogger(__name__)

DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}
# The eos id of Meta's LLaMA-1 tokenizer (unk 0, bos 1, eos 2; tokenizer/train.py LLAMA_TRAINER_SPEC).
EOS_ID = 2
# transformers' own default for `save_pretrained(max_shard_size=...)`.
MAX_SHARD_BYTES = 5 * 1000**3

# Our key -> Hugging Face's, per layer and for the rest; wq and wk are also permuted (module docstring).
_LAYER_KEYS = {
    "attention.wq.weight": "self_attn.q_proj.weight",
    "attention.wk.weight": "self_attn.k_proj.weight",
    "attention.wv.weight": "self_attn.v_proj.weight",
    "attention.wo.weight": "self_attn.o_proj.weight",
    "feed_forward.w1.weight": "mlp.gate_proj.weight",
    "feed_forward.w2.weight": "mlp.down_proj.weight",
    "feed_forward.w3.weight": "mlp.up_proj.weight",
    "attention_norm.weight": "input_layernorm.weight",
    "ffn_norm.weight": "post_attention_layernorm.weight",
}
_MODEL_KEYS = {
    "tok_embeddings.weight": "model.embed_tokens.weight",
    "norm.weight": "model.norm.weight",
    "output.weight": "lm_head.weight",
}
_ROTATED = ("attention.wq.weight", "attention.wk.weight")


def key_map(args: ModelArgs) -> dict[str, str]:
    """Every key of our `Transformer.state_dict()` -> its name in `LlamaForCausalLM.state_dict()`."""
    keys = dict(_MODEL_KEYS)
    for layer in range(args.n_layers):
        for ours, theirs in _LAYER_KEYS.items():
            keys[f"layers.{layer}.{ours}"] = f"model.layers.{layer}.{theirs}"
    return keys


def interleaved_to_half(weight: Tensor, n_heads: int) -> Tensor:
    """Reorders the rows of wq or wk, head by head, from interleaved pairs to rotate_half's halves: row 2i goes to i
    and row 2i+1 to i + head_dim/2."""
    out_features, in_features = weight.shape
    half = out_features // n_heads // 2
    return weight.reshape(n_heads, half, 2, in_features).transpose(1, 2).reshape(out_features, in_features)


def half_to_interleaved(weight: Tensor, n_heads: int) -> Tensor:
    """The inverse of `interleaved_to_half`."""
    out_features, in_features = weight.shape
    half = out_features // n_heads // 2
    return weight.reshape(n_heads, 2, half, in_features).transpose(1, 2).reshape(out_features, in_features)


def _check_keys(state: Mapping[str, Tensor], expected: set[str], what: str) -> None:
    missing, unexpected = expected - set(state), set(state) - expected
    if missing or unexpected:
        raise KeyError(f"{what} state dict does not match the model args: missing {sorted(missing)[:5]} "
                       f"({len(missing)} in all), unexpected {sorted(unexpected)[:5]} ({len(unexpected)} in all)")


def to_hf_state_dict(state: Mapping[str, Tensor], args: ModelArgs) -> dict[str, Tensor]:
    """Our `Transformer.state_dict()` renamed (and wq/wk permuted) for `LlamaForCausalLM`. Tensors are not copied
    except the permuted ones."""
    keys = key_map(args)
    _check_keys(state, set(keys), "llamix")
    return {keys[name]: interleaved_to_half(tensor, args.n_heads) if name.endswith(_ROTATED) else tensor
            for name, tensor in state.items()}


def from_hf_state_dict(state: Mapping[str, Tensor], args: ModelArgs) -> dict[str, Tensor]:
    """A `LlamaForCausalLM.state_dict()` (as written by `to_hf_state_dict`) back to our names and rotary layout."""
    ours_of = {theirs: ours for ours, theirs in key_map(args).items()}
    # transformers may list the rotary inverse frequencies among the buffers; they are not weights.
    state = {name: tensor for name, tensor in state.items() if not name.endswith("rotary_emb.inv_freq")}
    _check_keys(state, set(ours_of), "Hugging Face")
    return {ours_of[name]: half_to_interleaved(tensor, args.n_heads) if ours_of[name].endswith(_ROTATED) else tensor
            for name, tensor in state.items()}


def hf_config(args: ModelArgs, dtype: str = "float32") -> dict:
    """config.json of a `LlamaForCausalLM` that computes what `Transformer(args)` computes.

    The rotary base and the dtype are written under both spellings: transformers 4.x reads `rope_theta` and
    `torch_dtype`, 5.x reads `rope_parameters` and `dtype` (and converts the old ones).
    """
    if dtype not in DTYPES:
        raise ValueError(f"dtype={dtype!r}, expected one of {sorted(DTYPES)}")
    return {
        "architectures": ["LlamaForCausalLM"],
        "model_type": "llama",
        "hidden_size": args.dim,
        "intermediate_size": ffn_hidden_dim(args.dim, args.multiple_of),
        "num_hidden_layers": args.n_layers,
        "num_attention_heads": args.n_heads,
        "num_key_value_heads": args.n_heads,  # LLaMA-1 has no grouped-query attention
        "head_dim": args.dim // args.n_heads,
        "hidden_act": "silu",
        "rms_norm_eps": args.norm_eps,
        "rope_theta": args.rope_theta,
        "rope_parameters": {"rope_type": "default", "rope_theta": args.rope_theta},
        "max_position_embeddings": args.max_seq_len,
        "vocab_size": args.vocab_size,
        "bos_token_id": args.bos_id,
        "eos_token_id": EOS_ID,
        "pad_token_id": None,
        "tie_word_embeddings": False,
        "attention_bias": False,
        "attention_dropout": 0.0,
        "mlp_bias": False,
        "initializer_range": 0.02,
        "use_cache": True,
        "torch_dtype": dtype,
        "dtype": dtype,
    }


def generation_config(args: ModelArgs) -> dict:
    return {"bos_token_id": args.bos_id, "eos_token_id": EOS_ID}


def tokenizer_configs(sp: spm.SentencePieceProcessor, max_seq_len: int) -> tuple[dict, dict]:
    """tokenizer_config.json and special_tokens_map.json for our `tokenizer.model`: encode prepends BOS and appends
    nothing, as the trainer's shards do (`legacy=False` is transformers' corrected handling of text after a special
    token; plain text encodes the same either way).

    One known difference remains, and it is transformers', not ours: for text that *starts* with whitespace,
    SentencePiece's dummy prefix adds one more "▁" while transformers' Metaspace pre-tokenizer does not, so the first
    ids differ (Meta's own tokenizer.model behaves the same way under transformers)."""
    special = {"unk_token": sp.id_to_piece(sp.unk_id()), "bos_token": sp.id_to_piece(sp.bos_id()),
               "eos_token": sp.id_to_piece(sp.eos_id())}
    config = {
        "tokenizer_class": "LlamaTokenizer",
        **special,
        "pad_token": None,
        "add_bos_token": True,
        "add_eos_token": False,
        "legacy": False,
        "add_prefix_space": True,
        "clean_up_tokenization_spaces": False,
        "model_max_length": max_seq_len,
    }
    return config, special


def shard_names(state: Mapping[str, Tensor], max_shard_bytes: int) -> dict[str, str]:
    """Each tensor's file, in state order: shards fill up to `max_shard_bytes`; a tensor bigger than that gets one
    to itself. One shard is called `model.safetensors`, several `model-0000i-of-0000n.safetensors`."""
    shards: list[list[str]] = [[]]
    size = 0
    for name, tensor in state.items():
        nbytes = tensor.numel() * tensor.element_size()
        if shards[-1] and size + nbytes > max_shard_bytes:
            shards.append([])
            size = 0
        shards[-1].append(name)
        size += nbytes
    if len(shards) == 1:
        return {name: "model.safetensors" for name in shards[0]}
    return {name: f"model-{i + 1:05d}-of-{len(shards):05d}.safetensors"
            for i, names in enumerate(shards) for name in names}


def _write_json(path: Path, value: dict) -> None:
    path.write_text(json.dumps(value, indent=2) + "\n")


def write_hf_checkpoint(
    output_dir: str | Path,
    state: Mapping[str, Tensor],
    args: ModelArgs,
    *,
    tokenizer_model: Path | None = None,
    dtype: str = "float32",
    max_shard_bytes: int = MAX_SHARD_BYTES,
) -> Path:
    """Writes our `Transformer.state_dict()` as a Hugging Face Llama folder at `output_dir`; returns it.

    `dtype` is what the weights are stored in ("float32", "bfloat16" or "float16"). With `tokenizer_model` (our
    SentencePiece `tokenizer.model`) the folder also loads with `AutoTokenizer.from_pretrained`.
    """
    final = Path(output_dir)
    config = hf_config(args, dtype)
    sp = None
    if tokenizer_model is not None:
        sp = spm.SentencePieceProcessor(model_file=str(tokenizer_model))
        if sp.get_piece_size() > args.vocab_size:
            raise ValueError(f"{tokenizer_model} has {sp.get_piece_size()} pieces, more than the model's "
                             f"vocab_size={args.vocab_size}: its ids would fall outside the embedding table")
        if (sp.bos_id(), sp.eos_id()) != (config["bos_token_id"], config["eos_token_id"]):
            raise ValueError(f"{tokenizer_model} has bos/eos ids {sp.bos_id()}/{sp.eos_id()}, expected "
                             f"{config['bos_token_id']}/{config['eos_token_id']} (the LLaMA tokenizer's)")

    hf_state = {name: tensor.detach().to(device="cpu", dtype=DTYPES[dtype]).contiguous()
                for name, tensor in to_hf_state_dict(state, args).items()}
    files = shard_names(hf_state, max_shard_bytes)

    tmp = final.with_name(f".{final.name}.tmp")
    if tmp.exists():
        shutil.rmtree(tmp)  # left over from an export that died half way
    tmp.mkdir(parents=True)
    for file in dict.fromkeys(files.values()):
        save_file({name: tensor for name, tensor in hf_state.items() if files[name] == file}, tmp / file,
                  metadata={"format": "pt"})
    if len(set(files.values())) > 1:
        total = sum(tensor.numel() * tensor.element_size() for tensor in hf_state.values())
        _write_json(tmp / "model.safetensors.index.json", {"metadata": {"total_size": total}, "weight_map": files})
    _write_json(tmp / "config.json", config)
    _write_json(tmp / "generation_config.json", generation_config(args))
    if sp is not None:
        shutil.copyfile(tokenizer_model, tmp / "tokenizer.model")
        tokenizer_config, special_tokens = tokenizer_configs(sp, args.max_seq_len)
        _write_json(tmp / "tokenizer_config.json", tokenizer_config)
        _write_json(tmp / "special_tokens_map.json", special_tokens)

    publish_folder(tmp, final)
    log.info("wrote Hugging Face Llama checkpoint %s (%d weight files, %s)", final, len(set(files.values())), dtype)
    return final
