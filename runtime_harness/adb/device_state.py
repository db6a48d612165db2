"""The device's state around a run (governor, thermal status, battery) and energy from battery sampling.

A latency means little without the state it was taken in: the same phone is 2x slower when hot or
on the ``powersave`` governor. Everything is read in one shell round trip before the run, from the
places Android exposes to the shell user: ``/sys/devices/system/cpu/*/cpufreq/scaling_governor``,
``dumpsys thermalservice`` ("Thermal Status: N", Android 10+), ``dumpsys battery`` and
``/sys/class/power_supply/battery/{current_now,voltage_now}``.

Energy: battery current and voltage are sampled during the run (10 Hz) and before it (idle). The
energy per inference is (mean power during the run - idle power) x mean latency: the extra energy
the inference costs, comparable to the CPU-cluster estimate. It cannot be measured while the phone
is charging (the charger, not the battery, feeds it), or when the files are missing.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Any

CURRENT_FILE = "/sys/class/power_supply/battery/current_now"
VOLTAGE_FILE = "/sys/class/power_supply/battery/voltage_now"
THERMAL_NAMES = {0: "none", 1: "light", 2: "moderate", 3: "severe", 4: "critical", 5: "emergency", 6: "shutdown"}

STATE_COMMAND = (
    "echo @gov; cat /sys/devices/system/cpu/cpu*/cpufreq/scaling_governor 2>/dev/null; "
    "echo @thermal; dumpsys thermalservice 2>/dev/null | grep -m1 'Thermal Status'; "
    "B=$(dumpsys battery 2>/dev/null); echo @battery; echo \"$B\"; echo @idle; "
    # idle battery power, the baseline of the energy figure: only worth 0.3 s when not on a charger
    "case \"$B\" in *'powered: true'*) ;; *) for i in 1 2 3; do "
    f"echo \"$(cat {CURRENT_FILE} 2>/dev/null) $(cat {VOLTAGE_FILE} 2>/dev/null)\"; sleep 0.1; done;; esac"
)


@dataclass
class DeviceState:
    governors: list[str] = field(default_factory=list)
    thermal_status: int | None = None
    battery: dict[str, str] = field(default_factory=dict)
    idle_samples: list[tuple[float, float]] = field(default_factory=list)  # (amps, volts)

    @property
    def charging(self) -> bool:
        powered = any(self.battery.get(k, "false") == "true" for k in ("AC powered", "USB powered", "Wireless powered"))
        return powered or self.battery.get("status") == "2"

    @property
    def battery_temperature_c(self) -> float | None:
        raw = self.battery.get("temperature")
        return int(raw) / 10.0 if raw and raw.lstrip("-").isdigit() else None

    def energy_blocker(self) -> str | None:
        """Why battery energy cannot be measured now, or None when it can."""
        if self.charging:
            return ("the phone is charging (USB/AC powered), so the battery current does not show the "
                    "inference; to measure, use Wi-Fi adb (`adb tcpip 5555`, `adb connect`) and unplug the cable")
        if not self.idle_samples:
            return f"the device does not expose battery current and voltage ({CURRENT_FILE})"
        return None

    def to_provenance(self) -> dict[str, Any]:
        governors = sorted(set(self.governors))
        return {
            "cpu_governor": governors[0] if len(governors) == 1 else (governors or None),
            "thermal_status": self.thermal_status,
            "thermal_status_name": THERMAL_NAMES.get(self.thermal_status) if self.thermal_status is not None else None,
            "battery_temperature_c": self.battery_temperature_c,
            "battery_level_pct": int(self.battery["level"]) if self.battery.get("level", "").isdigit() else None,
            "charging": self.charging if self.battery else None,
        }


def _sample(line: str) -> tuple[float, float] | None:
    """One "current voltage" line -> (amps, volts); units normalized from µA/µV (or mA/mV)."""
    parts = line.split()
    if len(parts) != 2:
        return None
    try:
        current, voltage = abs(float(parts[0])), abs(float(parts[1]))
    except ValueError:
        return None
    if voltage <= 0:
        return None
    # The kernel ABI says µA and µV; a few vendors report mA / mV. A phone draws 50 mA - 5 A.
    amps = current / 1e3 if current < 20_000 else current / 1e6
    volts = voltage / 1e3 if voltage < 100_000 else voltage / 1e6
    return amps, volts


def parse_samples(text: str) -> list[tuple[float, float]]:
    return [s for s in (_sample(line) for line in text.splitlines()) if s is not None]


def parse_state(text: str) -> DeviceState:
    state = DeviceState()
    section = None
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("@"):
            section = stripped[1:]
            continue
        if not stripped:
            continue
        if section == "gov":
            state.governors.append(stripped)
        elif section == "thermal" and "Thermal Status" in stripped:
            value = stripped.split(":", 1)[1].strip()
            state.thermal_status = int(value) if value.isdigit() else None
        elif section == "battery" and ":" in stripped:
            key, _, value = stripped.partition(":")
            state.battery[key.strip()] = value.strip()
        elif section == "idle":
            sample = _sample(stripped)
            if sample is not None:
                state.idle_samples.append(sample)
    return state


def energy_per_inference(state: DeviceState, run_samples: list[tuple[float, float]],
                         latency_ms: float | None) -> dict[str, Any]:
    """Measured energy per inference in mJ, or the reason it is not available."""
    blocker = state.energy_blocker()
    if blocker is None and latency_ms is None:
        blocker = "the run reported no latency"
    if blocker is None and len(run_samples) < 3:
        blocker = (f"only {len(run_samples)} battery samples during the run (10 Hz sampling); "
                   "run longer (more --runs) to measure energy")
    if blocker is not None or latency_ms is None:
        return {"energy_mj": None, "reason": blocker}
    run_w = statistics.fmean(a * v for a, v in run_samples)
    idle_w = statistics.fmean(a * v for a, v in state.idle_samples)
    extra_w = run_w - idle_w
    if extra_w <= 0:
        return {"energy_mj": None, "reason": (f"battery power during the run ({run_w:.2f} W) was not above idle "
                                               f"({idle_w:.2f} W): the run is too short or the reading too coarse")}
    return {
        "energy_mj": extra_w * latency_ms,  # W x ms = mJ
        "method": "battery current x voltage sampled at 10 Hz; (mean run power - idle power) x mean latency",
        "run_power_w": round(run_w, 4), "idle_power_w": round(idle_w, 4),
        "device_energy_mj": run_w * latency_ms, "samples": len(run_samples),
    }
