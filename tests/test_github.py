"""The GitHub source: licence detection, readers, header removal, filters at their boundaries, exact dedup, and the
whole pipeline on the DirectRunner over tests/data/github."""
import importlib.util
import json
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from manifests import verify_manifest
from pipelines.readers.github import (
    SourceFile, combine_licenses, detect_license, read_bigquery_export, read_repository, repository_folders,
    repository_license, spdx_from_bigquery,
)
from pipelines.readers.mediawiki import InputError
from pipelines.sources import github
from pipelines.sources.github import (
    LICENSE_WORDS, MINIFIED_NAME, VENDORED_DIR, GitHubConfig, QualitySignals, file_document, file_reason,
    keep_smallest_id, language_of, license_reason, quality_reason, quality_signals, strip_license_header,
)

DATA = Path(__file__).parent / "data" / "github"
REPOS = DATA / "repos"


def _fixtures():
    spec = importlib.util.spec_from_file_location("github_make_fixtures", DATA / "make_fixtures.py")
    module = importlib.util.module_from_spec(spec)
    sys.dont_write_bytecode, before = True, sys.dont_write_bytecode
    try:
        spec.loader.exec_module(module)
    finally:
        sys.dont_write_bytecode = before
    return module


fx = _fixtures()


# --- licences -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, spdx", [
    (fx.MIT_STANDIN, "MIT"),
    (fx.BSD3_STANDIN, "BSD-3-Clause"),
    (fx.BSD2_STANDIN, "BSD-2-Clause"),
    (fx.APACHE_STANDIN, "Apache-2.0"),
    (fx.GPL_STANDIN, "GPL-3.0"),
    (fx.UNKNOWN_STANDIN, None),
    ("SPDX-License-Identifier: MIT\n", "MIT"),
    ("", None),
])
def test_detect_license_from_the_distinctive_phrases_of_small_licence_files(text, spdx):
    assert detect_license(text) == spdx


def test_detect_license_ignores_line_wrapping_and_case():
    assert detect_license("PERMISSION IS HEREBY GRANTED, free of\n   charge, to any person obtaining a\ncopy") == "MIT"


def test_bigquery_licence_keys_map_to_spdx_and_unknown_keys_to_none():
    assert [spdx_from_bigquery(k) for k in ("mit", "apache-2.0", "bsd-3-clause", "BSD-2-Clause", "wtfpl", None)] \
        == ["MIT", "Apache-2.0", "BSD-3-Clause", "BSD-2-Clause", None, None]


def test_dual_licence_is_allowed_when_any_of_its_ids_is():
    assert combine_licenses(["MIT", "Apache-2.0", None]) == "Apache-2.0 OR MIT"
    assert license_reason("Apache-2.0 OR MIT") is None
    assert license_reason("GPL-3.0 OR MIT") is None
    assert license_reason("GPL-3.0") == "license_not_allowed"
    assert license_reason(None) == "license_unknown"
    assert license_reason("MIT", allowed=("Apache-2.0",)) == "license_not_allowed"


def test_repository_licence_comes_from_its_licence_files():
    assert repository_license(REPOS / "anchor-mit") == ("MIT", "LICENSE")
    assert repository_license(REPOS / "keel-bsd") == ("BSD-3-Clause", "LICENSE.md")
    assert repository_license(REPOS / "mast-gpl") == ("GPL-3.0", "COPYING")
    assert repository_license(REPOS / "sail-unknown") == (None, "LICENSE.txt")


# --- readers ------------------------------------------------------------------------------------------------------


def test_export_reader_yields_one_file_a_line_with_spdx_licence():
    items = list(read_bigquery_export(str(DATA / "export-00.jsonl.gz")))
    assert len(items) == len(fx.EXPORT) and all(isinstance(i, SourceFile) for i in items)
    main_c = items[0]
    assert (main_c.repo_name, main_c.path, main_c.license, main_c.license_raw, main_c.line) == (
        "harbour/tools", "src/main.c", "MIT", "mit", 1)
    png = next(i for i in items if i.path == "logo.png")
    assert png.binary and png.content is None


