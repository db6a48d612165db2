"""Figures for op-level attribution (`profile --op-profile`), measured side by side in one run.

    cd /work/main && PATH=$PWD/.venv/bin:$PATH python bench/bench_op_profile.py [--repeats 3]

For three real models (a CNN: Keras MobileNetV2 converted by the real TFLiteConverter; the MLPerf
Tiny DS-CNN keyword-spotting net; a stateful streaming model with control flow and resource
variables whose WHILE/VAR_HANDLE ops cannot run alone), each repeat measures in one process:
- the whole-model host median and the sum of the per-op host times (each op timed alone), and
  their ratio: the method's error, stated in every profile document;
- how many ops got a time and how many a note;
- the top three ops on the host and their estimated share on two devices (pixel-7, raspberry-pi-4);
- the wall time of `--op-profile` over a plain host profile (what the per-op pass costs).
Nothing is asserted: the numbers are for the closing note and docs/profile.md.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]


def _tests_module(name: str):
    """A helper module from tests/ by file path (tests/ on sys.path would shadow the packages)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(f"edge_sdk_bench_{name}", ROOT / "tests" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


def _models(workdir: Path) -> list[tuple[str, Path]]:
    assets = _tests_module("assets")
    streaming = workdir / "streaming.tflite"
    subprocess.run([sys.executable, "-c", _tests_module("model_scripts").STREAMING_MODEL, str(streaming)],
                   check=True, capture_output=True, timeout=600)
    return [("MobileNetV2 float32 (CNN)", assets.keras_application_tflite("MobileNetV2", 224, "float32")),
            ("DS-CNN keyword spotting int8", assets.mltk_model("keyword_spotting")),
            ("streaming (WHILE, resource variables)", streaming)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    from edge_sdk.profiling import profile
    from edge_sdk.profiling.ops import result_label

    with tempfile.TemporaryDirectory() as tmp:
        for label, path in _models(Path(tmp)):
            ratios, sums, wholes, costs = [], [], [], []
            doc = None
            for _ in range(args.repeats):
                started = time.perf_counter()
                plain = profile(str(path), threads=1)
                plain_s = time.perf_counter() - started
                started = time.perf_counter()
                doc = profile(str(path), threads=1, devices=["pixel-7", "raspberry-pi-4"], op_profile=True)
                costs.append((time.perf_counter() - started) / plain_s)
                summary = doc["results"][0]["op_profile"]
                ratios.append(summary["sum_over_whole"])
                sums.append(summary["sum_ms"])
                wholes.append(summary["whole_ms"])
                del plain
            assert doc is not None
            host, *estimates = doc["results"]
            timed = [r for r in host["ops"] if r["ms"] is not None]
            print(f"== {label}: {path.name}")
            print(f"   ops timed {len(timed)}/{len(host['ops'])}; whole median {statistics.median(wholes):.4f} ms, "
                  f"per-op sum {statistics.median(sums):.4f} ms; sum/whole per repeat "
                  + ", ".join(f"{r:.2f}" for r in ratios))
            print("   --op-profile wall time over a plain host profile: " + ", ".join(f"{c:.1f}x" for c in costs))
            for note in host["op_profile"].get("notes", []):
                print(f"   note: {note}")
            top = sorted(timed, key=lambda r: -r["ms"])[:3]
            shares = {result_label(e): {r["index"]: r["share"] for r in e["ops"]} for e in estimates}
            for row in top:
                estimated = ", ".join(f"{name} {share.get(row['index'], 0):.1%}" for name, share in shares.items())
                print(f"   #{row['index']:<3} {row['type']:<18} {row['layer'][:24]:<24} host {row['share']:.1%}; "
                      f"estimated share: {estimated}")


if __name__ == "__main__":
    main()
