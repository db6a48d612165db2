"""Tables: aligned plain text for terminals (no dependency, no colour codes in CI logs) and GitHub
Markdown for pull-request comments and ``$GITHUB_STEP_SUMMARY``; one renderer of each."""

from __future__ import annotations

from collections.abc import Sequence


def render_table(headers: Sequence[str], rows: Sequence[Sequence[object]], *, right_align: Sequence[int] = ()) -> str:
    """Render rows under headers, columns padded to their widest cell.

    ``right_align`` lists column indexes to right-align (numbers read best that way).
    """
    cells = [[str(h) for h in headers]] + [["" if c is None else str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
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


def markdown_cell(text: object) -> str:
    """``text`` safe inside one Markdown table cell: a ``|`` would end the cell (also inside code
    spans, in GitHub's dialect) and a newline would end the row."""
    return " ".join(str(text).replace("|", "\\|").splitlines())


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[object]], *,
                   right_align: Sequence[int] = ()) -> list[str]:
    """GitHub-flavoured Markdown table lines; every cell goes through :func:`markdown_cell`.

    Cells may carry their own Markdown (```model```, ``**worse**``); ``right_align`` lists the
    columns of numbers.
    """
    lines = ["| " + " | ".join(markdown_cell(h) for h in headers) + " |",
             "|" + "".join("---:|" if i in right_align else "---|" for i in range(len(headers)))]
    lines += ["| " + " | ".join(markdown_cell("" if c is None else c) for c in row) + " |" for row in rows]
    return lines
