"""The estimator judged on published measurements it did not see (leave-one-source-out, leave-device-out)."""

from __future__ import annotations

import math

from devices import list_profiles, load_profile
from edge_sdk.graph import analyze
from runtime_harness.estimator.calibration import build_calibration
from runtime_harness.estimator.features import extract_features, reference_features
from runtime_harness.estimator.fitting import fit_family, observations
from runtime_harness.estimator.latency import effective_threads
from runtime_harness.estimator.validation import SITUATIONS, coverage, held_out, source_key


def test_every_calibration_point_has_reference_features():
    usable, skipped = observations(list_profiles())
    assert not skipped, skipped
    assert len(usable) >= 50


def test_leave_one_source_out_holds_its_measured_level_and_the_band_covers_80_percent():
    """Every point predicted by a fit that saw nothing of its publication. The level reached (71%
    within +-15% for phones/boards) is guarded against regressions; the printed band must cover
    >= 80% of held-out points of each device class (the issue's bar), measured in sample."""
    calibration = build_calibration(list_profiles(), held_out_cache=False)
    assert len(calibration.loso) >= 50 and len(calibration.lodo) == len(calibration.loso)
    for family in ("a-profile", "m-profile"):
        held = [h for h in calibration.held if h.family == family]
        assert coverage(held, {family: calibration.bands(family)}) >= 0.8, family
    phones = [h for h in calibration.loso if h.family == "a-profile"]
    within = sum(abs(h.error) <= 0.15 for h in phones) / len(phones)
    assert within >= 0.68, f"only {within:.0%} within +-15%"
    # the worst is the Pixel 4's 2020 MobileNet v1 uint8 number (5.0 ms), a known outlier (docs/estimates.md)
    worst = max(calibration.loso, key=lambda h: h.ratio)
    assert worst.ratio < 3.0, f"{worst.device} {worst.model} {worst.precision} off by {worst.ratio:.2f}x"


def test_sources_are_left_out_together():
    """A publication's points are all held out at once: no sibling of a held-out point is in its fit."""
    assert source_key("google/XNNPACK README.md, Performance / Mobile phones (single-threaded)") == \
        source_key("google/XNNPACK README.md @0085ae3, Performance / Raspberry Pi")
    assert source_key("mlcommons/tiny_results_v1.0: closed/STMicroelectronics/results/NUCLEO_L4R5ZI/ic/x.txt") == \
        source_key("mlcommons/tiny_results_v1.0: closed/STMicroelectronics/results/NUCLEO-U575ZI-Q/kws/x.txt")
    usable, _ = observations(list_profiles())
    xnnpack = [o for o in usable if source_key(o.point.source) == "google/XNNPACK README.md"]
    assert len({o.device.id for o in xnnpack}) >= 3
    held = held_out(usable, "leave-one-source-out")
    pixel_2 = [h for h in held if h.device == "pixel-2"]
    assert pixel_2 and all(h.situation == "none" for h in pixel_2)  # its only source was left out


def test_held_out_really_is_held_out():
    """Refitting without a point changes its prediction: the point is not in its own fit."""
    usable, _ = observations(list_profiles())
    family = [o for o in usable if o.device.family == "a-profile"]
    # a point far from the fit (the Pixel 4's 2020 uint8 MobileNet v1): including it must pull its
    # prediction toward it; a point the fit already predicts within 1% moves by noise either way
    target = next(o for o in family if o.device.id == "pixel-4" and o.point.precision == "int8")
    threads = effective_threads(target.device, target.point.threads)
    with_point = fit_family(family, "a-profile").predict(target.features, target.device, threads,
                                                          kernels=target.point.kernels)
    without = fit_family([o for o in family if o is not target], "a-profile").predict(
        target.features, target.device, threads, kernels=target.point.kernels)
    assert not math.isclose(with_point, without, rel_tol=1e-3)
    assert abs(math.log(with_point / target.point.latency_ms)) < abs(math.log(without / target.point.latency_ms))


def test_band_follows_the_situation():
    calibration = build_calibration(list_profiles())
    band, basis = calibration.band_for(load_profile("raspberry-pi-4"), "float", 4)
    assert "own published points" in basis and 10 <= band <= 60
    unseen, basis_unseen = calibration.band_for(load_profile("raspberry-pi-5"), "float", 4)
    assert "nothing similar" in basis_unseen or "core type" in basis_unseen
    assert unseen >= band
    setup, basis_setup = calibration.band_for(load_profile("pixel-2"), "int8", 4)
    assert "never at this precision" in basis_setup and setup >= band
    bands = calibration.bands("a-profile")
    assert [bands[s][0] for s in SITUATIONS] == sorted(bands[s][0] for s in SITUATIONS)


def test_features_of_real_models(sine_tflite, kws_tflite):
    sine = extract_features(analyze(sine_tflite))
    assert sine.compute == "float" and sine.gemm_macs > 0 and sine.conv_macs == 0
    kws = extract_features(analyze(kws_tflite))
    assert kws.compute == "int8" and kws.conv_macs > 0 and kws.depthwise_macs > 0
    assert kws.arena_bytes > 0 and kws.ops > 5
    stored = reference_features()["mlperf_tiny_kws_dscnn:int8"]
    assert stored.macs == kws.macs and stored.ops == kws.ops  # the committed data matches the real model
