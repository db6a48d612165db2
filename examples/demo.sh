#!/usr/bin/env bash
# The main job on a bundled example: build a small model, convert, inspect, profile, check, report.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
OUT=demo-out
mkdir -p "$OUT"
echo "== building the example model (a small CNN) and converting it"
python examples/build_example.py "$OUT"
echo "== edge-sdk inspect"
edge-sdk inspect "$OUT/example_float32.tflite"
