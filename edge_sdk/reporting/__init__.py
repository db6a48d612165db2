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
from pathlib import Path

from edge_sdk.core.atomic import atomic_write_text
from edge_sdk.core.errors import InputError
from edge_sdk.reporting.compare import Comparison, compare
from edge_sdk.reporting.loading import DocumentSource, load_documents
from edge_sdk.reporting.model_files import AnalysedModels, analyse_referenced_models
from edge_sdk.reporting.page import render_page

__all__ = ["write_html_report", "render_html", "compare", "Comparison"]


def render_html(documents: list[DocumentSource], *, title: str | None = None, analyse_models: bool = True) -> str:
    """The HTML page for ``documents`` as a string.

    With ``analyse_models`` a model file that a profile refers to, but no inspect document covers,
    is analysed statically (no TensorFlow) so the page can show its ops and memory.
    """
    loaded = load_documents(documents)
    analysed = analyse_referenced_models(loaded) if analyse_models else AnalysedModels()
    return render_page(loaded, analysed, title=title)


def write_html_report(documents: list[DocumentSource] | DocumentSource, output: str | os.PathLike[str], *,
                      title: str | None = None, analyse_models: bool = True) -> Path:
    """Render ``documents`` (dicts or paths of edge-sdk JSON documents) into one HTML file, atomically.

    Raises :class:`~edge_sdk.core.errors.InputError` (exit 2) for a document of another kind or version,
    truncated JSON, or an output path that is one of the inputs. Returns the written path.
    """
    if isinstance(documents, (dict, str, os.PathLike)):
        documents = [documents]
    target = Path(output)
    for source in documents:
        if isinstance(source, (str, os.PathLike)) and Path(source).resolve() == target.resolve():
            raise InputError(f"{output}: the output would overwrite an input report; choose another path",
                             path=str(output))
    if target.is_dir():
        raise InputError(f"{output}: is a directory; give a file name such as {target / 'report.html'}",
                         path=str(output))
    html = render_html(list(documents), title=title, analyse_models=analyse_models)
    try:
        written = atomic_write_text(target, html)
        # the temporary file behind the atomic write is private (0600); a page is meant to be shared
        # (CI artifacts, a static web server), so it gets the usual mode for new files
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(written, 0o666 & ~umask)
        return written
    except OSError as exc:
        raise InputError(f"{output}: cannot write the report ({exc.strerror or exc})",
                         hint="choose a writable path with -o", path=str(output)) from None
