"""edge_sdk.core.atomic: temp names that fit NAME_MAX, stale temporaries of killed writers, pair publishing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from edge_sdk.core.atomic import SUFFIX, atomic_publish, atomic_write_bytes, remove_stale_temporaries, temp_path

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("length", [200, 237, 238, 250, 255])
def test_output_names_up_to_name_max_work(tmp_path: Path, length: int):
    target = tmp_path / ("m" * (length - len(".json")) + ".json")
    assert len(os.fsencode(target.name)) == length
    atomic_write_bytes(target, b"{}")
    assert target.read_bytes() == b"{}" and [p.name for p in tmp_path.iterdir()] == [target.name]


def test_multibyte_and_non_utf8_names_fit_too(tmp_path: Path):
    target = tmp_path / ("é" * 125 + ".bin")                     # 254 bytes
    atomic_write_bytes(target, b"x")
    assert target.read_bytes() == b"x"
    assert len(os.fsencode(temp_path(target).name)) <= 255
    odd = tmp_path / os.fsdecode(b"r\xffport.json")               # not UTF-8: the name is kept byte for byte
    atomic_write_bytes(odd, b"y")
    assert odd.read_bytes() == b"y"


def test_temporaries_of_a_killed_writer_are_removed_by_the_next_write(tmp_path: Path):
    target = tmp_path / ("model" * 49 + ".tflite")   # 252 bytes
    code = ("import os, sys, time\nfrom pathlib import Path\nfrom edge_sdk.core.atomic import temp_path\n"
            "t = temp_path(Path(sys.argv[1])); t.write_bytes(b'half'); print(t, flush=True); time.sleep(600)")
    writer = subprocess.Popen([sys.executable, "-c", code, str(target)], stdout=subprocess.PIPE, text=True,
                              env=dict(os.environ, PYTHONPATH=str(REPO)))
    left = Path(writer.stdout.readline().strip())
    assert left.exists() and left.name.endswith(SUFFIX)
    assert remove_stale_temporaries(target) == []               # its writer still runs: kept
    writer.send_signal(signal.SIGKILL)
    writer.wait()
    writer.stdout.close()
    someone_elses = tmp_path / ".notes.txt.123.abc.partial"      # not ours by shape: never touched
    someone_elses.write_text("keep")
    atomic_write_bytes(target, b"whole")
    assert not left.exists() and someone_elses.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([target.name, someone_elses.name])


def test_publish_stages_everything_before_renaming_in_order(tmp_path: Path, monkeypatch):
    manifest, model = tmp_path / "m.tflite.json", tmp_path / "m.tflite"
    atomic_publish([(manifest, b"old manifest"), (model, b"old model")])
    renamed: list[str] = []
    real_replace = os.replace

    def replace(src, dst):
        assert Path(src).read_bytes() in (b"new manifest", b"new model")
        assert len([p for p in tmp_path.iterdir() if p.name.endswith(SUFFIX)]) == 2 - len(renamed)
        renamed.append(Path(dst).name)
        if Path(dst) == model:
            raise OSError(28, "No space left on device")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(OSError):
        atomic_publish([(manifest, b"new manifest"), (model, b"new model")])
    assert renamed == ["m.tflite.json", "m.tflite"]             # the manifest first, both already staged
    assert model.read_bytes() == b"old model" and manifest.read_bytes() == b"new manifest"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(SUFFIX)]
