"""Reading the user's input files with one clear error per way it can go wrong.

Missing, a directory, unreadable, not UTF-8: each becomes an :class:`EdgeSdkError` naming the file
(exit 2), never an ``OSError`` traceback. ``error`` lets a caller say what kind of input failed
(a budget file is a :class:`ConfigError`, a report an :class:`InputError`).
"""

from __future__ import annotations

import os
from pathlib import Path

from edge_sdk.core.errors import EdgeSdkError, InputError


def require_file(path: str | os.PathLike[str], what: str, *, error: type[EdgeSdkError] = InputError,
                 missing: str | None = None, missing_hint: str | None = None) -> Path:
    """``path`` as a Path if it is a readable regular file; ``what`` names the expected kind of file."""
    p = Path(path)
    if not p.exists():
        raise error(f"{p}: {missing or f'no such file (expected a {what})'}", hint=missing_hint, path=str(p))
    if p.is_dir():
        raise error(f"{p}: is a directory, expected a {what} file", path=str(p))
    if not os.access(p, os.R_OK):
        raise error(f"{p}: permission denied", path=str(p))
    return p


def read_text_input(path: str | os.PathLike[str], what: str, *, error: type[EdgeSdkError] = InputError,
                    missing: str | None = None, missing_hint: str | None = None) -> tuple[Path, str]:
    """Check ``path`` like :func:`require_file`, then read it as UTF-8 text."""
    p = require_file(path, what, error=error, missing=missing, missing_hint=missing_hint)
    try:
        return p, p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"{p}: cannot read it as UTF-8 text ({exc})", path=str(p)) from None
