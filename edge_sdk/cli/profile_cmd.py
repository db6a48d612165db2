"""``edge-sdk profile``: measure a .tflite on this host and estimate it on device profiles.

A thin layer over :func:`edge_sdk.profiling.profile` (host backend) and
:func:`edge_sdk.profiling.adb.profile_on_adb` (``--backend adb``, real phones). Prints a table per
run; ``--json`` prints the versioned document instead, ``-o`` writes it atomically, ``--html``
renders it. Progress is shown on stderr only when stderr is a terminal and ``--json`` is off.
"""

from __future__ import annotations

import argparse
import importlib
from typing import Any

from edge_sdk.cli.progress import progress_display
from edge_sdk.core.errors import InfrastructureError, UsageError
from edge_sdk.core.table import WIDTH, fit_to_terminal, render_table
from edge_sdk.core.units import format_bytes, format_mj, format_ms

DESCRIPTION = """Measure a .tflite model on this machine (in an isolated child process) and estimate it on
device profiles: latency p50/p90/p99, peak memory, energy per inference, size.

examples:
  edge-sdk profile model.tflite                          # measure on this host
  edge-sdk profile model.tflite --device pixel-4 --device raspberry-pi-4
  edge-sdk profile model.tflite --device stm32h747 --estimate-only --json
  edge-sdk profile model.tflite --runtime tflite-runtime --threads 1 --runs 200 -o report.json
  edge-sdk profile model.tflite --backend adb --serial emulator-5554   # a real phone over adb"""


def _cpus(text: str) -> list[int]:
    try:
        cpus = sorted({int(c) for c in text.split(",") if c.strip()})
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: expected CPU numbers like 0,1") from None
    if not cpus or min(cpus) < 0:
        raise argparse.ArgumentTypeError(f"{text!r}: expected CPU numbers like 0,1")
    return cpus


def _percent(text: str) -> float:
    from edge_sdk.core.errors import ConfigError
    from edge_sdk.core.units import parse_fraction

    try:
        value = parse_fraction(text if "%" in text else f"{text}%", "--target-ci")
    except ConfigError as error:
        raise argparse.ArgumentTypeError(error.message) from None
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError("--target-ci must be between 0% and 100%, e.g. 1%")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", metavar="MODEL.tflite", help="the model to profile")
    parser.add_argument("--device", "-d", action="append", metavar="ID", default=[],
                        help="estimate on this device profile (repeatable; `edge-sdk devices` lists ids)")
    parser.add_argument("--threads", type=int, metavar="N", help="interpreter threads (host run default: 1, the most stable and "
                        "comparable; estimates default to each device's own thread count)")
    parser.add_argument("--runtime", choices=("litert", "tflite-runtime"), default="litert",
                        help="host interpreter: LiteRT (default) or tflite-runtime 2.14, as older apps ship")
    parser.add_argument("--estimate-only", action="store_true", help="skip the host run; estimates only (fast)")
    parser.add_argument("--input-data", metavar="PATH", help="real inputs: .npy (one input) or .npz (arrays named "
                        "like the inputs); default: generated within each input's dtype/quantization range")
    parser.add_argument("--input-shape", action="append", metavar="[NAME:]D,D,..", default=[],
                        help="shape of an input with dynamic dimensions (repeatable; NAME may be omitted "
                             "for a single-input model)")
    stop = parser.add_mutually_exclusive_group()
    stop.add_argument("--runs", type=int, metavar="N", help="exactly N timed runs (default: adaptive)")
    stop.add_argument("--min-time", type=float, metavar="S", dest="min_time_s",
                      help="time runs for S seconds (default: adaptive)")
    parser.add_argument("--target-ci", type=_percent, default=0.01, metavar="PCT",
                        help="adaptive stop: the median's 95%% CI within +-PCT (default 1%%)")
    parser.add_argument("--time-limit", type=float, default=5.0, metavar="S", dest="time_limit_s",
                        help="adaptive stop: at most S seconds of timed runs (default 5)")
    parser.add_argument("--timeout", type=float, default=300.0, metavar="S", dest="timeout_s",
                        help="kill the measurement after S seconds and report a hang (exit 3; default 300)")
    parser.add_argument("--memory-cap", metavar="SIZE", help='cap the memory the model may use on the host, '
                        'e.g. "512 MB" (exceeding it is reported, not a crash)')
    parser.add_argument("--cpus", type=_cpus, metavar="0,1", help="pin the host run to these CPUs")
    parser.add_argument("--json", action="store_true", help="print the JSON report on stdout (quiet otherwise)")
    parser.add_argument("-o", "--output", metavar="REPORT.json", help="write the JSON report here (atomically)")
    parser.add_argument("--html", metavar="PATH", help="also render the report as a self-contained HTML page")
    adb = parser.add_argument_group("real phones over adb (--backend adb)")
    adb.add_argument("--backend", choices=("host", "adb"), default="host", help="where to run (default: host)")
    adb.add_argument("--serial", action="append", metavar="S", default=[], help="adb device serial (repeatable)")
    adb.add_argument("--benchmark-binary", metavar="PATH", help="benchmark_model binary to push to the phone")
    adb.add_argument("--delegate", choices=("cpu", "xnnpack", "gpu", "nnapi"), default="cpu", help="delegate on the phone")
    parser.add_argument("--op-profile", action="store_true",
                        help="time every op: alone on the host (each op cut out as a one-op model), "
                             "from benchmark_model on a phone; shown beside each device's per-op estimate")


