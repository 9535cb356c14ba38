"""Sampling from a model: greedy decoding, nucleus filtering, seeds, EOS, context cropping and argument checks."""
from __future__ import annotations

import argparse

import pytest
import torch

from trainer.generate import add_generate_arguments, generate, sample_next, top_p_filter
from trainer.model import ModelArgs, Transformer

VOCAB = 50
MAX_SEQ_LEN = 16


@pytest.fixture(scope="module")
def model() -> Transformer:
    torch.manual_seed(0)
    return Transformer(ModelArgs(dim=32, n_layers=2, n_heads=4, vocab_size=VOCAB, multiple_of=16,
                                 max_seq_len=MAX_SEQ_LEN))


def reference_greedy(model: Transformer, prompt: list[int], n: int) -> list[int]:
    """Argmax of the last position's logits, recomputed over the whole sequence for every new token."""
    tokens = list(prompt)
    with torch.no_grad():
        for _ in range(n):
            logits, _ = model(torch.tensor([tokens]))
            tokens.append(int(logits[0, -1].argmax()))
    return tokens[len(prompt):]


def continuation(model, prompt: list[int], **kwargs) -> list[int]:
    tokens = generate(model, prompt, **kwargs)
    assert tokens[: len(prompt)] == prompt, "generate returns the prompt, then the new tokens"
    return tokens[len(prompt):]


def test_greedy_matches_reference_argmax_loop(model):
    model.train()
    prompt = [1, 7, 3, 22]
    out = continuation(model, prompt, max_new_tokens=MAX_SEQ_LEN - len(prompt))
    assert out == reference_greedy(model.eval(), prompt, MAX_SEQ_LEN - len(prompt))
    assert len(out) == MAX_SEQ_LEN - len(prompt)


def test_generate_restores_training_mode(model):
    model.train()
    generate(model, [1, 2], max_new_tokens=2)
    assert model.training
    model.eval()
    generate(model, [1, 2], max_new_tokens=2)
    assert not model.training


def test_top_p_keeps_smallest_set_reaching_top_p():
    probs = torch.tensor([0.05, 0.5, 0.15, 0.3], dtype=torch.float64)  # out of order on purpose
    kept = top_p_filter(probs, 0.8)
    assert (kept > 0).tolist() == [False, True, False, True]  # .5 + .3 reaches .8
    torch.testing.assert_close(kept, torch.tensor([0.0, 0.625, 0.0, 0.375], dtype=torch.float64))
    assert (top_p_filter(probs, 0.81) > 0).tolist() == [False, True, True, True]
    assert (top_p_filter(probs, 1.0) > 0).all()
    assert (top_p_filter(probs, 1e-9) > 0).tolist() == [False, True, False, False]  # the top token always stays


def test_top_p_filters_each_row_of_a_batch_separately():
    probs = torch.tensor([[0.5, 0.3, 0.15, 0.05], [0.05, 0.15, 0.3, 0.5]], dtype=torch.float64)
    assert (top_p_filter(probs, 0.8) > 0).tolist() == [[True, True, False, False], [False, False, True, True]]


def test_sample_next_draws_only_from_the_nucleus():
    logits = torch.tensor([0.5, 0.3, 0.15, 0.05]).log()
    generator = torch.Generator().manual_seed(0)
    draws = {int(sample_next(logits, temperature=1.0, top_p=0.7, generator=generator)) for _ in range(200)}
    assert draws == {0, 1}
    draws = {int(sample_next(logits, temperature=1.0, top_p=0.9, generator=generator)) for _ in range(400)}
    assert draws == {0, 1, 2}


def test_sample_next_temperature_zero_is_argmax_for_a_batch():
    logits = torch.tensor([[0.1, 2.0, -1.0], [3.0, 0.0, 2.9]])
    assert sample_next(logits, temperature=0.0, top_p=1.0, generator=None).tolist() == [1, 0]
    sampled = sample_next(logits, temperature=1.0, top_p=1.0, generator=torch.Generator().manual_seed(0))
    assert sampled.shape == (2,)


