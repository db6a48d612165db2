"""The offline tools in tools/ still find what they regenerate (they run by hand, so nothing else
would notice a moved target) and the runtime packages do not need them."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TOOLS = sorted(p.stem for p in (ROOT / "tools").glob("*.py") if p.stem != "__init__")


@pytest.mark.parametrize("name", TOOLS)
def test_every_tool_imports_without_running(name: str) -> None:
    module = importlib.import_module(f"tools.{name}")
    assert module.__doc__ and "python -m tools." in (module.__doc__ + (sys.modules["tools"].__doc__ or ""))


def test_the_tables_the_tools_write_are_where_the_packages_read_them() -> None:
    from runtime_harness.estimator.features import REFERENCE_FEATURES_FILE
    from tools import reference_features, version_probe

    assert version_probe.TARGET == ROOT / "edge_sdk" / "data" / "runtime_ops.toml" and version_probe.TARGET.is_file()
    assert reference_features.FEATURES_FILE == REFERENCE_FEATURES_FILE and REFERENCE_FEATURES_FILE.is_file()


def test_inspect_runs_without_the_tools_folder(tmp_path: Path) -> None:
    """The installed packages never import tools/: inspect works from a folder where it does not exist."""
    code = ("import sys; sys.modules['tools'] = None\n"
            "from edge_sdk.graph import analyze; from edge_sdk.graph.synth import Tensor, single_op\n"
            "import pathlib; p = pathlib.Path('m.tflite'); p.write_bytes(single_op('ADD', [Tensor([1]), Tensor([1])], "
            "[Tensor([1])]))\nprint(analyze(p).op_counts)")
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}, check=False)
    assert done.returncode == 0 and "ADD" in done.stdout, done.stderr
