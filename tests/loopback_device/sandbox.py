"""Builds the file system of a loopback test device (a STAND-IN FOR A PHONE) from a description.

A description is a small dict: the ``getprop`` properties, CPU count and governor, thermal status,
battery (idle and under-load current, voltage, charging or not), the adb auth mode, and which
runtime its ``benchmark_model`` uses. ``/system/bin`` gets ``getprop``, ``dumpsys`` and ``taskset``
scripts that answer from it, as the real tools would print.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent

# A Pixel-4-like phone (props as a Pixel 4 on Android 12 reports them). The loopback device
# only borrows the names: its CPU is this machine's.
PIXEL_4_LIKE: dict[str, Any] = {
    "props": {
        "ro.product.model": "Pixel 4", "ro.product.name": "flame", "ro.product.device": "flame",
        "ro.product.manufacturer": "Google", "ro.product.brand": "google",
        "ro.board.platform": "msmnile", "ro.hardware": "flame", "ro.soc.manufacturer": "Qualcomm",
        "ro.soc.model": "SM8150", "ro.product.cpu.abi": "arm64-v8a",
        "ro.product.cpu.abilist": "arm64-v8a,armeabi-v7a,armeabi",
        "ro.build.version.release": "12", "ro.build.version.sdk": "31",
        "ro.build.fingerprint": "google/flame/flame:12/SQ3A.220705.003/8671607:user/release-keys",
    },
    "cpus": 8, "governor": "schedutil", "thermal_status": 0, "thermal_zones": {"cpu0-silver-usr": 31500, "battery": 29000},
    "battery": {"idle_current_ua": -240000, "load_current_ua": -910000, "voltage_uv": 3870000,
                "temperature_dc": 290, "usb_powered": False},
    "auth": "keys", "runtime": "litert",
}


def describe(serial_hint: str = "", **overrides: Any) -> dict[str, Any]:
    """A copy of the Pixel-4-like description with top-level ``overrides`` (props merged)."""
    description = json.loads(json.dumps(PIXEL_4_LIKE))
    props = overrides.pop("props", {})
    description["props"].update(props)
    description.update(overrides)
    if serial_hint:
        description["props"]["ro.serialno"] = serial_hint
    return description


def _script(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(0o755)


def build(root: Path, description: dict[str, Any], *, install_benchmark: bool = True) -> Path:
    """Create the sandbox under ``root`` and return it."""
    root.mkdir(parents=True, exist_ok=True)
    meta = root / ".loopback"
    meta.mkdir(exist_ok=True)
    (meta / "device.json").write_text(json.dumps(description, indent=1))
    (meta / "props.txt").write_text("".join(f"{k}={v}\n" for k, v in description["props"].items()))
    for sub in ("data/local/tmp", "data/misc/adb", "sdcard"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    cpu_root = root / "sys/devices/system/cpu"
    cpu_root.mkdir(parents=True, exist_ok=True)
    (cpu_root / "possible").write_text(f"0-{description['cpus'] - 1}\n")
    cpuinfo = []
    for index in range(description["cpus"]):
        freq = cpu_root / f"cpu{index}" / "cpufreq"
        freq.mkdir(parents=True, exist_ok=True)
        (freq / "scaling_governor").write_text(description["governor"] + "\n")
        part, khz = (0x805, 1785600) if index < 4 else ((0x804, 2419200) if index < 7 else (0x804, 2841600))
        (freq / "cpuinfo_max_freq").write_text(f"{khz}\n")
        cpuinfo.append(f"processor\t: {index}\nBogoMIPS\t: 38.40\nFeatures\t: fp asimd evtstrm aes pmull sha1 sha2 "
                       f"crc32 atomics fphp asimdhp cpuid asimdrdm lrcpc dcpop asimddp\nCPU implementer\t: 0x51\n"
                       f"CPU architecture: 8\nCPU variant\t: 0xd\nCPU part\t: {part:#x}\nCPU revision\t: 14\n")
    (root / "proc").mkdir(exist_ok=True)
    (root / "proc/cpuinfo").write_text("\n".join(cpuinfo) + "\nHardware\t: Qualcomm Technologies, Inc SM8150\n")
    (root / "proc/meminfo").write_text("MemTotal:        5765756 kB\nMemFree:          234560 kB\n")
    for index, (name, millideg) in enumerate(description["thermal_zones"].items()):
        zone = root / f"sys/class/thermal/thermal_zone{index}"
        zone.mkdir(parents=True, exist_ok=True)
        (zone / "type").write_text(name + "\n")
        (zone / "temp").write_text(f"{millideg}\n")
    battery = description.get("battery")
    if battery:
        supply = root / "sys/class/power_supply/battery"
        supply.mkdir(parents=True, exist_ok=True)
        (supply / "current_now").write_text(f"{battery['idle_current_ua']}\n")
        (supply / "voltage_now").write_text(f"{battery['voltage_uv']}\n")
        (supply / "temp").write_text(f"{battery['temperature_dc']}\n")
        (supply / "status").write_text("Charging\n" if battery["usb_powered"] else "Discharging\n")
    _write_tools(root, description)
    if install_benchmark:
        install_benchmark_model(root / "data/local/tmp/benchmark_model")
    return root


def install_benchmark_model(target: Path) -> Path:
    """Copy the loopback ``benchmark_model`` (a LiteRT host program) to ``target``, runnable."""
    text = (HERE / "benchmark_model.py").read_text()
    _script(target, f"#!{sys.executable}\n" + text.split("\n", 1)[1])
    return target


def _write_tools(root: Path, description: dict[str, Any]) -> None:
    bin_dir = root / "system/bin"
    props = root / ".loopback/props.txt"
    _script(bin_dir / "getprop", f"""#!/bin/sh
