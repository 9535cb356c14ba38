"""Models named by a URL (`gs://…` on Dataflow) load in `DoFn.setup`, copied once per worker into a local cache.

Beam ships no object store that works offline, so these tests register a small in-memory FileSystem for `mem://`
(Beam picks a filesystem by the `scheme()` of the registered FileSystem subclasses) and put copies of real models
there: fastText lid.176 from `make models`, a KenLM + SentencePiece pair and a reference classifier trained here,
and the SentencePiece tokenizer of the shared fixture. Every model read from `mem://` must give the same answers as
the local file, be read from the store once per process, and never travel inside a pickled DoFn.
"""
from __future__ import annotations

import io
import json
import random
import shutil
import threading
from collections import Counter
from pathlib import Path

import apache_beam as beam
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from apache_beam.internal import pickler
from apache_beam.io.filesystem import FileMetadata, FileSystem
from apache_beam.testing.util import assert_that, equal_to

from manifests import storage
from pipelines.documents import DOC_SCHEMA, make_document
from pipelines.transforms.langid import DEFAULT_MODEL, IdentifyLanguage
from pipelines.transforms.perplexity import LanguageModel, ScorePerplexity
from pipelines.transforms.reference_classifier import FilterReferences, train_classifier
from tokenizer.shard import TokenizeDocuments, load_tokenizer
from tokenizer.train import MODEL_NAME

LID_MODEL = Path(__file__).parent.parent / DEFAULT_MODEL
# A DoFn carries its settings and counters; a few KB at most. lid.176.ftz alone is ~900 KB, the KenLM models MBs.
MAX_PICKLED_DOFN_BYTES = 16 * 1024


class MemoryFileSystem(FileSystem):
    """`mem://…` files held in this process; counts how often each file is opened for reading."""

    files: dict[str, bytes] = {}
    opens: Counter = Counter()

    @classmethod
    def scheme(cls):
        return "mem"

    def join(self, basepath, *paths):
        return "/".join([basepath.rstrip("/"), *(p.strip("/") for p in paths)])

    def split(self, path):
        head, _, tail = path.rpartition("/")
        return head, tail

    def mkdirs(self, path):
        pass

    def has_dirs(self):
        return False

    def _list(self, dir_or_prefix):
        for path, data in sorted(self.files.items()):
            if path.startswith(dir_or_prefix):
                yield FileMetadata(path, len(data), 0.0)

    def create(self, path, mime_type="application/octet-stream", compression_type=None):
        files = self.files

        class _Writer(io.BytesIO):
            def close(self):
                files[path] = self.getvalue()
                super().close()

        return _Writer()

    def open(self, path, mime_type="application/octet-stream", compression_type=None):
        if path not in self.files:
            raise FileNotFoundError(path)
        self.opens[path] += 1
        return io.BytesIO(self.files[path])

    def copy(self, source_file_names, destination_file_names):
        for source, destination in zip(source_file_names, destination_file_names):
            self.files[destination] = self.files[source]

    def rename(self, source_file_names, destination_file_names):
        for source, destination in zip(source_file_names, destination_file_names):
            self.files[destination] = self.files.pop(source)

    def exists(self, path):
        return path in self.files

    def size(self, path):
        return len(self.files[path])

    def last_updated(self, path):
        return 0.0

    def checksum(self, path):
        return str(len(self.files[path]))

    def metadata(self, path):
        return FileMetadata(path, len(self.files[path]), 0.0)

    def delete(self, paths):
        for path in paths:
            self.files.pop(path, None)


def upload(local: Path, url: str) -> str:
    MemoryFileSystem.files[url] = Path(local).read_bytes()
    return url


@pytest.fixture(autouse=True)
def empty_store_and_cache(tmp_path, monkeypatch):
    """Each test starts with an empty store and its own model cache (as a fresh worker would)."""
    MemoryFileSystem.files.clear()
    MemoryFileSystem.opens.clear()
    monkeypatch.setenv(storage.MODEL_CACHE_ENV, str(tmp_path / "model-cache"))


# --- the cache ----------------------------------------------------------------------------------------------------


def test_local_path_is_used_in_place():
    assert storage.local_copy(str(LID_MODEL)) == str(LID_MODEL)


def test_remote_model_is_copied_once_per_process_and_reused(tmp_path):
    url = upload(LID_MODEL, "mem://models/lid.176.ftz")
    first = storage.local_copy(url)
    second = storage.local_copy(url)
    assert first == second and Path(first).name == "lid.176.ftz"
    assert Path(first).read_bytes() == LID_MODEL.read_bytes()
    assert Path(first).is_relative_to(tmp_path / "model-cache")
    assert MemoryFileSystem.opens[url] == 1
    assert not list(Path(first).parent.glob("*.partial"))


def test_two_threads_asking_at_once_copy_once():
    url = upload(LID_MODEL, "mem://models/lid.176.ftz")
    start = threading.Barrier(4)
    paths = []

    def fetch():
        start.wait()
        paths.append(storage.local_copy(url))

    threads = [threading.Thread(target=fetch) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(paths)) == 1 and MemoryFileSystem.opens[url] == 1


