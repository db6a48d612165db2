"""Benchmark of ``edge-sdk inspect``, figures measured side by side in one run:

1. cold ``edge-sdk --help`` wall time as a ratio to ``python -c pass`` (and: does it import TF?);
2. ``inspect --json`` on Keras MobileNetV2 1.0-224 float vs TensorFlow's own
   ``tf.lite.experimental.Analyzer.analyze`` on the same file: in-process (imports warm, best of N)
   and as cold processes (what a CI step pays);
3. the memory plan against a real allocator: the arena "head" (non-persistent, planned tensors)
   that the TFLite Micro interpreter records, on every .tflite in the asset cache (--quick: the
   pinned third-party ones), each in a child process (TFLM can SIGABRT; reported, not fatal);
4. the XNNPACK support table against what LiteRT 2.3 really delegates, op by op, on every
   .tflite in the asset cache (tools/xnnpack_probe.py).

    .venv/bin/python bench/bench_inspect.py [--quick]
"""

from __future__ import annotations

import io
import json
import os
import re
import statistics
import subprocess
import sys
import time
from contextlib import redirect_stdout
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# the repo root first: otherwise tests/edge_sdk/ (no __init__) would shadow the edge_sdk package
sys.path[:0] = [str(ROOT)]
sys.path.append(str(ROOT / "tests"))
PY = sys.executable
ENV = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")


def _wall(cmd: list[str], runs: int) -> float:
    """Median wall time of ``cmd`` over ``runs`` fresh processes, in seconds."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV, check=False)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bench_help(runs: int) -> None:
    base = _wall([PY, "-c", "pass"], runs)
    helper = _wall([PY, "-m", "edge_sdk", "--help"], runs)
    trace = subprocess.run([PY, "-X", "importtime", "-m", "edge_sdk", "--help"], capture_output=True, text=True)
    heavy = [line for line in trace.stderr.splitlines() if re.search(r"\b(tensorflow|keras)\b", line)]
    print(f"[help] python -c pass {base * 1000:.0f} ms | edge-sdk --help {helper * 1000:.0f} ms | "
          f"ratio {helper / base:.2f}x | TensorFlow/keras imported: {'YES' if heavy else 'no'}")


_TF_ANALYZER = r'''
import io, sys, time, contextlib, os
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import tensorflow as tf
path, runs = sys.argv[1], int(sys.argv[2])
best = 1e9
for _ in range(runs):
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        tf.lite.experimental.Analyzer.analyze(model_path=path)
    best = min(best, time.perf_counter() - start)
print(best)
'''


def bench_analyzer(model: Path, runs: int) -> None:
    from edge_sdk.graph import analyze

    best = 1e9
    for _ in range(runs):
        start = time.perf_counter()
        with redirect_stdout(io.StringIO()):
            print(json.dumps(analyze(model).to_dict()))
        best = min(best, time.perf_counter() - start)
    out = subprocess.run([PY, "-c", _TF_ANALYZER, str(model), str(runs)], capture_output=True, text=True, env=ENV)
    tf_best = float(out.stdout.strip().splitlines()[-1])
    verdict = (f"edge-sdk is {tf_best / best:.1f}x faster" if tf_best >= best else
               f"edge-sdk is {best / tf_best:.0f}x slower (TF's analyzer is C++ and lists ops only: "
               "no MACs, params, memory plan or delegate support)")
    print(f"[analyze, warm] edge-sdk analyze+JSON {best * 1000:.1f} ms | tf.lite.experimental.Analyzer.analyze "
          f"{tf_best * 1000:.1f} ms | {verdict}")
    cold_ours = _wall([PY, "-m", "edge_sdk", "inspect", str(model), "--json"], 3)
    cold_tf = _wall([PY, "-c", _TF_ANALYZER, str(model), "1"], 3)
    print(f"[analyze, cold process] edge-sdk inspect --json {cold_ours * 1000:.0f} ms | python + import "
          f"tensorflow + Analyzer {cold_tf * 1000:.0f} ms | edge-sdk is {cold_tf / cold_ours:.1f}x faster")


_TFLM = r'''
import sys
from tflite_micro.python.tflite_micro import runtime as micro
micro.Interpreter.from_file(sys.argv[1], arena_size=int(sys.argv[2])).print_allocations()
'''


def bench_memory(models: list[Path]) -> None:
    from edge_sdk.graph import analyze

    print("[memory] plan (planner=tflm) vs the arena head the real TFLite Micro interpreter allocated;")
    print("         'inspect' = can TFLM run it according to inspect's compatibility section")
    print(f"  {'model':44} {'plan B':>10} {'lower bnd':>10} {'TFLM head':>10} {'plan/TFLM':>9}  inspect")
    agree = total = verdicts_right = 0
    for model in models:
        graph = analyze(model, planner="tflm")
        predicted_ok = graph.compatibility["delegates"]["tflm"]["all_supported"]
        run = subprocess.run([PY, "-c", _TFLM, str(model), str(256 << 20)], capture_output=True, text=True, timeout=300)
        match = re.search(r"allocation head (\d+)", run.stdout + run.stderr)
        verdicts_right += predicted_ok == (match is not None)
        says = "runs" if predicted_ok else "cannot run"
        if match is None:
            print(f"  {model.name[:44]:44} {graph.peak_activation_bytes:>10} {graph.activation_lower_bound_bytes:>10} "
                  f"{'abort rc=' + str(run.returncode):>10} {'':>9}  {says}")
            continue
        head = int(match.group(1))
        total += 1
        agree += graph.peak_activation_bytes == head
        print(f"  {model.name[:44]:44} {graph.peak_activation_bytes:>10} {graph.activation_lower_bound_bytes:>10} "
              f"{head:>10} {graph.peak_activation_bytes / head:>9.3f}  {says}")
    print(f"  arena: exact agreement on {agree} of {total} models TFLM could allocate; "
          f"run/abort predicted right for {verdicts_right} of {len(models)}")


def bench_xnnpack(models: list[Path]) -> None:
    """The static XNNPACK table against what LiteRT 2.3 really delegated, op by op."""
    from tools.xnnpack_probe import table_agreement

    agree = total = 0
    for model in models:
        ok, n, wrong = table_agreement(model)
        agree, total = agree + ok, total + n
        for line in wrong[:3]:
            print(f"  {model.name}: {line}")
    print(f"[xnnpack] op_support.toml predicts LiteRT's real XNNPACK delegation for {agree} of {total} ops "
          f"({len(models)} models)")


def main() -> int:
    import assets

    quick = "--quick" in sys.argv
    bench_help(5 if quick else 10)
    bench_analyzer(assets.keras_application_tflite("MobileNetV2", 224, "float32"), 3 if quick else 10)
    names = ["image_classification", "keyword_spotting", "visual_wake_words", "anomaly_detection",
             "tflite_micro_speech", "tflite_micro_magic_wand", "keyword_spotting_on_off_v3",
             "keyword_spotting_mobilenetv2", "fingerprint_signature_generator", "audio_example1"]
    models = [assets.sine_model()] + [assets.mltk_model(n) for n in names]
    models.append(assets.mltk_model("rock_paper_scissors", ".float32.tflite"))
    models.append(assets.keras_application_tflite("MobileNetV2", 224, "int8"))
    cache = Path(assets.CACHE)
    everything = sorted(set(models) | set(cache.glob("generated/**/*.tflite")) | set(cache.glob("files/**/*.tflite")))
    bench_memory(models if quick else everything)
    bench_xnnpack(everything)
    return 0


if __name__ == "__main__":
    sys.exit(main())
