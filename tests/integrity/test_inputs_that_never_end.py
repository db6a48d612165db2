"""Inputs that never end or never stop (issue 10): devices, FIFOs, symlink loops under ``**``, and files
that are not models must each end in a quick exit 2, and an error never echoes a byte of a foreign file.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from edge_sdk.core import files
from edge_sdk.core.errors import InputError

REPO = Path(__file__).resolve().parents[2]


def edge_sdk(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("GITHUB_STEP_SUMMARY",)}
    env["PYTHONPATH"] = str(REPO)
    return subprocess.run([sys.executable, "-m", "edge_sdk", *args], check=False, cwd=cwd, capture_output=True, text=True,
                          timeout=60, env=env)  # a hang fails the test instead of the suite


def budget(folder: Path, models: str) -> None:
    (folder / ".git").mkdir(exist_ok=True)
    (folder / "edge-budget.toml").write_text(f'[[check]]\nname = "fits"\nmodels = {models}\nsize = "1 MB"\n')


@pytest.mark.parametrize("special", ["/dev/zero", "FIFO"])
def test_devices_and_fifos_are_refused_by_every_reader(tmp_path: Path, special: str) -> None:
    if special == "FIFO":
        special = str(tmp_path / "pipe")
        os.mkfifo(special)
    commands = [["inspect", special], ["profile", special, "--estimate-only", "--device", "pixel-4"],
                ["report", special], ["compare", special, special], ["check", "--budget", special],
                ["convert", special, "-o", "o.tflite"]]
    for argv in commands:
        done = edge_sdk(tmp_path, *argv)
        assert done.returncode == 2, (argv, done.stderr)
        assert special in done.stderr and "Traceback" not in done.stderr, (argv, done.stderr)
    budget(tmp_path, f'["{special}"]')
    done = edge_sdk(tmp_path, "check", "--estimate-only", "--device", "pixel-4")
    assert done.returncode == 2 and "expected a regular file" in done.stderr, done.stderr
    assert "edge-budget.toml:3" in done.stderr  # the budget line that names it


def test_double_star_ignores_symlinked_folders_and_caps_matches(tmp_path: Path, sine_tflite: Path,
                                                                monkeypatch) -> None:
    (tmp_path / "build").mkdir()
    (tmp_path / "build" / "m.tflite").write_bytes(sine_tflite.read_bytes())
    (tmp_path / "loop1").symlink_to(".")
    (tmp_path / "loop2").symlink_to(".")
    budget(tmp_path, '["**/*.tflite"]')
    done = edge_sdk(tmp_path, "check", "--dry-run", "--device", "pixel-4")
    assert done.returncode == 0, done.stderr
    assert '"build/m.tflite"' in done.stdout and "loop" not in done.stdout
    monkeypatch.chdir(tmp_path)
    for i in range(5):
        (tmp_path / "build" / f"copy{i}.tflite").write_bytes(b"")
    monkeypatch.setattr(files, "MAX_GLOB_MATCHES", 4)
    with pytest.raises(InputError, match=r"matches more than 4 files"):
        files.expand_glob("**/*.tflite")


def test_a_foreign_file_named_as_a_model_is_never_echoed(tmp_path: Path) -> None:
    secret = b"root:$6$Zk4pQ9xSECRET$hash:19000:0:99999:7:::\n"
    (tmp_path / "shadow").write_bytes(secret)
    budget(tmp_path, '["shadow"]')
    outputs = [edge_sdk(tmp_path, "check", "--estimate-only", "--device", "pixel-4"),
               edge_sdk(tmp_path, "inspect", "shadow"), edge_sdk(tmp_path, "profile", "shadow")]
    for done in outputs:
        assert done.returncode == 2, done.stderr
        shown = (done.stdout + done.stderr).replace(str(tmp_path), "<tmp>").encode()
        leaked = [secret[i:i + 3] for i in range(len(secret) - 3) if secret[i:i + 3] in shown]
        assert not leaked, (leaked, done.stderr)


def test_convert_refuses_a_device_behind_a_model_suffix(tmp_path: Path) -> None:
    (tmp_path / "zero.onnx").symlink_to("/dev/zero")
    os.mkfifo(tmp_path / "pipe.pt")
    for name in ("zero.onnx", "pipe.pt"):
        done = edge_sdk(tmp_path, "convert", name, "-o", "o.tflite")
        assert done.returncode == 2 and "expected a regular file (model to convert)" in done.stderr, done.stderr


def test_glob_with_folders_finds_savedmodel_dirs_but_never_loops(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "models" / "saved").mkdir(parents=True)
    (tmp_path / "models" / "saved" / "saved_model.pb").write_bytes(b"")
    (tmp_path / "models" / "m.onnx").write_bytes(b"")
    (tmp_path / "models" / "again").symlink_to(".")
    monkeypatch.chdir(tmp_path)
    found = [str(p) for p in files.expand_glob("models/**/*", folders=True)]
    assert found == ["models/again", "models/m.onnx", "models/saved", "models/saved/saved_model.pb"]


def test_a_foreign_file_given_as_the_budget_is_never_echoed(tmp_path: Path) -> None:
    (tmp_path / "shadow").write_text("root:$6$Zk4pQ9xSECRET$hash:19000:0:99999:7:::\n")
    done = edge_sdk(tmp_path, "check", "--budget", "shadow")
    assert done.returncode == 2 and "TOML syntax error" in done.stderr
    assert "SECRET" not in done.stderr and "$6$" not in done.stderr, done.stderr
    (tmp_path / "b.toml").write_text("[[check]]\nname = x\n")  # a real budget still shows its bad line
    done = edge_sdk(tmp_path, "check", "--budget", "b.toml")
    assert done.returncode == 2 and "name = x" in done.stderr, done.stderr
