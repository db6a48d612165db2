"""The Python API end to end: convert a Keras model to int8, profile it, check it against a phone.

    python examples/api_example.py [MODEL.keras] [--out DIR]

Without a model it builds a tiny one (two dense layers; TensorFlow is needed for that and for
the conversion, which runs in a child process). Everything else is ``import edge_sdk``: the
same operations as the CLI, typed results (``mypy examples/api_example.py`` checks this file),
progress through a callback, errors as exceptions that carry the CLI's exit code.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

import edge_sdk


def tiny_keras_model(path: Path) -> Path:
    """A small float classifier (64 inputs -> 10 classes), saved as ``path``."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # TensorFlow's start-up chatter
    import keras

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((64,)), keras.layers.Dense(32, activation="relu"),
                              keras.layers.Dense(10, activation="softmax")])
    model.save(path)
    return path


def show(event: edge_sdk.ProgressEvent) -> None:
    """A progress callback: one line per finished stage."""
    if event.state == "end":
        print(f"  {event.task}: {event.stage} done in {event.elapsed_s or 0:.1f} s", file=sys.stderr)


def main(model: Path | None, out: Path) -> int:
    source = model or tiny_keras_model(out / "tiny.keras")

    # 1. convert: full-integer int8; random calibration data is fine for a demo (the manifest says so)
    manifest: edge_sdk.ConvertManifest = edge_sdk.convert(
        source, out / "tiny_int8.tflite", quantize="int8", calibration_data="random", on_progress=show)
    artifact = Path(manifest["output"]["path"])
    print(f"converted {source.name} -> {artifact.name}: {manifest['output']['size_bytes']} bytes, "
          f"quality gate {'passed' if manifest['gate']['passed'] else 'FAILED'}")

    # 2. profile: measured on this host, estimated on a Pixel 4
    report: edge_sdk.ProfileDocument = edge_sdk.profile(artifact, devices=["pixel-4"], runs=50)
    for result in report["results"]:
        latency = result["latency_ms"]
        p50 = latency["p50"] if latency else None
        band = result.get("error_band_pct")
        how = f"estimated, +-{band:.0f}%" if band is not None else "measured"
        print(f"  {result['device']:>8}: p50 {p50 if p50 is None else round(p50, 4)} ms ({how})")

    # 3. check: the Pixel 4's default app constraints (no budget file needed)
    outcome = edge_sdk.check(artifact, devices=["pixel-4"], estimate_only=True, use_cache=False)
    for verdict in outcome.verdicts:
        print(f"  {verdict.status:>9}  {verdict.metric} on {verdict.device or 'any device'}: {verdict.how}")
    print(f"check: {'passed' if outcome.passed else 'FAILED'}")

    edge_sdk.report([report, outcome.document], out / "report.html", title="api_example")
    print(f"report: {out / 'report.html'}")
    return outcome.exit_code


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model", nargs="?", type=Path, help="a Keras model (default: a tiny one built here)")
    parser.add_argument("--out", type=Path, help="output folder (default: a temporary one)")
    args = parser.parse_args()
    try:
        if args.out:
            args.out.mkdir(parents=True, exist_ok=True)
            sys.exit(main(args.model, args.out))
        with tempfile.TemporaryDirectory(prefix="edge-sdk-api-example-") as folder:
            sys.exit(main(args.model, Path(folder)))
    except edge_sdk.EdgeSdkError as error:  # the same message and exit code the CLI would give
        print(f"error: {error}", file=sys.stderr)
        sys.exit(error.exit_code)
