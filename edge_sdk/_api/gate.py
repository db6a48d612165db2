"""The gate and the reports: ``check`` models against budgets, ``compare`` two documents, ``report`` as HTML."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from edge_sdk.core.progress import ProgressCallback

if TYPE_CHECKING:
    from edge_sdk.budgets import CheckResult
    from edge_sdk.reporting import Comparison

PathLike = str | os.PathLike[str]
Document = Mapping[str, Any] | PathLike   # a document (dict) or the path of its JSON file


def check(models: PathLike | Sequence[PathLike] | None = None, *, budget: PathLike | None = None,
          devices: Sequence[str] | None = None, estimate_only: bool = False, baseline: PathLike | None = None,
          use_cache: bool = True, threads: int | None = None, adb_serials: Sequence[str] | None = None,
          on_progress: ProgressCallback | None = None, timeout_s: float = 300.0) -> CheckResult:
    """Check models against a budget; ``result.passed``, ``result.verdicts``, ``result.document``.

    The budget is ``budget`` (an edge-budget.toml or pyproject.toml), else the nearest one found
    from the current directory up, else (with ``devices``) the default app constraints of those
    device profiles. ``models`` replace the models the budget names. ``baseline`` (an earlier check
    document) enables relative limits (``max_regression``). Measurements are cached by content
    unless ``use_cache`` is False. ``adb_serials`` measures on phones (``[]``: the one connected).
    ``timeout_s`` kills a host measurement or runtime load that hangs longer (RuntimeCrash, exit 3).

    A failed budget does not raise: ``result.passed`` is False and ``result.exit_code`` 1. Bad
    budgets, models or devices raise :class:`~edge_sdk.core.errors.EdgeSdkError` (exit 2).
    """
    from edge_sdk.budgets import check as run_check

    if models is None or isinstance(models, (str, os.PathLike)):
        model_list = None if models is None else [os.fspath(models)]
    else:
        model_list = [os.fspath(m) for m in models]
    return run_check(model_list, budget=None if budget is None else os.fspath(budget),
                     devices=list(devices) if devices is not None else None, estimate_only=estimate_only,
                     baseline=None if baseline is None else os.fspath(baseline), use_cache=use_cache, threads=threads,
                     adb_serials=list(adb_serials) if adb_serials is not None else None, on_progress=on_progress,
                     timeout_s=timeout_s)


def compare(before: Document, after: Document, *, markdown: bool = False) -> Comparison:
    """Every number of two documents of one kind, paired with its delta: ``str(result)`` is the
    table (Markdown with ``markdown=True``, for a pull request), ``result.to_dict()`` the JSON form
    (:class:`~edge_sdk.core.documents.CompareDocument`). Raises InputError/UsageError (exit 2) for
    malformed documents or two of different kinds."""
    from edge_sdk.reporting import compare as run_compare

    return run_compare(_source(before), _source(after), markdown=markdown)


def report(documents: Document | Sequence[Document], output: PathLike, *, title: str | None = None,
           analyse_models: bool = True) -> Path:
    """Render edge-sdk documents (profile, check, convert, inspect) into one self-contained HTML file.

    Written atomically; works offline (inline SVG and CSS). With ``analyse_models``, a model file a
    profile names but no inspect document covers is analysed statically so the page shows its ops.
    Returns the written path. Malformed documents raise InputError (exit 2) naming the field.
    """
    from edge_sdk.reporting import write_html_report

    if isinstance(documents, (str, os.PathLike, Mapping)):
        documents = [documents]
    return write_html_report([_source(d) for d in documents], output, title=title, analyse_models=analyse_models)


def _source(document: Document) -> Any:
    return dict(document) if isinstance(document, Mapping) else document
