"""Markdown for pull-request comments and ``$GITHUB_STEP_SUMMARY``: the one place that escapes it.

Everything shown there comes from files a pull request controls: check names and messages from the
budget, model file names, custom-op names read from a third-party model. GitHub renders Markdown
and a subset of HTML, so a custom op named ``<img src=...>`` or ``[approve](https://...)`` would
render as an image or a link in the summary. Every value is therefore treated as text:

- :func:`text` escapes ``&``, ``<``, ``>`` as HTML entities and backslash-escapes the Markdown
  punctuation that forms links, emphasis, code and tables, and folds newlines (one line per cell);
- :func:`code` wraps a value in a code span whose backtick fence is longer than any backtick run
  inside it (a backtick in a file name used to end the span early);
- :func:`table` escapes every cell, except fragments built here (:class:`Markdown`), which are
  already safe, so a writer can still put ``code(model)`` or ``bold("worse")`` in a cell.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_PUNCTUATION = re.compile(r"([\\`*_\[\]|~])")


class Markdown(str):
    """A fragment that is already valid, escaped Markdown (made by this module): used as it is."""


def text(value: object) -> Markdown:
    """``value`` as literal text in Markdown: no HTML, no links, no emphasis, on one line."""
    if isinstance(value, Markdown):
        return value
    plain = " ".join(str(value).splitlines())
    plain = plain.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return Markdown(_PUNCTUATION.sub(r"\\\1", plain))


def code(value: object) -> Markdown:
    """``value`` in a code span that nothing inside it can close (CommonMark: a longer fence).

    A ``|`` still splits a GitHub table cell inside a code span, so it is escaped as ``\\|``,
    which GitHub reads back as ``|`` there.
    """
    content = " ".join(str(value).splitlines()).replace("|", "\\|")
    runs = [len(run) for run in re.findall(r"`+", content)]
    fence = "`" * (max(runs, default=0) + 1)
    pad = " " if content.startswith("`") or content.endswith("`") or not content.strip() else ""
    return Markdown(f"{fence}{pad}{content}{pad}{fence}")


def bold(value: object) -> Markdown:
    return Markdown(f"**{text(value)}**")


def cell(value: object) -> Markdown:
    """One table cell: text escaped (see :func:`text`); a ``Markdown`` fragment as it is."""
    return text("" if value is None else value)


def table(headers: Sequence[object], rows: Sequence[Sequence[object]], *,
          right_align: Sequence[int] = ()) -> list[str]:
    """GitHub-flavoured Markdown table lines; every cell goes through :func:`cell`.

    ``right_align`` lists the columns of numbers.
    """
    lines = ["| " + " | ".join(cell(h) for h in headers) + " |",
             "|" + "".join("---:|" if i in right_align else "---|" for i in range(len(headers)))]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return lines
