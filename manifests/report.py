"""`llamix manifest report`: one self-contained HTML page for a manifest and its whole lineage.

One section per manifest (the one asked for first, then its ancestors depth first): a header table, the plots that
apply to its kind and the funnel as a table. Plots are drawn with matplotlib's Agg canvas (no display, no pyplot
state) and embedded as `data:image/png;base64` images, so the page needs no network, no CSS, JS or font files.
"""
from __future__ import annotations

import base64
import html
import io
import json
import logging
import math
import os
from collections import defaultdict
from pathlib import Path
from typing import Any, Iterable, Mapping

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from manifests import storage
from manifests.diff import flatten
from manifests.manifest import lineage, manifest_path
from manifests.formatting import format_value, human_bytes

log = logging.getLogger(__name__)

# Width of the log10(perplexity) bins in a source manifest's stats.perplexity[lang].histogram; the keys are bin starts.
# Same value as HISTOGRAM_BIN in pipelines/transforms/perplexity.py (not imported: it would pull in Beam).
PERPLEXITY_BIN = 0.1
# Per-language numeric columns of stats.by_language that get a bar chart, in the order shown.
LANGUAGE_COUNTS = ("docs", "tokens", "bytes", "docs_sampled")
# A language chart lists at most this many languages (the largest); the table below it lists them all.
MAX_LANGUAGES = 30
TRAINING_LOG = "log.jsonl"  # trainer/train.py writes it in output_dir; checkpoints live in output_dir/step-NNNNNN/

_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2em auto; max-width: 1100px;
       color: #222; padding: 0 1em; }
