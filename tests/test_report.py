"""`llamix manifest report` (self-contained HTML with plots) and `llamix manifest diff`.

No headless browser is installed where the tests run, so "every plot visible" is checked on the page itself: no
external references, and every <img> is an embedded PNG that decodes to a real picture with ink on it.
"""
import base64
import html.parser
import io
import json
import shutil

import pytest
from PIL import Image

from manifests import write_manifest
from manifests.cli import main as manifest_cli
from manifests.diff import diff_manifests
from manifests.report import mixture_shares, render_report, write_report

SOURCE_FUNNEL = [
    {"step": "read", "in": 50, "kept": 48, "dropped": {"input_error": 2}},
    {"step": "lang_id", "in": 48, "kept": 40, "dropped": {"language_not_selected": 8}},
    {"step": "perplexity", "in": 40, "kept": 30, "dropped": {"bucket_tail": 10}},
]
PERCENTILES = {"p0": 300, "p10": 350, "p25": 500, "p50": 900, "p75": 1300, "p90": 2000, "p99": 4000, "p100": 5000}


def _stage(directory, kind, parents=(), funnel=(), stats=None, config=None, command="llamix test",
           files=(("part-00000.parquet", 30),)):
    directory.mkdir(parents=True, exist_ok=True)
    for name, _ in files:
        (directory / name).write_bytes(b"x" * 64)
    return write_manifest(str(directory), kind=kind, command=command, config=config or {"x": 1},
                          parents=[str(p) for p in parents], outputs=list(files), funnel=funnel, stats=stats or {})


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """source (funnel, languages, lengths, perplexity) → tokenizer → shards (mixture) → checkpoint, log.jsonl."""
    root = tmp_path_factory.mktemp("run")
    source = _stage(root / "commoncrawl", "source", funnel=SOURCE_FUNNEL,
                    command="llamix run commoncrawl --note '<script>alert(1)</script>'",
                    config={"source": "commoncrawl", "langs": ["en", "de"], "weird <key>": "a & b"},
                    stats={"docs": 30, "bytes": 30_000, "by_language": [
                        {"source": "commoncrawl", "lang": "en", "docs": 20, "bytes": 21_000,
                         "length_chars": PERCENTILES},
                        {"source": "commoncrawl", "lang": "de", "docs": 10, "bytes": 9_000,
                         "length_chars": PERCENTILES},
                    ], "perplexity": {
                        "en": {"model": True, "cutoffs": [190.0, 230.0], "histogram": {"2.1": 3, "2.2": 9, "2.3": 12}},
                        "de": {"model": True, "cutoffs": [300.0, 400.0], "histogram": {"2.4": 4, "2.5": 6}},
                    }})
    tokenizer = _stage(root / "tokenizer", "tokenizer", parents=[source], files=(("tokenizer.model", 2000),))
    shards = _stage(root / "shards", "shards", parents=[source, tokenizer],
                    funnel=[{"step": "tokenize", "in": 30, "kept": 30, "dropped": {}}],
                    files=(("shard-00000.arrow", 20), ("shard-00001.arrow", 10)),
                    config={"mixture": {"recipe": "llama1.yaml", "name": "llama1", "target_tokens": 1000,
                                        "val_fraction": 0.1, "weights": {"commoncrawl": 0.67, "wikipedia": 0.33}}},
                    stats={"docs": 30, "tokens": 1000, "tokens_by_source": {"commoncrawl": 1000},
                           "tokens_by_split": {"train": {"commoncrawl": 900}, "validation": {"commoncrawl": 100}},
                           "epochs_needed": {"commoncrawl": 1.2},
                           "warnings": ["wikipedia has no documents <below target>"],
                           "by_language": [{"source": "commoncrawl", "lang": "en", "docs": 20, "tokens": 700},
                                           {"source": "commoncrawl", "lang": "de", "docs": 10, "tokens": 300}]})
    checkpoint = _stage(root / "train" / "step-000020", "checkpoint", parents=[shards], files=(("model.pt", None),),
                        stats={"step": 20, "loss": 5.1, "tokens_seen": 20_480})
    (root / "train" / "log.jsonl").write_text("".join(
        json.dumps({"step": s, "loss": 8 - s / 5, "tokens_seen": s * 1024}) + "\n" for s in range(1, 21)))
    return {"root": root, "source": source, "tokenizer": tokenizer, "shards": shards, "checkpoint": checkpoint}


