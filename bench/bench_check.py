"""Benchmark of `edge-sdk check`: cold vs warm cache, and cold start vs `edge-sdk --help`.

    .venv/bin/python bench/bench_check.py

Figures (measured side by side in one run, each as the median of a few repetitions):

1. `check --estimate-only` of 10 real models on 3 device profiles with an empty cache (cold), the
   same re-run with the cache filled (warm), and the ratio cold / warm;
2. the cold start of the `check` verb (a fresh process: `check --help`, and a warm-cache check of
   one model) as a ratio to `edge-sdk --help`, which imports nothing heavy (and no TensorFlow).

Models come from tests/assets.py (real third-party models from pinned PyPI wheels, plus Keras
applications converted once and cached); nothing is downloaded from a model hub.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

import assets  # noqa: E402

DEVICES = ["pixel-4", "pixel-7", "galaxy-a03s"]
REPEATS = 3


def models() -> list[Path]:
    return [
        assets.sine_model(),
        assets.mltk_model("image_classification"),
        assets.mltk_model("keyword_spotting"),
        assets.mltk_model("visual_wake_words"),
        assets.mltk_model("anomaly_detection"),
        assets.mltk_model("rock_paper_scissors"),
        assets.mltk_model("rock_paper_scissors", ".float32.tflite"),
        assets.keras_application_tflite("MobileNetV2", 224, "float32"),
        assets.keras_application_tflite("MobileNetV2", 224, "int8"),
        assets.keras_application_tflite("MobileNet", 224, "float32"),
    ]


def timed(command: list[str], cwd: Path, env: dict[str, str], expect: tuple[int, ...] = (0, 1)) -> float:
    start = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode not in expect:
        raise SystemExit(f"{' '.join(command)} exited {result.returncode}:\n{result.stderr[-2000:]}")
    return elapsed


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="bench-check-"))
    try:
        build = work / "build"
        build.mkdir()
        for i, model in enumerate(models()):
            shutil.copy(model, build / f"{i:02d}_{model.name}")
        (work / ".git").mkdir()
        (work / "edge-budget.toml").write_text(
            '[[check]]\nname = "bench"\nmodels = ["build/*.tflite"]\n'
            f"devices = {DEVICES!r}\n".replace("'", '"')
            + 'size = "20 MB"\nlatency_p90 = "100 ms"\npeak_memory = "256 MB"\nenergy = "100 mJ"\n'
              'macs = "1 G"\nprecisions = ["float32", "int8", "int8-float-io", "dynamic-int8"]\n')
        env = {k: v for k, v in os.environ.items() if k != "GITHUB_STEP_SUMMARY"}
        env["PYTHONPATH"] = str(REPO)
        cli = [sys.executable, "-m", "edge_sdk"]
        check = [*cli, "check", "--estimate-only"]

        cold, warm = [], []
        for rep in range(REPEATS):
            env["EDGE_SDK_CACHE_DIR"] = str(work / f"cache-{rep}")
            cold.append(timed(check, work, env))
            warm.append(timed(check, work, env))
        help_times = [timed([*cli, "--help"], work, env, (0,)) for _ in range(5)]
        check_help = [timed([*cli, "check", "--help"], work, env, (0,)) for _ in range(5)]
        one_model = [*check, str(build / "02_keyword_spotting.tflite")]
        timed(one_model, work, env)  # fill the cache for this model
        one_warm = [timed(one_model, work, env) for _ in range(5)]

        c, w, h = statistics.median(cold), statistics.median(warm), statistics.median(help_times)
        ch, ow = statistics.median(check_help), statistics.median(one_warm)
        print(f"check --estimate-only, 10 models x {len(DEVICES)} devices ({', '.join(DEVICES)}), median of {REPEATS}:")
        print(f"  cold cache : {c:6.2f} s   (runs: {', '.join(f'{t:.2f}' for t in cold)})")
        print(f"  warm cache : {w:6.2f} s   (runs: {', '.join(f'{t:.2f}' for t in warm)})")
        print(f"  ratio cold/warm: {c / w:.1f}x")
        print("cold start (fresh process each), median of 5:")
        print(f"  edge-sdk --help                 : {h * 1000:6.0f} ms")
        print(f"  edge-sdk check --help           : {ch * 1000:6.0f} ms  ratio {ch / h:.2f}x")
        print(f"  check 1 model, warm cache       : {ow * 1000:6.0f} ms  ratio {ow / h:.2f}x")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