def _adb_document(args: argparse.Namespace) -> dict[str, Any]:
    host_only = [flag for flag, value in (("--device", args.device), ("--estimate-only", args.estimate_only),
                                          ("--input-data", args.input_data), ("--input-shape", args.input_shape),
                                          ("--runtime", args.runtime != "litert"), ("--memory-cap", args.memory_cap))
                 if value]
    if host_only:
        raise UsageError(f"{', '.join(host_only)} do not apply to --backend adb (the phone runs benchmark_model "
                         "with its own inputs; its profile is matched from the phone itself)",
                         hint="drop them, or profile on the host (without --backend adb)")
    try:
        adb_profiling = importlib.import_module("edge_sdk.profiling.adb")
    except ImportError as exc:
        raise InfrastructureError(f"the adb backend is not available in this installation ({exc})",
                                  hint="profile on the host (drop --backend adb) or update edge-sdk") from None
    with progress_display(quiet=args.json) as on_progress:
        return adb_profiling.profile_on_adb(
            args.model, serials=args.serial or None, threads=args.threads, delegate=args.delegate,
            op_profile=args.op_profile, benchmark_binary=args.benchmark_binary, timeout_s=args.timeout_s,
            partial_report=args.output, runs=args.runs, min_secs=args.min_time_s,
            affinity_mask=format(sum(1 << c for c in args.cpus), "x") if args.cpus else None,
            on_progress=on_progress,
        )


def _host_document(args: argparse.Namespace) -> dict[str, Any]:
    adb_only = [flag for flag, value in (("--serial", args.serial), ("--benchmark-binary", args.benchmark_binary),
                                         ("--delegate", args.delegate != "cpu"))
                if value]
    if adb_only:
        raise UsageError(f"{', '.join(adb_only)} only apply to real phones", hint="add --backend adb")
    from edge_sdk.profiling import profile

    with progress_display(quiet=args.json) as on_progress:
        return profile(
            args.model, devices=args.device, threads=args.threads, runtime=args.runtime,
            estimate_only=args.estimate_only, input_data=args.input_data, input_shape=args.input_shape,
            runs=args.runs, min_time_s=args.min_time_s, time_limit_s=args.time_limit_s, target_ci=args.target_ci,
            timeout_s=args.timeout_s, memory_cap=args.memory_cap, cpus=args.cpus, op_profile=args.op_profile,
            on_progress=on_progress,
        )


STOP_REASONS = {"converged": "stopped when the median converged", "runs": "fixed count",
                "min_time": "--min-time reached", "time_limit": "time limit reached", "run_limit": "run cap reached"}


