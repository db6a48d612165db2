"""The commands the GitHub Action, the pre-commit hook and the CI examples run, run for real."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
BUDGET = '''[[check]]
name = "kws"
models = ["build/*.tflite"]
size = "{size}"
no_flex_ops = true
'''


@pytest.fixture()
def project(tmp_path, kws_tflite):
    (tmp_path / "build").mkdir()
    shutil.copy(kws_tflite, tmp_path / "build" / "kws.tflite")
    (tmp_path / ".git").mkdir()
    (tmp_path / "edge-budget.toml").write_text(BUDGET.format(size="1 MB"))
    return tmp_path


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("GITHUB_STEP_SUMMARY", "EDGE_SDK_CACHE_DIR")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"  # the venv's edge-sdk
    env["PYTHONPATH"] = str(REPO)
    env.update(extra)
    return env


def _action_step() -> dict:
    action = yaml.safe_load((REPO / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    (step,) = [s for s in action["runs"]["steps"] if s.get("id") == "check"]
    return step


def run_action(project: Path, **inputs: str) -> tuple[subprocess.CompletedProcess, Path, Path]:
    """Run the action's check step as GitHub would: its bash script with inputs as INPUT_* variables."""
    action = yaml.safe_load((REPO / "action.yml").read_text())
    defaults = {name: spec.get("default", "") for name, spec in action["inputs"].items()}
    values = {**defaults, **inputs}
    env_names = {f"INPUT_{name.upper().replace('-', '_')}": value for name, value in values.items()}
    output, summary = project / "github_output", project / "step_summary.md"
    env = _env(GITHUB_OUTPUT=str(output), GITHUB_STEP_SUMMARY=str(summary),
               EDGE_SDK_CACHE_DIR=str(project / "runner-temp-cache"), **env_names)
    step = _action_step()
    assert set(step["env"]) - {"EDGE_SDK_CACHE_DIR", "EDGE_SDK_CACHE_KEY"} <= set(env_names)  # what the script reads
    result = subprocess.run(["bash", "-c", step["run"]], cwd=project, env=env, capture_output=True, text=True,
                            timeout=180)
    return result, output, summary


def test_action_inputs_are_the_ones_its_script_reads():
    action = yaml.safe_load((REPO / "action.yml").read_text())
    step = _action_step()
    for name in ("budget", "models", "devices", "estimate-only", "baseline", "json", "junit", "args"):
        assert name in action["inputs"]
        assert f"INPUT_{name.upper().replace('-', '_')}" in step["env"]
    assert "${{" not in step["run"]   # inputs reach the script only through the environment


def test_action_passing_run_writes_reports_summary_and_output(project):
    result, output, summary = run_action(project, **{"estimate-only": "true"})
    assert result.returncode == 0, result.stdout + result.stderr
    assert output.read_text().strip() == "passed=true"
    assert "all 1 checks passed" in summary.read_text()
    report = json.loads((project / "edge-check.json").read_text())
    assert report["passed"] is True and report["settings"]["estimate_only"] is True
    assert (project / "edge-check.xml").read_text().startswith("<?xml")
    assert not list((project / "runner-temp-cache").rglob("facts"))      # size and graph facts: never cached
    assert not (project / ".edge-sdk-cache").exists()                     # nothing cached in the checkout


def test_action_failing_run_annotates_and_fails_the_step(project):
    (project / "edge-budget.toml").write_text(BUDGET.format(size="10 kB"))
    result, output, _ = run_action(project, baseline="no-such-baseline.json", args="--hide-passed")
    assert result.returncode == 1
    assert output.read_text().strip() == "passed=false"
    assert "::error file=edge-budget.toml,line=4," in result.stdout      # the line of the size limit
    assert "no baseline at no-such-baseline.json yet" in result.stdout


def test_action_with_explicit_models_budget_and_bad_input_exits_2(project):
    result, _, _ = run_action(project, budget="edge-budget.toml", models="build/kws.tflite build/nope.tflite")
    assert result.returncode == 2 and "nope.tflite" in result.stderr


def test_pre_commit_hook_entry_runs_and_gates(project):
    (hook,) = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "edge-sdk-check" and hook["pass_filenames"] is False and hook["language"] == "python"
    command = shlex.split(hook["entry"])
    assert command[0] == "edge-sdk"
    ok = subprocess.run(command, cwd=project, env=_env(), capture_output=True, text=True, timeout=180)
    assert ok.returncode == 0, ok.stderr
    (project / "edge-budget.toml").write_text(BUDGET.format(size="10 kB"))
    bad = subprocess.run(command, cwd=project, env=_env(), capture_output=True, text=True, timeout=180)
    assert bad.returncode == 1 and "FAIL  kws" in bad.stdout


def test_gitlab_example_command_runs(project):
    job = yaml.safe_load((REPO / "docs/ci/gitlab-ci.yml").read_text())["model-budget"]
    (command,) = [line for line in job["script"] if line.startswith("edge-sdk check")]
    command = command.replace("$BASELINE", "")
    result = subprocess.run(shlex.split(command), cwd=project, env=_env(), capture_output=True, text=True,
                            timeout=180)
    assert result.returncode == 0, result.stderr
    for name in job["artifacts"]["paths"]:
        assert (project / name).is_file(), name
    assert job["artifacts"]["reports"]["junit"] == "edge-check.xml"


def test_example_workflow_uses_only_inputs_the_action_declares():
    action = yaml.safe_load((REPO / "action.yml").read_text())
    workflow = yaml.safe_load((REPO / "docs/ci/github-workflow.yml").read_text())
    steps = [s for job in workflow["jobs"].values() for s in job["steps"]]
    (uses,) = [s for s in steps if "edge-sdk" in str(s.get("uses", ""))]
    assert set(uses["with"]) <= set(action["inputs"])
    assert {"passed"} <= set(action["outputs"])


def test_demo_budget_has_one_passing_and_one_failing_check(tmp_path, sine_tflite):
    """The budget `make demo` ends with, on a real small float model standing where the demo puts its CNN."""
    (tmp_path / "examples").mkdir()
    (tmp_path / "demo-out").mkdir()
    # The stand-in model has no convert manifest, so the demo's accuracy_drop limit is left out here
    # (it would be "missing"); `make demo` checks it on the real converted CNN.
    budget = (REPO / "examples" / "edge-budget.toml").read_text()
    assert 'accuracy_drop = "1%"\n' in budget
    (tmp_path / "examples" / "edge-budget.toml").write_text(budget.replace('accuracy_drop = "1%"\n', ""))
    shutil.copy(sine_tflite, tmp_path / "demo-out" / "example_float32.tflite")
    result = subprocess.run(["edge-sdk", "check", "--budget", "examples/edge-budget.toml", "--estimate-only"],
                            cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=180)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "PASS  digits CNN, mid-range phone" in result.stdout
    assert "FAIL  digits CNN, microcontroller" in result.stdout
    assert "convert with --recipe int8" in result.stdout
