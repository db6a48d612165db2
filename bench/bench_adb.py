"""Benchmark of the adb backend against the loopback test device (a STAND-IN FOR A PHONE).

Measures, side by side in one run, with the real adb client and server:

1. overhead of ``profile --backend adb`` apart from the benchmark itself (device discovery, push,
   device state, parse, cleanup) for a ~4 MB model (Keras MobileNetV2 224 int8, 3.9 MB): cold (the
   model is pushed) and cached (the pushed model is reused by its sha256);
2. two serials in one command (parallel workers) vs the same two one after the other: wall time ratio.

The loopback device runs its benchmark on this host, so the "benchmark" stage time is not a phone
figure; the overhead figures are what edge-sdk and adb add around it. Run:
``PATH=$PWD/.venv/bin:$PATH python bench/bench_adb.py``
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.append(str(ROOT / "tests"))

import assets  # noqa: E402
from loopback_device.fixtures import start_lab  # noqa: E402

from edge_sdk.profiling.adb import profile_on_adb  # noqa: E402
from runtime_harness.adb.client import AdbClient  # noqa: E402

REPEATS = 3
RUN = {"runs": 5, "warmup_runs": 1, "min_secs": 0, "threads": 1}


def one_run(model: Path, serials: list[str], client: AdbClient) -> tuple[float, dict[str, float]]:
    start = time.perf_counter()
    document = profile_on_adb(model, serials=serials, client=client, **RUN)
    wall = time.perf_counter() - start
    stages = document["results"][0]["provenance"]["stage_seconds"]
    return wall, stages


def overhead(model: Path, serial: str, client: AdbClient, *, cold: bool) -> list[tuple[float, float, dict]]:
    rows = []
    for _ in range(REPEATS):
        if cold:
            client.shell(serial, "rm -rf /data/local/tmp/edge-sdk/models")
        wall, stages = one_run(model, [serial], client)
        rows.append((wall, wall - stages.get("benchmark", 0.0), stages))
    return rows


def main() -> int:
    model = assets.keras_application_tflite("MobileNetV2", 224, "int8")
    print(f"model: {model.name} ({model.stat().st_size / 1e6:.2f} MB); benchmark: {RUN['runs']} runs, 1 thread")
    with tempfile.TemporaryDirectory() as scratch:
        lab = start_lab(Path(scratch))
        try:
            first, second = lab.add_device(), lab.add_device()
            client = AdbClient(server_port=lab.port)
            one_run(model, [first.serial], client)  # warm the host's file cache and the adb server
            print(f"\n1. overhead apart from the benchmark (median of {REPEATS})")
            for label, cold in (("cold (push)", True), ("cached (push reused)", False)):
                rows = overhead(model, first.serial, client, cold=cold)
                median_overhead = statistics.median(r[1] for r in rows)
                stages = rows[len(rows) // 2][2]
                detail = ", ".join(f"{k} {v:.3f}" for k, v in stages.items() if k != "benchmark")
                print(f"   {label:<22} overhead {median_overhead:.3f} s   wall {statistics.median(r[0] for r in rows):.3f} s"
                      f"   stages: {detail}")
            print(f"\n2. two serials: parallel workers vs one after the other (median of {REPEATS})")
            sequential, parallel = [], []
            for _ in range(REPEATS):
                start = time.perf_counter()
                one_run(model, [first.serial], client)
                one_run(model, [second.serial], client)
                sequential.append(time.perf_counter() - start)
                start = time.perf_counter()
                one_run(model, [first.serial, second.serial], client)
                parallel.append(time.perf_counter() - start)
            seq, par = statistics.median(sequential), statistics.median(parallel)
            print(f"   sequential {seq:.3f} s   parallel {par:.3f} s   ratio parallel/sequential {par / seq:.2f}"
                  f"   (speed-up {seq / par:.2f}x; both test devices share this host's CPU)")
        finally:
            lab.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
