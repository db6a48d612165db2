"""Every verb leaves every file it reads untouched, for every source format (issue 10).

Each command runs in a workspace holding its inputs: the source model (Keras .keras, legacy .h5, a
SavedModel folder, ONNX, .tflite), data files, a budget, documents, a device profile. The sha256 of
every file under the workspace is taken before and after; the only files allowed to change are the
outputs the command was asked to write. (The onnx2tf and measurement caches live outside it.)
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from edge_sdk.core.hashing import file_sha256

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]

def tree(root: Path) -> dict[str, str]:
    """sha256 of every file below ``root`` (a SavedModel folder's files included)."""
    return {str(p.relative_to(root)): file_sha256(p) for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory, tiny_sources: Path) -> Path:
    root = tmp_path_factory.mktemp("workspace")
    shutil.copytree(tiny_sources, root, dirs_exist_ok=True)
    rng = np.random.default_rng(1)
    image = rng.uniform(0, 1, (6, 8, 8, 1)).astype(np.float32)
    labels = np.array([0, 1, 2, 0, 1, 2])
    np.savez(root / "cal.npz", x=image)
    np.savez(root / "eval.npz", x=image, y=labels)
    return root


class Runner:
    """Runs the CLI in ``root`` and checks that only the named outputs changed."""

    def __init__(self, root: Path, caches: Path) -> None:
        self.root = root
        self.env = {k: v for k, v in os.environ.items() if k != "GITHUB_STEP_SUMMARY"}
        self.env.update(PYTHONPATH=str(REPO), TF_CPP_MIN_LOG_LEVEL="3", EDGE_SDK_CACHE=str(caches),
                        EDGE_SDK_CACHE_DIR=str(caches / "measurements"), XDG_CACHE_HOME=str(caches))

    def __call__(self, *argv: str, outputs: tuple[str, ...] = (), code: int = 0,
                 env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        before = tree(self.root)
        done = subprocess.run([sys.executable, "-m", "edge_sdk", *argv], check=False, cwd=self.root, capture_output=True,
                              text=True, timeout=900, env={**self.env, **(env or {})})
        assert done.returncode == code, (argv, done.stdout[-2000:], done.stderr[-2000:])
        after = tree(self.root)
        changed = {p for p in before.keys() | after.keys() if before.get(p) != after.get(p)}
        assert changed <= set(outputs), (argv, sorted(changed - set(outputs)))
        assert all(p in after for p in outputs), (argv, [p for p in outputs if p not in after])
        return done


# int8 (calibration data read) for one Keras format, float for the others, to stay lean. ONNX is checked
# the same way on real assets (source and data files, on success and on failure, onnx2tf included) in
# tests/converters/test_convert_onnx_models.py: onnx2tf takes a minute even for a two-op model.
@pytest.mark.parametrize("source, cal, evaluation", [
    ("m.keras", "cal.npz", "eval.npz"), ("m.h5", None, "eval.npz"), ("saved", None, "eval.npz"),
])
def test_convert_touches_nothing_it_reads(workspace: Path, tmp_path: Path, source: str, cal: str | None,
                                          evaluation: str) -> None:
    run = Runner(workspace, tmp_path / "caches")
    out = f"out_{Path(source).stem}_{Path(source).suffix.lstrip('.') or 'dir'}.tflite"
    quantize = ["--quantize", "int8", "--calibration-data", cal] if cal else []
    run("convert", source, "-o", out, *quantize, "--eval-data", evaluation, outputs=(out, f"{out}.json"))
    manifest = json.loads((workspace / f"{out}.json").read_text())
    if (workspace / source).is_file():
        assert manifest["source"]["sha256"] == file_sha256(workspace / source)
    run("convert", source, "-o", f"{source}/inside.tflite" if (workspace / source).is_dir() else evaluation,
        "--eval-data", evaluation, code=2)  # refused: inside the SavedModel folder / over the data


def test_every_other_verb_touches_nothing_it_reads(tmp_path: Path, sine_tflite: Path) -> None:
    root = tmp_path / "work"
    (root / "models").mkdir(parents=True)
    (root / "devices").mkdir()
    (root / ".git").mkdir()
    shutil.copy(sine_tflite, root / "models" / "sine.tflite")
    shutil.copy(REPO / "devices" / "profiles" / "pixel-4.toml", root / "devices" / "pixel-4.toml")
    np.savez(root / "sine_eval.npz", x=np.linspace(0, 6, 8, dtype=np.float32).reshape(8, 1))
    np.save(root / "one.npy", np.array([[0.5]], dtype=np.float32))
    (root / "edge-budget.toml").write_text('[[check]]\nname = "fits"\nmodels = ["models/*.tflite"]\n'
                                           'devices = ["pixel-4"]\nsize = "1 MB"\nlatency_p90 = "50 ms"\n'
                                           'max_regression = "50%"\n')
    run = Runner(root, tmp_path / "caches")
    devices = {"EDGE_SDK_DEVICE_PATH": str(root / "devices")}
    # a .tflite source: convert re-validates it and writes the manifest the budget's check reads
    run("convert", "models/sine.tflite", "-o", "models/sine_copy.tflite", "--eval-data", "sine_eval.npz",
        outputs=("models/sine_copy.tflite", "models/sine_copy.tflite.json"))
    run("inspect", "models/sine_copy.tflite", "-o", "inspect.json", outputs=("inspect.json",))
    run("profile", "models/sine_copy.tflite", "--runs", "5", "--input-data", "one.npy", "--device", "pixel-4",
        "-o", "profile.json", "--html", "profile.html", env=devices, outputs=("profile.json", "profile.html"))
    run("check", "-o", "base.json", env=devices, outputs=("base.json",))
    run("check", "--baseline", "base.json", "-o", "after.json", "--markdown", "after.md", "--junit", "after.xml",
        "--html", "after.html", env=devices, outputs=("after.json", "after.md", "after.xml", "after.html"))
    run("compare", "base.json", "after.json", "--markdown")
    run("report", "profile.json", "after.json", "inspect.json", "models/sine_copy.tflite.json", "-o", "all.html",
        outputs=("all.html",))
    run("devices", "--json", env=devices)
    run("devices", "show", "pixel-4", env=devices)
    # and each verb refuses to write over what it reads, leaving it as it was
    run("report", "profile.json", "-o", "models/sine_copy.tflite", code=2)
    run("check", "--markdown", "models/sine_copy.tflite.json", env=devices, code=2)
    run("profile", "models/sine.tflite", "--runs", "3", "--html", "models/sine.tflite", code=2)
