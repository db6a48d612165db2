"""``edge-sdk devices --adb [--json]``: the Android devices adb sees, and the profile each matches.

Called by ``devices_cmd`` when ``--adb`` is given. One row per device in any state (device,
unauthorized, offline); usable devices are queried in parallel for their properties. A device that
matches no profile gets the ``edge-sdk calibrate`` command that would create one.
"""

from __future__ import annotations

import argparse
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from edge_sdk.core.errors import DeviceError
from edge_sdk.core.table import WIDTH, render_table, wrap_text

STATE_HINTS = {
    "unauthorized": "tap 'Allow' on the phone's 'Allow USB debugging?' dialog",
    "offline": "replug the cable or run `adb reconnect`",
    "no permissions": "add a udev rule for the phone (see `adb devices` output), then replug",
}


def list_adb_devices(client: Any = None) -> list[dict[str, Any]]:
    """One dict per device: serial, state, model, soc, abi, android_version, profile, hint."""
    from runtime_harness.adb.client import AdbClient
    from runtime_harness.adb.discovery import DeviceInfo, describe, known_profiles

    client = client or AdbClient()
    entries = client.devices()
    profiles = known_profiles()

    def one(entry: Any) -> DeviceInfo:
        if entry.state != "device":
            return describe(entry, {}, ())
        try:
            return describe(entry, client.getprops(entry.serial), profiles)
        except DeviceError:
            return describe(entry.__class__(entry.serial, "offline", entry.details), {}, ())

    with ThreadPoolExecutor(max_workers=max(1, len(entries))) as pool:
        infos = list(pool.map(one, entries))
    rows = []
    for info in infos:
        row = info.to_dict()
        if info.state != "device":
            row["hint"] = STATE_HINTS.get(info.state, f"state {info.state!r}: boot the device normally")
        elif info.profile is None:
            row["hint"] = f"no profile: run `edge-sdk calibrate --serial {info.serial} --profile NEW-ID`"
        else:
            row["hint"] = None
        rows.append(row)
    return rows


def render(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return ("No Android device connected.\n  hint: enable USB debugging (Settings > Developer options) and "
                "plug the phone in, or `adb connect HOST:PORT` for Wi-Fi debugging")
    table = render_table(
        ["serial", "state", "model", "SoC", "ABI", "Android", "profile"],
        [[r["serial"], r["state"], r["model"] or "-", r["soc"] or "-", r["abi"] or "-",
          r["android_version"] or "-", r["profile"] or ("no profile" if r["state"] == "device" else "-")]
         for r in rows],
        max_width=WIDTH, keep=[0],
    )
    hints = [wrap_text(f"  {r['serial']}: {r['hint']}") for r in rows if r.get("hint")]
    return table + ("\n\n" + "\n".join(hints) if hints else "")


def run(args: argparse.Namespace) -> int:
    from edge_sdk.cli.common import print_json

    rows = list_adb_devices()
    if getattr(args, "json", False):
        print_json({"adb_devices": rows})
    else:
        print(render(rows))
    return 0
