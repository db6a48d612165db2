"""`edge-sdk profile --device`: estimates beside the host run, and device constraints emulated on the host."""

from __future__ import annotations

import json

import pytest

import tflite_variants
from devices.catalog import BUNDLED_DIR, _load_all
from edge_sdk.cli import main


def profile_json(capsys, *args: str) -> tuple[int, dict | None, str]:
    code = main(["profile", *args, "--json"])
    captured = capsys.readouterr()
    return code, (json.loads(captured.out) if captured.out.strip() else None), captured.err


def test_estimate_only_gives_one_estimated_result_per_device(capsys, vww_tflite):
    code, document, _ = profile_json(capsys, str(vww_tflite), "--estimate-only", "--device", "pixel-4",
                                     "--device", "stm32h747", "--device", "pixel-4")
    assert code == 0 and document["host"] is None
    assert [r["device"] for r in document["results"]] == ["pixel-4", "stm32h747"]  # duplicates dropped
    for result in document["results"]:
        assert result["source"] == "estimated" and result["samples_ms"] == []
        assert result["latency_ms"]["p50"] > 0 and result["error_band_pct"] > 0
        assert result["energy_mj"] > 0 and result["energy_source"] == "estimated"
        assert result["memory"]["peak_bytes"] > 0 and result["size_bytes"] == vww_tflite.stat().st_size
    assert document["provenance"]["requested_devices"] == ["pixel-4", "stm32h747"]


def test_estimate_only_without_devices_estimates_this_host(capsys, sine_tflite):
    code, document, _ = profile_json(capsys, str(sine_tflite), "--estimate-only")
    assert code == 0 and [(r["device"], r["source"]) for r in document["results"]] == [("host", "estimated")]


def test_host_measurement_and_device_estimates_in_one_document(capsys, resnet8_tflite):
    code, document, _ = profile_json(capsys, str(resnet8_tflite), "--device", "raspberry-pi-4", "--runs", "20")
    assert code == 0
    measured, estimated = document["results"]
    assert (measured["device"], measured["source"]) == ("host", "measured")
    assert (estimated["device"], estimated["source"]) == ("raspberry-pi-4", "estimated")
    assert estimated["provenance"]["host_p50_ms"] == measured["latency_ms"]["p50"]
    checks = estimated["provenance"]["host_checks"]
    assert checks["runtime"] == "loaded by the host measurement (litert 2.3.0)"
    assert checks["memory_budget"].startswith("within: measured")


def test_model_over_an_mcu_flash_is_a_budget_fact_with_exit_0(capsys, mobilenet_v2_int8):
    code, document, _ = profile_json(capsys, str(mobilenet_v2_int8), "--estimate-only", "--device", "stm32h747")
    assert code == 0
    notes = " ".join(document["results"][0]["notes"])
    assert "exceeds the 2.10 MB flash of stm32h747" in notes


def test_unknown_device_exits_2_with_the_closest_ids(capsys, sine_tflite):
    code, payload, err = profile_json(capsys, str(sine_tflite), "--device", "pixel4")
    assert code == 2 and "unknown device 'pixel4'" in err and "pixel-4" in err
    assert payload["exit_code"] == 2


@pytest.fixture
def user_phone(tmp_path, monkeypatch):
    """Make a user profile (EDGE_SDK_DEVICE_PATH) from the bundled Pixel 2 with another runtime or
    app memory budget: constraints the host can emulate for real."""

    def make(device_id: str, *, runtime: str | None = None, budget: str | None = None) -> str:
        text = (BUNDLED_DIR / "pixel-2.toml").read_text(encoding="utf-8").replace('id = "pixel-2"', f'id = "{device_id}"')
        if budget:
            text = text.replace('app_memory_bytes = "512 MiB"', f'app_memory_bytes = "{budget}"')
            assert budget in text
        if runtime:
            text = text.replace('name = "litert"\nversion = "2.3.0"', f'name = "{runtime}"\nversion = "2.14.0"')
            assert runtime in text
        (tmp_path / f"{device_id}.toml").write_text(text, encoding="utf-8")
        monkeypatch.setenv("EDGE_SDK_DEVICE_PATH", str(tmp_path))
        _load_all.cache_clear()
        return device_id

    yield make
    _load_all.cache_clear()


def test_the_runtime_a_device_ships_is_checked_for_real(capsys, sine_tflite, tmp_path, user_phone):
    pytest.importorskip("tflite_runtime", reason="tflite-runtime 2.14 is an optional extra (legacy-runtime)")
    device = user_phone("old-app-phone", runtime="tflite-runtime")
    model = tflite_variants.with_op_version(sine_tflite, tmp_path / "fc_v12.tflite", 12)
    code, document, _ = profile_json(capsys, str(model), "--device", device, "--runs", "10")
    assert code == 0  # a fact about the model on that device, not an error of the command
    notes = "\n".join(document["results"][1]["notes"])
    assert document["results"][1]["provenance"]["host_checks"]["runtime"] == "refused by tflite-runtime 2.14.0"
    assert "confirmed on the host with tflite-runtime 2.14.0" in notes
    assert "Didn't find op for builtin opcode 'FULLY_CONNECTED' version '12'" in notes  # the loader's own words


def test_a_model_over_the_app_memory_budget_is_confirmed_by_a_capped_run(capsys, mobilenet_v2_int8, user_phone):
    device = user_phone("tight-phone", budget="4 MiB")
    code, document, _ = profile_json(capsys, str(mobilenet_v2_int8), "--device", device, "--runs", "10")
    assert code == 0
    host, estimate = document["results"]
    assert host["memory"]["peak_bytes"] > 4 * 2**20 and host["latency_ms"]["p50"] > 0
    notes = "\n".join(estimate["notes"])
    assert estimate["provenance"]["host_checks"]["memory_budget"] == "over: a run capped at 4.19 MB failed"
    assert "memory: does not fit the app memory budget (4.19 MB)" in notes and "a run capped at the budget failed" in notes


@pytest.mark.slow
def test_mobilenet_v2_float_measured_memory_holds_its_weights(capsys, mobilenet_v2_float):
    code, document, _ = profile_json(capsys, str(mobilenet_v2_float), "--device", "pixel-8", "--time-limit", "2")
    assert code == 0
    host, pixel = document["results"]
    # 3.5 M float32 weights (14 MB) are read and repacked by XNNPACK: the model's RSS must exceed the file
    assert host["memory"]["peak_bytes"] > document["model"]["size_bytes"]
    assert host["memory"]["arena_bytes"] > 1_000_000  # the 112x112x96 activations of MobileNetV2 alone are 4.8 MB
    assert document["model"]["precision"] == "float32" and pixel["latency_ms"]["p50"] > 0
