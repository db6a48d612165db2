"""User input that used to end in an internal error (exit 3, a traceback file) now ends in exit 2 with a
message naming the file (issue 10): deeply nested budgets, broken device-profile folders, outputs that
cannot be written.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def edge_sdk(cwd: Path, *args: str, env: dict[str, str] | None = None,
             preexec: object = None) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if k not in ("GITHUB_STEP_SUMMARY", "EDGE_SDK_DEVICE_PATH")}
    full.update(PYTHONPATH=str(REPO), **(env or {}))
    return subprocess.run([sys.executable, "-m", "edge_sdk", *args], check=False, cwd=cwd, capture_output=True, text=True,
                          timeout=120, env=full, preexec_fn=preexec)  # type: ignore[arg-type]


def clean_exit_2(done: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert done.returncode == 2, done.stderr
    assert "internal error" not in done.stderr and "Traceback" not in done.stderr, done.stderr
    assert all(f in done.stderr for f in fragments), done.stderr


def test_a_budget_nested_5000_deep(tmp_path: Path) -> None:
    (tmp_path / "b.toml").write_text('[[check]]\nname = "x"\nmodels = ' + "[" * 5000 + "]" * 5000
                                     + '\nsize = "1 MB"\n')
    clean_exit_2(edge_sdk(tmp_path, "check", "--budget", "b.toml", "--device", "pixel-4"),
                 "b.toml: arrays or tables nested too deeply")


@pytest.mark.parametrize("kind", ["dangling", "loop", "fifo", "nested"])
def test_broken_profiles_on_the_device_path(tmp_path: Path, kind: str) -> None:
    folder = tmp_path / "devices"
    folder.mkdir()
    if kind == "dangling":
        (folder / "gone.toml").symlink_to(folder / "nowhere.toml")
    elif kind == "loop":
        (folder / "a.toml").symlink_to(folder / "b.toml")
        (folder / "b.toml").symlink_to(folder / "a.toml")
    elif kind == "fifo":
        os.mkfifo(folder / "pipe.toml")
    else:
        (folder / "deep.toml").write_text("x = " + "[" * 5000 + "]" * 5000 + "\n")
    done = edge_sdk(tmp_path, "devices", env={"EDGE_SDK_DEVICE_PATH": str(folder)})
    clean_exit_2(done, str(folder))


def _no_writes_beyond_100_bytes() -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # the write then fails with EFBIG, like a full disk
    resource.setrlimit(resource.RLIMIT_FSIZE, (100, 100))


def test_outputs_that_cannot_be_written(tmp_path: Path, sine_tflite: Path) -> None:
    model = str(sine_tflite)
    (tmp_path / "f.d").write_text("a file where a folder is expected")
    for argv in (["inspect", model, "-o", "/proc/edge-sdk-report.json"],  # read-only, even for root
                 ["inspect", model, "-o", str(tmp_path / "f.d" / "nested" / "r.json")],
                 ["profile", model, "--estimate-only", "--device", "pixel-4", "-o", "/proc/r.json"],
                 ["inspect", model, "-o", "/dev/full"]):  # a device: refused, never replaced by a rename
        done = edge_sdk(tmp_path, *argv)
        clean_exit_2(done, argv[-1])
    done = edge_sdk(tmp_path, "inspect", model, "-o", "big.json", preexec=_no_writes_beyond_100_bytes)
    clean_exit_2(done, "-o big.json: cannot write it (File too large)")
    assert not list(tmp_path.glob("*.partial")) and not (tmp_path / "big.json").exists()


def test_profile_input_data_and_huge_tensors_name_the_file_or_tensor(tmp_path: Path, sine_tflite: Path) -> None:
    import io

    import numpy as np

    from edge_sdk.graph.synth import Tensor, single_op

    np.savez(tmp_path / "pickle.npz", np.array([None, {"x": 1}], dtype=object))
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f4", "fortran_order": False, "shape": (10**12, 1)})
    (tmp_path / "huge.npy").write_bytes(b"\x93NUMPY\x01\x00" + header.getvalue()[8:] + b"\x00" * 16)
    with __import__("zipfile").ZipFile(tmp_path / "corrupt.npz", "w") as archive:
        archive.writestr("arr_0.npy", b"\x93NUMPY no header")
    for name, fragment in (("pickle.npz", "member 'arr_0' holds Python objects"),
                           ("huge.npy", "the array declares shape [1000000000000, 1] float32"),
                           ("corrupt.npz", "member 'arr_0' is not a valid .npy array")):
        done = edge_sdk(tmp_path, "profile", str(sine_tflite), "--input-data", name, "--runs", "3")
        clean_exit_2(done, f"{name}: {fragment}")
        assert str(sine_tflite) not in done.stderr  # the data file is at fault, not the model
    os.mkfifo(tmp_path / "fifo.npz")
    (tmp_path / "zero.npy").symlink_to("/dev/zero")
    for name, fragment in (("fifo.npz", "is a FIFO (named pipe); expected a regular file"),
                           ("zero.npy", "is a device; expected a regular file"),
                           ("missing.npy", "missing.npy: no such input data file")):
        done = edge_sdk(tmp_path, "profile", str(sine_tflite), "--input-data", name, "--runs", "3")
        clean_exit_2(done, fragment)  # was "no such input data file" for a FIFO or a device
    huge = tmp_path / "huge.tflite"
    huge.write_bytes(single_op("RELU", [Tensor([100000, 100000, 100])], [Tensor([100000, 100000, 100])]))
    done = edge_sdk(tmp_path, "profile", str(huge), "--runs", "3")
    clean_exit_2(done, "input 't0' of shape [100000, 100000, 100] (float32) needs 4,000.0 GB")


def test_non_utf8_tensor_names_are_a_clear_model_error(tmp_path: Path) -> None:
    from edge_sdk.graph.synth import Tensor, single_op

    data = single_op("RELU", [Tensor([1, 4], name="ZZZZin")], [Tensor([1, 4], name="out")])
    (tmp_path / "names.tflite").write_bytes(data.replace(b"ZZZZ", b"\xff\xfe\xfd\xfc"))
    done = edge_sdk(tmp_path, "profile", "names.tflite", "--runs", "3")
    clean_exit_2(done, "the tensor name '\ufffd\ufffd\ufffd\ufffdin' is not valid UTF-8")
    done = edge_sdk(tmp_path, "check", "names.tflite", "--device", "pixel-4")
    assert done.returncode == 1 and "is not valid UTF-8" in done.stdout, done.stderr  # the gate cannot pass
    assert "Traceback" not in done.stdout + done.stderr


def test_non_utf8_file_names_are_written_with_replacement_characters(tmp_path: Path, sine_tflite: Path) -> None:
    name = os.fsdecode(b"m\xff.tflite")
    (tmp_path / name).write_bytes(sine_tflite.read_bytes())
    env = {"PYTHONIOENCODING": "utf-8",  # a strict UTF-8 stdout, as CI runners have
           "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md")}
    for argv in (["inspect", name], ["profile", name, "--runs", "3", "-o", "p.json", "--html", "p.html"],
                 ["check", name, "--device", "pixel-4", "--estimate-only", "--markdown", "c.md", "--junit", "c.xml",
                  "--html", "c.html", "-o", "c.json"], ["report", "p.json", "-o", "r.html"]):
        done = edge_sdk(tmp_path, *argv, env=env)
        assert done.returncode == 0, (argv, done.stderr)
        assert "internal error" not in done.stderr
    shown = edge_sdk(tmp_path, "inspect", name, env=env).stdout
    assert "model        m?.tflite" in shown  # the stream's own replacement character
    for output in ("p.html", "c.md", "c.html", "r.html", "summary.md"):
        assert "m\ufffd.tflite" in (tmp_path / output).read_text(encoding="utf-8"), output


@pytest.mark.slow
def test_convert_to_an_unwritable_place_names_the_output(tmp_path: Path, sine_tflite: Path) -> None:
    done = edge_sdk(tmp_path, "convert", str(sine_tflite), "-o", "/proc/sine.tflite")
    clean_exit_2(done, "-o /proc/sine.tflite: cannot write it")  # was exit 3 naming the source model
