"""``edge-sdk devices``: list the device profiles, show one with its sources, describe a new phone
(``devices new``), or list adb phones."""

from __future__ import annotations

import argparse
from typing import Any

from edge_sdk.core.errors import InfrastructureError, UsageError
from edge_sdk.core.table import WIDTH, fit_to_terminal, render_table, render_with_details
from edge_sdk.core.units import format_bytes

DESCRIPTION = """Device profiles: real phones, boards and microcontrollers described by data files in
devices/profiles/<id>.toml (CPU clusters, ISA, RAM and app budget, flash, bandwidth, runtime and
delegates, power coefficients, adb match rule, published latencies with their sources). `profile
--device ID` and `check` estimate on them; `host` is this machine, detected at run time.
Add your own profiles in a directory named by EDGE_SDK_DEVICE_PATH.

A phone that is not in the catalog: `devices new ID --soc ... --cores ... --ram ...` writes a
profile with everything derivable derived (peak MACs from the cores, power from the core-type
power table) and marked as estimates; estimates on it borrow fitted corrections (of --like, else
of its core type) and carry the wider error band of a device without published points.

example:  edge-sdk devices
          edge-sdk devices show pixel-4
          edge-sdk devices show raspberry-pi-4 --json
          edge-sdk devices new my-phone --soc "Snapdragon 888" \\
              --cores "1x cortex-x1@2.84,3x cortex-a78@2.42,4x cortex-a55@1.8" \\
              --ram 8GiB --like pixel-7 -o devices.d
          export EDGE_SDK_DEVICE_PATH=$PWD/devices.d && edge-sdk profile model.tflite --device my-phone
          edge-sdk devices --adb            (phones connected over adb, matched to profiles)"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", nargs="?", metavar="show|new",
                        help="`show ID` prints one profile in full; `new ID` writes a profile for a phone")
    parser.add_argument("device", nargs="?", metavar="ID", help="device id, e.g. pixel-4 (see the list)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of tables")
    new = parser.add_argument_group("devices new")
    new.add_argument("--soc", metavar="TEXT", help='system on chip, e.g. "Qualcomm Snapdragon 888"')
    new.add_argument("--cores", metavar="SPEC", help='clusters, e.g. "2x cortex-x1@2.8,2x cortex-a76@2.25,4x cortex-a55@1.8"')
    new.add_argument("--ram", metavar="SIZE", help="RAM, e.g. 8GiB")
    new.add_argument("--like", metavar="ID", help="a catalog profile to borrow bandwidth, runtime, power base and "
                                                  "fitted corrections from, e.g. pixel-7")
    new.add_argument("--name", metavar="TEXT", help="marketing name (default: the id)")
    new.add_argument("--kind", choices=("phone", "board"), default="phone", help="phone (default) or board")
    new.add_argument("-o", "--output", metavar="DIR",
                     help="directory to write ID.toml into (default: the first EDGE_SDK_DEVICE_PATH directory, "
                          "else ~/.config/edge-sdk/devices)")
    new.add_argument("--force", action="store_true", help="replace an existing file")
    parser.add_argument("--adb", action="store_true", help="list Android devices connected over adb and the "
                                                           "profile each matches")


def run(args: argparse.Namespace) -> int:
    if args.adb:
        try:
            from edge_sdk.cli.devices_adb import run as run_adb
        except ImportError:
            raise InfrastructureError("`edge-sdk devices --adb` is not available in this installation "
                                      "(edge_sdk.cli.devices_adb is missing)",
                                      hint="reinstall edge-sdk, or use `adb devices` directly") from None
        return int(run_adb(args))
    from devices import list_profiles, load_profile

    if args.action is None:
        profiles = list_profiles()
        if args.json:
            _print_json({"devices": [_summary(p) for p in profiles]})
        else:
            print(render_list(profiles))
        return 0
    if args.action == "new":
        from edge_sdk.cli.devices_new import run_new

        return run_new(args)
    if args.action != "show":
        hint = f"did you mean `edge-sdk devices show {args.action}`?" if args.device is None else None
        raise UsageError(f"unknown devices action {args.action!r} (expected `show ID` or `new ID`)", hint=hint)
    if not args.device:
        raise UsageError("`edge-sdk devices show` needs a device id", hint="e.g. edge-sdk devices show pixel-4")
    profile = load_profile(args.device)
    held_out = _held_out(profile)
    if args.json:
        document = profile.to_dict()
        document["held_out"] = held_out
        _print_json({"device": document})
    else:
        print(render_show(profile, held_out))
    return 0


def _print_json(body: dict[str, Any]) -> None:
    from edge_sdk.cli.common import print_json
    from edge_sdk.core.documents import envelope

    print_json(envelope("devices", body))


def _cores(profile: Any) -> str:
    return " + ".join(f"{c.count}x {c.core.replace('cortex-', '').upper()} {c.ghz:g}" for c in profile.clusters)


def _summary(profile: Any) -> dict[str, Any]:
    return {"id": profile.id, "name": profile.name, "kind": profile.kind, "soc": profile.soc,
            "clusters": _cores(profile), "ram_bytes": profile.ram_bytes,
            "app_memory_bytes": profile.app_memory_bytes, "flash_bytes": profile.flash_bytes,
            "runtime": f"{profile.runtime} {profile.runtime_version}", "delegates": list(profile.delegates),
            "calibration_points": len(profile.calibration), "path": profile.path}


def render_list(profiles: list[Any]) -> str:
    """One line per profile (id, kind, cores, calibration points) with its name, memory and runtime
    under it: 100 columns, whatever the core lists."""
    rows: list[list[Any]] = []
    details: list[list[str]] = []
    for p in profiles:
        memory = format_bytes(p.app_memory_bytes)
        if p.flash_bytes:
            memory += f" / flash {format_bytes(p.flash_bytes)}"
        short_name = p.name.split(" (")[0]  # details in parentheses are for `devices show`
        runtime = f"{p.runtime} {p.runtime_version.split(' (')[0]}"
        rows.append([p.id, p.kind, _cores(p), len(p.calibration)])
        details.append([f"{short_name}; app memory {memory}; {runtime}"])
    table = render_with_details(["id", "kind", "cores (GHz)", "points"], rows, details, right_align=[3],
                                keep=[0])
    closing = (f"{len(profiles)} device profiles, plus `host` (this machine). "
               "`edge-sdk devices show ID` lists every number with its source.")
    return fit_to_terminal([*table, "", closing])


def _held_out(profile: Any) -> list[dict[str, Any]]:
    """This device's leave-one-source-out predictions (empty for the host or a device without points)."""
    if profile.kind == "host" or not profile.calibration:
        return []
    from runtime_harness.estimator.calibration import default_calibration

    return [{"model": h.model, "precision": h.precision, "threads": h.threads, "measured_ms": h.measured_ms,
             "predicted_ms": round(h.predicted_ms, 3), "error_pct": round(h.error * 100, 1),
             "situation": h.situation, "source": h.source}
            for h in default_calibration().loso if h.device == profile.id]


