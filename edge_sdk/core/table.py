"""Tables and prose for terminals: aligned plain text (no dependency, no colour codes in CI logs) that
fits a 100-column terminal.

Two tools keep output within :data:`WIDTH`: :func:`render_table` shortens its widest text column in
the middle when a table would be wider (the JSON and HTML forms keep every character), and
:func:`wrap_text` wraps a prose line with its continuation aligned under the value. Markdown tables
(pull-request comments, ``$GITHUB_STEP_SUMMARY``) live in :mod:`edge_sdk.core.markdown`, with the
escaping their untrusted cells need.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Sequence

WIDTH = 100  # the terminal every verb lays its output out for
_ELLIPSIS = "..."
_VALUE_COLUMN = re.compile(r"^(\s*\S.*?\s{2,})\S")  # "label   value": where the value starts


def render_table(headers: Sequence[str], rows: Sequence[Sequence[object]], *, right_align: Sequence[int] = (),
                 max_width: int | None = None, keep: Sequence[int] = (), min_width: int = 16) -> str:
    """Render rows under headers, columns padded to their widest cell.

    ``right_align`` lists column indexes to right-align (numbers read best that way). With
    ``max_width``, a table wider than that has its widest left-aligned columns shortened in the
    middle (``checks[Pixel 4...keyword_spotting.tflite].limit``), never below 16 characters, so
    the start and the end of a path or key stay readable; numbers are never shortened, nor the
    columns listed in ``keep`` (ids people copy); ``min_width`` lowers the 16-character floor.
    """
    cells = [[str(h) for h in headers]] + [["" if c is None else str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    if max_width is not None:
        widths = _fit(widths, [*right_align, *keep], max_width, min_width)
        cells = [[shorten_middle(c, widths[i]) for i, c in enumerate(row)] for row in cells]
    lines = []
    for index, row in enumerate(cells):
        parts = [
            cell.rjust(widths[i]) if i in right_align else cell.ljust(widths[i])
            for i, cell in enumerate(row)
        ]
        lines.append("  ".join(parts).rstrip())
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def render_with_details(headers: Sequence[str], rows: Sequence[Sequence[object]], details: Sequence[Sequence[str]],
                        *, right_align: Sequence[int] = (), max_width: int = WIDTH, indent: str = "    ",
                        keep: Sequence[int] = ()) -> list[str]:
    """A table whose long prose goes under each row (``details[i]`` under ``rows[i]``, wrapped), as
    pytest and cargo print details under the line they explain, instead of a column that would make
    every row too wide. Cells must be single-line."""
    table = render_table(headers, rows, right_align=right_align, max_width=max_width, keep=keep).splitlines()
    out = table[:2]
    for line, extra in zip(table[2:], details, strict=True):
        out.append(line)
        out += [wrap_text(indent + text, max_width) for text in extra]
    return out


def _fit(widths: list[int], fixed: Sequence[int], max_width: int, min_width: int) -> list[int]:
    """Column widths whose total (with the two-space gaps) is at most ``max_width`` if possible."""
    widths = list(widths)
    excess = sum(widths) + 2 * (len(widths) - 1) - max_width
    while excess > 0:  # one character at a time from the widest: long columns level out, short ones stay
        candidates = [i for i, w in enumerate(widths) if i not in fixed and w > min_width]
        if not candidates:
            break
        widths[max(candidates, key=lambda i: widths[i])] -= 1
        excess -= 1
    return widths


def shorten_middle(text: str, width: int) -> str:
    """``text`` in at most ``width`` characters, the middle replaced by ``...`` (start and end kept)."""
    if len(text) <= width:
        return text
    keep = max(0, width - len(_ELLIPSIS))
    tail = keep - keep // 2
    return text[: keep - tail] + _ELLIPSIS + (text[-tail:] if tail else "")


def wrap_text(text: str, width: int = WIDTH) -> str:
    """One prose line wrapped at ``width``; continuation lines start under the value.

    ``"op counts    CONV_2D x5, ..."`` continues under ``CONV_2D``; an indented line without a
    label column continues two spaces deeper than its indent. Words (paths, hashes) are never split.
    """
    if len(text) <= width:
        return text
    match = _VALUE_COLUMN.match(text)
    indent = len(match.group(1)) if match and len(match.group(1)) <= width // 3 else \
        len(text) - len(text.lstrip()) + 2
    return "\n".join(textwrap.wrap(text, width=width, subsequent_indent=" " * indent,
                                   break_long_words=False, break_on_hyphens=False)) or text


def fit_to_terminal(blocks: Sequence[str], width: int = WIDTH) -> str:
    """Join a verb's output: prose lines wrapped with :func:`wrap_text`; rendered tables (the blocks
    that span several lines) kept as they are, since :func:`render_table` already fits them."""
    return "\n".join(block if "\n" in block else wrap_text(block, width) for block in blocks)
