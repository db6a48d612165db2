"""Benchmark: what the public Python API costs at start-up, measured side by side in one run.

Cold processes, alternating, best and median of N each:

1. ``python -c pass`` (the interpreter alone);
2. ``edge-sdk --help`` from a reference commit (default: the commit before the public API,
   extracted with ``git archive`` into a temporary folder) and from this checkout;
3. ``import edge_sdk`` and ``import edge_sdk; edge_sdk.profile`` (the lazy name resolved) here;
4. whether any of them imported TensorFlow or torch.

The issue's promise: ``edge-sdk --help`` start-up does not grow by more than 10%.

    .venv/bin/python bench/bench_api.py [--runs 15] [--reference COMMIT]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = "09ca2ad"  # the start of the public-API work (issue 11)
HELP = "import sys; sys.argv = ['edge-sdk', '--help']; from edge_sdk.cli import main; main()"
HEAVY = "import sys; print(any(m in sys.modules for m in ('tensorflow', 'torch')), file=sys.stderr)"


def extract(commit: str, into: Path) -> Path:
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", commit, "edge_sdk", "converters", "devices",
                              "runtime_harness"], capture_output=True, check=True).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into


def timed(code: str, root: Path) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", f"import sys; sys.path.insert(0, {str(root)!r}); {code}"],
                          capture_output=True, text=True, cwd=root)
    elapsed = time.perf_counter() - started
    if done.returncode not in (0, 2):
        raise SystemExit(f"failed: {code}\n{done.stderr}")
    return elapsed, done.stderr.strip().splitlines()[-1] if done.stderr.strip() else ""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--reference", default=REFERENCE)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="edge-sdk-bench-api-") as folder:
        old = extract(args.reference, Path(folder))
        cases = {
            "python -c pass": ("pass", ROOT),
            f"edge-sdk --help @ {args.reference}": (HELP, old),
            "edge-sdk --help (this checkout)": (HELP, ROOT),
            "import edge_sdk": ("import edge_sdk; " + HEAVY, ROOT),
            "import edge_sdk; edge_sdk.profile": ("import edge_sdk; edge_sdk.profile; " + HEAVY, ROOT),
        }
        times: dict[str, list[float]] = {name: [] for name in cases}
        heavy: dict[str, str] = {}
        for _ in range(args.runs):  # alternate, so drift on a shared machine hits every case alike
            for name, (code, root) in cases.items():
                elapsed, last = timed(code, root)
                times[name].append(elapsed)
                if last in ("True", "False"):
                    heavy[name] = last
    base = min(times["python -c pass"])
    print(f"{'case':42} {'best ms':>8} {'median ms':>10} {'best/python':>12}  TF/torch imported")
    for name, values in times.items():
        print(f"{name:42} {min(values) * 1000:8.1f} {statistics.median(values) * 1000:10.1f} "
              f"{min(values) / base:12.2f}  {heavy.get(name, '-')}")
    old_help = min(times[f"edge-sdk --help @ {args.reference}"])
    new_help = min(times["edge-sdk --help (this checkout)"])
    print(f"\n--help start-up, this checkout / {args.reference}: {new_help / old_help:.3f} (best of {args.runs}; "
          f"medians {statistics.median(times['edge-sdk --help (this checkout)']) / statistics.median(times[f'edge-sdk --help @ {args.reference}']):.3f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
