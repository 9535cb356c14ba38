"""How manifest values read in a table, shared by `manifest show` (terminal) and `manifest report` (HTML)."""
from __future__ import annotations

import json
from typing import Any


def format_value(value: Any) -> str:
    """Thousands separators for counts, 4 significant digits for ratios, yes/no for flags, "-" for missing."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.4g}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def human_bytes(n: float | None, decimal: bool = False) -> str:
    """`1.5 MiB`; with `decimal`, powers of 1000 and thousands separators (`1.6 MB`), as cloud prices are quoted."""
    if n is None:
        return "-"
    if decimal:
        base, units, sep = 1000, ("B", "KB", "MB", "GB", "TB"), ","
    else:
        base, units, sep = 1024, ("B", "KiB", "MiB", "GiB", "TiB"), ""
    for unit in units:
        if abs(n) < base or unit == units[-1]:
            return f"{n:{sep}.0f} {unit}" if unit == "B" else f"{n:{sep}.1f} {unit}"
        n /= base
    return str(n)
