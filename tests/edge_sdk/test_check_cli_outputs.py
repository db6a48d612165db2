"""`edge-sdk check` as a process: exit codes, clear errors, report files, baselines, the cache."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

REPO = Path(__file__).resolve().parents[2]


def run_check(cwd: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if k not in ("GITHUB_STEP_SUMMARY", "EDGE_SDK_CACHE_DIR")}
    full_env["PYTHONPATH"] = str(REPO)
    full_env["XDG_CACHE_HOME"] = str(cwd / ".user-cache")   # this test's own user cache (and cache key)
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "edge_sdk", "check", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=180, env=full_env)


BUDGET = '''
[[check]]
name = "keyword spotting fits"
models = ["build/kws.tflite"]
size = "60 kB"
precisions = ["int8", "int8-float-io"]
max_regression = "5%"

[[check]]
name = "classifier fits"
models = ["build/model.tflite"]
size = "60 kB"
max_regression = "5%"
message = "Shrink the classifier or talk to #ml-mobile."
'''


@pytest.fixture()
def project(tmp_path, kws_tflite):
    build = tmp_path / "build"
    build.mkdir()
    shutil.copy(kws_tflite, build / "kws.tflite")
    shutil.copy(kws_tflite, build / "model.tflite")
    (tmp_path / ".git").mkdir()
    (tmp_path / "edge-budget.toml").write_text(BUDGET)
    return tmp_path


def test_pass_writes_every_report_and_a_closing_line(project):
    summary = project / "step-summary.md"
    result = run_check(project, "-o", "out/report.json", "--junit", "out/junit.xml", "--markdown", "out/pr.md",
                       "--html", "out/report.html", env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert result.returncode == 0, result.stderr
    assert "PASS  keyword spotting fits" in result.stdout and "PASS  classifier fits" in result.stdout
    assert "PASSED: 2 checks" in result.stdout and str(project / "edge-budget.toml") in result.stdout
    report = json.loads((project / "out/report.json").read_text())
    assert report["schema"] == "edge-sdk/check" and report["version"] == 1 and report["passed"] is True
    assert {m["model"] for m in report["measurements"]} == {"build/kws.tflite", "build/model.tflite"}
    assert any("max_regression not evaluated" in n for c in report["checks"] for n in c["notes"])
    junit = ET.parse(project / "out/junit.xml").getroot()
    assert junit.tag == "testsuites" and junit.get("failures") == "0"
    assert [s.get("name") for s in junit] == ["keyword spotting fits", "classifier fits"]
    assert len(junit.findall(".//testcase")) == report["summary"]["verdicts"] == 3
    markdown = (project / "out/pr.md").read_text()
    assert "all 2 checks passed" in markdown
    assert summary.read_text() == markdown                 # appended to $GITHUB_STEP_SUMMARY as well
    html = (project / "out/report.html").read_text()
    assert html.lstrip().lower().startswith("<!doctype html") and "keyword spotting fits" in html
    assert not list(project.glob("*.partial")) and not list((project / "out").glob("*.partial"))


def test_a_failed_budget_exits_1_with_message_annotations_and_junit_failures(project, resnet8_tflite):
    shutil.copy(resnet8_tflite, project / "build" / "model.tflite")     # ~99 kB: over the 60 kB limit
    result = run_check(project, "--github", "--hide-passed", "--junit", "junit.xml")
    assert result.returncode == 1, result.stderr
    assert "FAIL  classifier fits  (edge-budget.toml:9)" in result.stdout
    assert "keyword spotting fits" not in result.stdout                  # --hide-passed
    assert "Shrink the classifier or talk to #ml-mobile." in result.stdout
    assert "FAILED: 1 of 2 checks" in result.stdout and "edit " in result.stdout
    annotations = [line for line in result.stdout.splitlines() if line.startswith("::error ")]
    assert len(annotations) == 1
    assert annotations[0].startswith("::error file=edge-budget.toml,line=12,title=edge-sdk check%3A classifier fits::")  # the size line
    assert "build/model.tflite: size" in annotations[0] and "exceeds the limit 60 kB" in annotations[0]
    failure = ET.parse(project / "junit.xml").getroot().find(".//failure")
    assert failure is not None and "exceeds the limit 60 kB" in failure.get("message")
    assert "Traceback" not in result.stderr


def test_baseline_gives_before_column_and_relative_limits(project, resnet8_tflite):
    first = run_check(project, "-o", "baseline.json")
    assert first.returncode == 0
    shutil.copy(resnet8_tflite, project / "build" / "model.tflite")     # the model grows ~80%
    (project / "edge-budget.toml").write_text(BUDGET.replace('size = "60 kB"\nmax_regression', 'size = "1 MB"\nmax_regression'))
    second = run_check(project, "--baseline", "baseline.json", "-o", "after.json")
    assert second.returncode == 1, second.stdout + second.stderr
    assert "before" in second.stdout and "size (vs baseline)" in second.stdout
    report = json.loads((project / "after.json").read_text())
    regression = [v for c in report["checks"] for v in c["verdicts"] if v["limit_kind"] == "regression"]
    by_model = {v["model"]: v for v in regression}
    assert by_model["build/kws.tflite"]["status"] == "pass"              # unchanged model: 0% growth
    grown = by_model["build/model.tflite"]
    assert grown["status"] == "fail" and grown["before"] < grown["actual"]
    assert grown["limit"] == pytest.approx(grown["before"] * 1.05)
    absolute = [v for c in report["checks"] for v in c["verdicts"] if v["limit_kind"] == "absolute" and v["unit"]]
    assert all(v["before"] is not None for v in absolute)                # a before value for every number
    assert report["baseline"]["path"].endswith("baseline.json")


@pytest.mark.parametrize("content, needle", [
    ('[[check]]\nname = "x"\nsize = "5 parsecs"\n', "unknown size unit 'parsecs'"),
    ('[[check]]\nname = "x"\nsize = "-2 MB"\n', "negative"),
    ('[[check]]\nname = "x"\nsize = 1 MB\n', "edge-budget.toml:3:"),
    ('[[check]]\nname = "x"\nsizes = "1 MB"\n', "valid keys in a [[check]]"),
    ('[[check]]\nname = "x"\nmodels = ["build/missing.tflite"]\nsize = "1 MB"\n',
     "edge-budget.toml:3: check 'x': build/missing.tflite: model not found"),
    ('[[check]]\nname = "x"\nmodels = ["build/kws.tflite"]\ndevices = ["pixel-99"]\nlatency_p90 = "9 ms"\n',
     "edge-budget.toml:4: check 'x': unknown device 'pixel-99'"),
    ('[[check]]\nname = "x"\nsize = "1 MB"\nsize = "2 MB"\n', "defined twice"),
    ('[[check]]\nname = "x"\nmodels = ["build/kws.tflite"]\nlatency_p90 = "9 ms"\n', "names no device"),
])
def test_bad_budget_files_exit_2_with_a_clear_message(project, content, needle):
    (project / "edge-budget.toml").write_text(content)
    result = run_check(project)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert needle in result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr


def test_bad_baseline_and_outputs_over_inputs_exit_2_and_touch_nothing(project):
    stale = {"schema": "edge-sdk/check", "version": 99, "measurements": []}
    (project / "old.json").write_text(json.dumps(stale))
    result = run_check(project, "--baseline", "old.json")
    assert result.returncode == 2 and "report version 99" in result.stderr
    profile_doc = {"schema": "edge-sdk/profile", "version": 1, "results": []}
    (project / "profile.json").write_text(json.dumps(profile_doc))
    result = run_check(project, "--baseline", "profile.json")
    assert result.returncode == 2 and "needs a check document" in result.stderr
    before = (project / "old.json").read_bytes()
    result = run_check(project, "--baseline", "old.json", "-o", "old.json")
    assert result.returncode == 2 and "would overwrite an input" in result.stderr
    assert (project / "old.json").read_bytes() == before
    result = run_check(project, "--junit", "build/kws.tflite")
    assert result.returncode == 2 and (project / "build" / "kws.tflite").stat().st_size > 1000


def test_no_budget_and_no_device_is_a_usage_error_with_an_example(project):
    (project / "edge-budget.toml").unlink()
    result = run_check(project, "build/kws.tflite")
    assert result.returncode == 2
    assert "no budget file found" in result.stderr and "--device" in result.stderr


def test_measurements_are_cached_by_content_in_the_user_cache(project):
    cache = project / ".user-cache" / "edge-sdk" / "measurements"
    static_only = run_check(project, "-o", "a.json")
    assert static_only.returncode == 0 and not cache.exists()            # size, precision: never cached
    (project / "latency.toml").write_text('[[check]]\nname = "fast"\nmodels = ["build/kws.tflite"]\n'
                                          'devices = ["pixel-2"]\nlatency_p50 = "1 s"\n')
    first = run_check(project, "--budget", "latency.toml", "--estimate-only")
    assert first.returncode == 0 and cache.is_dir() and (cache / ".gitignore").exists()
    assert not (project / ".edge-sdk-cache").exists()                     # never inside the checkout
    second = run_check(project, "--budget", "latency.toml", "--estimate-only")
    assert "cached measurements reused" in second.stdout
    forced = run_check(project, "--budget", "latency.toml", "--estimate-only", "--no-cache")
    assert "cached measurements reused" not in forced.stdout
    shared = project / "shared-cache"
    run_check(project, "--budget", "latency.toml", "--estimate-only", env={"EDGE_SDK_CACHE_DIR": str(shared)})
    assert any((shared / "measurements").rglob("*.json"))


def test_print_schema_and_help(project):
    result = run_check(project, "--print-schema")
    assert result.returncode == 0 and json.loads(result.stdout)["$defs"]["check"]["additionalProperties"] is False
    result = run_check(project, "--help")
    assert result.returncode == 0 and "--estimate-only" in result.stdout and "[[check]]" in result.stdout


def test_check_never_imports_tensorflow(project):
    full_env = {k: v for k, v in os.environ.items() if k not in ("GITHUB_STEP_SUMMARY", "EDGE_SDK_CACHE_DIR")}
    full_env["PYTHONPATH"] = str(REPO)
    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "edge_sdk", "check", "--no-cache"],
                            cwd=project, capture_output=True, text=True, timeout=180, env=full_env)
    assert result.returncode == 0, result.stderr[-2000:]
    imported = [line for line in result.stderr.splitlines() if "import time:" in line]
    assert imported and not [line for line in imported if "tensorflow" in line or "keras" in line]


def test_json_to_stdout_keeps_the_table_on_stderr(project):
    result = run_check(project, "--json", "-")
    assert result.returncode == 0
    assert json.loads(result.stdout)["schema"] == "edge-sdk/check"
    assert "PASSED: 2 checks" in result.stderr


def test_unwritable_output_is_a_usage_error_not_a_crash(project):
    blocker = project / "file-not-dir"
    blocker.write_text("x")
    result = run_check(project, "--junit", "file-not-dir/junit.xml")
    assert result.returncode == 2 and "--junit file-not-dir/junit.xml: cannot write it" in result.stderr
    assert "internal error" not in result.stderr and "PASSED" in result.stdout


def test_dry_run_prints_the_resolved_checks_without_measuring(project):
    result = run_check(project, "--dry-run")
    assert result.returncode == 0, result.stderr
    plan = json.loads(result.stdout)
    assert [c["name"] for c in plan["checks"]] == ["keyword spotting fits", "classifier fits"]
    assert plan["checks"][0]["models"] == ["build/kws.tflite"]
    assert plan["checks"][0]["limits"]["size"] == {"value": 60000.0, "unit": "B", "as_written": "60 kB"}
    assert not (project / ".edge-sdk-cache").exists()                     # nothing was measured