h1 { font-size: 1.5em; } h2 { border-bottom: 2px solid #ccc; padding-bottom: .2em; margin-top: 2.5em; }
h3 { margin-top: 1.5em; font-size: 1.1em; }
table { border-collapse: collapse; margin: .5em 0; font-size: .9em; }
th, td { border: 1px solid #ddd; padding: .25em .6em; text-align: left; vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
th { background: #f4f4f4; }
code, pre { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: .85em; }
pre { background: #f8f8f8; padding: .6em; overflow-x: auto; }
figure { margin: 1em 0; } figcaption { font-size: .85em; color: #555; }
img.plot { max-width: 100%; height: auto; border: 1px solid #eee; }
.warning { color: #9a4a00; } .muted { color: #777; }
"""


# ---------------------------------------------------------------- plots: each returns a Figure, or None if no data


def _new_figure(width: float, height: float) -> Figure:
    figure = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def png_data_uri(figure: Figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def plot_funnel(funnel: list[Mapping[str, Any]]) -> Figure | None:
    """Horizontal bars, one per step: documents kept, then the dropped ones stacked by reason."""
    if not funnel:
        return None
    reasons = list(dict.fromkeys(r for step in funnel for r, n in sorted(step["dropped"].items()) if n))
    figure = _new_figure(8, 1.2 + 0.45 * len(funnel))
    axes = figure.add_subplot()
    names = [step["step"] for step in funnel][::-1]
    kept = [step["kept"] for step in funnel][::-1]
    axes.barh(names, kept, color="#4c72b0", label="kept")
    left = list(kept)
    for reason in reasons:
        counts = [step["dropped"].get(reason, 0) for step in funnel][::-1]
        axes.barh(names, counts, left=left, label=f"dropped: {reason}")
        left = [a + b for a, b in zip(left, counts)]
    axes.set_xlabel("documents")
    axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small", frameon=False)
    axes.set_title("funnel: documents in each step, kept and dropped by reason")
    return figure


def _languages(rows: list[Mapping[str, Any]], field: str) -> tuple[list[str], dict[str, dict[str, float]]]:
    """Languages by total `field` (largest first, at most MAX_LANGUAGES) and {source: {lang: value}}."""
    by_source: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    totals: dict[str, float] = defaultdict(float)
    for row in rows:
        value = row.get(field)
        if isinstance(value, (int, float)) and "lang" in row:
            by_source[str(row.get("source", ""))][str(row["lang"])] += value
            totals[str(row["lang"])] += value
    langs = sorted(totals, key=lambda lang: (-totals[lang], lang))[:MAX_LANGUAGES]
    return langs, by_source


def plot_languages(rows: list[Mapping[str, Any]]) -> Figure | None:
    """One bar chart per count (docs, tokens, bytes, …): per language, stacked by source."""
    fields = [f for f in LANGUAGE_COUNTS if any(isinstance(r.get(f), (int, float)) for r in rows)]
    if not fields or not any("lang" in r for r in rows):
        return None
    n_langs = len({r.get("lang") for r in rows})
    figure = _new_figure(8, (1.5 + 0.22 * min(n_langs, MAX_LANGUAGES)) * len(fields))
    for index, field in enumerate(fields):
        axes = figure.add_subplot(len(fields), 1, index + 1)
        langs, by_source = _languages(rows, field)
        shown = langs[::-1]
        left = [0.0] * len(shown)
        for source in sorted(by_source):
            values = [by_source[source].get(lang, 0.0) for lang in shown]
            axes.barh(shown, values, left=left, label=source or "(all)")
            left = [a + b for a, b in zip(left, values)]
        axes.set_xlabel(field)
        axes.set_title(f"{field} per language" + (f" (largest {MAX_LANGUAGES})" if n_langs > MAX_LANGUAGES else ""))
        axes.tick_params(axis="y", labelsize="small")
        if len(by_source) > 1:
            axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small", frameon=False)
    return figure


def _percentiles(row: Mapping[str, Any]) -> list[tuple[float, float]]:
    points = []
    for key, value in (row.get("length_chars") or {}).items():
        if key.startswith("p") and isinstance(value, (int, float)):
            try:
                points.append((float(key[1:]), float(value)))
            except ValueError:
                continue
    return sorted(points)


def plot_lengths(rows: list[Mapping[str, Any]]) -> Figure | None:
    """Document length percentiles per (source, language): the manifests keep percentiles, not raw lengths."""
    curves = [(row, _percentiles(row)) for row in rows]
    curves = [(row, points) for row, points in curves if points]
    if not curves:
        return None
    figure = _new_figure(8, 4.5)
    axes = figure.add_subplot()
    for row, points in curves:
        label = "/".join(str(row[k]) for k in ("source", "lang") if k in row)
        axes.plot([p for p, _ in points], [max(v, 1) for _, v in points], marker=".", label=label)
    axes.set_yscale("log")
    axes.set_xlabel("percentile of documents")
    axes.set_ylabel("length (characters, log scale)")
    axes.set_xlim(0, 100)
    axes.grid(True, which="both", alpha=0.3)
    axes.set_title("document length: percentiles per language (a cumulative view of the length histogram)")
    axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="x-small", frameon=False,
                ncol=1 if len(curves) <= 20 else 2)
    return figure


def plot_perplexity(perplexity: Mapping[str, Mapping[str, Any]]) -> Figure | None:
    """Histogram of log10(perplexity) per language, with the head/middle and middle/tail cutoffs."""
    langs = [lang for lang, entry in sorted(perplexity.items())
             if isinstance(entry, Mapping) and entry.get("histogram")]
    if not langs:
        return None
    figure = _new_figure(8, 2.6 * len(langs) + 0.5)
    for index, lang in enumerate(langs):
        entry = perplexity[lang]
        axes = figure.add_subplot(len(langs), 1, index + 1)
        bins = sorted((float(start), count) for start, count in entry["histogram"].items())
        axes.bar([b for b, _ in bins], [c for _, c in bins], width=PERPLEXITY_BIN, align="edge", color="#4c72b0",
                 edgecolor="white")
        for cutoff, name, color in zip(entry.get("cutoffs") or (), ("head | middle (p30)", "middle | tail (p60)"),
                                       ("#2ca02c", "#d62728")):
            if isinstance(cutoff, (int, float)) and cutoff > 0:
                axes.axvline(math.log10(cutoff), color=color, linestyle="--", label=f"{name}: {cutoff:,.1f}")
        axes.set_xlabel("log10(perplexity)")
        axes.set_ylabel("documents")
        axes.set_title(f"perplexity of '{lang}' documents" + ("" if entry.get("model", True) else " (no model)"))
        if entry.get("cutoffs"):
            axes.legend(fontsize="small", frameon=False)
    return figure


def mixture_shares(manifest: Mapping[str, Any]) -> tuple[dict[str, float], dict[str, float]]:
    """({source: target share}, {source: actual share of training tokens}); target is empty without a mixture.

    Actual shares come from stats.tokens_by_split["train"] when the shards were split, else stats.tokens_by_source.
    """
    stats = manifest.get("stats", {})
    mixture = manifest.get("config", {}).get("mixture") or {}
    weights = {s: float(w) for s, w in (mixture.get("weights") or {}).items() if isinstance(w, (int, float))}
    total_weight = sum(weights.values())
    target = {s: w / total_weight for s, w in weights.items()} if total_weight > 0 else {}
    tokens = (stats.get("tokens_by_split") or {}).get("train") or stats.get("tokens_by_source") or {}
    tokens = {s: float(n) for s, n in tokens.items() if isinstance(n, (int, float))}
    total = sum(tokens.values())
    actual = {s: n / total for s, n in tokens.items()} if total > 0 else {}
    return target, actual


def plot_mixture(manifest: Mapping[str, Any]) -> Figure | None:
    target, actual = mixture_shares(manifest)
    if not actual:
        return None
    sources = sorted(set(target) | set(actual), key=lambda s: (-target.get(s, actual.get(s, 0)), s))
    figure = _new_figure(8, 3.8)
    axes = figure.add_subplot()
    positions = range(len(sources))
    width = 0.4 if target else 0.7
    if target:
        axes.bar([p - width / 2 for p in positions], [100 * target.get(s, 0) for s in sources], width,
                 label="target (recipe weight)", color="#bbbbbb")
    axes.bar([p + (width / 2 if target else 0) for p in positions], [100 * actual.get(s, 0) for s in sources], width,
             label="actual (training tokens)", color="#4c72b0")
    axes.set_xticks(list(positions), sources, rotation=30, ha="right")
    axes.set_ylabel("% of tokens")
    axes.set_title("mixture: actual vs target" if target else "tokens per source (no mixture recipe recorded)")
    axes.legend(fontsize="small", frameon=False)
    return figure


def read_training_log(manifest_file: str) -> list[dict]:
    """The records of the training log beside a checkpoint's folder (output_dir/log.jsonl); [] if there is none."""
    path = storage.join(storage.dirname(storage.dirname(manifest_file)), TRAINING_LOG)
    if not storage.exists(path):
        return []
    records = []
    with storage.open_read(path) as handle:
        for number, line in enumerate(handle.read().decode("utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as err:
                log.warning("%s line %d: not JSON (%s); skipped", path, number, err)
    return records


def plot_loss(records: list[Mapping[str, Any]]) -> Figure | None:
    """Training loss (and validation loss when logged) against tokens seen."""
    train = [(r["tokens_seen"], r["loss"]) for r in records
             if isinstance(r.get("tokens_seen"), (int, float)) and isinstance(r.get("loss"), (int, float))]
    val = [(r["tokens_seen"], r["val_loss"]) for r in records
           if isinstance(r.get("tokens_seen"), (int, float)) and isinstance(r.get("val_loss"), (int, float))]
    if not train and not val:
        return None
    figure = _new_figure(8, 4)
    axes = figure.add_subplot()
    if train:
        axes.plot(*zip(*train), label="training loss", color="#4c72b0")
    if val:
        axes.plot(*zip(*val), marker="o", label="validation loss", color="#d62728")
    axes.set_xlabel("training tokens seen")
    axes.set_ylabel("loss (nats/token)")
    axes.grid(True, alpha=0.3)
    axes.set_title("loss vs training tokens")
    axes.legend(fontsize="small", frameon=False)
    return figure


# ---------------------------------------------------------------- HTML pieces; every text goes through _e


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _table(rows: list[Mapping[str, Any]], columns: Iterable[str] | None = None) -> str:
    if not rows:
        return ""
    columns = list(columns or dict.fromkeys(k for row in rows for k in row))
    head = "".join(f"<th>{_e(c)}</th>" for c in columns)
    body = []
    for row in rows:
        cells = []
        for column in columns:
            value = row.get(column, "")
            number = isinstance(value, (int, float)) and not isinstance(value, bool)
            cells.append(f'<td class="num">{_e(format_value(value))}</td>' if number else f"<td>{_e(format_value(value))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _key_values(pairs: Iterable[tuple[str, Any]], raw: Mapping[str, str] | None = None) -> str:
    """A two-column table; values in `raw` are already HTML."""
    raw = raw or {}
    rows = "".join(f"<tr><th>{_e(k)}</th><td>{raw[k] if k in raw else _e(format_value(v))}</td></tr>" for k, v in pairs)
    return f"<table>{rows}</table>"


def _figure_html(figure: Figure | None, caption: str) -> str:
    if figure is None:
        return ""
    return (f'<figure><img class="plot" alt="{_e(caption)}" src="{png_data_uri(figure)}">'
            f"<figcaption>{_e(caption)}</figcaption></figure>")


def _header(path: str, manifest: Mapping[str, Any], parent_links: list[str]) -> str:
    outputs = manifest["outputs"]
    rows = [o["rows"] for o in outputs if o.get("rows") is not None]
    inputs = manifest.get("inputs", {})
    pairs = [
        ("kind", manifest["kind"]),
        ("manifest", path),
        ("created_at", manifest["created_at"]),
        ("llamix_version", manifest["llamix_version"]),
        ("git_commit", manifest["git_commit"]),
        ("command", manifest["command"]),
        ("inputs", f"{inputs.get('files', 0):,} files, {human_bytes(inputs.get('bytes') or 0)}"),
        ("outputs", f"{len(outputs):,} files, {human_bytes(sum(o['bytes'] for o in outputs))}"
                    + (f", {sum(rows):,} rows" if rows else "")),
        ("parents", ""),
    ]
    raw = {"parents": ", ".join(parent_links) or "-", "command": f"<code>{_e(manifest['command'])}</code>"}
    return _key_values(pairs, raw)


def _funnel_table(funnel: list[Mapping[str, Any]]) -> str:
    rows = []
    for step in funnel:
        dropped = ", ".join(f"{reason} {n:,}" for reason, n in sorted(step["dropped"].items()) if n) or "-"
        kept_share = step["kept"] / step["in"] if step["in"] else 1.0
        rows.append({"step": step["step"], "in": step["in"], "kept": step["kept"],
                     "kept %": round(100 * kept_share, 1), "dropped": dropped})
    return _table(rows)


def _language_table(rows: list[Mapping[str, Any]]) -> str:
    flat = [{k: v for k, v in row.items() if not isinstance(v, Mapping)} for row in rows]
    for row, original in zip(flat, rows):
        for key, value in (original.get("length_chars") or {}).items():
            row[f"length {key}"] = value
    return _table(flat)


def _stats_html(path: str, manifest: Mapping[str, Any]) -> str:
    stats = manifest.get("stats", {})
    parts = []
    scalars = {k: v for k, v in stats.items() if not isinstance(v, (list, dict))}
    if scalars:
        parts.append("<h3>stats</h3>" + _key_values(scalars.items()))
    for warning in stats.get("warnings") or ():
        parts.append(f'<p class="warning">warning: {_e(warning)}</p>')

    target, actual = mixture_shares(manifest)
    if actual:
        mixture = manifest.get("config", {}).get("mixture") or {}
        title = "mixture" + (f": {mixture.get('name') or mixture.get('recipe')}" if mixture else "")
        parts.append(f"<h3>{_e(title)}</h3>")
        parts.append(_figure_html(plot_mixture(manifest), "share of training tokens per source vs the recipe"))
        epochs = stats.get("epochs_needed") or {}
        splits = stats.get("tokens_by_split") or {}
        sources = sorted(set(target) | set(actual) | set(epochs))
        table = []
        for source in sources:
            row: dict[str, Any] = {"source": source}
            if target:
                row["target %"] = round(100 * target.get(source, 0), 2)
            row["actual %"] = round(100 * actual.get(source, 0), 2)
            for split, counts in splits.items():
                row[f"{split} tokens"] = counts.get(source, 0)
            if not splits:
                row["tokens"] = (stats.get("tokens_by_source") or {}).get(source, 0)
            if epochs:
                row["epochs needed"] = epochs.get(source, "-")
            table.append(row)
        parts.append(_table(table))
        settings = {k: v for k, v in mixture.items() if k != "weights"}
        if settings:
            parts.append(_key_values(settings.items()))

    by_language = [r for r in stats.get("by_language") or () if isinstance(r, Mapping)]
    if by_language:
        parts.append("<h3>languages</h3>")
        parts.append(_figure_html(plot_languages(by_language), "counts per language, stacked by source"))
        if any(_percentiles(r) for r in by_language):
            parts.append("<h3>document lengths</h3><p class=\"muted\">The manifest keeps length percentiles "
                         "(p0…p100) per language, not every length, so each curve is a cumulative view of that "
                         "language's length histogram: the y value at x is the length that x% of documents are "
                         "at most.</p>")
            parts.append(_figure_html(plot_lengths(by_language), "document length percentiles per language"))
        parts.append(f"<details><summary>per-language table ({len(by_language)} rows)</summary>"
                     f"{_language_table(by_language)}</details>")

    perplexity = stats.get("perplexity")
    if isinstance(perplexity, Mapping) and perplexity:
        parts.append("<h3>perplexity buckets</h3>")
        parts.append(_figure_html(plot_perplexity(perplexity),
                                  "histogram of log10(perplexity); dashed: bucket cutoffs"))
        parts.append(_table([{"lang": lang, "model": e.get("model"), "cutoffs": e.get("cutoffs"),
                              "documents scored": sum((e.get("histogram") or {}).values())}
                             for lang, e in sorted(perplexity.items()) if isinstance(e, Mapping)]))

    if manifest["kind"] == "checkpoint":
        records = read_training_log(path)
        parts.append("<h3>training</h3>")
        figure = plot_loss(records)
        if figure is None:
            parts.append(f'<p class="muted">no {_e(TRAINING_LOG)} with loss and tokens_seen beside this '
                         "checkpoint's folder</p>")
        else:
            parts.append(_figure_html(figure, f"loss vs tokens seen, from {TRAINING_LOG} ({len(records)} records)"))
    return "".join(parts)


def _section(path: str, manifest: Mapping[str, Any], anchors: Mapping[str, str]) -> str:
    directory = storage.dirname(path)
    links = []
    for parent in manifest["parents"]:
        target = _resolve(storage.join(directory, parent["path"]))
        label = f"{parent['kind']}: {parent['path']}"
        links.append(f'<a href="#{anchors[target]}">{_e(label)}</a>' if target in anchors else _e(label))
    parts = [f'<section id="{anchors[_resolve(path)]}"><h2>{_e(manifest["kind"])}: {_e(path)}</h2>',
             _header(path, manifest, links)]
    if manifest["funnel"]:
        parts.append("<h3>funnel</h3>")
        parts.append(_figure_html(plot_funnel(manifest["funnel"]), "documents kept and dropped per step"))
        parts.append(_funnel_table(manifest["funnel"]))
    errors = manifest.get("input_errors")
    if errors and errors.get("count"):
        parts.append(f'<p class="warning">{errors["count"]:,} unreadable inputs; first examples:</p>')
        parts.append(_table(errors.get("examples", [])[:20]))
    parts.append(_stats_html(path, manifest))
    config = flatten(manifest.get("config", {}))
    if config:
        parts.append(f"<details><summary>config ({len(config)} keys)</summary>{_key_values(config.items())}</details>")
    parts.append(f"<details><summary>outputs ({len(manifest['outputs'])} files)</summary>"
                 + _table([{"path": o["path"], "rows": o["rows"], "bytes": o["bytes"], "sha256": o["sha256"][:16]}
                           for o in manifest["outputs"]]) + "</details>")
    parts.append("</section>")
    return "".join(parts)


def _resolve(path: str) -> str:
    """The same key for every spelling of a manifest's path, as `lineage` uses to visit each once."""
    path = manifest_path(path)
    return path if storage.has_scheme(path) else str(Path(path).resolve())


def _display(path: str) -> str:
    """`a/shards/../c4/manifest.json` as `a/c4/manifest.json` (local paths only: a URL keeps its spelling)."""
    return path if storage.has_scheme(path) else os.path.normpath(path)


def render_report(path: str) -> str:
    """The HTML page for the manifest at `path` (file or folder) and all its ancestors."""
    chain = [(_display(p), m) for p, m in lineage(path)]
    anchors = {_resolve(p): f"manifest-{index}" for index, (p, _) in enumerate(chain)}
    contents = "".join(f'<li><a href="#{anchors[_resolve(p)]}">{_e(m["kind"])}</a>: {_e(p)}</li>' for p, m in chain)
    sections = "".join(_section(p, m, anchors) for p, m in chain)
    title = f"llamix report: {chain[0][1]['kind']} {chain[0][0]}"
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{_e(title)}</title>'
            f"<style>{_STYLE}</style></head><body><h1>{_e(title)}</h1>"
            f'<p class="muted">{len(chain)} manifests: the one asked for, then its parents depth first.</p>'
            f"<ol>{contents}</ol>{sections}</body></html>\n")


def write_report(path: str, output: str) -> str:
    """Renders the report for `path` and writes it to `output` (local or remote) atomically; returns `output`."""
    page = render_report(path)
    storage.write_bytes_atomic(str(output), page.encode("utf-8"))
    return str(output)
