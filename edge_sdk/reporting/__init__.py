"""Reports people look at: one self-contained HTML page, and before/after comparisons.

Public API (the CLI verbs ``report`` and ``compare``, and ``profile --html`` / ``check --html``
call these):

- :func:`write_html_report` renders profile/check/convert/inspect documents into one HTML file
  that works offline (inline SVG charts and CSS, a few lines of JS only to sort tables).
- :func:`render_html` is the same without writing a file.
- :func:`compare` pairs every number of two documents with its delta and percentage.

Modules: ``loading`` (validate inputs), ``model_files`` (analyse the model files profiles name),
``chart_data`` / ``model_data`` (the numbers each chart shows; pure functions), ``svg`` (drawing),
``html_parts`` / ``sections_*`` / ``page`` (the page), ``compare`` (before/after).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from edge_sdk.core.atomic import atomic_write_text
from edge_sdk.core.paths import OutputPlan, document_files, document_hashes, output_errors
from edge_sdk.reporting.compare import Comparison, compare
from edge_sdk.reporting.loading import DocumentSource, load_documents
from edge_sdk.reporting.model_files import AnalysedModels, analyse_referenced_models
from edge_sdk.reporting.page import render_page

__all__ = ["Comparison", "compare", "render_html", "write_html_report"]


def render_html(documents: Sequence[DocumentSource], *, title: str | None = None, analyse_models: bool = True) -> str:
    """The HTML page for ``documents`` as a string.

    With ``analyse_models`` a model file that a profile refers to, but no inspect document covers,
    is analysed statically (no TensorFlow) so the page can show its ops and memory.
    """
    loaded = load_documents(list(documents))
    analysed = analyse_referenced_models(loaded) if analyse_models else AnalysedModels()
    return render_page(loaded, analysed, title=title)


def write_html_report(documents: Sequence[DocumentSource] | DocumentSource, output: str | os.PathLike[str], *,
                      title: str | None = None, analyse_models: bool = True) -> Path:
    """Render ``documents`` (dicts or paths of edge-sdk JSON documents) into one HTML file, atomically.

    Raises :class:`~edge_sdk.core.errors.InputError` (exit 2) for a document of another kind or version
    or truncated JSON, and :class:`~edge_sdk.core.errors.UsageError` (exit 2) for an output that is one
    of the inputs or a file they name (a profile's model). Returns the written path.
    """
    if isinstance(documents, (dict, str, os.PathLike)):
        documents = [documents]
    loaded = load_documents(list(documents))
    paths = [os.fspath(s) for s in documents if isinstance(s, (str, os.PathLike))]
    plan = OutputPlan().read_all(paths, "input report").write("-o", output)
    for document in loaded:  # the models, manifests and budgets the reports name are inputs too
        origin = next((p for p in paths if document.origin == p or document.origin.startswith(p + " (")), None)
        plan.read_all(document_files(document.body, origin), "file a report names")
        for sha256, what in document_hashes(document.body).items():
            plan.read_content(sha256, f"{what} named by {document.origin}")
    plan.check()
    analysed = analyse_referenced_models(loaded) if analyse_models else AnalysedModels()
    html = render_page(loaded, analysed, title=title)
    with output_errors("-o", output):
        return atomic_write_text(output, html)
