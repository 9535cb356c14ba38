"""Every source pipeline, built for Dataflow offline: the job Dataflow would receive, checked before anyone pays for it.

For each source, `run()` is called as the CLI calls it, with every model at a `gs://fake-bucket/…` URL and the
output in that bucket; the runtime's `run_source_pipeline` is intercepted so that nothing is matched, read or run,
and `build_source_pipeline` constructs the graph with `DataflowRunner` options. `pipeline.run()` with
`--dry_run=True` then does what Dataflow submission does up to the network: DataflowRunner applies its overrides,
converts the pipeline to the runner-API proto (pickling every DoFn and CombineFn, as the workers will receive them)
and builds `apiclient.Job(options, proto)`; here it returns before staging anything. The job's environment (worker
pool, SDK container image, pipeline options) is then built offline with `apiclient.Environment`, as
`DataflowApplicationClient.create_job_description` does after staging. The GCS filesystem is disabled for the whole
module: any read of a `gs://` path during construction fails the test.

On the proto we assert:
- the expected steps are there, and every funnel step of the run is counted by a DoFn in the graph;
- no pickled DoFn or CombineFn holds a loaded model (fastText, KenLM, SentencePiece, or our wrappers around them):
  models load in `DoFn.setup` on the workers; every pickled function is also small;
- no GroupByKey is fed by a constant key (`beam.Map(lambda x: (None, x))`, which sends all data to one worker),
  except where Beam's own file sinks gather the names of the files they wrote, or a combine whose accumulator is
  bounded (CombineGlobally(Count), ApproximateQuantiles) pre-combines on every worker;
- no combine keeps every input in memory (ToList, ToDict, ToSet).
"""
from __future__ import annotations

import types
from pathlib import Path

import apache_beam as beam
import pytest
from apache_beam.internal import pickler
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.portability import common_urns, python_urns
from apache_beam.portability.api import beam_runner_api_pb2
from apache_beam.runners.dataflow.internal import apiclient
from apache_beam.transforms import combiners, core

from pipelines import runtime
from pipelines.funnel import StepCounter

DATA = Path(__file__).parent / "data"
BUCKET = "gs://fake-bucket"
PROJECT = "llamix-offline-test"
MAX_PICKLED_FN_BYTES = 64 * 1024  # Beam's own file-sink DoFns are ~5 KB; lid.176.ftz alone is ~900 KB

# Steps of the graph, by their labels, that each source must have (composites under `Extract`, and the writes).
COMMON_STEPS = ("InputFiles", "SpreadFiles", "Extract", "WriteDocuments", "DocumentStats", "WriteInputErrors")
EXPECTED_STEPS = {
    "wikipedia": ("Extract/ReadDumps", "Extract/SelectArticles", "Extract/CleanArticles"),
    "commoncrawl": ("Extract/ReadPages", "Extract/LineDedup", "Extract/LanguageId", "Extract/Perplexity/Score",
                    "Extract/Perplexity/Percentiles", "Extract/Perplexity/AssignBucket", "Extract/WikiRefClassifier",
                    "Extract/NearDedup"),
    "c4": ("Extract/ReadPages", "Extract/NewestPagePerUrl", "Extract/CleanPages", "Extract/LineDedup",
           "Extract/LanguageId", "Extract/BadWords", "Extract/AssignSplit"),
    "github": ("Extract/ReadGitHub", "Extract/FilterLicense", "Extract/MakeDocument", "Extract/FilterQuality",
               "Extract/GroupByContent", "Extract/KeepOneCopy"),
    "books": ("Extract/ReadBooks", "Extract/StripBoilerplate", "Extract/GroupById", "Extract/OverlapDedup"),
    "arxiv": ("Extract/ReadPapers", "Extract/SpreadPapers", "Extract/ParsePapers", "Extract/CleanPapers"),
    "stackexchange": ("Extract/ReadPosts", "Extract/GroupByQuestion", "Extract/JoinThreads", "Extract/FormatThreads"),
}