def render(document: dict[str, Any]) -> str:
    """The terminal form of a profile document: one row per result, then its notes."""
    rows, notes = [], []
    for result in document.get("results", []):
        latency = result.get("latency_ms") or {}
        band = result.get("error_band_pct")
        memory = result.get("memory") or {}
        rows.append([
            result.get("device"), result.get("source"), result.get("threads"),
            format_ms(latency.get("p50")), format_ms(latency.get("p90")), format_ms(latency.get("p99")),
            f"+-{band:.0f}%" if isinstance(band, (int, float)) else "-",
            format_bytes(memory.get("peak_bytes")), format_mj(result.get("energy_mj")),
        ])  # the model's size is the same on every row: the heading line above the table gives it
        notes += [f"  {result.get('device')}: {note}" for note in result.get("notes") or []]
    table = render_table(["device", "source", "threads", "p50", "p90", "p99", "error band", "peak memory",
                          "energy"], rows, right_align=(2, 3, 4, 5, 6, 7, 8), max_width=WIDTH)
    model = document.get("model", {})
    lines = [f"{model.get('path')}  ({format_bytes(model.get('size_bytes'))}, {model.get('precision') or '?'})",
             "", table]
    host = document.get("host")
    if host:
        runtime = host.get("runtime") or {}
        ci = host.get("achieved_rel_ci")
        threads = host.get("threads")
        stop = STOP_REASONS.get(host.get("stop_reason"), host.get("stop_reason"))
        lines += ["", (f"host: {runtime.get('name')} {runtime.get('version')}, {threads} thread{'s' * (threads != 1)}, "
                       f"CPUs {host.get('affinity')}; init {format_ms(host.get('init_ms'))}, first inference "
                       f"{format_ms(host.get('first_inference_ms'))}"),
                  f"      {host.get('warmup_runs')} warmup + {host.get('runs')} timed runs ({stop}"
                  + (f"; median known to +-{ci:.1%} at 95%" if isinstance(ci, (int, float)) else "") + ")"]
    if any(r.get("source") == "estimated" for r in document.get("results", [])):
        lines.append("estimated rows are predictions from device profiles, not measurements; "
                     "the error band is the estimator's stated +-%.")
    if any(r.get("source") != "estimated" and r.get("ops") for r in document.get("results", [])):
        lines += ["", *render_ops(document)]
    if notes:
        lines += ["", "notes:", *notes]
    return fit_to_terminal(lines)


def render_ops(document: dict[str, Any], top: int = 12) -> list[str]:
    """The costliest ops, measured and estimated side by side (all of them are in --json / --html)."""
    from edge_sdk.profiling.ops import join, result_label

    results = document.get("results", [])
    labels = [result_label(r) for r in results if r.get("ops")]
    measured = next(label for r, label in zip([r for r in results if r.get("ops")], labels)
                    if r.get("source") != "estimated")
    rows = sorted(join(results), key=lambda row: -(row.get(measured) or 0.0))[:top]
    table = render_table(["#", "op", "layer", *labels],
                         [[row["index"], row["type"], (row["layer"] or "")[:28],
                           *[format_ms(row.get(label)) for label in labels]] for row in rows],
                         right_align=(*range(3, 3 + len(labels)), 0), max_width=WIDTH)
    summary = next(r.get("op_profile") or {} for r in results if r.get("source") != "estimated" and r.get("ops"))
    lines = [f"ops by {measured} time (top {len(rows)} of {len(join(results))})", table]
    if summary.get("sum_over_whole"):
        lines.append(f"per-op sum {format_ms(summary.get('sum_ms'))} = {summary['sum_over_whole']:.0%} of the "
                     f"whole-model median {format_ms(summary.get('whole_ms'))} (each op timed alone; the method "
                     "and its limits: docs/profile.md)")
    lines += [f"  {note}" for note in summary.get("notes", [])]
    return lines


def run(args: argparse.Namespace) -> int:
    from edge_sdk.cli.common import print_json, require_file, write_json_output
    from edge_sdk.core.paths import OutputPlan

    require_file(args.model, "model (.tflite)")
    (OutputPlan().read(args.model, "model").read(args.input_data, "--input-data file")
     .read(args.benchmark_binary, "--benchmark-binary").write("-o", args.output).write("--html", args.html).check())
    if args.backend == "adb":
        document = _adb_document(args)
    else:
        document = _host_document(args)
    if args.output:
        write_json_output("-o", args.output, document)
    if args.html:
        try:
            reporting = importlib.import_module("edge_sdk.reporting")
        except ImportError as exc:
            raise InfrastructureError(f"HTML reports are not available in this installation ({exc})",
                                      hint="use -o REPORT.json and `edge-sdk report` later") from None
        reporting.write_html_report([document], args.html)
    if args.json:
        print_json(document)
    else:
        print(render(document))
        written = [path for path in (args.output, args.html) if path]
        if written:
            print(f"\nreport written to {' and '.join(written)}")
    return 0
