"""Writes the GitHub fixtures (all text written for llamix; the licence files are short stand-ins that hold only the
phrases the detector keys on, not the licences' texts):

* `export-00.jsonl.gz`: a BigQuery `github_repos` export, one file a line, covering every drop reason;
* `export-bad.jsonl`: one good record between an invalid JSON line, a non-UTF-8 line and a record without `path`;
* `repos/<name>/`: checked-out repositories with licence files (MIT, BSD-3-Clause, GPL-3.0, and an unknown one);
* with `--demo DIR`: the small demo sample (`DIR/github-sample.jsonl.gz`, `DIR/repos/`).

    .venv/bin/python tests/data/github/make_fixtures.py [--demo pipelines/demo_data/github]
"""
from __future__ import annotations

import argparse
import gzip
import json
from pathlib import Path

HERE = Path(__file__).parent

# --- licence stand-ins --------------------------------------------------------------------------------------------

MIT_STANDIN = """Test licence (MIT style) for the llamix fixtures.

Permission is hereby granted, free of charge, to any person obtaining a copy
of these fixture files, to deal in them without restriction.
"""
BSD3_STANDIN = """Test licence (BSD 3-clause style) for the llamix fixtures.

Redistribution and use in source and binary forms, with or without
modification, are permitted. The names of the authors may not
be used to endorse or promote products derived from this software without consent.
"""
BSD2_STANDIN = """Test licence (BSD 2-clause style).

Redistribution and use in source and binary forms are permitted when
redistributions in binary form must reproduce the above copyright notice.
"""
APACHE_STANDIN = """Test licence stand-in naming the Apache License, Version 2.0, for the fixtures.
"""
GPL_STANDIN = """Test stand-in naming the GNU General Public License, version 3,
for the llamix fixtures.
"""
UNKNOWN_STANDIN = """The Harbour Friends Licence: be kind to boats, and share what you build.
"""

# --- source files -------------------------------------------------------------------------------------------------

C_WITH_HEADER = """/*
 * Copyright (c) 2026 Harbour Tools contributors.
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>

int main(void) {
    printf("harbour lights are shining tonight\\n");
    return 0;
}
"""
C_BODY = C_WITH_HEADER.split(" */\n", 1)[1]

PYTHON_WITH_HEADER = """#!/usr/bin/env python3
# -*- coding: utf-8 -*-
# Copyright 2026 Tide Table authors.
# Licensed under the Apache License, Version 2.0.

def tide_height(hour_of_day):
    \"\"\"Height of the tide in metres at a given hour.\"\"\"
    return abs(twelve_hours() - hour_of_day) / 2.0
"""
PYTHON_BODY = """#!/usr/bin/env python3
# -*- coding: utf-8 -*-
def tide_height(hour_of_day):
    \"\"\"Height of the tide in metres at a given hour.\"\"\"
    return abs(twelve_hours() - hour_of_day) / 2.0
"""

GO_WITH_HEADER = """// Copyright 2026 The Lighthouse Authors. All rights reserved.
// Use of this source code is governed by a BSD-style license.

package lighthouse

func BeamInterval(seconds int) int {
\treturn seconds * rotationsPerMinute
}
"""
GO_BODY = GO_WITH_HEADER.split("license.\n\n", 1)[1]

SHELL_WITH_HEADER = """#!/bin/sh
# Copyright (c) 2026 Quay Scripts.
# SPDX-License-Identifier: BSD-3-Clause

echo "mooring the evening ferry"
"""
SHELL_BODY = """#!/bin/sh
echo "mooring the evening ferry"
"""

MARKDOWN_TITLE = """# Harbour Tools

Small programs for reading tide tables and lighthouse schedules.
"""

# The same helper copied into two repositories (and one more in the export): exact duplicates.
SHARED_HELPER = """def knots_to_metres_per_second(knots):
    return knots * metres_per_nautical_mile / seconds_per_hour
"""

JS_CODE = """function lanternColour(name) {
  return name === "port" ? "red" : "green";
}
"""

# --- export records -----------------------------------------------------------------------------------------------


def record(repo: str, path: str, content: str | None, license_key: str | None, **extra) -> dict:
    return {"repo_name": repo, "path": path, "content": content, "license": license_key,
            "size": len(content.encode()) if content is not None else 0, **extra}