# A constant key is fine only ahead of a combine whose accumulator stays small however much data comes in: the
# combine runs on every worker first (combiner lifting) and only one accumulator per worker crosses the shuffle.
BOUNDED_COMBINE_FNS = (
    combiners.CountCombineFn,
    combiners.MeanCombineFn,
    combiners.TopCombineFn,
    combiners.SampleCombineFn,
    beam.transforms.stats.ApproximateQuantilesCombineFn,
    beam.transforms.stats.ApproximateUniqueCombineFn,
)
# Accumulators that hold every input: a hot key's values, or all data behind a global combine, in one worker's RAM.
UNBOUNDED_COMBINE_FNS = (combiners.ToListCombineFn, combiners.ToDictCombineFn, combiners.ToSetCombineFn)


def source_calls() -> dict:
    """source -> (module, call of its `run` as `llamix run SOURCE` makes it, with every optional step on)."""
    from pipelines.sources import arxiv, books, c4, commoncrawl, github, stackexchange, wikipedia

    out = f"{BUCKET}/out"
    models = f"{BUCKET}/models"
    return {
        "wikipedia": (wikipedia, lambda: wikipedia.run([str(DATA / "wikipedia" / "*.xml*")], f"{out}/wikipedia")),
        "commoncrawl": (commoncrawl, lambda: commoncrawl.run(
            [str(DATA / "commoncrawl" / "*.warc.wet.gz")], f"{out}/commoncrawl",
            commoncrawl.CCNetConfig(lid_model=f"{models}/lid.176.bin", lm_dir=f"{models}/lm",
                                    classifier=f"{models}/wikiref.bin", near_dedup=True))),
        "c4": (c4, lambda: c4.run([str(DATA / "c4" / "*.warc.wet.gz")], f"{out}/c4",
                                  c4.C4Config(lid_model=f"{models}/lid.176.bin",
                                              badwords=str(DATA / "c4" / "badwords.txt")))),
        "github": (github, lambda: github.run([str(DATA / "github" / "export-*.jsonl*"), str(DATA / "github" / "repos")],
                                              f"{out}/github", github.GitHubConfig(tokenizer=f"{models}/tokenizer"))),
        "books": (books, lambda: books.run([str(DATA / "books" / "gutenberg" / "*")], f"{out}/books",
                                           [str(DATA / "books" / "books3" / "*")])),
        "arxiv": (arxiv, lambda: arxiv.run([str(DATA / "arxiv" / "*.tar")], f"{out}/arxiv")),
        "stackexchange": (stackexchange, lambda: stackexchange.run([str(DATA / "stackexchange")],
                                                                   f"{out}/stackexchange")),
    }


SOURCES = tuple(source_calls())


def dataflow_options(job_name: str) -> PipelineOptions:
    return PipelineOptions([
        "--runner=DataflowRunner", f"--project={PROJECT}", "--region=us-central1", f"--job_name={job_name}",
        f"--temp_location={BUCKET}/tmp", f"--staging_location={BUCKET}/staging", "--dry_run=True",
    ])


@pytest.fixture(scope="module", autouse=True)
def offline():
    """Construction must not touch a gs:// path (models load in setup, on the workers) nor the network: every GCS
    call and every socket connection fails."""
    import socket

    from apache_beam.io.gcp.gcsfilesystem import GCSFileSystem

    def refuse(name):
        def call(self, *args, **kwargs):
            raise AssertionError(f"{name}{args} called while building the Dataflow job")
        return call

    with pytest.MonkeyPatch.context() as patch:
        for name in ("match", "exists", "open", "create", "size", "last_updated", "metadata", "checksum", "delete",
                     "rename", "copy", "mkdirs"):
            patch.setattr(GCSFileSystem, name, refuse(f"GCSFileSystem.{name}"))
        patch.setattr(socket.socket, "connect", refuse("socket.connect"))
        patch.setattr(socket, "create_connection", refuse("socket.create_connection"))
        yield