def test_a_model_replaced_at_the_same_url_is_copied_again():
    url = "mem://models/m.bin"
    MemoryFileSystem.files[url] = b"old model"
    old = storage.local_copy(url)
    MemoryFileSystem.files[url] = b"the new model"
    new = storage.local_copy(url)
    assert old != new and Path(new).read_bytes() == b"the new model"


def test_missing_remote_model_names_the_url():
    with pytest.raises(FileNotFoundError, match="mem://models/nope.bin"):
        storage.local_copy("mem://models/nope.bin")


# --- fastText language ID, under Beam -----------------------------------------------------------------------------

TEXTS = {
    "en/1": "The river flows past the old mills and the town was founded by farmers long ago.",
    "de/1": "Der Fluss fließt an alten Mühlen vorbei und die Stadt wurde von Bauern gegründet.",
    "fr/1": "La rivière coule devant les vieux moulins et la ville a été fondée par des paysans.",
}


def docs_to_identify() -> list[dict]:
    return [make_document("commoncrawl", doc_id, text, "und", {}) for doc_id, text in TEXTS.items()]


def language_and_score(doc: dict) -> tuple[str, str, float]:
    return doc["id"], doc["lang"], json.loads(doc["meta"])["lang_score"]


def identify_in_process(model_path: str) -> list[tuple[str, str, float]]:
    dofn = IdentifyLanguage("commoncrawl", model_path, ["en", "de", "fr"])
    dofn.setup()
    return [language_and_score(out) for doc in docs_to_identify() for out in dofn.process(doc)]


def identify_on_beam(model_path: str, expected: list[tuple[str, str, float]]) -> None:
    with beam.Pipeline("DirectRunner") as pipeline:
        identified = (
            pipeline
            | beam.Create(docs_to_identify())
            | beam.ParDo(IdentifyLanguage("commoncrawl", model_path, ["en", "de", "fr"]))
            | beam.Map(language_and_score)
        )
        assert_that(identified, equal_to(expected))


def test_language_id_from_object_storage_equals_local_and_copies_once():
    url = upload(LID_MODEL, "mem://models/lid.176.ftz")
    local = identify_in_process(str(LID_MODEL))
    assert sorted(lang for _, lang, _ in local) == ["de", "en", "fr"]
    identify_on_beam(url, local)
    identify_on_beam(url, local)  # a second setup in this process reuses the cached copy
    assert MemoryFileSystem.opens[url] == 1


# --- KenLM + SentencePiece perplexity ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def lm_dir(tmp_path_factory) -> Path:
    from pipelines.lm import train_language_model

    root = tmp_path_factory.mktemp("remote-lm")
    rng = random.Random(0)
    words = "the farmer walks to the market every morning and the baker waits near the old church".split()
    docs = [make_document("wikipedia", f"en/{i}", "\n".join(" ".join(rng.choices(words, k=12)) + "."
                                                             for _ in range(3)), "en", {}) for i in range(80)]
    (root / "docs").mkdir()
    pq.write_table(pa.Table.from_pylist(docs, schema=DOC_SCHEMA), root / "docs" / "part-00000-of-00001.parquet")
    train_language_model([str(root / "docs")], "en", str(root / "lm"), vocab_size=100, memory="50M", num_threads=2)
    return root / "lm"


def score(dofn: ScorePerplexity, texts: list[str]) -> list[float | None]:
    dofn.setup()
    docs = [make_document("commoncrawl", str(i), text, "en", {}) for i, text in enumerate(texts)]
    return [json.loads(out["meta"]).get("perplexity") for doc in docs for out in dofn.process(doc)]


def test_perplexity_from_object_storage_equals_local_and_copies_once(lm_dir):
    for file in lm_dir.glob("en.*"):
        upload(file, f"mem://lm/{file.name}")
    texts = ["the farmer walks to the market.\nthe baker waits.", "church old the near morning every", "zzq xqj"]
    local = score(ScorePerplexity("commoncrawl", str(lm_dir), ["en"]), texts)
    assert all(pp is not None for pp in local)
    assert score(ScorePerplexity("commoncrawl", "mem://lm", ["en"]), texts) == local
    assert score(ScorePerplexity("commoncrawl", "mem://lm", ["en"]), texts) == local  # second DoFn, same process
    assert MemoryFileSystem.opens["mem://lm/en.sp.model"] == 1
    assert MemoryFileSystem.opens["mem://lm/en.arpa.bin"] == 1


def test_language_model_loads_from_a_url(lm_dir):
    for file in lm_dir.glob("en.*"):
        upload(file, f"mem://lm/{file.name}")
    text = "the farmer walks to the market every morning."
    assert LanguageModel.load("mem://lm", "en").perplexity(text) == LanguageModel.load(str(lm_dir), "en").perplexity(text)


# --- the Wikipedia-reference classifier ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def classifier_model(tmp_path_factory) -> Path:
    rng = random.Random(3)
    scholarly = "the study reports measurements of river discharge across decades in the annual survey".split()
    spam = "buy cheap best price click here free shipping discount casino win now".split()
    model = tmp_path_factory.mktemp("classifier") / "wikiref.bin"
    train_classifier([" ".join(rng.choices(scholarly, k=30)) for _ in range(60)],
                     [" ".join(rng.choices(spam, k=30)) for _ in range(60)], str(model), dim=16, threads=1)
    return model


