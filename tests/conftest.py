"""Shared fixtures: real third-party assets through tests/assets.py (skip only if the registry is unreachable)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# The repository first (tests/edge_sdk etc. would otherwise shadow the real packages as namespace
# packages when plain `pytest` runs), then tests/ itself for `import assets`.
sys.path[:0] = [str(Path(__file__).resolve().parents[1]), str(Path(__file__).resolve().parent)]

import assets  # noqa: E402
from assets import fetch  # noqa: E402  (tests import it from assets, never from conftest)


@pytest.fixture(scope="session")
def sine_tflite() -> Path:
    return fetch(assets.sine_model)


@pytest.fixture(scope="session")
def resnet8_tflite() -> Path:
    """MLPerf Tiny ResNet-8 (CIFAR-10), full int8 with int8 I/O."""
    return fetch(assets.mltk_model, "image_classification")


@pytest.fixture(scope="session")
def kws_tflite() -> Path:
    """MLPerf Tiny DS-CNN keyword spotting, int8 inside, float I/O."""
    return fetch(assets.mltk_model, "keyword_spotting")


@pytest.fixture(scope="session")
def vww_tflite() -> Path:
    return fetch(assets.mltk_model, "visual_wake_words")


@pytest.fixture(scope="session")
def mobilenet_v2_float() -> Path:
    """Keras MobileNetV2 1.0 224 (weights=None) converted to float32 TFLite (cached; ~20 s the first time)."""
    return assets.keras_application_tflite("MobileNetV2", 224, "float32")


@pytest.fixture(scope="session")
def mobilenet_v2_int8() -> Path:
    """Keras MobileNetV2 1.0 224 (weights=None), full int8 with int8 I/O (cached)."""
    return assets.keras_application_tflite("MobileNetV2", 224, "int8")
