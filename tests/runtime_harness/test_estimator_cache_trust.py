"""The estimator's held-out cache holds fitted coefficients that decide every estimate: it is signed
like the measurement cache, and an edited file is recomputed, never believed."""

from __future__ import annotations

import json

from devices import list_profiles
from runtime_harness.estimator.calibration import _cache_path, build_calibration


def test_an_edited_held_out_cache_is_recomputed(tmp_path, monkeypatch):
    monkeypatch.setenv("EDGE_SDK_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "home"))   # this test's own key
    profiles = list_profiles()
    fresh = build_calibration(profiles)
    path = _cache_path(profiles)
    assert path.is_relative_to(tmp_path / "cache")
    entry = json.loads(path.read_text())
    assert set(entry) == {"payload", "mac"} and entry["payload"]["loso"]
    entry["payload"]["loso"] = entry["payload"]["loso"][:1]          # "the estimator is never wrong"
    path.write_text(json.dumps(entry))
    again = build_calibration(profiles)
    assert len(again.loso) == len(fresh.loso) > 1
    assert json.loads(path.read_text())["payload"]["loso"] == json.loads(json.dumps(
        [h.__dict__ for h in fresh.loso]))                             # rewritten, signed again