def test_export_reader_counts_invalid_json_undecodable_bytes_and_missing_fields_naming_file_and_line():
    path = str(DATA / "export-bad.jsonl")
    items = list(read_bigquery_export(path))
    errors = [i for i in items if isinstance(i, InputError)]
    assert [i.path for i in items if isinstance(i, SourceFile)] == ["buoy.rs"]
    assert len(errors) == 3 and all(e.path == path for e in errors)
    reasons = [e.reason for e in errors]
    assert reasons[0].startswith("line 1, column") and "invalid JSON" in reasons[0]
    assert reasons[1].startswith("line 4: not UTF-8")
    assert reasons[2] == "line 5: expected a non-empty string 'path' field"


def test_export_reader_reports_a_cut_gzip_stream_after_the_records_before_it(tmp_path):
    data = (DATA / "export-00.jsonl.gz").read_bytes()
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(data[: len(data) // 2])
    items = list(read_bigquery_export(str(cut)))
    assert isinstance(items[-1], InputError) and "gzip" in items[-1].reason
    assert all(isinstance(i, SourceFile) for i in items[:-1])


def test_export_reader_treats_nul_characters_as_binary(tmp_path):
    path = tmp_path / "nul.jsonl"
    path.write_text(json.dumps({"repo_name": "a/b", "path": "x.py", "content": "ab\x00cd", "license": "mit"}) + "\n")
    (item,) = read_bigquery_export(str(path))
    assert item.binary and item.content is None


def test_repository_reader_sniffs_binaries_and_reports_undecodable_files():
    items = list(read_repository(str(REPOS / "anchor-mit")))
    files = {i.path: i for i in items if isinstance(i, SourceFile)}
    errors = [i for i in items if isinstance(i, InputError)]
    assert sorted(files) == ["LICENSE", "anchor.c", "data.py", "docs/photo.jpg", "helpers.py", "scripts/weigh.sh"]
    assert files["data.py"].binary and files["docs/photo.jpg"].binary
    assert files["anchor.c"].repo_name == "anchor-mit" and files["anchor.c"].license == "MIT"
    assert len(errors) == 1 and errors[0].path.endswith("notes.py") and "not UTF-8" in errors[0].reason


def test_a_folder_of_repositories_is_split_into_them_and_a_repository_is_itself():
    assert [Path(p).name for p in repository_folders(str(REPOS))] == [
        "anchor-mit", "keel-bsd", "mast-gpl", "sail-unknown"]
    assert repository_folders(str(REPOS / "keel-bsd")) == [str(REPOS / "keel-bsd")]


# --- header removal -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path, text, expected", [
    ("main.c", fx.C_WITH_HEADER, fx.C_BODY),
    ("tide.py", fx.PYTHON_WITH_HEADER, fx.PYTHON_BODY),
    ("beam.go", fx.GO_WITH_HEADER, fx.GO_BODY),
    ("moor.sh", fx.SHELL_WITH_HEADER, fx.SHELL_BODY),
])
def test_licence_header_is_removed_in_c_python_go_and_shell(path, text, expected):
    assert strip_license_header(text, github.comment_style(path)) == expected


def test_header_removal_keeps_shebang_include_encoding_line_and_markdown_title():
    assert fx.C_BODY.startswith("#include <stdio.h>\n")
    assert fx.PYTHON_BODY.startswith("#!/usr/bin/env python3\n# -*- coding: utf-8 -*-\n")
    assert fx.SHELL_BODY.startswith("#!/bin/sh\n")
    assert strip_license_header(fx.MARKDOWN_TITLE, "html") == fx.MARKDOWN_TITLE
    # A Markdown heading that mentions a licence is still a heading.
    assert strip_license_header("# License\n\nMIT licensed.\n", "html") == "# License\n\nMIT licensed.\n"


def test_header_removal_keeps_comments_that_are_not_about_licences():
    text = "# Helpers for reading tide tables.\n\ndef f():\n    pass\n"
    assert strip_license_header(text, "hash") == text
    text = "/* tide table reader */\nint x;\n"
    assert strip_license_header(text, "c") == text


def test_only_the_first_comment_block_is_removed():
    text = "// Copyright 2026 A.\n\npackage a\n\n// Copyright notice printed by --version.\nvar v = 1\n"
    assert strip_license_header(text, "c") == "package a\n\n// Copyright notice printed by --version.\nvar v = 1\n"


