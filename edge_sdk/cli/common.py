"""Small helpers every verb shares: input-file checks, JSON output, writing reports."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from edge_sdk.core import files
from edge_sdk.core.atomic import atomic_write_json
from edge_sdk.core.paths import output_errors


def require_file(path: str | os.PathLike[str], what: str = "model") -> Path:
    """Return ``path`` as a Path if it is a readable regular file, else raise a clear InputError."""
    return files.require_file(path, what)


def print_json(document: Any) -> None:
    """Print one JSON document on stdout (the ``--json`` convention)."""
    json.dump(document, sys.stdout, indent=2)
    sys.stdout.write("\n")


def write_json_output(flag: str, path: str | os.PathLike[str], document: Any) -> Path:
    """Write a report atomically; a failed write (disk full, read-only) is a clear exit 2 naming ``path``.

    The caller has already checked, with :class:`edge_sdk.core.paths.OutputPlan`, that ``path`` is
    none of the command's inputs.
    """
    with output_errors(flag, path):
        return atomic_write_json(path, document)
