"""The HTML report in a real headless browser (Debian's chromium): loads from file://, no console
errors, every chart present and non-empty, table sorting works, and a screenshot is taken.

Console errors are read from Chromium's own log (``--enable-logging=stderr`` prints every console
message and uncaught exception as an ``INFO:CONSOLE`` line); the page also counts script errors
into ``<html data-js-errors>``. A control page with a deliberate error proves both detectors fire.
Skips only when no Chromium is installed (``make setup`` installs it).
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import report_documents as docs  # noqa: E402

from edge_sdk.reporting import render_html  # noqa: E402

BROWSER = next((p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None)
pytestmark = pytest.mark.skipif(BROWSER is None, reason="chromium is not installed (make setup installs it)")

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-default-apps", "--disable-extensions", "--mute-audio", "--hide-scrollbars",
         "--enable-logging=stderr", "--v=0"]
EXPECTED_CHARTS = ("device-comparison", "latency-distribution-example-int8-tflite-on-host",
                   "latency-distribution-example-float32-tflite-on-host", "op-time-share", "op-macs", "size-by-op-type",
                   "size-by-dtype", "activation-memory", "variant-latency", "variant-accuracy")

# Appended to a copy of the page: click the "MACs" header of the per-op table twice (ascending,
# then descending) and record the first row's op type, so the test sees the real sort in a real DOM.
SORT_PROBE = """<script>
(function(){
  var table=document.querySelector('table.ops'), th=table.tHead.rows[0].cells[2];
  th.click(); var asc=table.tBodies[0].rows[0].cells[2].getAttribute('data-v');
  th.click(); var desc=table.tBodies[0].rows[0].cells[2].getAttribute('data-v');
  document.documentElement.setAttribute('data-sort-probe', asc + '|' + desc);
})();
</script></body>"""


def browse(url: str, profile_dir: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([BROWSER, *FLAGS, f"--user-data-dir={profile_dir}", *extra, url],
                          capture_output=True, text=True, timeout=90)


def console_messages(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


def full_report() -> str:
    return render_html([docs.check_doc(), docs.profile_doc(), docs.inspect_doc(),
                        docs.convert_doc(None, 372_000, 0.92, 0.0, "11" * 32),
                        docs.convert_doc("float16", 190_000, 0.92, 0.0, "22" * 32),
                        docs.convert_doc("int8", 93_000, 0.918, 0.002, "ab" * 32),
                        docs.profile_doc("models/example_float32.tflite", "11" * 32,
                                         [docs.measured_result("host", 3.1, seed=5)])], analyse_models=False)


def test_detectors_catch_a_script_error(tmp_path: Path) -> None:
    """Control: the same page with one deliberate error must be reported by the log and the sentinel."""
    page = tmp_path / "broken.html"
    page.write_text(full_report().replace("</body>", "<script>throw new Error('control-error')</script></body>"))
    done = browse(page.as_uri(), tmp_path / "profile", "--dump-dom")
    assert any("control-error" in line for line in console_messages(done.stderr)), done.stderr[-2000:]
    assert 'data-js-errors="1"' in done.stdout


def test_full_report_loads_cleanly_with_every_chart_drawn(tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    page.write_text(full_report().replace("</body>", SORT_PROBE))
    done = browse(page.as_uri(), tmp_path / "profile", "--dump-dom", "--virtual-time-budget=3000")
    assert done.returncode == 0, done.stderr[-2000:]
    assert console_messages(done.stderr) == []
    dom = done.stdout
    assert 'data-js-ready="1"' in dom and 'data-js-errors="0"' in dom
    figures = dict(re.findall(r'data-chart="([^"]+)"><svg[^>]*data-marks="(\d+)"', dom))
    for name in EXPECTED_CHARTS:
        assert int(figures.get(name, 0)) > 0, f"{name} missing or empty in the rendered DOM: {figures}"
    for name in EXPECTED_CHARTS:  # every chart's marks are really in the DOM, not just counted
        block = dom.split(f'data-chart="{name}"', 1)[1].split("</figure>", 1)[0]
        assert block.count('class="mark"') >= 1, name
    probe = re.search(r'data-sort-probe="([^"]*)"', dom)
    assert probe, "the sort probe did not run"
    ascending, descending = (float(v) for v in probe.group(1).split("|"))
    assert ascending == 0.0 and descending == 552_960.0  # fewest then most MACs: the sort really reordered


def test_screenshot_of_the_full_report(tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    page.write_text(full_report())
    shot = tmp_path / "report.png"
    done = browse(page.as_uri(), tmp_path / "profile", f"--screenshot={shot}", "--window-size=1400,4200")
    assert shot.exists(), done.stderr[-2000:]
    head = shot.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", head[16:24])
    assert (width, height) == (1400, 4200)
    assert shot.stat().st_size > 50_000  # a blank page compresses to a few kB; charts and tables do not
    assert console_messages(done.stderr) == []
    keep = os.environ.get("EDGE_SDK_SCREENSHOT_DIR")  # to look at it: EDGE_SDK_SCREENSHOT_DIR=/tmp/shots
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(keep) / "report.png")


def test_estimate_only_page_is_whole_and_says_what_is_missing(tmp_path: Path) -> None:
    page = tmp_path / "estimates.html"
    page.write_text(render_html([docs.profile_doc(results=[docs.estimated_result("pixel-4", 9.0)])],
                                analyse_models=False))
    done = browse(page.as_uri(), tmp_path / "profile", "--dump-dom")
    assert console_messages(done.stderr) == []
    assert 'data-js-ready="1"' in done.stdout and "no distribution for pixel-4 (estimate)" in done.stdout
    assert re.search(r'data-chart="device-comparison"><svg[^>]*data-marks="[1-9]', done.stdout)
