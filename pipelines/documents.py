"""The document record every pipeline emits (DESIGN.md, "The document record") and the Beam steps that write it."""
from __future__ import annotations

import json
from typing import Any, Callable, Mapping, Sequence

import apache_beam as beam
import pyarrow as pa

from pipelines.funnel import stat_counter

SOURCES = ("commoncrawl", "c4", "github", "wikipedia", "books", "arxiv", "stackexchange")

DOC_SCHEMA = pa.schema(
    [
        pa.field("id", pa.string()),
        pa.field("text", pa.large_string()),
        pa.field("source", pa.string()),
        pa.field("lang", pa.string()),
        pa.field("meta", pa.string()),
    ]
)
DOC_GLOB = "part-*.parquet"
# Partitioned sources write `DIR/<key>=<value>[/<key>=<value>]/part-*.parquet` (Hive style, as Spark and Arrow
# read it): one or two partition levels.
PARTITIONED_DOC_GLOBS = ("*=*/part-*.parquet", "*=*/*=*/part-*.parquet")
# Percentiles of document length (characters) recorded per language in the manifest.
LENGTH_PERCENTILES = (0, 10, 25, 50, 75, 90, 99, 100)


def make_document(source: str, native_id: str, text: str, lang: str, meta: Mapping[str, Any]) -> dict:
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r}; expected one of {SOURCES}")
    return {
        "id": f"{source}/{native_id}",
        "text": text,
        "source": source,
        "lang": lang,
        "meta": json.dumps(dict(meta), ensure_ascii=False, sort_keys=True),
    }


class _CountDocument(beam.DoFn):
    def process(self, doc: dict):
        key = (doc["source"], doc["lang"])
        counters = self._counters.get(key)
        if counters is None:
            counters = self._counters[key] = (
                stat_counter(*key, "docs"),
                stat_counter(*key, "bytes"),
                stat_counter(*key, "chars"),
            )
        docs, size, chars = counters
        docs.inc()
        size.inc(len(doc["text"].encode("utf-8")))
        chars.inc(len(doc["text"]))
        yield (f"{doc['source']}/{doc['lang']}", len(doc["text"]))

    def setup(self):
        self._counters = {}


class DocumentStats(beam.PTransform):
    """Counts docs/bytes/chars per source and language (counters) and writes length percentiles per language
    to `stats_prefix*.jsonl` (small: one line per language)."""

    def __init__(self, stats_prefix: str):
        super().__init__()
        self.stats_prefix = stats_prefix

    def expand(self, docs):
        # 101 quantiles give every integer percentile; LENGTH_PERCENTILES picks from them.
        return (
            docs
            | "CountDocuments" >> beam.ParDo(_CountDocument())
            | "LengthQuantiles" >> beam.ApproximateQuantiles.PerKey(num_quantiles=101)
            | "Percentiles" >> beam.MapTuple(
                lambda key, q: json.dumps({"key": key, **{f"p{p}": q[p] for p in LENGTH_PERCENTILES}})
            )
            | "WriteLengthStats" >> beam.io.WriteToText(self.stats_prefix, file_name_suffix=".jsonl", num_shards=1)
        )


def document_patterns(directory: str, partitioned: bool = True) -> list[str]:
    """Globs matching a source's document files, flat or partitioned."""
    from manifests.storage import join

    return [join(directory, DOC_GLOB)] + ([join(directory, g) for g in PARTITIONED_DOC_GLOBS] if partitioned else [])


class WriteDocuments(beam.PTransform):
    """Parquet shards `part-SSSSS-of-NNNNN.parquet` with DOC_SCHEMA, written by Beam's sink (temp files, then
    renamed on success), so a failed run never leaves a half-written part behind.

    With `partitions` (folder names such as `lang=en/bucket=head`) and `partition_of(doc) -> name`, each partition
    gets its own sink in its own folder.
    """

    def __init__(self, output_dir: str, num_shards: int = 0, partitions: Sequence[str] = (),
                 partition_of: Callable[[dict], str] | None = None):
        super().__init__()
        self.output_dir = output_dir
        self.num_shards = num_shards
        self.partitions = list(partitions)
        self.partition_of = partition_of

    def _sink(self, folder: str):
        from manifests.storage import join

        return beam.io.WriteToParquet(
            join(folder, "part"),
            schema=DOC_SCHEMA,
            file_name_suffix=".parquet",
            shard_name_template="-SSSSS-of-NNNNN",
            num_shards=self.num_shards,
        )

    def expand(self, docs):
        from manifests.storage import join

        if not self.partitions:
            return docs | self._sink(self.output_dir)
        partitions, partition_of = self.partitions, self.partition_of
        index = {name: i for i, name in enumerate(partitions)}

        def route(doc: dict, n: int) -> int:
            name = partition_of(doc)
            if name not in index:
                raise ValueError(f"document {doc['id']} belongs to partition {name!r}, not one of {partitions}")
            return index[name]

        parts = docs | "Partition" >> beam.Partition(route, len(self.partitions))
        for name, part in zip(self.partitions, parts):
            part | f"Write[{name}]" >> self._sink(join(self.output_dir, name))
