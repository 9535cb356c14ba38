"""Export to the Hugging Face Llama format: transformers loads the folder and computes our logits; our tokenizer loads
as LlamaTokenizer and encodes to SentencePiece's ids."""
from __future__ import annotations

import json

import pytest
import sentencepiece as spm
import torch
from transformers import AutoTokenizer, LlamaForCausalLM, LlamaTokenizer

from tokenizer.train import MODEL_NAME
from trainer.hf import (
    from_hf_state_dict,
    half_to_interleaved,
    hf_config,
    interleaved_to_half,
    to_hf_state_dict,
    write_hf_checkpoint,
)
from trainer.model import ModelArgs, Transformer, ffn_hidden_dim

ARGS = ModelArgs(dim=64, n_layers=2, n_heads=4, vocab_size=400, multiple_of=16, max_seq_len=64)


@pytest.fixture(scope="module")
def model() -> Transformer:
    """Random weights everywhere, norm gains included, large enough that a wrong permutation or a swapped w1/w3
    changes the logits by far more than the tolerance."""
    torch.manual_seed(0)
    model = Transformer(ARGS).eval()
    with torch.no_grad():
        for param in model.parameters():
            if param.dim() == 2:
                param.normal_(0.0, 0.1)
            else:
                param.uniform_(0.5, 1.5)
    return model


def hf_logits(path, tokens: torch.Tensor) -> torch.Tensor:
    hf = LlamaForCausalLM.from_pretrained(path, dtype=torch.float32).eval()
    with torch.no_grad():
        return hf(tokens).logits


