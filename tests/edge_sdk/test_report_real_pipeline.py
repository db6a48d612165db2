"""The report on the real output of the other verbs: inspect, profile (host + estimates), check,
profile --backend adb --op-profile, then `edge-sdk report` and `edge-sdk compare` on those files.

Real here: every verb's CLI, LiteRT on the host, the estimator, the budget gate, the MLPerf Tiny
ResNet-8 model, the adb client. The loopback device STANDS IN FOR A PHONE (tests/loopback_device):
it speaks the real adb wire protocol; its benchmark_model runs the model with the host's LiteRT.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from loopback_device.pytest_fixtures import adb_lab  # noqa: F401 - pytest fixture

pytestmark = pytest.mark.slow


def edge_sdk(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "edge_sdk", *args], capture_output=True, text=True, cwd=cwd,
                          env=env, timeout=180)


def chart_marks(html: str) -> dict[str, int]:
    return {name: int(marks) for name, marks in
            re.findall(r'data-chart="([^"]+)"><svg[^>]*data-marks="(\d+)"', html)}


@pytest.fixture(scope="module")
def workdir(tmp_path_factory, resnet8_tflite: Path) -> Path:
    """resnet8.tflite with its inspect, profile and check reports, as the verbs write them."""
    work = tmp_path_factory.mktemp("pipeline")
    shutil.copy(resnet8_tflite, work / "resnet8.tflite")
    (work / "edge-budget.toml").write_text(
        '[[check]]\nname = "resnet8, phone and MCU"\nmodels = ["resnet8.tflite"]\n'
        'devices = ["pixel-4", "stm32h747"]\nsize = "90 kB"\nlatency_p50 = "50 ms"\nmacs = "20 M"\n')
    inspect = edge_sdk("inspect", "resnet8.tflite", "--json", cwd=work)
    assert inspect.returncode == 0, inspect.stderr
    (work / "inspect.json").write_text(inspect.stdout)
    profile = edge_sdk("profile", "resnet8.tflite", "--device", "pixel-4", "--device", "stm32h747", "--runs", "40",
                       "-o", "profile.json", cwd=work)
    assert profile.returncode == 0, profile.stderr
    check = edge_sdk("check", "-o", "check.json", cwd=work)
    assert check.returncode == 1, check.stderr  # size 99 kB > 90 kB: the gate fails
    convert = edge_sdk("convert", "resnet8.tflite", "-o", "resnet8_copy.tflite", cwd=work)  # no TF: a copy
    assert convert.returncode == 0, convert.stderr
    return work


def test_report_of_real_inspect_profile_and_check_output(workdir: Path) -> None:
    done = edge_sdk("report", "inspect.json", "profile.json", "check.json", "resnet8_copy.tflite.json",
                    "-o", "report.html", cwd=workdir)
    assert done.returncode == 0, done.stderr
    html = (workdir / "report.html").read_text()
    marks = chart_marks(html)
    for name in ("device-comparison", "latency-distribution-host", "op-time-share", "op-macs", "size-by-op-type",
                 "size-by-dtype", "activation-memory"):
        assert marks.get(name, 0) > 0, (name, marks)
    verdicts = json.loads((workdir / "check.json").read_text())["summary"]
    headline = f"FAILED: {verdicts['pass']} passed, {verdicts['fail']} failed"
    headline += f", {verdicts['uncertain']} uncertain" if verdicts.get("uncertain") else ""
    assert headline in html  # every verdict counted once: an uncertain one is not also "passed"
    assert html.count("<h2>The model: resnet8.tflite") == 1  # inspect.json covers it: not analysed twice
    assert "Where it runs: runtimes and delegates" in html and "<td>xnnpack</td>" in html
    rows = re.findall(r"<tr><td>(pixel-4|stm32h747|host)</td>", html)
    assert sorted(rows) == ["host", "pixel-4", "stm32h747"]  # the check's reused estimates not repeated
    # the manifest's output has the profiled file's sha256: its row carries that measured latency
    variant = re.search(r"<tr><td>(int8)</td><td[^>]*>99.28 kB</td><td[^>]*>[^<]+</td><td[^>]*>([^<]+)</td>"
                        r"<td>measured p50 on host</td>", html)
    assert variant, re.findall(r"<section id=\"conversions\">.*?</section>", html)


def test_profile_html_flag_writes_the_same_kind_of_page(workdir: Path) -> None:
    done = edge_sdk("profile", "resnet8.tflite", "--estimate-only", "--device", "pixel-4", "--html", "est.html",
                    cwd=workdir)
    assert done.returncode == 0, done.stderr
    html = (workdir / "est.html").read_text()
    assert chart_marks(html).get("device-comparison", 0) > 0 and "no distribution for pixel-4 (estimate)" in html
    assert chart_marks(html).get("op-time-share", 0) > 0  # the model file was analysed for the page


def test_compare_two_real_profiles(workdir: Path) -> None:
    again = edge_sdk("profile", "resnet8.tflite", "--device", "pixel-4", "--runs", "20", "--threads", "1",
                     "-o", "profile-1thread.json", cwd=workdir)
    assert again.returncode == 0, again.stderr
    done = edge_sdk("compare", "profile.json", "profile-1thread.json", "--markdown", cwd=workdir)
    assert done.returncode == 0, done.stderr
    assert re.search(r"\| `results\[host\]\.latency_ms\.p50` \| [\d.]+ (us|ms) \| [\d.]+ (us|ms) \|", done.stdout)
    assert "`results[host].samples_ms.count` | 40 | 20 | -20 | -50.0% |" in done.stdout


def test_phone_op_profile_over_adb_reaches_the_page(workdir: Path, adb_lab) -> None:
    phone = adb_lab.add_device()
    done = edge_sdk("profile", "resnet8.tflite", "--backend", "adb", "--serial", phone.serial, "--runs", "10",
                    "--op-profile", "-o", "phone.json", cwd=workdir, env=adb_lab.env)
    assert done.returncode == 0, done.stderr
    report = edge_sdk("report", "phone.json", "inspect.json", "-o", "phone.html", cwd=workdir)
    assert report.returncode == 0, report.stderr
    html = (workdir / "phone.html").read_text()
    ops = json.loads((workdir / "phone.json").read_text())["results"][0]["ops"]
    assert ops, "the loopback benchmark_model printed no op profile"
    marks = chart_marks(html)
    measured_shares = "measured share: per-op times" in html
    node_chart = any(name.startswith("measured-node-time-") and count > 0 for name, count in marks.items())
    assert measured_shares or node_chart, marks