def test_tiny_top_p_is_greedy(model):
    prompt = [1, 9, 4]
    greedy = continuation(model, prompt, max_new_tokens=10)
    assert continuation(model, prompt, max_new_tokens=10, temperature=1.0, top_p=1e-6, seed=3) == greedy


def test_same_seed_same_tokens_and_different_seeds_differ(model):
    prompt = [1, 5]
    first = continuation(model, prompt, max_new_tokens=12, temperature=1.0, seed=7)
    assert continuation(model, prompt, max_new_tokens=12, temperature=1.0, seed=7) == first
    # A freshly initialized model is nearly uniform over 50 tokens: two seeds agree on 12 draws with p ~ 50^-12.
    assert continuation(model, prompt, max_new_tokens=12, temperature=1.0, seed=8) != first


def test_generation_stops_after_eos(model):
    prompt = [1, 11, 12]
    free = continuation(model, prompt, max_new_tokens=10)
    eos = free[3]
    stopped = continuation(model, prompt, max_new_tokens=10, eos_id=eos)
    assert stopped == free[: free.index(eos) + 1]
    assert stopped[-1] == eos


def test_prompt_longer_than_max_seq_len_is_cropped_to_the_last_window(model):
    prompt = [int(t) for t in torch.randint(2, VOCAB, (3 * MAX_SEQ_LEN,), generator=torch.Generator().manual_seed(1))]
    out = continuation(model, prompt, max_new_tokens=5)
    assert len(out) == 5
    assert out == continuation(model, prompt[-MAX_SEQ_LEN:], max_new_tokens=5)


def test_zero_new_tokens_returns_the_prompt(model):
    assert generate(model, [1, 2, 3], max_new_tokens=0) == [1, 2, 3]


@pytest.mark.parametrize("kwargs, message", [
    ({"temperature": -0.5}, "temperature must be >= 0"),
    ({"temperature": float("nan")}, "temperature must be >= 0"),
    ({"temperature": 1.0, "top_p": 0.0}, r"top_p must lie in \(0, 1\]"),
    ({"temperature": 1.0, "top_p": 1.5}, r"top_p must lie in \(0, 1\]"),
    ({"temperature": 1.0, "top_p": -0.1}, r"top_p must lie in \(0, 1\]"),
])
def test_bad_sampling_arguments_raise_value_error(model, kwargs, message):
    with pytest.raises(ValueError, match=message):
        generate(model, [1, 2], max_new_tokens=3, **kwargs)
    with pytest.raises(ValueError, match=message):
        sample_next(torch.zeros(VOCAB), generator=None, **{"temperature": 0.0, "top_p": 1.0, **kwargs})


def test_bad_generation_lengths_raise_value_error(model):
    with pytest.raises(ValueError, match="max_new_tokens must be >= 0"):
        generate(model, [1], max_new_tokens=-1)
    with pytest.raises(ValueError, match="prompt is empty"):
        generate(model, [], max_new_tokens=3)


def test_generate_arguments_defaults_and_validation(capsys):
    parser = add_generate_arguments(argparse.ArgumentParser(prog="llamix generate"))
    args = parser.parse_args(["--prompt", "Once upon a time"])
    assert (args.prompt, args.max_new_tokens, args.temperature, args.top_p, args.seed, args.tokenizer, args.device) == (
        "Once upon a time", 64, 0.0, 1.0, 0, None, "auto")
    for bad in (["--top-p", "0"], ["--top-p", "1.2"], ["--temperature", "-1"]):
        with pytest.raises(SystemExit):
            parser.parse_args(["--prompt", "x", *bad])
    assert "top-p must lie in (0, 1]" in capsys.readouterr().err


def test_continuation_keeps_the_space_between_prompt_and_new_words(tokenizer_dir):
    import sentencepiece as spm

    from trainer.inference import continue_text

    sp = spm.SentencePieceProcessor(model_file=str(tokenizer_dir / "tokenizer.model"))
    prompt, new = sp.encode("The river"), sp.encode("runs to the sea")
    # Decoded alone the continuation loses its leading space ("runs to the sea"); in context it keeps it.
    assert continue_text(sp, "The river", prompt, [*new, sp.eos_id()]) == "The river runs to the sea"
    assert continue_text(sp, "The river", prompt, []) == "The river"
