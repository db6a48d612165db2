"""Energy with a validated band, and engines/supplies a user can pick (``ID@ENGINE``, ``ID@3.3V``)."""

from __future__ import annotations

import math

import pytest

from devices import list_profiles, load_profile
from edge_sdk.core.errors import UsageError
from edge_sdk.graph import analyze
from runtime_harness.estimator import estimate
from runtime_harness.estimator.energy import power_bands, validate_power


@pytest.fixture(scope="module")
def kws(kws_tflite):
    return analyze(kws_tflite)


def test_power_model_is_validated_by_publication_and_its_band_covers_80_percent():
    checks = validate_power(list_profiles())
    assert {c.situation for c in checks} == {"device", "none"} and len(checks) >= 12
    bands = power_bands()
    for situation, (band, count) in bands.items():
        mine = [c for c in checks if c.situation == situation]
        assert count == len(mine)
        inside = sum(abs(math.log(c.predicted_mw / c.measured_mw)) <= math.log1p(band / 100) for c in mine)
        assert inside / len(mine) >= 0.8, situation
    assert bands["none"][0] >= bands["device"][0]  # a board without measured energies is less certain


def test_energy_band_is_wider_than_latency_and_unvalidated_for_phones(kws):
    mcu = estimate(kws, load_profile("nucleo-u575zi-q"))
    phone = estimate(kws, load_profile("pixel-4"))
    assert mcu["band_pct"]["energy"] >= mcu["band_pct"]["latency"]
    assert "published energies" in mcu["provenance"]["energy"]["band_basis"]
    assert "not validated" in phone["provenance"]["energy"]["band_basis"]
    assert phone["band_pct"]["energy"] > 100


def test_an_engine_with_data_changes_latency_by_its_measured_ratio(kws):
    own = estimate(kws, load_profile("nucleo-u575zi-q"))
    newer = estimate(kws, load_profile("nucleo-u575zi-q@x-cube-ai-9.0"))
    assert newer["device"] == "nucleo-u575zi-q@x-cube-ai-9.0"
    ratio = newer["latency_ms"]["p50"] / own["latency_ms"]["p50"]
    assert 0.45 < ratio < 0.8  # X-CUBE-AI 9.0 measured 1.3-2.2x faster than 7.3 on this board
    assert newer["error_band_pct"] > own["error_band_pct"]  # the ratio's spread across models widens it
    assert any(n.startswith("engine: x-cube-ai-9.0") for n in newer["notes"])
    slower = estimate(kws, load_profile("nucleo-l4r5zi@microtvm-native"))
    assert slower["latency_ms"]["p50"] > estimate(kws, load_profile("nucleo-l4r5zi"))["latency_ms"]["p50"] * 1.2


def test_supply_voltage_rescales_energy_not_latency(kws):
    low = estimate(kws, load_profile("nucleo-u575zi-q"))
    high = estimate(kws, load_profile("nucleo-u575zi-q@3.0V"))
    assert high["latency_ms"]["p50"] == low["latency_ms"]["p50"]
    assert high["energy_mj"] / low["energy_mj"] == pytest.approx(3.0 / 1.8, rel=1e-3)


@pytest.mark.parametrize("device, needle", [
    ("nucleo-u575zi-q@tflm-2019", "engines with data on nucleo-u575zi-q: x-cube-ai-9.0"),
    ("arduino-nano-33-ble-sense@3.3V", "states no supply voltage"),
    ("nucleo-u575zi-q@9V", "between 0.5 and 6 V"),
])
def test_engines_and_supplies_without_data_are_refused(device, needle):
    with pytest.raises(UsageError) as caught:
        load_profile(device)
    assert needle in caught.value.message + (caught.value.hint or "")