EXPORT = [
    record("harbour/tools", "src/main.c", C_WITH_HEADER, "mit"),
    record("harbour/tools", "tide.py", PYTHON_WITH_HEADER, "mit"),
    record("harbour/tools", "README.md", MARKDOWN_TITLE, "mit"),
    record("harbour/tools", "helpers.py", SHARED_HELPER, "mit"),
    record("quay/lighthouse", "beam.go", GO_WITH_HEADER, "apache-2.0"),
    record("quay/lighthouse", "moor.sh", SHELL_WITH_HEADER, "bsd-3-clause"),
    record("quay/lighthouse", "lib/helpers.py", SHARED_HELPER, "bsd-2-clause"),  # duplicate_content
    record("quay/lighthouse", "logo.png", None, "apache-2.0", binary=True),  # extension_not_allowed
    record("quay/lighthouse", "icon.js", None, "apache-2.0", binary=True),  # binary
    record("quay/lighthouse", "vendor/lantern.js", JS_CODE, "apache-2.0"),  # vendored
    record("quay/lighthouse", "static/lantern.min.js", JS_CODE, "apache-2.0"),  # minified
    record("quay/lighthouse", "empty.py", "# Copyright 2026 nobody. Licensed MIT.\n\n", "apache-2.0"),  # empty
    record("quay/lighthouse", "long.js", "var x = '" + "a" * 1001 + "';\n", "apache-2.0"),  # max_line_length
    record("quay/lighthouse", "wide.js", ("lanternColourName = " + "b" * 90 + ";\n") * 3, "apache-2.0"),
    record("quay/lighthouse", "table.sql", "(1), (2), (3);\n" * 5, "apache-2.0"),  # alphanumeric_fraction
    record("quay/lighthouse", "digits.py", "x = 1 + 2 + 3 + 4 + 5 + 6\n" * 3, "apache-2.0"),  # alpha_per_token
    record("copyleft/buoy", "buoy.py", JS_CODE.replace("function", "def"), "gpl-3.0"),  # license_not_allowed
    record("nolicence/pier", "pier.py", SHARED_HELPER, None),  # license_unknown
    record("odd/licence", "odd.py", SHARED_HELPER, "wtfpl"),  # license_unknown (not a key we know)
]


def write_export(path: Path, records: list[dict]) -> None:
    data = "".join(json.dumps(r, sort_keys=True) + "\n" for r in records).encode("utf-8")
    path.write_bytes(gzip.compress(data, mtime=0) if path.name.endswith(".gz") else data)


def write_bad_export(path: Path) -> None:
    good = json.dumps(record("harbour/buoys", "buoy.rs", "fn buoy_colour() -> Colour { Colour::Yellow }\n",
                             "mit"), sort_keys=True)
    lines = [
        b'{"repo_name": "broken/json", "path": "a.py", "content": "x\n',  # cut: invalid JSON
        good.encode("utf-8"),
        b'{"repo_name": "latin1/file", "path": "caf\xe9.py", "content": "x", "license": "mit"}',  # not UTF-8
        json.dumps({"repo_name": "no/path", "content": "print(1)", "license": "mit"}).encode("utf-8"),
    ]
    path.write_bytes(b"\n".join(lines) + b"\n")


# --- repositories -------------------------------------------------------------------------------------------------

REPOS: dict[str, dict[str, bytes | str]] = {
    "anchor-mit": {
        "LICENSE": MIT_STANDIN,
        "anchor.c": C_WITH_HEADER,
        "scripts/weigh.sh": SHELL_WITH_HEADER,
        "helpers.py": SHARED_HELPER,
        "docs/photo.jpg": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00",  # extension_not_allowed (and binary)
        "data.py": b"\x89PNG\r\n\x1a\n\x00\x00",  # binary
        "notes.py": "caf\u00e9 = 'latte'\n".encode("latin-1"),  # not UTF-8: input_error
    },
    "keel-bsd": {
        "LICENSE.md": BSD3_STANDIN,
        "keel.go": GO_WITH_HEADER,
        "util/helpers.py": SHARED_HELPER,  # duplicate of anchor-mit/helpers.py
    },
    "mast-gpl": {"COPYING": GPL_STANDIN, "mast.py": PYTHON_WITH_HEADER},
    "sail-unknown": {"LICENSE.txt": UNKNOWN_STANDIN, "sail.py": PYTHON_WITH_HEADER},
}


def write_repos(folder: Path, repos: dict[str, dict[str, bytes | str]]) -> None:
    for repo, files in repos.items():
        for relative, content in files.items():
            path = folder / repo / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))


def write_fixtures(folder: Path = HERE) -> None:
    write_export(folder / "export-00.jsonl.gz", EXPORT)
    write_bad_export(folder / "export-bad.jsonl")
    write_repos(folder / "repos", REPOS)


def write_demo(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    write_export(folder / "github-sample.jsonl.gz", EXPORT)
    demo_repos = {name: {path: data for path, data in files.items() if path != "notes.py"}  # no input error
                  for name, files in REPOS.items() if name in ("anchor-mit", "keel-bsd")}
    write_repos(folder / "repos", demo_repos)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--demo", help="also write the demo sample into this folder")
    args = parser.parse_args()
    write_fixtures()
    if args.demo:
        write_demo(Path(args.demo))
