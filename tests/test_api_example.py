"""examples/api_example.py runs as a user would run it (convert -> profile -> check through
``import edge_sdk`` only), and mypy accepts it: the public API's types are usable as written."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "api_example.py"


@pytest.mark.slow
def test_the_api_example_converts_profiles_and_checks(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, str(EXAMPLE), "--out", str(tmp_path)], capture_output=True, text=True, check=False,
                          cwd=tmp_path, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "quality gate passed" in done.stdout and "check: passed" in done.stdout
    for stage in ("load", "data", "convert", "validate"):  # the progress callback saw every stage end
        assert f"convert: {stage} done in" in done.stderr
    manifest = json.loads((tmp_path / "tiny_int8.tflite.json").read_text())
    assert manifest["schema"] == "edge-sdk/convert" and manifest["quantize"] == "int8"
    assert (tmp_path / "report.html").read_text().rstrip().endswith("</html>")


def test_mypy_accepts_the_example() -> None:
    mypy = Path(sys.executable).with_name("mypy")
    if not mypy.exists():
        pytest.skip("mypy is not installed in this environment")
    done = subprocess.run([str(mypy), "--follow-imports=silent", "--no-incremental", str(EXAMPLE)],
                          capture_output=True, text=True, cwd=ROOT, timeout=600, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
