"""Budgets and the CI gate behind ``edge-sdk check``.

Modules, in the order a check flows:

- ``metrics``: the catalogue of every limit a budget can set (drives validation, schema, reports)
- ``config``: find, parse and validate budget files (edge-budget.toml / [tool.edge-sdk])
- ``defaults``: default app constraints from device profiles (no budget file needed)
- ``evaluate``: expand models, load devices, compare measurements with limits
- ``measure``: obtain each number (graph, profiling, manifest, runtime probe) through the cache
- ``cache``: content-addressed measurement cache
- ``baseline``: previous reports for relative limits and before/after columns
- ``verdicts``: pass / fail / missing with margins
- ``checker``: :func:`check`, the whole gate as one call -> :class:`CheckResult`
- ``writers``: terminal table, JSON, JUnit, Markdown, GitHub annotations
- ``schema``: the JSON Schema of budget files

The names below are imported on first use, so ``edge-sdk check --help`` (which only needs the
metric catalogue) does not load the checker, the cache and the evaluator.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from edge_sdk.budgets.checker import CheckResult, check
    from edge_sdk.budgets.config import Budget, CheckSpec, find_budget, load_budget

_LAZY = {"CheckResult": "edge_sdk.budgets.checker", "check": "edge_sdk.budgets.checker",
         "Budget": "edge_sdk.budgets.config", "CheckSpec": "edge_sdk.budgets.config",
         "find_budget": "edge_sdk.budgets.config", "load_budget": "edge_sdk.budgets.config"}

__all__ = ["Budget", "CheckResult", "CheckSpec", "check", "find_budget", "load_budget"]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'edge_sdk.budgets' has no attribute {name!r}")
