"""``edge-sdk sweep``: a thin layer over :func:`edge_sdk.sweep.sweep` and :func:`edge_sdk.sweep.merge`."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from edge_sdk.cli.common import print_json
from edge_sdk.cli.progress import progress_display
from edge_sdk.core.errors import EXIT_OK, UsageError
from edge_sdk.core.units import format_bytes, format_ms

DESCRIPTION = """Convert every model with every recipe, estimate and measure each artifact on every device,
and gate each cell against the budget: on a local Dask cluster (default: one worker per core), an
existing Dask cluster (--scheduler), or one shard of the work with no engine (--shard I/N, joined
by `edge-sdk sweep merge`). Cells whose content key is in the result store are not run again, so a
re-run after one model changed runs only that model's cells, and a killed sweep resumes.

Writes DIR/sweep.json (every cell's status, key, cache hit, worker, duration, error) beside each
cell's artifact, convert manifest, profile and check documents. A failed cell is recorded and the
sweep goes on. Exit 3 if any cell failed for an infrastructure reason (crash, lost worker, no
phone), else 1 if any budget failed or any cell failed, else 0.

SWEEP.toml (or [tool.edge-sdk.sweep] in pyproject.toml; paths relative to the file):
  models = ["models/*.keras", "zoo/*.tflite"]
  recipes = ["float32", "dynamic-int8", "int8"]
  devices = ["pixel-7", "raspberry-pi-4", "adb:pixel-4"]   # adb:<profile>: a phone on a worker
  calibration_data = "data/calib.npz"       # for full-integer recipes ("random": accuracy unknown)
  eval_data = "data/eval.npz"               # labelled: adds the accuracy drop
  max_accuracy_drop = "1%"                  # the accuracy budget of recipe "auto" (its search)
  budget = "edge-budget.toml"               # optional; a check applies where it names the device
  host = true                               # also measure each artifact on the worker's host
  store = "/shared/sweep-store"             # default: sweep/ in the edge-sdk cache (out of the repo)

examples:
  edge-sdk sweep SWEEP.toml -o sweep-out
  edge-sdk sweep SWEEP.toml -o out --scheduler tcp://lab-host:8786
  dask worker tcp://lab-host:8786 --resources "adb:pixel-7=1"     # on the host with the phone
  edge-sdk sweep SWEEP.toml -o out-1 --shard 1/2 && edge-sdk sweep SWEEP.toml -o out-2 --shard 2/2
  edge-sdk sweep merge out-1 out-2 -o out
  edge-sdk report out/sweep.json -o sweep.html"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.usage = ("edge-sdk sweep SWEEP.toml [-o DIR] [--scheduler ADDRESS] [--workers N] [--shard I/N] "
                    "[--only FILTER]\n                      [--store DIR] [--dry-run] [--json]\n"
                    "       edge-sdk sweep merge DIR... -o DIR [--json]")
    parser.add_argument("target", nargs="+", metavar="SWEEP.toml",
                        help="the sweep file (or a pyproject.toml), or `merge` and the shard output directories")
    parser.add_argument("-o", "--output", metavar="DIR", help="output directory (default: sweep-out)")
    parser.add_argument("--scheduler", metavar="ADDRESS", help="an existing Dask scheduler, e.g. tcp://host:8786")
    parser.add_argument("--workers", type=int, metavar="N", help="workers of the local cluster (default: CPU count)")
    parser.add_argument("--shard", metavar="I/N", help="run share I of N here, with no engine (CI matrix jobs)")
    parser.add_argument("--only", metavar="FILTER",
                        help="cells to run: comma-separated model=GLOB, recipe=GLOB, device=GLOB or a bare GLOB")
    parser.add_argument("--store", metavar="DIR", help="result store directory (overrides the sweep file)")
    parser.add_argument("--dry-run", action="store_true", help="print the cells and what would run; run nothing")
    parser.add_argument("--json", action="store_true", help="print the sweep document as JSON")


def summary_table(document: dict[str, Any]) -> str:
    """One row per cell, within 100 columns (long names shortened in the middle)."""
    from edge_sdk.core.table import WIDTH, render_table

    rows = []
    for cell in document["cells"]:
        metrics = cell.get("metrics") or {}
        latency = metrics.get("latency_p50_ms")
        source = {"measured": " m", "estimated": " e"}.get(str(metrics.get("latency_source")), "")
        drop = metrics.get("accuracy_drop")
        status = cell["status"] + (" (cached)" if cell.get("cache_hit") else "")
        rows.append([cell["model"], cell["recipe"], cell["device"], status,
                     format_bytes(metrics["size_bytes"]) if metrics.get("size_bytes") else "-",
                     (format_ms(latency) + source) if latency is not None else "-",
                     f"{drop * 100:.2f}pt" if isinstance(drop, (int, float)) else "-"])
    return render_table(["model", "recipe", "device", "status", "size", "p50", "acc drop"], rows,
                        right_align=(4, 5, 6), max_width=WIDTH)


def _print_result(document: dict[str, Any], path: Any) -> None:
    print(summary_table(document))
    for cell in document["cells"]:
        if cell.get("status") == "error":
            print(f"  error {cell['id']}: {(cell.get('error') or {}).get('message')}", file=sys.stderr)
        for failure in (cell.get("budget") or {}).get("failures", []):
            print(f"  budget {cell['id']}: {failure}")
    for line in document.get("notes") or []:
        print(f"  note: {line}", file=sys.stderr)
    s = document["summary"]
    engine = document.get("engine") or {}
    where = engine.get("kind") or "-"
    if engine.get("address"):
        where += f" at {engine['address']}"
    print(f"{s['cells']} cells: {s['passed']} passed, {s['budget_failed']} over budget, {s['errors']} failed "
          f"({s['infrastructure_errors']} infrastructure), {s['not_applicable']} not applicable, "
          f"{s['cache_hits']} from the store")
    print(f"{s['wall_s'] if s['wall_s'] is not None else '-'} s on {where}")
    if path is not None:
        print(f"wrote {path}\n  (edge-sdk report {path} -o sweep.html draws it)")


def run(args: argparse.Namespace) -> int:
    from edge_sdk.sweep import merge, sweep

    if args.target[0] == "merge":
        if len(args.target) < 2 or not args.output:
            raise UsageError("usage: edge-sdk sweep merge DIR... -o DIR", hint="pass each shard's output directory")
        result = merge(args.target[1:], args.output)
    else:
        if len(args.target) != 1:
            raise UsageError(f"one sweep file expected, got {len(args.target)}: {' '.join(args.target)}",
                             hint="edge-sdk sweep SWEEP.toml -o DIR (or: edge-sdk sweep merge DIR... -o DIR)")
        with progress_display(quiet=args.json) as on_progress:
            result = sweep(args.target[0], args.output or "sweep-out", scheduler=args.scheduler, workers=args.workers,
                           shard=args.shard, only=args.only, dry_run=args.dry_run, store=args.store,
                           on_progress=on_progress)
    if args.json:
        print_json(result.document)
    else:
        _print_result(result.document, result.path)
        if args.dry_run:
            print("(dry run: nothing was run or written)")
    return EXIT_OK if args.dry_run else result.exit_code
