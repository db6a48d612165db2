"""The JSON Schema of budget files, generated from the metric catalogue (never edited by hand).

Editors that understand JSON Schema for TOML (Taplo / Even Better TOML) complete and validate
``edge-budget.toml`` with it. The committed copy lives at ``edge_sdk/schemas/budget.schema.json``;
a test fails when it drifts from the catalogue. Regenerate it with::

    python -m tools.schemas                    # rewrites edge_sdk/schemas/budget.schema.json
    edge-sdk check --print-schema              # prints it
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from edge_sdk.budgets.metrics import CHECK_SETTINGS, DELEGATES, EXAMPLE_BUDGET, METRICS, PRECISIONS
from edge_sdk.core.units import KIND_UNITS

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "schemas" / "budget.schema.json"
_QUANTITY = r"^\s*[+]?(\d+(?:[._]\d+)*|\.\d+)(?:[eE][+-]?\d+)?\s*{units}\s*$"


def _any_case(unit: str) -> str:
    """``"mb"`` -> ``"[mM][bB]"``: case-insensitive without inline flags (JSON Schema regexes are ECMA-262)."""
    return "".join(f"[{c.lower()}{c.upper()}]" if c.isascii() and c.isalpha() else re.escape(c)
                   for c in unit)


def _quantity(kind: str, description: str, example: str) -> dict[str, Any]:
    units = sorted({u for u in KIND_UNITS[kind] if u}, key=lambda u: (-len(u), u))
    alternatives = "|".join(_any_case(u) for u in units)
    return {
        "description": f"{description}. Units: {', '.join(sorted(units, key=str.lower))} (case-insensitive); "
                       "a bare number is in the base unit.",
        "examples": [json.loads(example)],
        "oneOf": [
            {"type": "string", "pattern": _QUANTITY.replace("{units}", f"({alternatives})?")},
            {"type": "number", "minimum": 0},
        ],
    }


def _limit_schema(key: str) -> dict[str, Any]:
    metric = METRICS[key]
    if metric.kind == "fraction":
        return {"description": metric.description, "examples": ["1%"],
                "oneOf": [{"type": "string", "pattern": r"^\s*\d+(\.\d+)?\s*%?\s*$"},
                          {"type": "number", "minimum": 0, "maximum": 1}]}
    if metric.numeric:
        return _quantity(metric.kind, metric.description, metric.example)
    if metric.kind == "flag":
        return {"description": metric.description, "type": "boolean"}
    items: dict[str, Any] = {"type": "string"}
    if metric.kind == "precisions":
        items["enum"] = list(PRECISIONS)
    elif metric.kind == "delegates":
        items["enum"] = list(DELEGATES)
    else:
        items["pattern"] = r"^\s*(litert|ai-edge-litert|tflite-runtime|tflite_runtime)\s*((==|=|\s)\s*\d+(\.\d+){0,2})?\s*$"
    return {"description": metric.description, "examples": [json.loads(metric.example)],
            "type": "array", "items": items, "minItems": 1}


def budget_schema() -> dict[str, Any]:
    numeric = [k for k, m in METRICS.items() if m.numeric]
    percent = {"type": "string", "pattern": r"^\s*\d+(\.\d+)?\s*%\s*$"}
    check_properties: dict[str, Any] = {
        "name": {"type": "string", "minLength": 1, "description": CHECK_SETTINGS["name"][0]},
        "models": {"description": CHECK_SETTINGS["models"][0],
                   "oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string", "minLength": 1}}]},
        "devices": {"description": CHECK_SETTINGS["devices"][0],
                    "oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string", "minLength": 1}}]},
        "message": {"type": "string", "description": CHECK_SETTINGS["message"][0]},
        "threads": {"type": "integer", "minimum": 1, "description": CHECK_SETTINGS["threads"][0]},
        "on_uncertain": {"enum": ["warn", "fail", "pass"], "description": CHECK_SETTINGS["on_uncertain"][0]},
        "max_regression": {
            "description": CHECK_SETTINGS["max_regression"][0],
            "oneOf": [percent, {"type": "object", "additionalProperties": False,
                                "properties": dict.fromkeys(numeric, percent)}],
        },
    }
    check_properties.update({key: _limit_schema(key) for key in METRICS})
    check = {"type": "object", "additionalProperties": False, "properties": check_properties,
             "anyOf": [{"required": [k]} for k in [*METRICS, "max_regression"]]}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://edge-sdk.dev/schemas/budget.schema.json",
        "title": "edge-sdk budget (edge-budget.toml, or [tool.edge-sdk] in pyproject.toml)",
        "description": "Named checks of models against limits; see `edge-sdk check --help`. Example:\n\n"
                       + EXAMPLE_BUDGET,
        "type": "object",
        "additionalProperties": False,
        "required": ["check"],
        "properties": {"check": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/check"}}},
        "$defs": {"check": check},
    }


def schema_text() -> str:
    return json.dumps(budget_schema(), indent=2, ensure_ascii=False) + "\n"