# getprop of the loopback test device: answers from its description
if [ -n "$1" ]; then
  v=$(grep -m1 "^$1=" {props} | cut -d= -f2-)
  printf '%s\\n' "${{v:-$2}}"
else
  sed 's/^\\([^=]*\\)=\\(.*\\)$/[\\1]: [\\2]/' {props}
fi
""")
    battery = description.get("battery") or {}
    usb = "true" if battery.get("usb_powered") else "false"
    status = 2 if battery.get("usb_powered") else 3
    zones = "".join(
        f"\tTemperature{{mValue={v / 1000:.1f}, mType=0, mName={k}, mStatus=0}}\n"
        for k, v in description["thermal_zones"].items()
    )
    _script(bin_dir / "dumpsys", f"""#!/bin/sh
# dumpsys of the loopback test device: the two services edge-sdk reads, in their real layout
case "$1" in
battery) cat <<'EOF'
Current Battery Service state:
  AC powered: false
  USB powered: {usb}
  Wireless powered: false
  Max charging current: 500000
  Max charging voltage: 5000000
  Charge counter: 2011000
  status: {status}
  health: 2
  present: {'true' if battery else 'false'}
  level: 84
  scale: 100
  voltage: {battery.get('voltage_uv', 0) // 1000}
  temperature: {battery.get('temperature_dc', 0)}
  technology: Li-ion
EOF
;;
thermalservice) cat <<EOF
IsStatusOverride: false
ThermalEventListeners:
	callbacks: 0
	killed: false
	broadcasts count: -1
Thermal Status: $(cat {root}/.loopback/thermal_status 2>/dev/null || echo {description['thermal_status']})
Cached temperatures:
{zones}HAL Ready: true
EOF
;;
*) echo "Can't find service: $1"; exit 1;;
esac
""")
    _script(bin_dir / "taskset", """#!/bin/sh
# taskset of the loopback test device: the requested mask limited to the CPUs this host allows
mask=$1; shift
allowed=$(/usr/bin/taskset -p $$ | sed 's/.*: //')
m=$(( 0x$mask & 0x$allowed ))
[ "$m" -eq 0 ] && m=$(( 0x$allowed ))
exec /usr/bin/taskset "$(printf '%x' "$m")" "$@"
""")
