"""Start-up of ``edge-sdk --help`` (and ``check --help``) now against an older commit, side by side.

Both trees run with the same interpreter and venv, interleaved run by run so machine load hits both
alike; the figure is the ratio of medians. The older tree is exported with ``git archive`` into a
temporary folder (the working tree is not touched)::

    .venv/bin/python bench/bench_help.py [--against REV] [--runs N]

Issue 11's bar: the layering and API work keeps ``--help`` within 10% of before.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENV = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
ENV.pop("PYTHONPATH", None)


def _export(rev: str, into: Path) -> None:
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", rev],
                             capture_output=True, check=True).stdout
    with tempfile.TemporaryFile() as handle:
        handle.write(archive)
        handle.seek(0)
        with tarfile.open(fileobj=handle) as tar:
            tar.extractall(into, filter="data")


def _once(tree: Path, args: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "edge_sdk", *args], cwd=tree, env=ENV, check=False,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", default="09ca2ad", help="the older commit (default: before issue 11's work)")
    parser.add_argument("--runs", type=int, default=15)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="edge-sdk-bench-help-") as scratch:
        old = Path(scratch)
        _export(options.against, old)
        for args in (["--help"], ["check", "--help"]):
            for tree in (old, ROOT):  # warm the page cache once each
                _once(tree, args)
            times: dict[str, list[float]] = {"before": [], "now": []}
            for run in range(options.runs):  # alternate which goes first: no order bias
                order = [("before", old), ("now", ROOT)]
                for label, tree in order if run % 2 == 0 else order[::-1]:
                    times[label].append(_once(tree, args))
            before, now = statistics.median(times["before"]), statistics.median(times["now"])
            print(f"[edge-sdk {' '.join(args)}] {options.against}: {before * 1000:.0f} ms | now: {now * 1000:.0f} ms"
                  f" | ratio {now / before:.2f}x (median of {options.runs}, interleaved)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
