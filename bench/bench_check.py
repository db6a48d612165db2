"""Benchmark of `edge-sdk check`: cold vs warm cache, and cold start vs `edge-sdk --help`.

    .venv/bin/python bench/bench_check.py [--with-host]

Figures (measured side by side in one run, each as the median of a few repetitions):

1. `check --estimate-only` of 10 real models on 3 device profiles with an empty cache (cold), the
   same re-run with the cache filled (warm), and the ratio cold / warm;
2. the cold start of the `check` verb (a fresh process: `check --help`, and a warm-cache check of
   one model) as a ratio to `edge-sdk --help`, which imports nothing heavy (and no TensorFlow).

Byte-code caching is on for the measured processes (as in any installed package), so the
figures do not include recompiling every module in every process.

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
sys.path.insert(0, str(REPO))  # before tests/: its edge_sdk/ test folder must not shadow the package

import assets  # noqa: E402

DEVICES = ["pixel-4", "pixel-7", "galaxy-a03s"]
REPEATS = 5


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


def in_process(work: Path, env: dict[str, str]) -> tuple[list[float], list[float]]:
    """The same check through the Python API in one process: what the cache saves, start-up excluded."""
    os.environ.pop("GITHUB_STEP_SUMMARY", None)
    cwd = Path.cwd()
    os.chdir(work)
    try:
        from edge_sdk.budgets import check

        cold, warm = [], []
        for rep in range(REPEATS):
            os.environ["EDGE_SDK_CACHE_DIR"] = str(work / f"cache-in-process-{rep}")
            start = time.perf_counter()
            check(estimate_only=True)
            cold.append(time.perf_counter() - start)
            start = time.perf_counter()
            check(estimate_only=True)
            warm.append(time.perf_counter() - start)
        return cold, warm
    finally:
        os.chdir(cwd)


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
        # as installed: byte-code is cached (this machine sets PYTHONDONTWRITEBYTECODE, which would make
        # every process recompile every module and blur the cold-start ratio)
        env = {k: v for k, v in os.environ.items() if k not in ("GITHUB_STEP_SUMMARY", "PYTHONDONTWRITEBYTECODE")}
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
        help_times += [timed([*cli, "--help"], work, env, (0,)) for _ in range(5)]  # interleaved: fair to both
        one_model = [*check, str(build / "02_keyword_spotting.tflite")]
        timed(one_model, work, env)  # fill the cache for this model
        one_warm = [timed(one_model, work, env) for _ in range(5)]

        in_cold, in_warm = in_process(work, env)
        c, w, h = statistics.median(cold), statistics.median(warm), statistics.median(help_times)
        ch, ow = statistics.median(check_help), statistics.median(one_warm)
        print(f"check --estimate-only, 10 models x {len(DEVICES)} devices ({', '.join(DEVICES)}), median of {REPEATS}:")
        print(f"  cold cache : {c:6.2f} s   (runs: {', '.join(f'{t:.2f}' for t in cold)})")
        print(f"  warm cache : {w:6.2f} s   (runs: {', '.join(f'{t:.2f}' for t in warm)})")
        print(f"  ratio cold/warm: {c / w:.1f}x")
        print(f"  in-process check() (no interpreter start-up), median of {REPEATS}: cold {statistics.median(in_cold):.2f} s, "
              f"warm {statistics.median(in_warm):.3f} s, ratio {statistics.median(in_cold) / statistics.median(in_warm):.0f}x")
        print("cold start (fresh process each), median of 10 / 5 / 5:")
        print(f"  edge-sdk --help                 : {h * 1000:6.0f} ms")
        print(f"  edge-sdk check --help           : {ch * 1000:6.0f} ms  ratio {ch / h:.2f}x")
        print(f"  check 1 model, warm cache       : {ow * 1000:6.0f} ms  ratio {ow / h:.2f}x")
        if "--with-host" in sys.argv:
            host_figures(work, env, cli)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def host_figures(work: Path, env: dict[str, str], cli: list[str]) -> None:
    """Optional (--with-host): the same gate with real host runs of 3 small models, where the cache pays most."""
    small = sorted((work / "build").glob("0[0-2]_*.tflite"))
    env["EDGE_SDK_CACHE_DIR"] = str(work / "cache-host")
    command = [*cli, "check", *map(str, small)]
    cold = timed(command, work, env)
    warm = [timed(command, work, env) for _ in range(3)]
    print(f"with host measurement, {len(small)} small models x {len(DEVICES)} devices: cold {cold:.2f} s, "
          f"warm {statistics.median(warm):.2f} s, ratio {cold / statistics.median(warm):.0f}x")


if __name__ == "__main__":
    sys.exit(main())
