import random
import shutil

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipelines.documents import DOC_SCHEMA, make_document
from pipelines.lm import find_kenlm_tool, train_language_model
from pipelines.transforms.perplexity import (
    PERCENTILE_HEAD,
    PERCENTILE_MIDDLE,
    LanguageModel,
    available_languages,
    cutoffs_from_percentiles,
    model_paths,
    parse_cutoffs,
    percentiles_of,
    perplexity,
    perplexity_bucket,
    read_cutoffs,
    write_cutoffs,
)
from pipelines.transforms.text_normalizer import normalize

# A small grammar of plain English sentences: every sentence it makes is fluent, and there are 8**4 of them.
SUBJECTS = ["the farmer", "my sister", "a young teacher", "the old miller", "our neighbour", "the baker",
            "a tired doctor", "the little boy"]
VERBS = ["walks to", "drives to", "looks at", "talks about", "writes about", "returns from", "waits near", "paints"]
PLACES = ["the market", "the river", "the small church", "a quiet village", "the train station", "the green hills",
          "the harbour", "the library"]
TIMES = ["in the morning", "every Sunday", "after lunch", "before the storm", "during the winter", "at night",
         "with a friend", "in 1998"]


def fluent_sentence(rng: random.Random) -> str:
    return f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(PLACES)} {rng.choice(TIMES)}.".capitalize()


def fluent_document(rng: random.Random) -> str:
    return "\n".join(" ".join(fluent_sentence(rng) for _ in range(rng.randint(1, 3))) for _ in range(rng.randint(2, 4)))


def shuffled_document(rng: random.Random) -> str:
    words = fluent_document(rng).split()
    rng.shuffle(words)
    return " ".join(words)


def random_characters_document(rng: random.Random) -> str:
    return " ".join("".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(2, 9)))
                    for _ in range(30))


@pytest.fixture(scope="module")
def lm_dir(tmp_path_factory):
    find_kenlm_tool("lmplz")  # no skipping: without KenLM's tools this fails and says how to build them
    root = tmp_path_factory.mktemp("perplexity")
    rng = random.Random(0)
    docs = [make_document("wikipedia", f"en/{i}", fluent_document(rng), "en", {}) for i in range(150)]
    (root / "docs").mkdir()
    pq.write_table(pa.Table.from_pylist(docs, schema=DOC_SCHEMA), root / "docs" / "part-00000-of-00001.parquet")
    train_language_model([str(root / "docs")], "en", str(root / "lm"), vocab_size=300, memory="100M", num_threads=2)
    return root / "lm"


@pytest.fixture(scope="module")
def model(lm_dir):
    return LanguageModel.load(str(lm_dir), "en")


# --- the arithmetic ---

def test_perplexity_is_ten_to_the_minus_mean_log10_probability():
    assert perplexity(-2.0, 1) == pytest.approx(100.0)
    assert perplexity(-6.0, 3) == pytest.approx(100.0)
    assert perplexity(0.0, 5) == 1.0


def test_perplexity_of_no_tokens_is_an_error():
    with pytest.raises(ValueError, match="at least one token"):
        perplexity(0.0, 0)


def test_bucket_percentiles_are_ccnets():
    assert (PERCENTILE_HEAD, PERCENTILE_MIDDLE) == (30, 60)


def test_bucket_boundaries_head_below_p30_middle_below_p60_tail_from_p60():
    cutoffs = (100.0, 200.0)
    assert perplexity_bucket(99.9, cutoffs) == "head"
    assert perplexity_bucket(100.0, cutoffs) == "middle"
    assert perplexity_bucket(199.9, cutoffs) == "middle"
    assert perplexity_bucket(200.0, cutoffs) == "tail"
    assert perplexity_bucket(1e9, cutoffs) == "tail"


def test_bucket_rejects_cutoffs_out_of_order():
    with pytest.raises(ValueError, match="increasing order"):
        perplexity_bucket(1.0, (200.0, 100.0))


# --- cutoffs files ---

def test_cutoffs_file_round_trip(tmp_path):
    en = [float(p * 10) for p in range(101)]
    de = [100.0 + p * 2.25 for p in range(101)]
    path = tmp_path / "cutoffs.csv"
    write_cutoffs(str(path), {"en": en, "de": de})
    lines = path.read_text().splitlines()
    assert lines[0] == ",de,en" and len(lines) == 102
    assert lines[31] == "30,167.5,300.0"
    assert read_cutoffs(str(path)) == {"de": (167.5, 235.0), "en": (300.0, 600.0)}


def test_cutoffs_read_ccnet_layout_with_integer_cells(tmp_path):
    rows = [",de,it"] + [f"{p},{p * 10},{p * 7}" for p in range(101)]
    path = tmp_path / "cutoff.csv"
    path.write_text("\n".join(rows) + "\n")
    assert read_cutoffs(str(path)) == {"de": (300.0, 600.0), "it": (210.0, 420.0)}


def test_cutoffs_skip_a_language_with_empty_cells():
    text = ",de,xx\n30,300,\n60,600,\n"
    assert parse_cutoffs(text) == {"de": (300.0, 600.0)}


def test_cutoffs_without_row_60_are_an_error():
    with pytest.raises(ValueError, match="no row for percentile 60"):
        parse_cutoffs(",de\n30,300\n", where="cut.csv")


