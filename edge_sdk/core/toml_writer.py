"""Write TOML (the stdlib reads it, ``tomllib``, but cannot write it): enough for edge-sdk's data files.

Supports what device profiles and budget files use: strings, integers, floats, booleans, lists of
scalars, tables, arrays of tables, and small tables of scalars written inline (``estimates = {...}``).
Output is deterministic (keys in insertion order) and round-trips through ``tomllib``.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def _key(key: str) -> str:
    return key if _BARE_KEY.match(key) else json.dumps(key)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            raise ValueError(f"TOML cannot hold {value!r} here")
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid TOML basic string
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")


def _is_table_array(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _is_inline(value: dict[str, Any]) -> bool:
    """Small tables of scalars (``estimates``) read best inline."""
    return len(value) <= 8 and all(not isinstance(v, (dict, list)) for v in value.values())


def dumps(document: dict[str, Any], *, header: str = "", inline: tuple[str, ...] = ("estimates",)) -> str:
    """Serialize ``document``; keys named in ``inline`` are written as inline tables."""
    lines: list[str] = [header.rstrip("\n")] if header else []
    _emit(document, [], lines, inline)
    return "\n".join(lines).strip("\n") + "\n"


def _emit(table: dict[str, Any], path: list[str], lines: list[str], inline: tuple[str, ...]) -> None:
    nested = []
    for key, value in table.items():
        if isinstance(value, dict) and not (key in inline and _is_inline(value)):
            nested.append((key, value, False))
        elif _is_table_array(value):
            nested.append((key, value, True))
        elif value is not None:
            lines.append(f"{_key(key)} = {_value(value)}")
    for key, value, is_array in nested:
        name = ".".join(_key(p) for p in [*path, key])
        for item in (value if is_array else [value]):
            lines.append("")
            lines.append(f"[[{name}]]" if is_array else f"[{name}]")
            _emit(item, [*path, key], lines, inline)
