"""Using a checkpoint: `llamix generate` and `llamix export-hf`.

Both load the model in one process from the DCP checkpoint, whatever number of ranks trained it
(trainer.checkpoint.load_model), and find the tokenizer the shards were cut with by walking the checkpoint's manifest
lineage (checkpoint -> shards -> tokenizer), unless `--tokenizer` names a SentencePiece model.
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path
from typing import Sequence

import torch

from manifests import lineage, storage

log = logging.getLogger(__name__)

TOKENIZER_FILE = "tokenizer.model"


def find_tokenizer(checkpoint: str | Path) -> Path:
    """The `tokenizer.model` beside the tokenizer manifest in the checkpoint's lineage."""
    for path, manifest in lineage(str(Path(checkpoint) / "manifest.json")):
        if manifest["kind"] == "tokenizer":
            model = Path(os.path.normpath(storage.dirname(path))) / TOKENIZER_FILE
            if model.is_file():
                return model
            raise FileNotFoundError(f"the checkpoint's tokenizer manifest {path} has no {TOKENIZER_FILE} beside it")
    raise FileNotFoundError(f"no tokenizer manifest in the lineage of {checkpoint} (its shards were not cut by "
                            f"`llamix shard --tokenizer`?); pass --tokenizer PATH/{TOKENIZER_FILE}")


def _checkpoint_arg(value: str) -> Path:
    """A checkpoint folder, or a training output_dir (then its newest complete checkpoint)."""
    from trainer.checkpoint import latest_checkpoint

    path = Path(value)
    if (path / "manifest.json").is_file():
        return path
    latest = latest_checkpoint(path) if path.is_dir() else None
    if latest is None:
        raise FileNotFoundError(f"{value} is neither a checkpoint folder nor an output_dir with a complete checkpoint")
    return latest


def generate_main(argv: Sequence[str] | None = None) -> int:
    """`llamix generate --checkpoint DIR --prompt TEXT [...]`: prints the prompt and its continuation."""
    import sentencepiece as spm

    from trainer.checkpoint import load_model
    from trainer.generate import add_generate_arguments, generate

    parser = argparse.ArgumentParser(prog="llamix generate", description="Continue a prompt with a trained checkpoint.")
    parser.add_argument("--checkpoint", required=True, help="output_dir/step-NNNNNN (or output_dir: the newest)")
    add_generate_arguments(parser)
    args = parser.parse_args(argv)
    checkpoint = _checkpoint_arg(args.checkpoint)
    device = torch.device(args.device if args.device != "auto" else ("cuda" if torch.cuda.is_available() else "cpu"))
    model, config = load_model(checkpoint, device)
    processor = spm.SentencePieceProcessor(model_file=str(args.tokenizer or find_tokenizer(checkpoint)))
    if processor.vocab_size() > config.vocab_size:
        raise ValueError(f"the tokenizer has {processor.vocab_size()} pieces but the model only {config.vocab_size}")
    prompt = [processor.bos_id(), *processor.encode(args.prompt)]
    tokens = generate(model, prompt, max_new_tokens=args.max_new_tokens, temperature=args.temperature,
                      top_p=args.top_p, eos_id=processor.eos_id(), seed=args.seed)
    print(continue_text(processor, args.prompt, prompt[1:], tokens[len(prompt):]))
    return 0


def continue_text(processor, prompt_text: str, prompt_ids: list[int], new_ids: list[int]) -> str:
    """The prompt as typed followed by the decoded continuation. Pieces decode with their word boundaries only in
    context (a lone "▁word" loses its space), so the prompt and continuation are decoded together and the prompt's
    own decoding is cut off the front."""
    new_ids = [t for t in new_ids if t != processor.eos_id()]
    whole, head = processor.decode([*prompt_ids, *new_ids]), processor.decode(prompt_ids)
    return prompt_text + (whole[len(head):] if whole.startswith(head) else processor.decode(new_ids))


def export_main(argv: Sequence[str] | None = None) -> int:
    """`llamix export-hf --checkpoint DIR --output DIR`: a folder `transformers` loads with LlamaForCausalLM and
    LlamaTokenizer (safetensors, config.json, tokenizer.model)."""
    from trainer.checkpoint import load_model
    from trainer.hf import write_hf_checkpoint

    parser = argparse.ArgumentParser(prog="llamix export-hf", description="Export a checkpoint in the Hugging Face "
                                     "Llama format.")
    parser.add_argument("--checkpoint", required=True, help="output_dir/step-NNNNNN (or output_dir: the newest)")
    parser.add_argument("--output", required=True, type=Path, help="folder to write (must not exist or be empty)")
    parser.add_argument("--tokenizer", type=Path, help=f"a SentencePiece {TOKENIZER_FILE} (default: the one in the "
                        "checkpoint's lineage)")
    parser.add_argument("--dtype", choices=("float32", "bfloat16", "float16"), default="float32",
                        help="dtype of the exported weights (training keeps fp32 master weights)")
    args = parser.parse_args(argv)
    if args.output.exists() and any(args.output.iterdir()):
        raise FileExistsError(f"{args.output} exists and is not empty")
    checkpoint = _checkpoint_arg(args.checkpoint)
    model, config = load_model(checkpoint, "cpu")
    tokenizer = args.tokenizer or find_tokenizer(checkpoint)
    write_hf_checkpoint(args.output, model.state_dict(), config.model_args(), tokenizer_model=tokenizer,
                        dtype=args.dtype)
    log.info("exported %s to %s (%s, tokenizer %s)", checkpoint, args.output, args.dtype, tokenizer)
    return 0


if __name__ == "__main__":
    sys.exit(generate_main())