def test_llama_for_causal_lm_logits_equal_ours_within_1e4(model, tmp_path):
    write_hf_checkpoint(tmp_path / "hf", model.state_dict(), ARGS)
    tokens = torch.randint(0, ARGS.vocab_size, (2, ARGS.max_seq_len), generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        ours, _ = model(tokens)
    theirs = hf_logits(tmp_path / "hf", tokens)
    assert ours.abs().max() > 1.0  # the comparison is not between two near-zero tensors
    assert (ours - theirs).abs().max().item() <= 1e-4


def test_export_without_permuting_wq_wk_would_not_match(model, tmp_path):
    # Guards the test above: interleaved rotary read as rotate_half gives other logits.
    state = to_hf_state_dict(model.state_dict(), ARGS)
    for name in list(state):
        if name.endswith(("q_proj.weight", "k_proj.weight")):
            state[name] = half_to_interleaved(state[name], ARGS.n_heads)
    hf = LlamaForCausalLM.from_pretrained(write_hf_checkpoint(tmp_path / "hf", model.state_dict(), ARGS))
    hf.load_state_dict(state)
    tokens = torch.arange(ARGS.max_seq_len)[None]
    with torch.no_grad():
        assert (model(tokens)[0] - hf(tokens).logits).abs().max() > 1e-2


def test_state_dict_round_trips_exactly_through_hf_names(model):
    state = model.state_dict()
    hf_state = to_hf_state_dict(state, ARGS)
    assert "model.layers.1.self_attn.q_proj.weight" in hf_state and "lm_head.weight" in hf_state
    back = from_hf_state_dict(hf_state, ARGS)
    assert back.keys() == state.keys()
    assert all(torch.equal(back[name], state[name]) for name in state)


def test_permutation_sends_pair_i_to_channels_i_and_i_plus_half():
    head_dim, n_heads = 8, 2
    rows = torch.arange(n_heads * head_dim, dtype=torch.float32)[:, None]
    permuted = interleaved_to_half(rows, n_heads).flatten().tolist()
    # Head 0 interleaved: (0, 1), (2, 3), (4, 5), (6, 7) -> evens first, then odds; head 1 the same, offset by 8.
    assert permuted == [0, 2, 4, 6, 1, 3, 5, 7, 8, 10, 12, 14, 9, 11, 13, 15]
    assert torch.equal(half_to_interleaved(interleaved_to_half(rows, n_heads), n_heads), rows)


def test_state_dict_with_missing_layer_is_refused(model):
    state = {name: t for name, t in model.state_dict().items() if not name.startswith("layers.1.")}
    with pytest.raises(KeyError, match="missing"):
        to_hf_state_dict(state, ARGS)


def test_config_describes_llama_for_causal_lm():
    config = hf_config(ARGS, dtype="bfloat16")
    assert config["architectures"] == ["LlamaForCausalLM"] and config["model_type"] == "llama"
    assert config["intermediate_size"] == ffn_hidden_dim(ARGS.dim, ARGS.multiple_of)
    assert config["num_key_value_heads"] == config["num_attention_heads"] == ARGS.n_heads
    assert config["tie_word_embeddings"] is False and config["attention_bias"] is False
    assert (config["bos_token_id"], config["eos_token_id"]) == (1, 2)
    assert config["dtype"] == config["torch_dtype"] == "bfloat16"
    with pytest.raises(ValueError, match="dtype"):
        hf_config(ARGS, dtype="float64")


def test_sharded_export_writes_an_index_and_loads(model, tmp_path):
    path = write_hf_checkpoint(tmp_path / "hf", model.state_dict(), ARGS, max_shard_bytes=100_000)
    index = json.loads((path / "model.safetensors.index.json").read_text())
    shards = sorted(p.name for p in path.glob("model-*.safetensors"))
    assert len(shards) > 2 and set(index["weight_map"].values()) == set(shards)
    assert shards[0] == f"model-00001-of-{len(shards):05d}.safetensors"
    assert not (path / "model.safetensors").exists()
    tokens = torch.randint(0, ARGS.vocab_size, (1, 32), generator=torch.Generator().manual_seed(2))
    with torch.no_grad():
        assert (model(tokens)[0] - hf_logits(path, tokens)).abs().max().item() <= 1e-4


def test_bfloat16_export_stores_bfloat16_weights(model, tmp_path):
    path = write_hf_checkpoint(tmp_path / "hf", model.state_dict(), ARGS, dtype="bfloat16")
    hf = LlamaForCausalLM.from_pretrained(path)
    assert hf.dtype == torch.bfloat16
    assert torch.equal(hf.lm_head.weight, model.output.weight.to(torch.bfloat16))


def test_export_replaces_an_earlier_one_and_leaves_no_temporary_folder(model, tmp_path):
    write_hf_checkpoint(tmp_path / "hf", model.state_dict(), ARGS, max_shard_bytes=100_000)
    write_hf_checkpoint(tmp_path / "hf", model.state_dict(), ARGS)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hf"]
    assert sorted(p.name for p in (tmp_path / "hf").iterdir()) == [
        "config.json", "generation_config.json", "model.safetensors"]


# Text as our documents hold it. Not text that *starts* with whitespace: SentencePiece's dummy prefix adds one more
# "▁" there, transformers' Metaspace pre-tokenizer does not (true of Meta's own tokenizer under transformers too).
TEXTS = [
    "the river flows past old mills and the town of Brookfield",
    "founded in 1742 by farmers, 2026 and 0.5",
    "der Fluss fließt an alten Mühlen vorbei",
    "река течёт мимо старых мельниц",
    "two  spaces, a\ttab and\na newline\n\nand a paragraph",
    "unseen characters: 🌊 川の流れ ∮",
]


@pytest.mark.parametrize("loader", [AutoTokenizer, LlamaTokenizer])
def test_exported_tokenizer_encodes_to_sentencepiece_ids_with_bos(loader, tokenizer_dir, tmp_path):
    args = ModelArgs(dim=32, n_layers=1, n_heads=4, vocab_size=400, multiple_of=16, max_seq_len=64)
    path = write_hf_checkpoint(tmp_path / "hf", Transformer(args).state_dict(), args,
                               tokenizer_model=tokenizer_dir / MODEL_NAME)
    sp = spm.SentencePieceProcessor(model_file=str(tokenizer_dir / MODEL_NAME))
    tokenizer = loader.from_pretrained(path)
    for text in TEXTS:
        ids = tokenizer(text)["input_ids"]
        assert ids == [sp.bos_id()] + sp.encode(text), text
        assert tokenizer.decode(ids, skip_special_tokens=True) == text
    assert tokenizer.bos_token_id == 1 and tokenizer.eos_token_id == 2


def test_tokenizer_larger_than_the_embedding_table_is_refused(tokenizer_dir, tmp_path):
    args = ModelArgs(dim=32, n_layers=1, n_heads=4, vocab_size=300, multiple_of=16, max_seq_len=64)
    with pytest.raises(ValueError, match="400 pieces"):
        write_hf_checkpoint(tmp_path / "hf", Transformer(args).state_dict(), args,
                            tokenizer_model=tokenizer_dir / MODEL_NAME)
    assert not (tmp_path / "hf").exists()
