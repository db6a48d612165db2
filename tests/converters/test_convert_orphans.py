"""Killing `edge-sdk convert` kills its converter: nothing is published after the parent is gone.

Before, SIGKILL/SIGTERM of the CLI left the converter child running and it published the output
about 8 s later (a cancelled CI job kept burning the runner; a retry could be overwritten). Here a
real conversion of a small Keras model is started, the CLI killed once the converter child runs,
and the child must be gone within a few seconds with no model, manifest or temporary left.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": str(REPO)}

BUILD = r'''
import os, sys
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import keras
keras.utils.set_random_seed(0)
model = keras.Sequential([keras.Input((16, 16, 3)), keras.layers.Conv2D(4, 3, activation="relu"),
                          keras.layers.Flatten(), keras.layers.Dense(3, activation="softmax")])
model.save(sys.argv[1])
'''


@pytest.fixture(scope="module")
def tiny_keras(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("tiny") / "tiny.keras"
    subprocess.run([sys.executable, "-c", BUILD, str(path)], check=True, env=ENV, capture_output=True, timeout=300)
    return path


def _convert(source: Path, out: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "edge_sdk", "convert", str(source), "-o", str(out),
                             "--quantize", "int8", "--calibration-data", "random"], env=ENV,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _converter_of(cli: subprocess.Popen) -> psutil.Process:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        children = [c for c in psutil.Process(cli.pid).children() if "converters.isolated" in " ".join(c.cmdline())]
        if children:
            return children[0]
        time.sleep(0.05)
    pytest.fail("the converter child never started")


def test_a_normal_run_publishes_the_pair_and_no_temporaries(tiny_keras, tmp_path):
    """Temporaries a killed run left beside the output (its pid is gone) are removed by the next run."""
    out = tmp_path / "tiny.tflite"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                          check=True).stdout.strip()
    for name in (f".tiny.tflite.{dead}.0badc0de.partial", f".tiny.tflite.json.{dead}.0badc0de.partial"):
        (tmp_path / name).write_bytes(b"half-written by a killed run")
    done = subprocess.run([sys.executable, "-m", "edge_sdk", "convert", str(tiny_keras), "-o", str(out),
                           "--quantize", "int8", "--calibration-data", "random"], env=ENV, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tiny.tflite", "tiny.tflite.json"]


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM])
def test_killing_convert_kills_the_converter_and_publishes_nothing(tiny_keras, tmp_path, how):
    out = tmp_path / "killed.tflite"
    cli = _convert(tiny_keras, out)
    try:
        converter = _converter_of(cli)
        run_folder = Path(converter.environ()["TMPDIR"]).parent   # the child's private .child-* folder
        time.sleep(2.0)                  # well into the conversion (TensorFlow importing, converting)
        cli.send_signal(how)
        cli.wait(timeout=10)
        converter.wait(timeout=5)        # raises psutil.TimeoutExpired if it outlives the parent
        time.sleep(12)                   # longer than the whole conversion takes: nothing may appear
        assert sorted(p.name for p in tmp_path.iterdir()) == []
        assert not run_folder.exists() and not run_folder.parent.exists()  # no temp folder left behind
    finally:
        if cli.poll() is None:
            cli.kill()


def test_a_failure_message_never_says_nothing_was_written_when_something_was(tmp_path):
    """A kill between the manifest's and the model's rename leaves the new manifest only: the crash
    message says exactly that (it used to say "nothing was written" whatever had happened)."""
    from converters.isolated import _file_state, _what_was_written
    from edge_sdk.core.atomic import atomic_write_text

    out, manifest = tmp_path / "m.tflite", tmp_path / "m.tflite.json"
    out.write_bytes(b"old model")
    manifest.write_text("{}")
    before = {p: _file_state(p) for p in (manifest, out)}
    assert _what_was_written(out, before) == f"nothing was written to {out}"
    atomic_write_text(manifest, '{"output": {"sha256": "new"}}')
    message = _what_was_written(out, before)
    assert "nothing" not in message and str(manifest) in message and "never published" in message
    atomic_write_text(out, "new model")
    assert "had already been published" in _what_was_written(out, before)


def test_onnx2tf_work_folders_of_killed_runs_are_removed(tmp_path):
    from converters.sources.onnx_cache import new_work_dir

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                          check=True).stdout.strip()
    stale, running = tmp_path / f".partial-{dead}-x1", tmp_path / f".partial-{os.getpid()}-x2"
    for folder in (stale, running):
        (folder / "saved_model").mkdir(parents=True)
    work = new_work_dir(tmp_path)
    assert work.is_dir() and work.name.startswith(f".partial-{os.getpid()}-")
    assert not stale.exists() and running.exists()
