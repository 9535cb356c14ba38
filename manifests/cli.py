"""`llamix manifest show|verify|diff|report`: tables for people, exit codes for scripts.

`report PATH [-o FILE]` writes the HTML page to FILE, by default `report.html` in the current directory (not beside
the manifest: a stage's folder holds what the stage wrote, and may be read-only or remote). `diff A B` exits 0 when
the two manifests agree, 1 when they differ, 2 when one cannot be read.
"""
from __future__ import annotations

import argparse

from rich.console import Console
from rich.table import Table

from manifests.diff import Difference, diff_manifests
from manifests.formatting import format_value, human_bytes
from manifests.manifest import ManifestError, manifest_path, read_manifest, verify_manifest


def _tables_of_rows(title: str, rows: list[dict]) -> list[Table]:
    """One table of the rows' scalar fields, and one more per nested-dict field (e.g. length percentiles per
    language), keyed by the rows' text fields, so that no table grows too wide to read."""
    nested = list(dict.fromkeys(k for row in rows for k, v in row.items() if isinstance(v, dict)))
    keys = [k for k in dict.fromkeys(k for row in rows for k in row) if all(isinstance(r.get(k), str) for r in rows)]
    tables = [_table_of_rows(title, [{k: v for k, v in row.items() if k not in nested} for row in rows])]
    for field in nested:
        tables.append(_table_of_rows(f"{title}: {field}",
                                     [{**{k: row[k] for k in keys}, **row.get(field, {})} for row in rows]))
    return tables


def _table_of_rows(title: str, rows: list[dict]) -> Table:
    columns = list(dict.fromkeys(key for row in rows for key in row))
    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column, justify="right" if isinstance(rows[0].get(column), (int, float)) else "left",
                         overflow="fold")
    for row in rows:
        table.add_row(*(format_value(row.get(column, "")) for column in columns))
    return table


def render(manifest: dict, path: str, console: Console) -> None:
    head = Table.grid(padding=(0, 2))
    for key in ("kind", "created_at", "llamix_version", "git_commit", "command"):
        head.add_row(f"[bold]{key}", format_value(manifest[key]))
    inputs = manifest["inputs"]
    head.add_row("[bold]inputs", f"{inputs.get('files', 0)} files, {human_bytes(inputs.get('bytes'))}: "
                 + ", ".join(inputs.get("paths", [])))
    console.print(f"[bold underline]{path}")
    console.print(head)

    if manifest["parents"]:
        console.print(_table_of_rows("parents", manifest["parents"]))

    outputs = Table(title=f"outputs ({len(manifest['outputs'])} files)", title_justify="left")
    for column, justify in (("path", "left"), ("rows", "right"), ("bytes", "right"), ("sha256", "left")):
        outputs.add_column(column, justify=justify)
    for entry in manifest["outputs"]:
        outputs.add_row(entry["path"], format_value(entry["rows"]) if entry["rows"] is not None else "-",
                        human_bytes(entry["bytes"]), entry["sha256"][:16] + "…")
    outputs.add_row("[bold]total", format_value(sum(e["rows"] or 0 for e in manifest["outputs"])),
                    human_bytes(sum(e["bytes"] for e in manifest["outputs"])), "")
    console.print(outputs)

    if manifest["funnel"]:
        funnel = Table(title="funnel", title_justify="left")
        for column, justify in (("step", "left"), ("in", "right"), ("kept", "right"), ("dropped", "left")):
            funnel.add_column(column, justify=justify)
        for step in manifest["funnel"]:
            dropped = ", ".join(f"{reason} {n:,}" for reason, n in sorted(step["dropped"].items()) if n) or "-"
            funnel.add_row(step["step"], format_value(step["in"]), format_value(step["kept"]), dropped)
        console.print(funnel)

    errors = manifest.get("input_errors")
    if errors and errors["count"]:
        console.print(_table_of_rows(f"input errors ({errors['count']:,}, first {len(errors['examples'])})",
                                     errors["examples"]))

    scalars = {k: v for k, v in manifest["stats"].items() if not isinstance(v, (list, dict))}
    if scalars:
        console.print(_table_of_rows("stats", [scalars]))
    for key, value in manifest["stats"].items():
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            for table in _tables_of_rows(f"stats: {key}", value):
                console.print(table)
        elif isinstance(value, dict) and value:
            rows = [{"key": k, **v} if isinstance(v, dict) else {"key": k, "value": v} for k, v in value.items()]
            console.print(_table_of_rows(f"stats: {key}", rows))


