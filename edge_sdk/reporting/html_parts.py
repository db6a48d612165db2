"""Small HTML building blocks shared by the report sections: tables, notes, figures, sections.

Everything that reaches the page from a document goes through :func:`html.escape` here, so a
model called ``<script>.tflite`` cannot break (or script) the page.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape


@dataclass(frozen=True)
class Cell:
    """A table cell: the text shown, and the raw number a sortable column sorts by."""

    text: str
    sort_value: float | None = None
    css: str = ""


@dataclass
class Section:
    """One titled part of the page; ``anchor`` names it in the table of contents."""

    anchor: str
    title: str
    html: str


def anchor_for(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "section"


def code_spans(text: str) -> str:
    """Escape ``text`` and show `backticked` commands in a monospace ``<code>`` span."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", escape(text))


def note(text: str, kind: str = "missing") -> str:
    """A visible sentence about what is not on the page and why ('missing') or how it was made ('how')."""
    label = {"missing": "Not available", "how": "How this was obtained", "warn": "Note"}.get(kind, "Note")
    return f'<p class="note note-{kind}"><strong>{label}:</strong> {code_spans(text)}</p>'


def figure(svg: str, name: str, caption: str = "") -> str:
    """Wrap a chart so the page test can find it by name (``data-chart``) and a reader gets a caption."""
    cap = f"<figcaption>{escape(caption)}</figcaption>" if caption else ""
    return f'<figure class="figure" data-chart="{escape(name)}">{svg}{cap}</figure>'


def table(headers: Sequence[str], rows: Sequence[Sequence[object]], *, sortable: bool = False,
          numeric: Sequence[int] = (), css: str = "") -> str:
    """A table; with ``sortable`` a header click sorts it (JS), and without JS it reads as given.

    A cell is a :class:`Cell` (text, sort value, class) or anything else, shown as ``str(cell)``."""
    classes = " ".join(c for c in ("data", "sortable" if sortable else "", css) if c)
    head = "".join(
        f'<th{" class=num" if i in numeric else ""}{" data-sort=num" if sortable and i in numeric else ""}'
        f'{" tabindex=0" if sortable else ""}>{escape(h)}</th>'
        for i, h in enumerate(headers)
    )
    body = []
    for row in rows:
        cells = []
        for i, cell in enumerate(row):
            cell = cell if isinstance(cell, Cell) else Cell(str(cell))
            attrs = f' data-v="{cell.sort_value!r}"' if cell.sort_value is not None else ""
            css_classes = " ".join(c for c in ("num" if i in numeric else "", cell.css) if c)
            attrs += f' class="{css_classes}"' if css_classes else ""
            cells.append(f"<td{attrs}>{escape(cell.text)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (f'<div class="scroll"><table class="{classes}"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table></div>')


def facts(pairs: Sequence[tuple[str, str]]) -> str:
    """A compact definition list of key facts (size, MACs, precision...)."""
    items = "".join(f"<div><dt>{escape(k)}</dt><dd>{escape(v)}</dd></div>" for k, v in pairs)
    return f'<dl class="facts">{items}</dl>'


def pct(value: float | None, digits: int = 1, signed: bool = False) -> str:
    if value is None:
        return "-"
    return f"{value:+.{digits}f}%" if signed else f"{value:.{digits}f}%"
