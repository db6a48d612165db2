"""Tables: aligned plain text for terminals (no dependency, no colour codes in CI logs).

Markdown tables (pull-request comments, ``$GITHUB_STEP_SUMMARY``) live in :mod:`edge_sdk.core.markdown`,
with the escaping their untrusted cells need."""

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