def _section(title: str, table: dict[str, Any], skip: tuple[str, ...] = ()) -> list[str]:
    lines = [f"[{title}]"]
    estimates = table.get("estimates", {})
    for key, value in table.items():
        if key in ("source", "estimates", *skip) or (isinstance(value, (dict, list)) and key != "delegates"):
            continue
        shown = format_bytes(value) if key.endswith("_bytes") and isinstance(value, int) else value
        mark = f"   (estimate: {estimates[key]})" if key in estimates else ""
        lines.append(f"  {key:<18} {shown}{mark}")
    if "source" in table:
        lines.append(f"  source: {table['source']}")
    return lines


def render_show(profile: Any, held_out: list[dict[str, Any]]) -> str:
    raw = profile.raw
    lines = [f"{profile.id}: {profile.name}", f"  kind {profile.kind}, SoC {profile.soc}"]
    if raw.get("source"):
        lines.append(f"  source: {raw['source']}")
    if raw.get("notes"):
        lines.append(f"  note: {raw['notes']}")
    lines.append("")
    lines += _section("cpu", raw["cpu"])
    for c in raw["cpu"]["clusters"]:
        power = f", {c['active_mw']:g} mW/core" if c.get("active_mw") else ""
        mark = "".join(f"   (estimate {k}: {v})" for k, v in (c.get("estimates") or {}).items())
        lines.append(f"  cluster {c['name']:<8} {c['count']}x {c['core']} @ {c['ghz']:g} GHz{power}{mark}")
    for title in ("isa", "memory", "compute", "runtime", "power"):
        lines += [""] + _section(title, raw[title])
    if profile.adb_match:
        lines += ["", "[adb]"] + [f"  {k:<18} {', '.join(v)}" for k, v in profile.adb_match.items()]
    if profile.calibration:
        lines += ["", f"[calibration] {len(profile.calibration)} published measurements"]
        rows = [[p.model, p.precision, p.threads, f"{p.latency_ms:g}", p.kernels, p.runtime] for p in profile.calibration]
        lines += ["  " + line for line in render_table(
            ["model", "precision", "threads", "ms", "kernels", "runtime"], rows, right_align=[2, 3],
            max_width=WIDTH - 2).splitlines()]
        lines += ["  sources:"] + [f"    - {s}" for s in dict.fromkeys(p.source for p in profile.calibration)]
    if profile.engines:
        lines += ["", ("[engines] other engines with published points here (pick one with --device "
                       f"{profile.id}@ENGINE): {', '.join(profile.engines)}")]
    if profile.energy:
        lines += ["", f"[energy] {len(profile.energy)} published measured energies (they validate the power model)"]
        rows = [[e.model, f"{e.latency_ms:g}", f"{e.energy_mj:g}", f"{e.power_mw:.1f}", f"{e.supply_v:g} V", e.runtime]
                for e in profile.energy]
        lines += ["  " + line for line in render_table(
            ["model", "ms", "mJ", "mW", "supply", "engine"], rows, right_align=[1, 2, 3], max_width=WIDTH - 2).splitlines()]
    if held_out:
        within = sum(abs(h["error_pct"]) <= 15 for h in held_out)
        lines += ["", (f"[estimator, leave-one-source-out] {within}/{len(held_out)} points within +-15% "
                       "(each predicted by a fit that saw no point of its publication)")]
        rows = [[h["model"], h["precision"], h["threads"], f"{h['measured_ms']:g}", f"{h['predicted_ms']:.3g}",
                 f"{h['error_pct']:+.0f}%", h["situation"]] for h in held_out]
        lines += ["  " + line for line in render_table(
            ["model", "precision", "threads", "measured ms", "predicted ms", "error", "situation"], rows,
            right_align=[2, 3, 4, 5], max_width=WIDTH - 2).splitlines()]
    elif profile.kind != "host":
        lines += ["", ("[calibration] none published: estimates borrow the fitted parameters of its core family "
                       "and carry the wider error band of a device without points (docs/estimates.md)")]
    return fit_to_terminal(lines)
