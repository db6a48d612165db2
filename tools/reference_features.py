"""Regenerate ``runtime_harness/estimator/data/reference_features.json``: the graph features of the
reference models behind the device profiles' calibration points (offline; needs TensorFlow).

Each reference architecture of :mod:`runtime_harness.estimator.reference_models` is converted by the
real TFLiteConverter (in a child process, cached) and analysed by :func:`edge_sdk.graph.analyze`; the
MLPerf Tiny models come as real .tflite files through ``tests/assets.py``. The estimator reads the
committed numbers and never needs TensorFlow::

    PATH=$PWD/.venv/bin:$PATH python -m tools.reference_features     # from the repository root
"""

from __future__ import annotations

import sys
from pathlib import Path

from runtime_harness.estimator.features import REFERENCE_FEATURES_FILE as FEATURES_FILE
from runtime_harness.estimator.reference_models import MLTK_MODELS, REFERENCE_MODELS, build_tflite


def reference_paths() -> dict[str, Path]:
    """Feature key (``model:precision``) -> .tflite path, building what is missing."""
    tests_dir = Path(__file__).resolve().parents[1] / "tests"
    sys.path.insert(0, str(tests_dir))
    import assets  # the one cached helper for real third-party models

    paths: dict[str, Path] = {}
    for key, member in MLTK_MODELS.items():
        paths[f"{key}:int8"] = assets.mltk_model(member)
    for key, spec in REFERENCE_MODELS.items():
        for quant in spec["quant"]:
            print(f"  building {key} {quant}", file=sys.stderr, flush=True)
            paths[f"{key}:{quant}"] = build_tflite(key, quant)
    return paths


def main() -> int:
    from edge_sdk.core.atomic import atomic_write_json
    from edge_sdk.graph import analyze
    from runtime_harness.estimator.features import extract_features

    features = {}
    for key, path in reference_paths().items():
        features[key] = extract_features(analyze(str(path))).to_dict()
    atomic_write_json(FEATURES_FILE, {
        "about": "Graph features of the reference models behind the device profiles' calibration points. "
                 "Regenerate with: python -m tools.reference_features",
        "models": features,
    })
    print(f"wrote {len(features)} models to {FEATURES_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
