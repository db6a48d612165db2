"""``edge-sdk calibrate``: measure reference models on a phone and store them as calibration points.

The points go into a device profile TOML in your profile directory (the first directory of
``EDGE_SDK_DEVICE_PATH``, else ``~/.config/edge-sdk/devices``) or ``--output``: the existing profile
of that id (bundled or yours) with the new points added, or a new profile read from the phone
itself (CPU clusters from /proc/cpuinfo, RAM, SoC, adb match rule) when the id is new. A user
profile replaces the bundled one of the same id, so estimates for that phone use the new points.
Earlier ``edge-sdk calibrate`` points for the same model, precision and threads are replaced;
published points are kept. The file is validated against the profile schema, then written atomically.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tomllib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from edge_sdk.core.errors import UsageError

DESCRIPTION = __doc__.replace("``edge-sdk calibrate``: ", "", 1) + """
examples:
  edge-sdk calibrate --serial 8A7X0S1B                         (update the profile the phone matches)
  edge-sdk calibrate --serial 8A7X0S1B --profile my-phone      (create a new profile)
  edge-sdk calibrate --serial 8A7X0S1B --models mlperf_tiny_resnet8:int8,mobilenet_v1_1.0_224:float32"""
ID_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from runtime_harness.adb.calibration import DEFAULT_MODELS

    parser.add_argument("--serial", metavar="S", help="adb serial of the phone (default: the only one connected)")
    parser.add_argument("--profile", metavar="ID", help="profile to update or create (default: the one the phone matches)")
    parser.add_argument("--models", metavar="LIST", default=",".join(DEFAULT_MODELS),
                        help="comma-separated reference models name:precision (default: %(default)s)")
    parser.add_argument("-o", "--output", metavar="PATH",
                        help="profile file or directory to write (default: your profile directory)")
    parser.add_argument("--threads", type=int, help="threads (default: the profile's, else 4)")
    parser.add_argument("--runs", type=int, default=50, help="benchmark runs per model (default: 50)")
    parser.add_argument("--min-secs", type=float, help="minimum seconds of runs per model (default: the tool's, 1 s)")
    parser.add_argument("--benchmark-binary", metavar="PATH", help="benchmark_model binary to push to the phone")
    parser.add_argument("--timeout", dest="timeout_s", type=float, default=600.0, help="seconds per model (default: 600)")
    parser.add_argument("--json", action="store_true", help="print the points and the file written as JSON")


def new_profile(profile_id: str, info: Any, facts: Any, binary_sha: str | None) -> dict[str, Any]:
    """A complete profile from what the phone reports (devices.authoring derives the rest and marks
    every guessed number as an estimate)."""
    from devices.authoring import phone_profile
    from devices.cores import active_power_mw

    stamp = datetime.now(UTC).strftime("%Y-%m-%d")
    read = f"read from the phone over adb by edge-sdk calibrate on {stamp}"
    clusters = []
    for cluster in facts.clusters:
        mw, why = active_power_mw(cluster["core"], cluster["ghz"])
        clusters.append({**cluster, "active_mw": mw, "estimates": {"active_mw": why}})
    socs = [s for s in (info.props.get("ro.soc.model"), info.props.get("ro.board.platform")) if s]
    data = phone_profile(
        profile_id, name=f"{info.manufacturer or ''} {info.model or profile_id}".strip(), soc=info.soc or "unknown",
        clusters=clusters, ram_bytes=facts.ram_bytes or 4 * 1024**3, features=set(facts.features),
        cpu_source=f"{read} (/proc/cpuinfo CPU part, cpufreq cpuinfo_max_freq)", big_mask=facts.big_core_mask,
        runtime_version=f"benchmark_model sha256 {(binary_sha or 'unknown')[:12]}",
        adb={"models": [info.model] if info.model else [], "socs": socs,
             "devices": [d for d in [info.props.get("ro.product.device")] if d]})
    data["source"] = f"{read} (getprop)"
    data["memory"]["source"] = f"{read} (/proc/meminfo MemTotal)"
    data["runtime"]["source"] = "the benchmark_model binary used for calibration"
    return data


def run(args: argparse.Namespace) -> int:
    from devices.authoring import AuthoringError, add_points, profile_path, render
    from edge_sdk.cli.common import print_json
    from edge_sdk.cli.devices_new import flag_error
    from edge_sdk.core.atomic import atomic_write_text
    from edge_sdk.core.paths import OutputPlan, output_errors
    from edge_sdk.core.table import render_table
    from runtime_harness.adb import calibration
    from runtime_harness.adb.client import AdbClient
    from runtime_harness.adb.discovery import discover, known_profiles

    if args.profile and not ID_PATTERN.match(args.profile):
        raise UsageError(f"--profile {args.profile!r}: ids are lowercase kebab-case", hint="e.g. --profile my-pixel-6")
    models = [m.strip() for m in args.models.split(",") if m.strip()]
    if not models:
        raise UsageError("--models is empty", hint="e.g. --models mlperf_tiny_resnet8:int8")
    client = AdbClient()
    serial = client.select([args.serial] if args.serial else None)[0]
    profiles = known_profiles()
    info = discover(client, serial, profiles=profiles)
    profile_id = args.profile or info.profile
    if profile_id is None:
        raise UsageError(f"{info.model} ({serial}) matches no device profile; name the new one",
                         hint=f"edge-sdk calibrate --serial {serial} --profile {_suggest_id(info)}")
    try:
        target = profile_path(args.output, profile_id)
    except AuthoringError as error:
        raise flag_error(error) from None
    OutputPlan().read(args.benchmark_binary, "--benchmark-binary").write("--output", target).check()
    existing = next((p for p in profiles if p.id == profile_id), None)
    source_file = target if target.exists() else (Path(existing.path) if existing and existing.path else None)
    show = not args.json and sys.stderr.isatty()  # progress on a terminal only: quiet in CI and pipes
    progress = (lambda text: print(f"  measuring {text}", file=sys.stderr, flush=True)) if show else None
    points, results = calibration.calibrate_device(
        client, serial, models, threads=args.threads, runs=args.runs, min_secs=args.min_secs, timeout_s=args.timeout_s,
        benchmark_binary=Path(args.benchmark_binary) if args.benchmark_binary else None, profiles=profiles,
        progress=progress)
    if source_file is not None:
        raw = source_file.read_text(encoding="utf-8")
        data = tomllib.loads(raw)
        header = "".join(line + "\n" for line in raw.splitlines()[:5] if line.startswith("#"))
    else:
        from runtime_harness.adb.cpu_topology import CPU_COMMAND, parse_cpu_facts

        facts = parse_cpu_facts(client.shell(serial, CPU_COMMAND).stdout)
        data = new_profile(profile_id, info, facts, results[0].binary.get("sha256") if results else None)
        header = f"# {data['name']}: created by edge-sdk calibrate from the phone itself (serial {serial}).\n"
    text = render(add_points(data, points), header=header)
    with output_errors("--output", target):
        atomic_write_text(target, text)
    on_path = str(target.parent) in os.environ.get("EDGE_SDK_DEVICE_PATH", "").split(os.pathsep)
    if args.json:
        print_json({"profile": profile_id, "path": str(target), "created": source_file is None, "points": points})
        return 0
    print(render_table(["model", "precision", "threads", "latency ms"],
                       [[p["model"], p["precision"], p["threads"], f"{p['latency_ms']:.3f}"] for p in points],
                       right_align=[2, 3]))
    print(f"\n{'created' if source_file is None else 'updated'} {target} ({len(points)} calibration points)")
    if not on_path:
        print(f"  hint: export EDGE_SDK_DEVICE_PATH={target.parent} so edge-sdk uses this profile")
    return 0


def _suggest_id(info: Any) -> str:
    name = f"{info.manufacturer or ''} {info.model or 'phone'}".lower()
    return re.sub(r"[^a-z0-9]+", "-", name).strip("-") or "my-phone"
