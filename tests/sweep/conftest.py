"""Every sweep test gets its own edge-sdk cache directory (measurement cache and the sweep's result
store live there by default), so tests never share or pollute the user's cache."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache = tmp_path / "cache"
    monkeypatch.setenv("EDGE_SDK_CACHE_DIR", str(cache))
    monkeypatch.delenv("EDGE_SDK_SWEEP_STORE", raising=False)
    return cache