def intercept_run(module, call) -> tuple[runtime.SourceRun, beam.PTransform]:
    """The (SourceRun, extract) that the source's `run()` hands to the runtime, which is not called."""
    captured = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(module, "run_source_pipeline", lambda run, extract: captured.update(run=run, extract=extract))
        call()
    return captured["run"], captured["extract"]


class DataflowJob:
    def __init__(self, source: str):
        module, call = source_calls()[source]
        self.run, extract = intercept_run(module, call)
        self.options = dataflow_options(f"llamix-{source}")
        files = [runtime.InputFile(f"{BUCKET}/in/{source}-{i}", 1 << 20) for i in range(3)]
        pipeline = runtime.build_source_pipeline(self.run, extract, files, self.options)
        result = pipeline.run()
        self.job: apiclient.Job = result.job
        self.proto: beam_runner_api_pb2.Pipeline = self.job.proto_pipeline
        self.environment = apiclient.Environment(
            packages=[], options=self.options, environment_version=apiclient._FNAPI_ENVIRONMENT_MAJOR_VERSION,
            proto_pipeline_staged_url=f"{self.job.google_cloud_options.staging_location}/pipeline.pb",
            proto_pipeline=self.proto).proto


@pytest.fixture(scope="module")
def jobs():
    built: dict[str, DataflowJob] = {}

    def job(source: str) -> DataflowJob:
        if source not in built:
            built[source] = DataflowJob(source)
        return built[source]

    return job


# --- reading the proto --------------------------------------------------------------------------------------------


def pickled_fns(proto: beam_runner_api_pb2.Pipeline):
    """(step name, pickled bytes, unpickled DoFn or CombineFn) for every ParDo and combine of the pipeline."""
    for transform in proto.components.transforms.values():
        urn = transform.spec.urn
        if urn == common_urns.primitives.PAR_DO.urn:
            spec = beam_runner_api_pb2.ParDoPayload.FromString(transform.spec.payload).do_fn
        elif urn in (common_urns.composites.COMBINE_PER_KEY.urn, common_urns.composites.COMBINE_GLOBALLY.urn):
            spec = beam_runner_api_pb2.CombinePayload.FromString(transform.spec.payload).combine_fn
        else:
            continue
        if spec.urn not in (python_urns.PICKLED_DOFN_INFO, python_urns.PICKLED_COMBINE_FN):
            continue
        unpickled = pickler.loads(spec.payload)
        fn = unpickled[0] if isinstance(unpickled, tuple) else unpickled  # a DoFn travels with its args
        yield transform.unique_name, len(spec.payload), fn


def reachable(root, max_depth: int = 8):
    """Every object reachable from `root` through attributes, containers and function closures."""
    seen, stack = set(), [(root, 0)]
    while stack:
        obj, depth = stack.pop()
        if id(obj) in seen or depth > max_depth or isinstance(obj, (str, bytes, int, float, bool, type(None), type)):
            continue
        seen.add(id(obj))
        yield obj
        children = []
        if isinstance(obj, dict):
            children = [*obj.keys(), *obj.values()]
        elif isinstance(obj, (list, tuple, set, frozenset)):
            children = list(obj)
        elif isinstance(obj, types.FunctionType):
            children = [cell.cell_contents for cell in obj.__closure__ or () if _has_contents(cell)]
            children += list(obj.__defaults__ or ())
        elif isinstance(obj, types.MethodType):
            children = [obj.__self__]
        elif hasattr(obj, "__dict__") and not isinstance(obj, types.ModuleType):
            children = list(vars(obj).values())
        stack.extend((child, depth + 1) for child in children)


def _has_contents(cell) -> bool:
    try:
        cell.cell_contents
    except ValueError:
        return False
    return True