class _PageParser(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.images, self.links, self.sections, self.tags = [], [], [], set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.add(tag)
        if tag == "img":
            self.images.append(attrs)
        if "href" in attrs:
            self.links.append(attrs["href"])
        if tag == "section":
            self.sections.append(attrs["id"])


def _parse(page: str) -> _PageParser:
    parser = _PageParser()
    parser.feed(page)
    return parser


def _decoded_png(src: str) -> Image.Image:
    prefix = "data:image/png;base64,"
    assert src.startswith(prefix), src[:40]
    image = Image.open(io.BytesIO(base64.b64decode(src[len(prefix):], validate=True)))
    image.load()
    return image


@pytest.fixture(scope="module")
def checkpoint_page(run):
    return render_report(run["checkpoint"])


def test_report_has_one_section_per_manifest_of_the_lineage(checkpoint_page):
    parsed = _parse(checkpoint_page)
    assert len(parsed.sections) == 4  # checkpoint, shards, source (once, though two children name it), tokenizer
    assert all(f"#{section}" in parsed.links for section in parsed.sections)


def test_report_is_self_contained(checkpoint_page):
    parsed = _parse(checkpoint_page)
    assert not {"script", "link", "iframe", "object"} & parsed.tags
    assert all(link.startswith("#") for link in parsed.links)
    assert "http://" not in checkpoint_page and "https://" not in checkpoint_page
    assert "url(" not in checkpoint_page


def test_every_plot_is_an_embedded_png_with_ink_on_it(checkpoint_page):
    images = _parse(checkpoint_page).images
    # source: funnel, languages, lengths, perplexity; shards: funnel, mixture, languages; checkpoint: loss
    assert len(images) == 8
    for attrs in images:
        image = _decoded_png(attrs["src"])
        assert image.width > 100 and image.height > 100
        low, high = image.convert("L").getextrema()
        assert low < 128 < high, attrs["alt"]  # not blank: dark strokes on a light background
        assert attrs["alt"]


def test_report_shows_each_kind_s_plots(checkpoint_page):
    alts = [attrs["alt"] for attrs in _parse(checkpoint_page).images]
    assert alts.count("documents kept and dropped per step") == 2
    for expected in ("share of training tokens per source vs the recipe", "counts per language, stacked by source",
                     "document length percentiles per language",
                     "histogram of log10(perplexity); dashed: bucket cutoffs"):
        assert expected in alts
    assert any(alt.startswith("loss vs tokens seen") for alt in alts)
    assert "language_not_selected 8" in checkpoint_page  # the funnel is a table too
    assert "percentiles" in checkpoint_page and "epochs needed" in checkpoint_page


def test_report_escapes_what_manifests_say(checkpoint_page):
    assert "<script>" not in checkpoint_page and "&lt;script&gt;alert(1)&lt;/script&gt;" in checkpoint_page
    assert "weird &lt;key&gt;" in checkpoint_page and "a &amp; b" in checkpoint_page
    assert "&lt;below target&gt;" in checkpoint_page


def test_mixture_actual_is_the_share_of_training_tokens_and_target_the_normalized_weights(run):
    from manifests import read_manifest

    target, actual = mixture_shares(read_manifest(run["shards"]))
    assert target == pytest.approx({"commoncrawl": 0.67, "wikipedia": 0.33})
    assert actual == {"commoncrawl": 1.0}


def test_report_without_a_mixture_falls_back_to_tokens_by_source():
    target, actual = mixture_shares({"config": {}, "stats": {"tokens_by_source": {"a": 30, "b": 10}}})
    assert target == {} and actual == {"a": 0.75, "b": 0.25}


def test_report_cli_writes_the_page_where_asked(run, tmp_path, capsys):
    output = tmp_path / "out" / "shards.html"
    output.parent.mkdir()
    assert manifest_cli(["report", str(run["root"] / "shards"), "-o", str(output)]) == 0
    assert str(output) in capsys.readouterr().out
    assert len(_parse(output.read_text()).images) == 7  # no checkpoint above the shards: no loss curve


def test_report_cli_of_a_missing_manifest_is_a_clear_error(tmp_path, capsys):
    assert manifest_cli(["report", str(tmp_path), "-o", str(tmp_path / "r.html")]) == 2
    assert "manifest.json" in capsys.readouterr().err


def test_write_report_returns_the_path(run, tmp_path):
    assert write_report(run["tokenizer"], str(tmp_path / "t.html")) == str(tmp_path / "t.html")


def test_diff_of_a_run_against_itself_finds_nothing(run, capsys):
    assert diff_manifests(run["shards"], run["shards"]) == []
    assert manifest_cli(["diff", run["source"], run["source"]]) == 0
    assert "no differences" in capsys.readouterr().out


def _edited_copy(run, tmp_path, edit):
    copy = tmp_path / "commoncrawl"
    shutil.copytree(run["root"] / "commoncrawl", copy)
    manifest = json.loads((copy / "manifest.json").read_text())
    edit(manifest)
    (copy / "manifest.json").write_text(json.dumps(manifest))
    return str(copy)


def test_diff_lists_changed_funnel_config_and_rows(run, tmp_path, capsys):
    def edit(manifest):
        manifest["created_at"] = "2000-01-01T00:00:00+00:00"  # not a difference
        manifest["command"] = "llamix something else"  # nor this
        manifest["config"]["langs"] = ["en"]
        manifest["outputs"][0]["rows"] = 29
        manifest["outputs"][0]["sha256"] = "0" * 64
        funnel = manifest["funnel"]
        funnel[1]["kept"], funnel[1]["dropped"]["language_not_selected"] = 39, 9
        funnel[2]["in"], funnel[2]["kept"] = 39, 29
        manifest["stats"]["by_language"].reverse()  # same rows, other order: not a difference
        manifest["stats"]["by_language"][0]["docs"] = 9

    other = _edited_copy(run, tmp_path, edit)
    found = {(d.section, d.key): (d.a, d.b) for d in diff_manifests(run["source"], other)}
    assert found == {
        ("config", "langs"): (["en", "de"], ["en"]),
        ("outputs", "part-00000.parquet.rows"): (30, 29),
        ("funnel", "lang_id.kept"): (40, 39),
        ("funnel", "lang_id.dropped.language_not_selected"): (8, 9),
        ("funnel", "perplexity.in"): (40, 39),
        ("funnel", "perplexity.kept"): (30, 29),
        ("stats", "by_language[source=commoncrawl,lang=de].docs"): (10, 9),
        ("sha256", "part-00000.parquet"): (json.loads(open(run["source"]).read())["outputs"][0]["sha256"], "0" * 64),
    }
    assert manifest_cli(["diff", run["source"], other]) == 1
    out = capsys.readouterr().out
    assert "lang_id.kept" in out and "8 difference(s)" in out


def test_diff_can_ignore_checksums_alone(run, tmp_path):
    other = _edited_copy(run, tmp_path, lambda m: m["outputs"][0].update(sha256="0" * 64))
    assert manifest_cli(["diff", run["source"], other]) == 1
    assert manifest_cli(["diff", "--ignore-sha256", run["source"], other]) == 0


def test_diff_names_files_only_in_one_run(run, tmp_path):
    other = _edited_copy(run, tmp_path, lambda m: m["outputs"].append(
        {"path": "part-00001.parquet", "rows": 3, "bytes": 1, "sha256": "1" * 64}))
    assert [(d.section, d.key, d.a) for d in diff_manifests(run["source"], other)] == [
        ("outputs", "part-00001.parquet.rows", "(absent)")]
