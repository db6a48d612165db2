"""PyTorch sources, both conversion paths side by side: litert-torch vs torch.onnx.export + onnx2tf.

For each model of tests/torch_models.py (a MobileNet-style classifier, a transformer encoder
block, a 1-D keyword-spotting conv net; random weights: parity, size and latency only) and a small
CNN trained here on 4,000 real MNIST digits (the accuracy figures), it runs the real CLI:
``edge-sdk convert --torch ... --via PATH`` in float32 and full int8 (float I/O), then
``edge-sdk profile`` (host p50, and estimates on two devices). Parity is against eager PyTorch.

    .venv/bin/python bench/bench_torch.py [--quick]
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
TESTS = ROOT / "tests"
sys.path[:0] = [str(ROOT), str(TESTS)]
DEVICES = ("pixel-4", "raspberry-pi-4")
MODELS = [("mobilenet_tiny", "1,3,96,96"), ("transformer_block", "1,16,64"), ("kws_conv1d", "1,40,49")]


def run(args: list[str], work: Path) -> tuple[int, str, str]:
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", EDGE_SDK_CACHE_DIR=str(work / "cache"),
               PYTHONPATH=os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")]))
    done = subprocess.run([sys.executable, "-m", "edge_sdk", *args], capture_output=True, text=True, env=env,
                          timeout=1800, check=False)
    return done.returncode, done.stdout, done.stderr


def trained_mnist(work: Path) -> tuple[Path, Path, Path]:
    """A .pt2 of MnistNet trained 2 epochs on 4,000 shuffled real digits, plus calibration and test sets."""
    import assets
    import torch
    from torch_models import shuffled_digits, trained_mnist_net

    x, y = shuffled_digits(*assets.mnist_5k())
    model = trained_mnist_net(x, y)
    program = work / "mnist.pt2"
    torch.export.save(torch.export.export(model.eval(), (torch.zeros(1, 1, 28, 28),)), program)
    np.savez(work / "mnist_calib.npz", x=x[:4000:40])
    np.savez(work / "mnist_test.npz", x=x[4000:], y=y[4000:])
    return program, work / "mnist_calib.npz", work / "mnist_test.npz"


def convert(source: list[str], out: Path, via: str, quantize: str, extra: list[str], work: Path) -> dict:
    flags = ["--quantize", quantize] + (["--io", "float"] if quantize == "int8" else [])
    start = time.perf_counter()
    code, stdout, stderr = run(["convert", *source, "-o", str(out), "--via", via, *flags, *extra, "--json"], work)
    seconds = time.perf_counter() - start
    if code not in (0, 1):
        last = [line for line in stderr.splitlines() if line.strip()][-1:] or ["?"]
        return {"error": last[0][:160], "seconds": seconds}
    manifest = json.loads(stdout)
    return {"manifest": manifest, "seconds": seconds}


def profile(model: Path, work: Path, runs: int) -> dict[str, float | None]:
    device_flags = [flag for device in DEVICES for flag in ("--device", device)]
    code, stdout, _ = run(["profile", str(model), *device_flags, "--runs", str(runs), "--json"], work)
    if code != 0:
        return {}
    return {r["device"]: r["latency_ms"]["p50"] for r in json.loads(stdout)["results"]}


def main() -> int:
    quick = "--quick" in sys.argv
    runs = 20 if quick else 100
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-torch-") as folder:
        work = Path(folder)
        rng = np.random.default_rng(0)
        sources: list[tuple[str, list[str], list[str], list[str]]] = []
        for name, shape in MODELS[:1] if quick else MODELS:
            dims = [int(d) for d in shape.split(",")]
            np.savez(work / f"{name}_calib.npz", x=rng.uniform(-1, 1, (32, *dims[1:])).astype(np.float32))
            np.savez(work / f"{name}_eval.npz", x=rng.uniform(-1, 1, (16, *dims[1:])).astype(np.float32))
            sources.append((name, ["--torch", f"torch_models:{name}", "--example-input", shape],
                            ["--calibration-data", str(work / f"{name}_calib.npz")],
                            ["--eval-data", str(work / f"{name}_eval.npz")]))
        program, calib, test = trained_mnist(work)
        sources.append(("mnist (trained)", [str(program)], ["--calibration-data", str(calib)],
                        ["--eval-data", str(test)]))
        for name, source, calibration, evaluation in sources:
            for quantize in ("none", "int8"):
                for via in ("litert-torch", "onnx"):
                    out = work / f"{name.split()[0]}_{via}_{quantize}.tflite"
                    extra = (calibration if quantize == "int8" else []) + evaluation
                    result = convert(source, out, via, quantize, extra, work)
                    row = {"model": name, "quantize": quantize, "via": via, "convert_s": round(result["seconds"], 1)}
                    if "error" in result:
                        row["error"] = result["error"]
                        rows.append(row)
                        continue
                    manifest = result["manifest"]
                    parity = manifest["validation"]["outputs"][0]
                    accuracy = manifest["validation"].get("accuracy") or {}
                    row.update(path=manifest["steps"][0]["report"]["path"], size=manifest["output"]["size_bytes"],
                               max_abs=parity["max_abs_error"], sqnr=parity["sqnr_db"], top1=parity["top1_agreement"],
                               acc_src=accuracy.get("source"), acc_art=accuracy.get("artifact"),
                               latency=profile(out, work, runs))
                    rows.append(row)
                    print(json.dumps(row), file=sys.stderr, flush=True)
    header = ["model", "quant", "via", "size kB", "max abs err", "SQNR dB", "top-1 agree", "accuracy eager->tflite",
              "host p50 ms", *[f"{d} est. ms" for d in DEVICES], "convert s"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        if "error" in row:
            print(f"| {row['model']} | {row['quantize']} | {row['via']} | failed: {row['error']} |" + " |" * (len(header) - 4))
            continue
        lat = row["latency"]
        acc = "-" if row["acc_src"] is None else f"{row['acc_src'] * 100:.1f}% -> {row['acc_art'] * 100:.1f}%"
        cells = [row["model"], row["quantize"], row["via"] + ("" if row["path"] == row["via"] else f" ({row['path']})"),
                 f"{row['size'] / 1000:.1f}", f"{row['max_abs']:.2e}", row["sqnr"] if row["sqnr"] is not None else "inf",
                 "-" if row["top1"] is None else f"{row['top1'] * 100:.0f}%", acc,
                 *[("-" if lat.get(d) is None else f"{lat[d]:.3f}") for d in ("host", *DEVICES)], row["convert_s"]]
        print("| " + " | ".join(map(str, cells)) + " |")
    # side-by-side ratios: the ONNX path relative to litert-torch, per model and mode
    print("\nonnx / litert-torch ratios (size, host p50):")
    for row in rows:
        if row["via"] != "onnx" or "error" in row:
            continue
        twin = next((r for r in rows if r["model"] == row["model"] and r["quantize"] == row["quantize"]
                     and r["via"] == "litert-torch" and "error" not in r), None)
        if twin and twin["latency"].get("host") and row["latency"].get("host"):
            print(f"  {row['model']:<18} {row['quantize']:<5} size x{row['size'] / twin['size']:.2f}  "
                  f"host p50 x{row['latency']['host'] / twin['latency']['host']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