def _short(value: object, width: int = 80) -> str:
    text = format_value(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def render_differences(differences: list[Difference], a: str, b: str, console: Console) -> None:
    table = Table(title=f"{len(differences)} difference(s) between A: {a} and B: {b}", title_justify="left")
    table.add_column("section")
    table.add_column("key", overflow="fold")
    table.add_column("A", overflow="fold")
    table.add_column("B", overflow="fold")
    for difference in differences:
        table.add_row(difference.section, difference.key, _short(difference.a), _short(difference.b))
    console.print(table)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="llamix manifest", description="Inspect and check manifest.json files.")
    sub = parser.add_subparsers(dest="action", required=True)
    show = sub.add_parser("show", help="print a manifest as tables (outputs, funnel, stats)")
    show.add_argument("path", help="manifest.json or the folder holding it")
    verify = sub.add_parser("verify", help="re-hash every output file; non-zero exit naming any that differ")
    verify.add_argument("path", help="manifest.json or the folder holding it")
    diff = sub.add_parser("diff", help="compare two runs of a stage (counts, funnel, config, stats, checksums); "
                                       "exit 1 when they differ")
    diff.add_argument("a", help="manifest.json or the folder holding it")
    diff.add_argument("b", help="manifest.json or the folder holding it")
    diff.add_argument("--ignore-sha256", action="store_true",
                      help="do not count files whose bytes differ when their rows agree")
    report = sub.add_parser("report", help="write a self-contained HTML page with plots for a manifest and its lineage")
    report.add_argument("path", help="manifest.json or the folder holding it")
    report.add_argument("-o", "--output", default="report.html",
                        help="where to write the page (default: report.html in the current directory)")
    args = parser.parse_args(argv)
    if args.action == "diff":
        return _diff(args.a, args.b, args.ignore_sha256)
    if args.action == "report":
        return _report(args.path, args.output)

    console = Console()
    # soft_wrap: a file name in a message must stay on one line for whoever greps it
    err_console = Console(stderr=True, soft_wrap=True)
    path = manifest_path(args.path)
    try:
        manifest = read_manifest(path)
        if args.action == "show":
            render(manifest, path, console)
            return 0
        problems = verify_manifest(path)
    except (ManifestError, FileNotFoundError) as err:
        err_console.print(f"[red]error:[/] {err}")
        return 2
    if problems:
        for problem in problems:
            err_console.print(f"[red]MISMATCH[/] {problem}")
        err_console.print(f"[red]{len(problems)} file(s) differ from {path}")
        return 1
    checked = f"{len(manifest['outputs'])} outputs and {len(manifest['parents'])} parents"
    console.print(f"[green]OK[/] {checked} match {path}", soft_wrap=True)
    return 0


def _diff(a: str, b: str, ignore_sha256: bool) -> int:
    console = Console()
    err_console = Console(stderr=True, soft_wrap=True)
    a, b = manifest_path(a), manifest_path(b)
    try:
        differences = diff_manifests(a, b)
    except (ManifestError, FileNotFoundError) as err:
        err_console.print(f"[red]error:[/] {err}")
        return 2
    if ignore_sha256:
        differences = [d for d in differences if d.section != "sha256"]
    if not differences:
        console.print(f"[green]no differences[/] between {a} and {b}", soft_wrap=True)
        return 0
    render_differences(differences, a, b, console)
    return 1


def _report(path: str, output: str) -> int:
    from manifests.report import write_report  # matplotlib is imported only when a report is asked for

    err_console = Console(stderr=True, soft_wrap=True)
    try:
        written = write_report(manifest_path(path), output)
    except (ManifestError, FileNotFoundError) as err:
        err_console.print(f"[red]error:[/] {err}")
        return 2
    Console().print(f"wrote {written}", soft_wrap=True)
    return 0
