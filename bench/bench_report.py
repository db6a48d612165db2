"""Benchmark of the HTML report and compare on real documents (Keras MobileNetV2 224, float32 and int8).

Measures, side by side in one run:

1. rendering the page (``render_html``) vs only reading the same JSON documents: how much the
   page costs on top of loading its inputs;
2. the page's size vs its inputs' size (samples are summarised into charts, not embedded);
3. ``compare`` of the two profiles vs reading them;
4. Chromium loading the page headless (``--dump-dom``) vs loading an empty page: what the page's
   charts and script add to a browser load (skipped when chromium is not installed).

The documents come from the real verbs: ``edge_sdk.profiling.profile`` (host measurement + two
device estimates) and ``edge_sdk.graph.analyze``. Run: ``PATH=$PWD/.venv/bin:$PATH python bench/bench_report.py``
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.append(str(ROOT / "tests"))

import assets  # noqa: E402
from edge_sdk.core.atomic import atomic_write_json  # noqa: E402
from edge_sdk.core.documents import load_document  # noqa: E402
from edge_sdk.graph import analyze  # noqa: E402
from edge_sdk.profiling import profile  # noqa: E402
from edge_sdk.reporting import compare, render_html  # noqa: E402

REPEATS = 7
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync", "--dump-dom"]


def median_seconds(action: Callable[[], object], repeats: int = REPEATS) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="bench-report-"))
    paths = []
    for quant in ("float32", "int8"):
        model = assets.keras_application_tflite("MobileNetV2", 224, quant)
        document = profile(str(model), devices=["pixel-4", "raspberry-pi-4"], runs=200)
        paths.append(atomic_write_json(work / f"profile_{quant}.json", document))
        paths.append(atomic_write_json(work / f"inspect_{quant}.json", analyze(str(model)).to_dict()))
    sources = [str(p) for p in paths]
    input_bytes = sum(p.stat().st_size for p in paths)

    read = median_seconds(lambda: [load_document(p) for p in sources])
    render = median_seconds(lambda: render_html(sources, analyse_models=False))
    page = render_html(sources, analyse_models=False)
    (work / "report.html").write_text(page)
    compared = median_seconds(lambda: compare(sources[0], sources[2]).to_text())

    print(f"documents: 2 profiles (200 host runs + 2 estimates each) + 2 inspect, {input_bytes / 1e3:.0f} kB of JSON")
    print(f"render_html        {render * 1e3:7.1f} ms   vs reading the JSON {read * 1e3:6.1f} ms   "
          f"ratio {render / read:5.1f}x")
    print(f"page size          {len(page.encode()) / 1e3:7.1f} kB   vs inputs {input_bytes / 1e3:6.1f} kB   "
          f"ratio {len(page.encode()) / input_bytes:5.2f}x")
    print(f"compare (text)     {compared * 1e3:7.1f} ms   vs reading two JSON {read / 2 * 1e3:6.1f} ms   "
          f"ratio {compared / (read / 2):5.1f}x")

    browser = shutil.which("chromium")
    if browser is None:
        print("chromium not installed: browser load not measured")
        return
    (work / "empty.html").write_text("<!DOCTYPE html><html><body></body></html>")

    def load(name: str) -> Callable[[], object]:
        return lambda: subprocess.run([browser, *CHROMIUM_FLAGS, f"--user-data-dir={work / 'chrome'}",
                                       (work / name).as_uri()], capture_output=True, timeout=60)

    empty = median_seconds(load("empty.html"), 3)
    full = median_seconds(load("report.html"), 3)
    print(f"chromium load      {full * 1e3:7.0f} ms   vs an empty page {empty * 1e3:6.0f} ms   ratio {full / empty:5.2f}x")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
