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
import tempfile
import tomllib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from edge_sdk.core.errors import ConfigError, UsageError

DESCRIPTION = __doc__.replace("``edge-sdk calibrate``: ", "", 1) + """
examples:
  edge-sdk calibrate --serial 8A7X0S1B                         (update the profile the phone matches)
  edge-sdk calibrate --serial 8A7X0S1B --profile my-phone      (create a new profile)
  edge-sdk calibrate --serial 8A7X0S1B --models mlperf_tiny_resnet8:int8,mobilenet_v1_1.0_224:float32"""
ID_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
MEASURED_PREFIX = "measured by edge-sdk calibrate"


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


def user_profile_dir() -> Path:
    paths = [p for p in os.environ.get("EDGE_SDK_DEVICE_PATH", "").split(os.pathsep) if p]
    return Path(paths[0]) if paths else Path.home() / ".config" / "edge-sdk" / "devices"


def target_path(output: str | None, profile_id: str) -> Path:
    if output is None:
        return user_profile_dir() / f"{profile_id}.toml"
    path = Path(output)
    if path.is_dir() or output.endswith(os.sep):
        return path / f"{profile_id}.toml"
    if path.stem != profile_id or path.suffix != ".toml":
        raise UsageError(f"--output {output}: a profile file must be named {profile_id}.toml (its id)",
                         hint=f"pass a directory, or {path.parent / (profile_id + '.toml')}")
    return path


def merge_points(data: dict[str, Any], points: list[dict[str, Any]]) -> dict[str, Any]:
    """Add ``points``; drop older edge-sdk points for the same model, precision and threads."""
    fresh = {(p["model"], p["precision"], p["threads"]) for p in points}
    kept = [p for p in data.get("calibration", [])
            if not (str(p.get("source", "")).startswith(MEASURED_PREFIX) and (p["model"], p["precision"], p["threads"]) in fresh)]
    return {**data, "calibration": kept + points}


def new_profile(profile_id: str, info: Any, facts: Any, binary_sha: str | None) -> dict[str, Any]:
    """A complete profile from what the phone reports; every guessed number is listed as an estimate."""
    from devices.cores import core_type

    stamp = datetime.now(UTC).strftime("%Y-%m-%d")
    read = f"read from the phone over adb by edge-sdk calibrate on {stamp}"
    big = list(facts.clusters[:-1]) or facts.clusters
    fp32 = sum(c["count"] * c["ghz"] * core_type(c["core"]).fp32 for c in facts.clusters)
    int8 = sum(c["count"] * c["ghz"] * core_type(c["core"]).int8 for c in facts.clusters)
    dotprod = "asimddp" in facts.features
    fp16 = "asimdhp" in facts.features or "fphp" in facts.features
    ram = facts.ram_bytes or 4 * 1024**3
    socs = [s for s in (info.props.get("ro.soc.model"), info.props.get("ro.board.platform")) if s]
    return {
        "schema_version": 1, "id": profile_id,
        "name": f"{info.manufacturer or ''} {info.model or profile_id}".strip(), "kind": "phone",
        "soc": info.soc or "unknown", "source": f"{read} (getprop)",
        "cpu": {"threads_default": min(4, sum(c["count"] for c in big)),
                **({"big_core_mask": facts.big_core_mask} if facts.big_core_mask else {}),
                "source": f"{read} (/proc/cpuinfo CPU part, cpufreq cpuinfo_max_freq)",
                "clusters": facts.clusters},
        "isa": {"arch": "armv8.6-a" if "i8mm" in facts.features else ("armv8.2-a" if dotprod or fp16 else "armv8-a"),
                "neon": True, "dotprod": dotprod, "fp16": fp16, "i8mm": "i8mm" in facts.features,
                "source": f"{read} (/proc/cpuinfo Features)"},
        "memory": {"ram_bytes": ram, "app_memory_bytes": "512 MiB" if ram >= 4 * 1024**3 else "256 MiB",
                   "bandwidth_gbps": 10.0, "source": f"{read} (/proc/meminfo MemTotal)",
                   "estimates": {"app_memory_bytes": "Android largeHeap class for this RAM size",
                                 "bandwidth_gbps": "typical sustained LPDDR4X bandwidth of one CPU cluster; not measured"}},
        "compute": {"peak_gmacs_fp32": round(fp32, 1), "peak_gmacs_int8": round(int8, 1),
                    "source": "derived: cores x clock x MACs/cycle from devices/cores.py"},
        "runtime": {"name": "litert", "version": f"benchmark_model sha256 {(binary_sha or 'unknown')[:12]}",
                    "delegates": ["xnnpack", "gpu", "nnapi"], "overhead_bytes": "8 MB",
                    "source": "the benchmark_model binary used for calibration",
                    "estimates": {"overhead_bytes": "typical interpreter + XNNPACK RSS; not measured"}},
        "power": {"base_mw": 400.0, "scope": "cpu-cluster", "source": "not measured: a generic phone value",
                  "estimates": {"base_mw": "uncore and DRAM power of a Snapdragon-class phone, 300-500 mW"}},
        "adb": {"models": [info.model] if info.model else [], "socs": socs,
                "devices": [d for d in [info.props.get("ro.product.device")] if d]},
    }


def validated_text(data: dict[str, Any], profile_id: str, header: str) -> str:
    """The TOML text, checked by the catalog's own reader (schema, id = file name) before writing."""
    from devices.catalog import read_profile
    from edge_sdk.core.toml_writer import dumps

    text = dumps(data, header=header)
    with tempfile.TemporaryDirectory() as scratch:
        probe = Path(scratch) / f"{profile_id}.toml"
        probe.write_text(text, encoding="utf-8")
        try:
            read_profile(probe)
        except ConfigError as error:
            raise ConfigError(f"the calibrated profile {profile_id} does not validate: {error.message}",
                              hint="this is a bug in edge-sdk calibrate; please report it") from None
    return text


def run(args: argparse.Namespace) -> int:
    from edge_sdk.cli.common import print_json
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
    target = target_path(args.output, profile_id)
    OutputPlan().read(args.benchmark_binary, "--benchmark-binary").write("--output", target).check()
    existing = next((p for p in profiles if p.id == profile_id), None)
    source_file = target if target.exists() else (Path(existing.path) if existing and existing.path else None)
    progress = (lambda text: print(f"  measuring {text}", file=sys.stderr, flush=True)) if not args.json else None
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
    text = validated_text(merge_points(data, points), profile_id, header)
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