def model_types() -> tuple[type, ...]:
    import fasttext.FastText
    import kenlm
    import sentencepiece

    from pipelines.transforms.langid import LanguageIdentifier
    from pipelines.transforms.perplexity import LanguageModel
    from pipelines.transforms.reference_classifier import ReferenceClassifier

    return (fasttext.FastText._FastText, kenlm.Model, sentencepiece.SentencePieceProcessor, LanguageIdentifier,
            LanguageModel, ReferenceClassifier)


def loaded_models(proto) -> list[str]:
    """`step: type` for each model object found inside a pickled function, or a pickled function too large."""
    found = []
    kinds = model_types()
    for step, size, fn in pickled_fns(proto):
        if size > MAX_PICKLED_FN_BYTES:
            found.append(f"{step}: pickled function of {size} bytes")
        found += [f"{step}: {type(obj).__name__}" for obj in reachable(fn) if isinstance(obj, kinds)]
    return found


class _Opaque:
    """An element no keying function can read anything from."""


def keys_everything_alike(fn) -> bool:
    """True iff `fn` (a DoFn) gives two unrelated elements the same key: `Map(lambda x: (None, x))` and kin. A
    function that reads the element (a field, a hash of it) fails on an opaque one, and random keys differ."""
    process = fn._fn if isinstance(fn, core.CallableWrapperDoFn) else getattr(fn, "process", None)
    if process is None:
        return False
    keys = []
    for element in (_Opaque(), _Opaque()):
        try:
            outputs = list(process(element) or ())
        except Exception:  # noqa: BLE001 — the key depends on the element, which is what we want to know
            return False
        if not outputs or not all(isinstance(o, tuple) and len(o) == 2 for o in outputs):
            return False
        keys += [key for key, _ in outputs]
    return all(not isinstance(key, _Opaque) for key in keys) and len({repr(k) for k in keys}) == 1


def single_key_steps(proto) -> list[str]:
    """Group-by-keys fed by a constant key that are not a bounded combine or Beam's own sink bookkeeping; and
    combines whose accumulator holds every input."""
    transforms = proto.components.transforms
    fns = {step: fn for step, _, fn in pickled_fns(proto)}
    producers = {pcoll: t for t in transforms.values() if not t.subtransforms for pcoll in t.outputs.values()}
    parents = {child: tid for tid, t in transforms.items() for child in t.subtransforms}
    problems = []

    def key_sources(pcoll: str) -> list:
        """The transforms that chose the keys of `pcoll` (through flattens and CoGroupByKey's tagging)."""
        producer = producers.get(pcoll)
        if producer is None:
            return []
        if producer.spec.urn == common_urns.primitives.FLATTEN.urn or "CoGroupByKeyImpl/Tag[" in producer.unique_name:
            return [s for p in producer.inputs.values() for s in key_sources(p)]
        return [producer]

    def enclosing_combine_fn(tid: str):
        while tid in parents:
            tid = parents[tid]
            if transforms[tid].spec.urn in (common_urns.composites.COMBINE_PER_KEY.urn,
                                            common_urns.composites.COMBINE_GLOBALLY.urn):
                return fns.get(transforms[tid].unique_name)
        return None

    for tid, transform in transforms.items():
        if transform.spec.urn != common_urns.primitives.GROUP_BY_KEY.urn:
            continue
        if transform.unique_name.endswith("/Write/WriteImpl/GroupByKey"):
            continue  # Beam's file sink: one file name per bundle gathered under one key, for finalization
        (pcoll,) = transform.inputs.values()
        constant = [s.unique_name for s in key_sources(pcoll)
                    if s.unique_name in fns and keys_everything_alike(fns[s.unique_name])]
        if constant and not isinstance(enclosing_combine_fn(tid), BOUNDED_COMBINE_FNS):
            problems.append(f"{transform.unique_name}: every element gets the same key in {constant}")
    for step, fn in fns.items():
        if isinstance(fn, UNBOUNDED_COMBINE_FNS):
            problems.append(f"{step}: {type(fn).__name__} keeps every input in memory")
    return problems