def test_a_preprocessor_line_ends_a_hash_block_and_is_kept():
    text = "# Copyright 2026 A. MIT licence.\n#define HARBOUR 1\nint x;\n"
    assert strip_license_header(text, "hash") == "#define HARBOUR 1\nint x;\n"


def test_block_comment_with_code_after_its_end_is_kept():
    text = "/* Copyright 2026 A. */ int x;\n"
    assert strip_license_header(text, "c") == text


def test_html_dash_and_unterminated_blocks():
    assert strip_license_header("<!-- Copyright 2026 A. -->\n# Title\n", "html") == "# Title\n"
    assert strip_license_header("-- Copyright 2026 A.\n-- MIT License\nSELECT 1;\n", "dash") == "SELECT 1;\n"
    assert strip_license_header("--[[ Copyright 2026 A.\n]]\nlocal x = 1\n", "dash") == "local x = 1\n"
    assert strip_license_header("/* Copyright 2026 A.\nint x;\n", "c") == "/* Copyright 2026 A.\nint x;\n"
    assert strip_license_header("<?php\n// Copyright 2026 A.\necho 1;\n", "c") == "<?php\necho 1;\n"
    assert strip_license_header("; Copyright 2026\nmov ax, 1\n", None) == "; Copyright 2026\nmov ax, 1\n"


@pytest.mark.parametrize("text", ["Copyright 2026", "(c) 2026 A.", "© A.", "Licensed under MIT", "BSD license",
                                  "SPDX-License-Identifier: MIT", "All rights reserved",
                                  "Permission is hereby granted", "two licences"])
def test_licence_words_match(text):
    assert LICENSE_WORDS.search(text)


@pytest.mark.parametrize("text", ["Helpers for tide tables", "licensing server client", "copy the buffer"])
def test_licence_words_do_not_match_ordinary_comments(text):
    assert not LICENSE_WORDS.search(text)


# --- file step ----------------------------------------------------------------------------------------------------


def _file(path: str, content: str | None = "print('x')\n", binary: bool = False) -> SourceFile:
    return SourceFile("a/b", path, content, "MIT", "mit", binary=binary)


@pytest.mark.parametrize("path, reason", [
    ("src/app.py", None), ("Makefile", None), ("Dockerfile", None), ("lib/x.C", None), ("X.PY", None),
    ("image.png", "extension_not_allowed"), ("README", "extension_not_allowed"), ("LICENSE", "license_file"),
    ("LICENSE.md", "license_file"), ("docs/LICENSE.md", None),
    ("vendor/lib.js", "vendored"), ("a/node_modules/b/c.js", "vendored"), ("third_party/x.c", "vendored"),
    ("src/vendored.js", None), ("app.min.js", "minified"), ("style-min.css", "minified"), ("admin.js", None),
])
def test_file_reasons_by_path(path, reason):
    assert file_reason(_file(path)) == reason


@pytest.mark.parametrize("path, matched", [("vendor/a.js", True), ("x/Vendor/a.js", True),
                                           ("vendors.js", False), ("myvendor/a.js", False)])
def test_vendored_dir_regex(path, matched):
    assert bool(VENDORED_DIR.search("/" + path)) == matched


@pytest.mark.parametrize("path, matched", [("a.min.js", True), ("a-min.css", True), ("admin.js", False),
                                           ("min.js", False), ("a.min.py", False)])
def test_minified_name_regex(path, matched):
    assert bool(MINIFIED_NAME.search(path)) == matched


def test_binary_content_is_dropped_as_binary_and_whitespace_after_the_header_as_empty():
    assert file_reason(_file("x.py", None, binary=True)) == "binary"
    assert file_document(_file("x.py", "# Copyright 2026 A.\n\n   \n")) == "empty"


def test_extensions_are_configurable():
    assert language_of("x.py") == "Python"
    assert language_of("x.py", extensions=(".go",)) is None
    assert language_of("x.kt", extensions=(".kt",)) == "kt"


