"""The bundled device profiles validate, carry their sources, and bad profiles or ids fail clearly."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest

import devices
from devices import catalog
from devices.schema import SCHEMA_FILE, json_schema, validate_profile
from edge_sdk.core.errors import ConfigError, UsageError

REQUIRED = {"pixel-2", "pixel-3", "pixel-4", "pixel-7", "pixel-8", "galaxy-s24", "raspberry-pi-3b-plus",
            "raspberry-pi-4", "raspberry-pi-5", "stm32h747"}
PIXEL4 = catalog.BUNDLED_DIR / "pixel-4.toml"


def test_catalog_has_the_required_real_devices():
    profiles = devices.list_profiles()
    ids = {p.id for p in profiles}
    assert len(profiles) >= 12
    assert REQUIRED <= ids
    cores = {c.core for p in profiles for c in p.clusters}
    assert "cortex-a53" in {p.clusters[0].core for p in profiles if p.kind == "phone"}  # a low-end A53 phone
    assert "cortex-m4" in cores and "cortex-m7" in cores
    for p in profiles:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", p.id)
        assert Path(p.path).stem == p.id


def test_every_section_names_its_source_and_numbers_are_consistent():
    for p in devices.list_profiles():
        for section in ("cpu", "isa", "memory", "compute", "runtime", "power"):
            assert p.raw[section]["source"].strip(), f"{p.id} [{section}] has no source"
        for point in p.calibration:
            assert point.source.strip() and point.latency_ms > 0 and point.threads >= 1
        # the stated peak compute agrees with clusters x clock x MACs/cycle of the core table
        assert p.compute["peak_gmacs_fp32"] == pytest.approx(p.derived_peak_gmacs("fp32"), rel=0.02), p.id
        assert p.compute["peak_gmacs_int8"] == pytest.approx(p.derived_peak_gmacs("int8"), rel=0.02), p.id
        assert 0 < p.app_memory_bytes <= p.ram_bytes
        if p.kind == "mcu":
            assert p.flash_bytes and p.code_flash_bytes and p.threads_default == 1
        if p.kind == "phone":
            assert p.adb_match.get("models"), f"{p.id}: phones need an adb match rule"


def test_unknown_key_is_rejected_with_the_closest_valid_key():
    data = tomllib.loads(PIXEL4.read_text())
    data["memory"]["ram_byte"] = data["memory"].pop("ram_bytes")
    with pytest.raises(ConfigError) as info:
        validate_profile(data, path="pixel-4.toml")
    assert "unknown key 'ram_byte'" in info.value.message and "ram_bytes" in info.value.message
    assert "pixel-4.toml" in info.value.message


def test_wrong_types_enums_and_missing_keys_are_rejected():
    base = tomllib.loads(PIXEL4.read_text())
    cases = [
        (lambda d: d["cpu"]["clusters"][0].__setitem__("core", "cortex-a99"), "cortex-a99"),
        (lambda d: d.__setitem__("kind", "tablet"), "tablet"),
        (lambda d: d.__setitem__("id", "Pixel_4"), "kebab-case"),
        (lambda d: d["memory"].__setitem__("ram_bytes", "6 gigs"), "ram_bytes"),
        (lambda d: d["power"].pop("source"), "source"),
        (lambda d: d["memory"].__setitem__("estimates", {"nonsense": "x"}), "nonsense"),
    ]
    for edit, needle in cases:
        data = json.loads(json.dumps(base))
        edit(data)
        with pytest.raises(ConfigError) as info:
            validate_profile(data, path="p.toml")
        assert needle in str(info.value), (needle, str(info.value))


def test_user_profile_dir_overrides_and_broken_files_name_the_file(tmp_path, monkeypatch):
    text = PIXEL4.read_text().replace('name = "Google Pixel 4"', 'name = "Pixel 4 (recalibrated)"')
    (tmp_path / "pixel-4.toml").write_text(text)
    monkeypatch.setenv("EDGE_SDK_DEVICE_PATH", str(tmp_path))
    assert devices.load_profile("pixel-4").name == "Pixel 4 (recalibrated)"
    (tmp_path / "pixel-4.toml").write_text(text.replace("[memory]", "[memory"))
    with pytest.raises(ConfigError) as info:
        devices.list_profiles()
    assert "pixel-4.toml" in info.value.message and "TOML" in info.value.message
    (tmp_path / "pixel-4.toml").write_text(text.replace('id = "pixel-4"', 'id = "pixel-5"'))
    with pytest.raises(ConfigError, match="differs from the file name"):
        devices.list_profiles()


def test_unknown_id_lists_the_closest_ids():
    with pytest.raises(UsageError) as info:
        devices.load_profile("pixel4")
    assert info.value.exit_code == 2
    assert "pixel-4" in info.value.hint
    with pytest.raises(UsageError) as info:
        devices.load_profile("raspberry-pi")
    assert "raspberry-pi-4" in info.value.hint


def test_exported_json_schema_is_in_sync_and_rejects_unknown_keys():
    schema = json_schema()
    assert json.loads(SCHEMA_FILE.read_text()) == schema, "run: python -m tools.schemas"
    assert schema["additionalProperties"] is False
    assert schema["properties"]["memory"]["additionalProperties"] is False
    assert "calibration" in schema["properties"] and "calibration" not in schema["required"]


def test_host_profile_is_detected_at_run_time():
    host = devices.load_profile("host")
    assert host.kind == "host" and host.id == "host"
    assert host.cores >= 1 and host.ram_bytes > 0 and 0 < host.app_memory_bytes <= host.ram_bytes
    assert host.clusters[0].ghz > 0
    assert host.to_dict()["derived"]["peak_gmacs_fp32_from_core_table"] > 0
