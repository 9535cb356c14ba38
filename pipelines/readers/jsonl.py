"""One line of a JSON Lines file as a JSON object, or the InputError that says why it is not one."""
from __future__ import annotations

import json
from typing import Any

from pipelines.readers.mediawiki import InputError


def parse_json_object(path: str, line: bytes, line_number: int, offset: int) -> dict[str, Any] | InputError | None:
    """The object on `line` (None for a blank line); undecodable bytes, invalid JSON or a non-object are errors
    naming the file, the line and the byte offset of the line."""
    if not line.strip():
        return None
    where = f"line {line_number}"
    try:
        record = json.loads(line.decode("utf-8"))
    except UnicodeDecodeError as err:
        return InputError(path, offset, f"{where}: not UTF-8 (JSON Lines is UTF-8) at byte {err.start} of the line")
    except json.JSONDecodeError as err:
        return InputError(path, offset, f"{where}, column {err.colno}: invalid JSON ({err.msg.removesuffix(' at')})")
    if not isinstance(record, dict):
        return InputError(path, offset, f"{where}: expected a JSON object, got {type(record).__name__}")
    return record
