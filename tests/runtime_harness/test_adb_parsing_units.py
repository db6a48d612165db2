"""Fast unit tests of the adb backend's pure parts: device state and energy, profile matching,
/proc/cpuinfo reading, the ELF ABI check and the TOML writer (no adb, no device)."""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import pytest

from edge_sdk.core.errors import DeviceError
from runtime_harness.adb.binary import check_binary_for_device, elf_abi
from runtime_harness.adb.cpu_topology import parse_cpu_facts
from runtime_harness.adb.device_state import energy_per_inference, parse_samples, parse_state
from runtime_harness.adb.discovery import known_profiles, match_profile, soc_name

# `dumpsys battery` as Android 12 prints it (phone on USB), plus the other sections of STATE_COMMAND
STATE_ON_USB = """@gov
schedutil
schedutil
performance
@thermal
Thermal Status: 1
@battery
Current Battery Service state:
  AC powered: false
  USB powered: true
  Wireless powered: false
  Max charging current: 500000
  status: 2
  health: 2
  present: true
  level: 76
  scale: 100
  voltage: 4212
  temperature: 312
  technology: Li-ion
@idle
"""


def test_state_on_usb_is_charging_and_blocks_energy():
    state = parse_state(STATE_ON_USB)
    prov = state.to_provenance()
    assert prov["cpu_governor"] == ["performance", "schedutil"]  # mixed governors are all reported
    assert prov["thermal_status"] == 1 and prov["thermal_status_name"] == "light"
    assert prov["battery_temperature_c"] == pytest.approx(31.2) and prov["battery_level_pct"] == 76
    assert state.charging
    result = energy_per_inference(state, [(0.9, 3.9)] * 10, 20.0)
    assert result["energy_mj"] is None and "charging" in result["reason"]


def test_energy_is_extra_power_times_latency_with_unit_normalisation():
    text = STATE_ON_USB.replace("USB powered: true", "USB powered: false").replace("status: 2", "status: 3")
    state = parse_state(text + "-250000 3850000\n-260000 3850000\n")  # µA (negative: discharging), µV
    run = parse_samples("-900000 3800000\n-910000 3800000\n900 3800\nnot a sample\n")  # last one in mA/mV
    assert len(run) == 3
    result = energy_per_inference(state, run, 12.5)
    run_w = (0.9 * 3.8 + 0.91 * 3.8 + 0.9 * 3.8) / 3
    idle_w = (0.25 * 3.85 + 0.26 * 3.85) / 2
    assert result["energy_mj"] == pytest.approx((run_w - idle_w) * 12.5)
    assert result["device_energy_mj"] == pytest.approx(run_w * 12.5)


def test_energy_refused_with_too_few_samples_or_no_battery_files():
    state = parse_state(STATE_ON_USB.replace("USB powered: true", "USB powered: false").replace("status: 2", "status: 3"))
    assert "does not expose" in energy_per_inference(state, [], 5.0)["reason"]
    state.idle_samples = [(0.2, 3.9)]
    assert "only 1 battery samples" in energy_per_inference(state, [(0.9, 3.9)], 5.0)["reason"]


@pytest.mark.parametrize("props, expected", [
    ({"ro.product.model": "Pixel 4", "ro.product.device": "flame", "ro.soc.model": "SM8150"}, "pixel-4"),
    ({"ro.product.model": "Pixel 4", "ro.product.device": "flame", "ro.board.platform": "msmnile"}, "pixel-4"),
    ({"ro.product.model": "Pixel 4", "ro.product.device": "flame", "ro.soc.model": "Tensor G2"}, None),  # SoC disagrees
    ({"ro.product.model": "Pixel 7", "ro.product.device": "panther", "ro.soc.model": "GS201"}, "pixel-7"),
    ({"ro.product.model": "Nokia X20", "ro.product.device": "Nokia_X20"}, None),
])
def test_profile_matching_uses_the_catalog_adb_rules(props, expected):
    matched = match_profile(props, known_profiles())
    assert (matched.id if matched else None) == expected


def test_soc_name_prefers_android_12_soc_properties():
    assert soc_name({"ro.soc.manufacturer": "Qualcomm", "ro.soc.model": "SM8150", "ro.board.platform": "msmnile"}) == "Qualcomm SM8150"
    assert soc_name({"ro.board.platform": "exynos9820"}) == "exynos9820"


def test_cpuinfo_of_a_big_little_phone():
    cpuinfo = ""
    for index in range(8):
        part = "0xd05" if index < 6 else "0xd0b"  # 6x Cortex-A55 + 2x Cortex-A76 (a Helio G90-like layout)
        cpuinfo += f"processor\t: {index}\nFeatures\t: fp asimd asimddp asimdhp\nCPU implementer\t: 0x41\nCPU part\t: {part}\n\n"
    freq = "".join(f"/sys/devices/system/cpu/cpu{i}/cpufreq/cpuinfo_max_freq {2050000 if i >= 6 else 2000000}\n" for i in range(8))
    facts = parse_cpu_facts(cpuinfo + "@freq\n" + freq + "@mem\nMemTotal:        3843584 kB\n")
    assert [(c["core"], c["count"], c["ghz"]) for c in facts.clusters] == [("cortex-a76", 2, 2.05), ("cortex-a55", 6, 2.0)]
    assert facts.big_core_mask == "0xC0" and facts.ram_bytes == 3843584 * 1024
    assert {"asimddp", "asimdhp"} <= facts.features and not facts.unknown_parts


def test_elf_abi_check_refuses_a_desktop_binary(tmp_path):
    desktop = Path(shutil.which("true"))
    assert elf_abi(desktop) == "x86_64"
    script = tmp_path / "benchmark_model"
    script.write_text("#!/bin/sh\necho hi\n")
    assert elf_abi(script) is None
    check_binary_for_device(script, ["arm64-v8a"], "S")  # scripts are not judged
    with pytest.raises(DeviceError, match="built for x86_64"):
        check_binary_for_device(desktop, ["arm64-v8a", "armeabi-v7a"], "S")


def test_profile_writer_round_trips_every_bundled_device_profile():
    """Profiles are written by tomli-w (devices.authoring): every bundled one, and strings TOML only
    allows escaped (U+007F and other control characters, which a hand-rolled writer got wrong)."""
    import tomli_w

    profiles_dir = Path(__file__).resolve().parents[2] / "devices" / "profiles"
    for path in sorted(profiles_dir.glob("*.toml")):
        data = tomllib.loads(path.read_text())
        assert tomllib.loads(tomli_w.dumps(data)) == data, path.name
    tricky = {"name": 'quote " and \\ backslash, DEL \x7f, NUL \x00, US \x1f, tab \t, newline \n, \u2028',
              "nested": {"deep": {"x": [1, 2]}}, "a b": 1.5, "flag": False}
    assert tomllib.loads(tomli_w.dumps(tricky)) == tricky