def test_document_has_id_lang_code_and_meta_with_repo_path_licence_and_language():
    doc = file_document(SourceFile("harbour/tools", "src/main.c", fx.C_WITH_HEADER, "MIT", "mit"))
    meta = json.loads(doc["meta"])
    assert (doc["id"], doc["lang"], doc["source"], doc["text"]) == (
        "github/harbour/tools/src/main.c", "code", "github", fx.C_BODY)
    assert (meta["repo"], meta["path"], meta["license"], meta["language"], meta["header_removed"]) == (
        "harbour/tools", "src/main.c", "MIT", "C", True)


# --- quality thresholds at their boundaries -----------------------------------------------------------------------


def _signals(**changes) -> QualitySignals:
    base = dict(max_line_length=80, mean_line_length=30.0, alphanumeric_fraction=0.6, alpha_per_token=3.0)
    return QualitySignals(**{**base, **changes})


@pytest.mark.parametrize("changes, reason", [
    ({}, None),
    ({"max_line_length": 1000}, None), ({"max_line_length": 1001}, "max_line_length"),
    ({"mean_line_length": 100.0}, None), ({"mean_line_length": 100.01}, "mean_line_length"),
    ({"alphanumeric_fraction": 0.25}, None), ({"alphanumeric_fraction": 0.2499}, "alphanumeric_fraction"),
    ({"alpha_per_token": 1.5}, None), ({"alpha_per_token": 1.49}, "alpha_per_token"),
])
def test_quality_thresholds_keep_the_boundary_and_drop_beyond_it(changes, reason):
    assert quality_reason(_signals(**changes)) == reason


def test_quality_signals_measure_lines_characters_and_tokens():
    short_lines = "bb cc\n" * 10  # keeps the mean line length under 100
    assert quality_signals("a" * 1000 + "\n" + short_lines).max_line_length == 1000
    assert quality_reason(quality_signals("a" * 1000 + "\n" + short_lines)) is None
    assert quality_reason(quality_signals("a" * 1001 + "\n" + short_lines)) == "max_line_length"
    signals = quality_signals("ab cd\nefgh\n")  # lines 5 and 4; 8 alnum of 11 chars; 8 letters / 3 words
    assert (signals.mean_line_length, signals.alphanumeric_fraction, signals.alpha_per_token) == (
        4.5, 8 / 11, 8 / 3)
    # alpha per token 1.5 exactly: "ab c" -> 3 letters, 2 words.
    assert quality_signals("ab c").alpha_per_token == 1.5
    assert quality_signals("ab c", count_tokens=lambda text: 3).alpha_per_token == 1.0


def test_alpha_per_token_uses_sentencepiece_pieces_when_a_tokenizer_is_given(tokenizer_dir):
    from tokenizer.shard import load_tokenizer

    processor = load_tokenizer(github.tokenizer_model(str(tokenizer_dir)))
    text = "knots_to_metres_per_second(knots)"
    pieces = len(processor.encode(text))
    assert pieces > 1
    assert quality_signals(text, lambda t: len(processor.encode(t))).alpha_per_token == 27 / pieces


# --- exact dedup --------------------------------------------------------------------------------------------------


def test_exact_duplicates_keep_the_smallest_id():
    docs = [{"id": "github/z/a.py"}, {"id": "github/b/a.py"}, {"id": "github/m/a.py"}]
    assert keep_smallest_id(docs) == ({"id": "github/b/a.py"}, 2)


# --- the whole pipeline -------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pipeline_run(tmp_path_factory):
    output = tmp_path_factory.mktemp("github") / "out"
    inputs = [str(DATA / "export-*.jsonl*"), str(REPOS)]
    manifest = github.run(inputs, str(output))
    docs = [row for part in sorted(output.glob("part-*.parquet")) for row in pq.read_table(part).to_pylist()]
    return output, manifest, {d["id"]: d for d in docs}


def test_pipeline_funnel_counts_every_drop_by_reason_and_the_invariant_holds(pipeline_run):
    _, manifest, docs = pipeline_run
    funnel = {step["step"]: step for step in manifest["funnel"]}
    previous = None
    for step in manifest["funnel"]:
        assert step["in"] == step["kept"] + sum(step["dropped"].values()), step
        assert previous is None or step["in"] == previous
        previous = step["kept"]
    # export-00: 19 records, export-bad: 1 (+3 errors), repos: 6+3+2+2 files (+1 error)
    assert funnel["read"] == {"step": "read", "in": 37, "kept": 33, "dropped": {"input_error": 4}}
    assert funnel["license"]["dropped"] == {"license_not_allowed": 3, "license_unknown": 4}
    assert funnel["file"]["dropped"] == {
        "binary": 2, "empty": 1, "extension_not_allowed": 2, "license_file": 2, "minified": 1, "vendored": 1}
    assert funnel["quality"]["dropped"] == {
        "alpha_per_token": 1, "alphanumeric_fraction": 1, "max_line_length": 1, "mean_line_length": 1}
    assert funnel["dedup"]["dropped"] == {"duplicate_content": 6}
    assert funnel["dedup"]["kept"] == len(docs) == 7
    assert manifest["config"]["token_counter"] == "whitespace"