def test_cutoffs_with_text_in_a_value_cell_name_the_column():
    with pytest.raises(ValueError, match="column 'de'"):
        parse_cutoffs(",de\n30,abc\n60,600\n")


def test_write_cutoffs_needs_all_101_percentiles(tmp_path):
    with pytest.raises(ValueError, match="101 percentiles"):
        write_cutoffs(str(tmp_path / "c.csv"), {"en": [1.0, 2.0]})


def test_percentiles_of_a_sample_match_numpy():
    sample = [5.0, 1.0, 3.0, 2.0, 4.0]
    assert percentiles_of(sample) == pytest.approx(np.percentile(sample, range(101)).tolist())
    assert cutoffs_from_percentiles(percentiles_of(sample)) == pytest.approx((2.2, 3.4))


# --- model files ---

def test_available_languages_need_both_files(tmp_path):
    for name in ("en.sp.model", "en.arpa.bin", "de.sp.model", "fr.sp.model", "fr.arpa", "it.arpa.bin"):
        (tmp_path / name).write_bytes(b"")
    assert available_languages(str(tmp_path)) == ["en", "fr"]


def test_missing_model_names_the_expected_files(tmp_path):
    (tmp_path / "de.sp.model").write_bytes(b"")
    with pytest.raises(FileNotFoundError, match=r"expected de\.sp\.model and de\.arpa\.bin \(or de\.arpa\)"):
        model_paths(str(tmp_path), "de")


def test_binary_model_is_preferred_over_arpa(tmp_path):
    for name in ("en.sp.model", "en.arpa.bin", "en.arpa"):
        (tmp_path / name).write_bytes(b"")
    assert model_paths(str(tmp_path), "en")[1].endswith("en.arpa.bin")


def test_plain_arpa_model_loads_when_no_binary(tmp_path, lm_dir):
    shutil.copy(lm_dir / "en.sp.model", tmp_path / "en.sp.model")
    # A bigram model over two pieces, written by hand (KenLM loads nothing below order 2).
    (tmp_path / "en.arpa").write_text(
        "\\data\\\nngram 1=5\nngram 2=2\n\n"
        "\\1-grams:\n-1.0\t<unk>\n-99\t<s>\t-0.3\n-0.5\t</s>\n-0.5\t▁the\t-0.2\n-1.5\t▁river\n\n"
        "\\2-grams:\n-0.2\t<s> ▁the\n-0.1\t▁the ▁river\n\n\\end\\\n"
    )
    model = LanguageModel.load(str(tmp_path), "en")
    assert model.kenlm_path.endswith("en.arpa")
    assert model.score_document("") == (0.0, 0)


# --- a real model, built here with lmplz ---

def test_document_score_sums_lines_with_one_end_of_sentence_each(model):
    text = "The farmer walks to the market.\n\n   \nMy sister paints the river at night."
    pieces = model.pieces(text)
    assert len(pieces) == 2  # blank lines are not scored
    expected = sum(model.kenlm.score(" ".join(p), bos=True, eos=True) for p in pieces)
    log10_score, n_tokens = model.score_document(text)
    assert n_tokens == sum(len(p) + 1 for p in pieces)
    assert log10_score == pytest.approx(expected)
    assert model.perplexity(text) == round(perplexity(log10_score, n_tokens), 1)


def test_pieces_are_taken_from_normalized_text(model):
    assert model.pieces("THE FARMER, in 2024") == model.sp.encode([normalize("THE FARMER, in 2024")], out_type=str)
    assert model.pieces("Café") == model.pieces("cafe")


def test_empty_document_has_no_perplexity(model):
    assert model.score_document("\n  \n") == (0.0, 0)
    assert model.perplexity("") is None


def test_whole_document_mode_scores_one_sentence_like_ccnet_mine(lm_dir):
    model = LanguageModel.load(str(lm_dir), "en", line_by_line=False)
    text = "The farmer walks to the market.\nMy sister paints the river."
    [pieces] = model.pieces(text)
    assert pieces == model.sp.encode(normalize(text), out_type=str)
    assert model.score_document(text)[1] == len(pieces) + 1


def test_fluent_text_lands_in_head_and_garbled_text_in_tail(model):
    rng = random.Random(1)
    kinds = {"fluent": fluent_document, "shuffled": shuffled_document, "random": random_characters_document}
    scores = {kind: [model.perplexity(make(rng)) for _ in range(30)] for kind, make in kinds.items()}
    assert max(scores["fluent"]) < min(scores["shuffled"])
    assert max(scores["shuffled"]) < min(scores["random"])

    # The mixed sample is a quarter fluent, a half shuffled and a quarter random characters: the 30th percentile
    # falls just above the fluent documents and the 60th just below the random ones.
    sample = scores["fluent"][:10] + scores["shuffled"][:20] + scores["random"][:10]
    cutoffs = cutoffs_from_percentiles(percentiles_of(sample))
    buckets = {kind: [perplexity_bucket(pp, cutoffs) for pp in scores[kind]] for kind in kinds}
    assert set(buckets["fluent"]) == {"head"}
    assert set(buckets["random"]) == {"tail"}
    assert max(buckets["shuffled"], key=buckets["shuffled"].count) == "middle"
