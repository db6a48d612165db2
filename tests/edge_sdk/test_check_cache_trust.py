"""A cache a pull request cannot poison: tampered, forged or foreign entries never decide the gate.

The attack from the issue: editing two cache entries made a 16.9 MB, 14 ms model pass
``size = "1 MB"`` and ``latency_p90 = "1 ms"`` with exit 0. Here a real 13.9 MB MobileNetV2 is
checked against those limits; then the entries are edited in place (their MAC no longer matches),
forged from scratch, committed into the checkout at the old in-repo location, and copied from
another machine. Every time the gate still fails (exit 1) with the real numbers and a note says
which entries were ignored. A store shared on purpose (``EDGE_SDK_CACHE_KEY``) is trusted.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BUDGET = """[[check]]
name = "fits"
models = ["build/m.tflite"]
devices = ["pixel-2"]
size = "1 MB"
latency_p90 = "1 ms"
"""


@pytest.fixture()
def project(tmp_path: Path, mobilenet_v2_float: Path) -> Path:
    (tmp_path / "build").mkdir()
    shutil.copyfile(mobilenet_v2_float, tmp_path / "build" / "m.tflite")
    (tmp_path / "edge-budget.toml").write_text(BUDGET)
    (tmp_path / ".git").mkdir()
    return tmp_path


def run_check(project: Path, home: str = "home", **env: str) -> tuple[subprocess.CompletedProcess, dict]:
    full = {k: v for k, v in os.environ.items()
            if k not in ("GITHUB_STEP_SUMMARY", "EDGE_SDK_CACHE_DIR", "EDGE_SDK_CACHE", "EDGE_SDK_CACHE_KEY")}
    full.update(PYTHONPATH=str(REPO), XDG_CACHE_HOME=str(project / home), **env)
    report = project / "report.json"
    report.unlink(missing_ok=True)
    done = subprocess.run([sys.executable, "-m", "edge_sdk", "check", "--estimate-only", "--json", str(report)],
                          cwd=project, capture_output=True, text=True, timeout=300, env=full, check=False)
    assert done.returncode in (0, 1), done.stderr[-2000:]
    done.stdout = " ".join(done.stdout.split())   # the table wraps long notes
    return done, json.loads(report.read_text())


def numbers(report: dict) -> tuple[float, float]:
    rows = report["measurements"]
    size = next(r["values"]["size"] for r in rows if r["device"] is None)
    p90 = next(r["values"]["latency_p90"] for r in rows if r["device"] == "pixel-2")
    return size, p90


def shrink(value):
    """What an attacker writes: every number in the entry made tiny."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return 0.001 if isinstance(value, float) else 1
    if isinstance(value, dict):
        return {k: shrink(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shrink(v) for v in value]
    return value


def entries(cache: Path) -> list[Path]:
    return sorted(p for p in cache.rglob("*.json"))


def test_tampered_forged_and_committed_entries_never_pass_the_gate(project: Path):
    cache = project / "shared-cache"
    first, report = run_check(project, EDGE_SDK_CACHE_DIR=str(cache))
    assert first.returncode == 1
    real_size, real_p90 = numbers(report)
    assert real_size > 13_000_000 and real_p90 > 5
    assert not (project / ".edge-sdk-cache").exists()            # nothing written into the checkout
    assert not any(project.glob("home/**/measurements"))          # the cache went where it was told

    # 1. entries edited in place: the value shrunk, the MAC left as it was
    assert entries(cache / "measurements")
    for path in entries(cache / "measurements"):
        entry = json.loads(path.read_text())
        entry["payload"]["value"] = shrink(entry["payload"]["value"])
        path.write_text(json.dumps(entry))
    # 2. forged entries of the old (unsigned) format and with a made-up MAC, and "facts" claiming 1 byte
    for path in entries(cache / "measurements"):
        forged = path.with_name("f" + path.name[1:])
        forged.write_text(json.dumps({"tool_version": "0", "value": {"size": 1}}))
    facts = cache / "measurements" / "facts" / "00" / ("0" * 64 + ".json")
    facts.parent.mkdir(parents=True)
    facts.write_text(json.dumps({"payload": {"value": {"size": 1}}, "mac": "00" * 32}))
    # 3. a cache committed into the repository at the old default location
    shutil.copytree(cache / "measurements", project / ".edge-sdk-cache")

    second, report = run_check(project, EDGE_SDK_CACHE_DIR=str(cache))
    assert second.returncode == 1, second.stdout
    assert numbers(report) == (real_size, real_p90)
    assert "did not verify" in second.stdout and "ignored and measured again" in second.stdout
    assert "cached measurements reused" not in second.stdout

    third, report = run_check(project, EDGE_SDK_CACHE_DIR=str(cache))   # re-measured entries are trusted again
    assert third.returncode == 1 and numbers(report) == (real_size, real_p90)
    assert "cached measurements reused" in third.stdout and "did not verify" not in third.stdout


def test_entries_from_another_machine_are_measured_again(project: Path):
    cache = project / "restored-cache"
    run_check(project, home="machine-a", EDGE_SDK_CACHE_DIR=str(cache))
    done, _ = run_check(project, home="machine-b", EDGE_SDK_CACHE_DIR=str(cache))
    assert done.returncode == 1 and "did not verify" in done.stdout
    key = project / "machine-b" / "edge-sdk" / "cache-key"
    assert key.stat().st_mode & 0o777 == 0o600


def test_a_shared_store_is_trusted_only_with_its_named_key(project: Path):
    cache = project / "ci-cache"
    run_check(project, home="runner-1", EDGE_SDK_CACHE_DIR=str(cache), EDGE_SDK_CACHE_KEY="ci-secret")
    shared, report = run_check(project, home="runner-2", EDGE_SDK_CACHE_DIR=str(cache), EDGE_SDK_CACHE_KEY="ci-secret")
    assert shared.returncode == 1 and "cached measurements reused" in shared.stdout
    for path in entries(cache / "measurements"):                                       # a PR that edits the shared store
        entry = json.loads(path.read_text())
        entry["payload"]["value"] = shrink(entry["payload"]["value"])
        path.write_text(json.dumps(entry))
    other, report = run_check(project, home="runner-3", EDGE_SDK_CACHE_DIR=str(cache), EDGE_SDK_CACHE_KEY="ci-secret")
    assert other.returncode == 1 and "did not verify" in other.stdout and numbers(report)[0] > 13_000_000


def test_the_old_variable_still_works_with_a_deprecation_warning(project: Path):
    cache = project / "old-variable-cache"
    done, _ = run_check(project, EDGE_SDK_CACHE=str(cache))
    assert done.returncode == 1 and "EDGE_SDK_CACHE is deprecated: set EDGE_SDK_CACHE_DIR" in done.stderr
    assert entries(cache / "measurements")


def test_ci_examples_key_the_cache_per_branch_and_sign_it():
    import yaml

    action = yaml.safe_load((REPO / "action.yml").read_text())
    steps = action["runs"]["steps"]
    (restore,) = [s for s in steps if str(s.get("uses", "")).startswith("actions/cache")]
    assert restore["if"] == "inputs.cache-key != ''"                       # no key, no shared cache
    assert "${{ github.ref }}" in restore["with"]["key"] and "${{ github.ref }}" in restore["with"]["restore-keys"]
    (check,) = [s for s in steps if s.get("id") == "check"]
    assert check["env"]["EDGE_SDK_CACHE_KEY"] == "${{ inputs.cache-key }}"
    workflow = yaml.safe_load((REPO / "docs" / "ci" / "github-workflow.yml").read_text())
    uses = [s for s in workflow["jobs"]["check"]["steps"] if "edge-sdk" in str(s.get("uses", ""))]
    assert uses[0]["with"]["cache-key"] == "${{ secrets.EDGE_SDK_CACHE_KEY }}"
    gitlab = yaml.safe_load((REPO / "docs" / "ci" / "gitlab-ci.yml").read_text())
    caches = [c for c in gitlab["model-budget"]["cache"] if ".edge-sdk-cache/" in c["paths"]]
    assert caches and caches[0]["key"].endswith("$CI_COMMIT_REF_SLUG")
    for text in [p.read_text().lower() for p in (REPO / "docs" / "ci").iterdir()] + [(REPO / "action.yml").read_text()]:
        assert "content-addressed: safe" not in text.lower()   # the claim the GitLab example made