def classify(model_path: str, texts: list[str]) -> list[float]:
    dofn = FilterReferences("commoncrawl", model_path, threshold=0.0)
    dofn.setup()
    docs = [make_document("commoncrawl", str(i), text, "en", {}) for i, text in enumerate(texts)]
    return [json.loads(out["meta"])["wikiref_score"] for doc in docs for out in dofn.process(doc)]


def test_reference_classifier_from_object_storage_equals_local(classifier_model):
    url = upload(classifier_model, "mem://models/wikiref.bin")
    texts = ["the annual survey reports river discharge", "click here for cheap casino deals"]
    local = classify(str(classifier_model), texts)
    assert classify(url, texts) == local and classify(url, texts) == local
    assert MemoryFileSystem.opens[url] == 1


# --- the tokenizer of `llamix shard` ------------------------------------------------------------------------------


def test_tokenizer_from_object_storage_equals_local(tokenizer_dir):
    url = upload(tokenizer_dir / MODEL_NAME, f"mem://tokenizer/{MODEL_NAME}")
    batch = [{"id": "wikipedia/en/1", "text": "the river flows past old mills in 1742", "source": "wikipedia",
              "lang": "en"}]

    def tokenize(model_path: str) -> list[list[int]]:
        dofn = TokenizeDocuments(model_path)
        dofn.setup()
        return [row["tokens"].tolist() for row in dofn.process(batch)]

    assert tokenize(url) == tokenize(str(tokenizer_dir / MODEL_NAME))
    assert tokenize(url) and MemoryFileSystem.opens[url] == 1
    assert load_tokenizer(url).vocab_size() == load_tokenizer(str(tokenizer_dir / MODEL_NAME)).vocab_size()


# --- nothing loaded travels with a DoFn ---------------------------------------------------------------------------


def model_dofns(tokenizer_dir: Path, lm_dir: Path, classifier_model: Path):
    """(DoFn, the attribute its setup fills with a model) for every DoFn that loads one."""
    from pipelines.sources.github import FilterQuality, QualityThresholds

    return [
        (IdentifyLanguage("commoncrawl", str(LID_MODEL), ["en"]), "identifier"),
        (ScorePerplexity("commoncrawl", str(lm_dir), ["en"]), "models"),
        (FilterReferences("commoncrawl", str(classifier_model)), "classifier"),
        (TokenizeDocuments(str(tokenizer_dir / MODEL_NAME)), "processor"),
        (FilterQuality(QualityThresholds(), str(tokenizer_dir)), "_count_tokens"),
    ]


def test_no_dofn_pickles_a_model(tokenizer_dir, lm_dir, classifier_model):
    for dofn, attribute in model_dofns(tokenizer_dir, lm_dir, classifier_model):
        name = type(dofn).__name__
        assert getattr(dofn, attribute, None) is None, f"{name}.{attribute} is set before setup"
        assert len(pickler.dumps(dofn)) < MAX_PICKLED_DOFN_BYTES, name
        dofn.setup()
        if isinstance(dofn, ScorePerplexity):
            list(dofn.process(make_document("commoncrawl", "1", "the farmer walks.", "en", {})))
        assert getattr(dofn, attribute), f"{name}.setup did not load its model"


# --- a wrong model path fails at launch, not on the workers -------------------------------------------------------


def test_a_missing_model_url_fails_before_the_pipeline_runs(tmp_path):
    from pipelines.sources import commoncrawl

    wet = Path(__file__).parent / "data" / "commoncrawl" / "CC-MAIN-2026-01-00000.warc.wet.gz"
    upload(LID_MODEL, "mem://models/lid.176.ftz")
    config = commoncrawl.CCNetConfig(lid_model="mem://models/lid.176.ftz", classifier="mem://models/typo.bin")
    with pytest.raises(FileNotFoundError, match="mem://models/typo.bin"):
        commoncrawl.run([str(wet)], str(tmp_path / "out"), config)
    assert not (tmp_path / "out").exists()  # nothing was prepared, let alone run


def test_on_dataflow_local_model_paths_are_left_to_the_workers_but_urls_are_checked():
    """A model baked into the worker container (`--lid-model /opt/llamix/models/lid.176.ftz`) does not exist on the
    launcher; on a remote runner only URLs can be, and are, checked at launch."""
    from apache_beam.options.pipeline_options import PipelineOptions

    from pipelines.runtime import check_models

    in_container = "/opt/llamix/models/lid.176.ftz"
    dataflow = PipelineOptions(["--runner", "DataflowRunner"])
    check_models([in_container], dataflow)
    with pytest.raises(FileNotFoundError, match="mem://models/absent.bin"):
        check_models([in_container, "mem://models/absent.bin"], dataflow)
    for local in (None, PipelineOptions([]), PipelineOptions(["--runner", "DirectRunner"])):
        with pytest.raises(FileNotFoundError, match="lid.176.ftz"):
            check_models([in_container], local)