def counted_steps(proto) -> set[tuple[str, str]]:
    """(source, step) of every StepCounter held by a pickled DoFn: the funnel steps the graph counts."""
    return {(obj.source, obj.step) for _, _, fn in pickled_fns(proto) for obj in reachable(fn)
            if isinstance(obj, StepCounter)}


# --- the checks work ----------------------------------------------------------------------------------------------


def runner_proto(build) -> beam_runner_api_pb2.Pipeline:
    pipeline = beam.Pipeline(options=PipelineOptions([]))
    build(pipeline | beam.Create([{"id": "a", "text": "x"}, {"id": "b", "text": "y"}]))
    return pipeline.to_runner_api()


def test_check_finds_a_constant_key_and_a_global_list():
    proto = runner_proto(lambda docs: (docs | "KeyAll" >> beam.Map(lambda d: (None, d)) | "GroupAll" >> beam.GroupByKey(),
                                       docs | "AllDocs" >> beam.combiners.ToList()))
    problems = single_key_steps(proto)
    assert any(p.startswith("GroupAll:") and "KeyAll" in p for p in problems), problems
    assert any("ToListCombineFn" in p for p in problems), problems


def test_check_allows_keys_from_the_document_and_bounded_global_combines():
    proto = runner_proto(lambda docs: (
        docs | "KeyById" >> beam.Map(lambda d: (d["id"], d)) | "GroupById" >> beam.GroupByKey(),
        docs | "Count" >> beam.combiners.Count.Globally(),
        docs | beam.Map(lambda d: len(d["text"])) | beam.ApproximateQuantiles.Globally(5),
        docs | beam.Reshuffle(),
    ))
    assert single_key_steps(proto) == []


class _TokenizerInInit(beam.DoFn):
    def __init__(self, model_path: str):
        from tokenizer.shard import load_tokenizer

        self.processor = load_tokenizer(model_path)

    def process(self, doc):
        yield len(self.processor.encode(doc["text"]))


def test_check_finds_a_model_loaded_at_construction(tokenizer_dir):
    proto = runner_proto(lambda docs: docs | "Tokenize" >> beam.ParDo(_TokenizerInInit(str(tokenizer_dir / "tokenizer.model"))))
    assert any(p.startswith("Tokenize: SentencePieceProcessor") for p in loaded_models(proto))


# --- every source, as Dataflow would get it -----------------------------------------------------------------------


@pytest.mark.parametrize("source", SOURCES)
def test_dataflow_job_is_built_offline(jobs, source):
    built = jobs(source)
    assert built.job.proto.name == f"llamix-{source}"
    assert built.job.proto.type_ == apiclient.dataflow.JobType.JOB_TYPE_BATCH
    (pool,) = built.environment.worker_pools
    assert pool.worker_harness_container_image == apiclient.get_container_image_from_options(built.options)
    assert built.environment.temp_storage_prefix.endswith("fake-bucket/tmp")
    assert built.environment.sdk_pipeline_options["options"]["project"] == PROJECT


@pytest.mark.parametrize("source", SOURCES)
def test_dataflow_job_has_the_expected_steps(jobs, source):
    built = jobs(source)
    names = {t.unique_name for t in built.proto.components.transforms.values()}
    missing = [step for step in (*COMMON_STEPS, *EXPECTED_STEPS[source]) if step not in names]
    assert not missing, f"{source}: steps {missing} not in the job"
    counted = counted_steps(built.proto)
    uncounted = [step for step in built.run.steps if (source, step) not in counted]
    assert not uncounted, f"{source}: funnel steps {uncounted} are counted by no DoFn of the job"


@pytest.mark.parametrize("source", SOURCES)
def test_no_dofn_of_the_job_carries_a_loaded_model(jobs, source):
    assert loaded_models(jobs(source).proto) == []


@pytest.mark.parametrize("source", SOURCES)
def test_no_step_sends_all_data_through_one_key_or_one_list(jobs, source):
    assert single_key_steps(jobs(source).proto) == []
