import sentencepiece as spm
from sentencepiece import sentencepiece_model_pb2 as model_pb2

from manifests import read_manifest
from tokenizer.train import LLAMA_TRAINER_SPEC, MODEL_NAME, DocumentSampler, document_files, split_long_line

# Fields that depend on the corpus size or the machine, not on the recipe.
SIZE_FIELDS = {"vocab_size", "input_sentence_size", "num_threads"}


def load(tokenizer_dir):
    return spm.SentencePieceProcessor(model_file=str(tokenizer_dir / MODEL_NAME))


def test_trainer_spec_matches_llama1_settings(tokenizer_dir):
    proto = model_pb2.ModelProto()
    proto.ParseFromString((tokenizer_dir / MODEL_NAME).read_bytes())
    trainer, normalizer = proto.trainer_spec, proto.normalizer_spec
    assert trainer.model_type == model_pb2.TrainerSpec.BPE
    assert trainer.vocab_size == 400
    assert normalizer.name == "identity"
    assert normalizer.add_dummy_prefix is True
    assert normalizer.remove_extra_whitespaces is False
    checked = 0
    for key, expected in LLAMA_TRAINER_SPEC.items():
        if key in SIZE_FIELDS or key in ("model_type", "normalization_rule_name", "add_dummy_prefix",
                                         "remove_extra_whitespaces"):
            continue
        actual = getattr(trainer, key)
        if isinstance(expected, float):
            assert abs(actual - expected) < 1e-6, key
        else:
            assert actual == expected, key
        checked += 1
    assert checked >= 20
    # Meta's released LLaMA-1 tokenizer.model has exactly these values.
    assert (trainer.unk_id, trainer.bos_id, trainer.eos_id, trainer.pad_id) == (0, 1, 2, -1)
    assert trainer.max_sentencepiece_length == 16 and trainer.max_sentence_length == 4192
    assert abs(trainer.character_coverage - 0.99995) < 1e-6  # stored as float32


def test_digits_are_single_pieces(tokenizer_dir):
    sp = load(tokenizer_dir)
    pieces = sp.encode("founded in 1742 and 2026", out_type=str)
    digit_pieces = [p.lstrip("\u2581") for p in pieces if any(c.isdigit() for c in p)]
    assert digit_pieces == list("1742") + list("2026")


def test_unseen_characters_round_trip_through_byte_fallback(tokenizer_dir):
    sp = load(tokenizer_dir)
    text = "Der Fluss 🌊 fließt — 川の流れ 汉字 and ∮ é\ttabs\n  two spaces"
    ids = sp.encode(text)
    assert sp.unk_id() not in ids
    assert any(sp.id_to_piece(i).startswith("<0x") for i in ids)  # emoji/CJK went through bytes
    assert sp.decode(ids) == text


def test_tokenizer_manifest_names_parent_and_model_hash(tokenizer_dir, docs_dir):
    manifest = read_manifest(str(tokenizer_dir))
    assert manifest["kind"] == "tokenizer"
    assert manifest["outputs"][0]["path"] == MODEL_NAME
    assert manifest["config"]["trainer_spec"]["split_digits"] is True
    assert manifest["stats"]["docs_sampled"] == len(docs_dir[1])


def test_sampler_is_seeded_and_samples_without_replacement(docs_dir):
    files = document_files([str(docs_dir[0])])
    first = list(DocumentSampler(files, sample_docs=25, seed=7, max_sentence_bytes=4192))
    again = list(DocumentSampler(files, sample_docs=25, seed=7, max_sentence_bytes=4192))
    other = DocumentSampler(files, sample_docs=25, seed=8, max_sentence_bytes=4192)
    assert first == again
    assert list(other) != first
    assert sum(other.docs_by_source_lang.values()) == 25
    assert len(set(other.chosen.tolist())) == 25


def test_long_lines_are_cut_at_spaces_below_the_sentence_limit():
    line = " ".join(["wörd"] * 3000)
    pieces = list(split_long_line(line, 4192))
    assert all(len(p.encode()) <= 4192 for p in pieces)
    assert " ".join(pieces) == line
    assert list(split_long_line("short line", 4192)) == ["short line"]
    # a single token longer than the limit cannot be kept whole: it is left out, the rest survives
    assert list(split_long_line("a " + "x" * 5000 + " b", 100)) == ["a", "b"]