def test_pipeline_keeps_one_copy_of_a_file_duplicated_across_repositories(pipeline_run):
    _, _, docs = pipeline_run
    helpers = [i for i in docs if i.endswith("helpers.py")]
    assert helpers == ["github/anchor-mit/helpers.py"]  # smaller than harbour/tools, keel-bsd, quay/lighthouse


def test_pipeline_documents_have_headers_removed_and_meta(pipeline_run):
    _, _, docs = pipeline_run
    # main.c, moor.sh and beam.go of the export have the same text as anchor.c, weigh.sh and keel.go of the
    # repositories once their (different) headers are gone: the smaller ids stay.
    assert sorted(docs) == [
        "github/anchor-mit/anchor.c", "github/anchor-mit/helpers.py", "github/anchor-mit/scripts/weigh.sh",
        "github/harbour/buoys/buoy.rs", "github/harbour/tools/README.md", "github/harbour/tools/tide.py",
        "github/keel-bsd/keel.go",
    ]
    assert docs["github/harbour/tools/tide.py"]["text"] == fx.PYTHON_BODY
    meta = json.loads(docs["github/keel-bsd/keel.go"]["meta"])
    assert (meta["repo"], meta["license"], meta["license_raw"], meta["language"]) == (
        "keel-bsd", "BSD-3-Clause", "LICENSE.md", "Go")
    assert all(d["lang"] == "code" and d["source"] == "github" for d in docs.values())


def test_pipeline_writes_input_errors_and_a_verifiable_manifest(pipeline_run):
    output, manifest, _ = pipeline_run
    errors = [json.loads(line) for path in (output / "rejected").glob("*.jsonl") for line in path.read_text()
              .splitlines()]
    assert len(errors) == 4
    assert {Path(e["path"]).name for e in errors} == {"export-bad.jsonl", "notes.py"}
    verify_manifest(str(output))


def test_cli_main_runs_with_licence_and_extension_options(tmp_path):
    output = tmp_path / "out"
    assert github.main(["--input", str(DATA / "export-00.jsonl.gz"), "--output", str(output),
                        "--licenses", "MIT", "--extensions", ".c,.md"]) == 0
    manifest = json.loads((output / "manifest.json").read_text())
    assert manifest["funnel"][-1]["kept"] == 2  # harbour/tools main.c and README.md
    assert manifest["config"]["licenses"] == ["MIT"] and manifest["config"]["extensions"] == [".c", ".md"]


def test_config_records_the_sentencepiece_token_counter():
    config = GitHubConfig(tokenizer="/models/tok")
    assert config.manifest()["token_counter"] == "sentencepiece:/models/tok/tokenizer.model"


@pytest.mark.parametrize("line, is_encoding, stripped", [
    ("# -*- coding: utf-8 -*-", True, "# -*- coding: utf-8 -*-\nx = 1\n"),
    ("# vim: set fileencoding=latin-1 :", True, "# vim: set fileencoding=latin-1 :\nx = 1\n"),
    ("#coding=utf-8", True, "#coding=utf-8\nx = 1\n"),
    ("# Copyright 2026 B.", False, "x = 1\n"),  # part of the licence block, removed with it
    ("coding: utf-8", False, "coding: utf-8\n# Copyright 2026 A.\nx = 1\n"),  # code first: no header
])
def test_pep263_encoding_line_is_kept_before_a_licence_block(line, is_encoding, stripped):
    assert bool(github._ENCODING.match(line)) == is_encoding
    assert strip_license_header(f"{line}\n# Copyright 2026 A.\nx = 1\n", "hash") == stripped
