"""Calibration and eval data are checked before use (issue 10), each failure exit 2 naming the data file
and the sample or member: non-finite values, labels outside the classifier's range, pickles, headers
that declare more than the file holds, images that declare gigapixels, a std of 0.
"""

from __future__ import annotations

import io
import os
import struct
import subprocess
import sys
import time
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pytest

from converters.data import Dataset, load_dataset
from converters.images import image_size
from converters.sources.base import TensorSpec
from edge_sdk.core.errors import InputError

SPEC = [TensorSpec("image", (None, 8, 8, 1), "float32")]
REPO = Path(__file__).resolve().parents[2]


def refused(path: Path, *fragments: str, origin: str = "eval-data", **kwargs: object) -> str:
    with pytest.raises(InputError) as caught:
        load_dataset(str(path), SPEC, origin, **kwargs)  # type: ignore[arg-type]
    message = str(caught.value)
    assert str(path) in message and all(f in message for f in fragments), message
    return message


def test_one_nan_or_infinity_names_the_sample(tmp_path: Path) -> None:
    x = np.zeros((6, 8, 8, 1), np.float32)
    x[3, 2, 2, 0] = np.nan
    np.savez(tmp_path / "eval.npz", x=x, y=np.arange(6) % 3)
    refused(tmp_path / "eval.npz", "sample 3 of input 'image' holds NaN or infinity")
    x[3, 2, 2, 0], x[5, 0, 0, 0] = np.inf, -np.inf
    np.save(tmp_path / "calib.npy", x)
    refused(tmp_path / "calib.npy", "sample 3", "(2 samples in all)", origin="calibration-data")


def test_labels_must_be_class_indices_in_the_output_range(tmp_path: Path) -> None:
    x = np.zeros((6, 8, 8, 1), np.float32)
    np.savez(tmp_path / "frac.npz", x=x, y=np.array([0, 1, 2.5, 0, 1, 2]))
    refused(tmp_path / "frac.npz", "the label of sample 2 is [2.5], not a class index")
    np.savez(tmp_path / "eval.npz", x=x, y=np.array([0, 1, 2, 3, 9, 1]))
    data = load_dataset(str(tmp_path / "eval.npz"), SPEC, "eval-data")
    data.check_labels(10)  # within range: fine
    with pytest.raises(InputError, match=r"eval.npz: sample 4 has label 9, outside the 4 classes"):
        data.check_labels(4)
    picked = data.subset(3, seed=1)
    rows = picked.rows.tolist()
    if 4 in rows:  # the message names the row in the file, not in the subset
        with pytest.raises(InputError, match="sample 4 has label 9"):
            picked.check_labels(4)
    assert Dataset({"x": x}, None, "generated", "g").sample(2) == 2


def test_pickles_corrupt_members_and_lying_headers_name_the_member(tmp_path: Path) -> None:
    x = np.zeros((2, 8, 8, 1), np.float32)
    np.savez(tmp_path / "pickle.npz", x=x, y=np.array([{"evil": 1}, None], dtype=object))
    refused(tmp_path / "pickle.npz", "member 'y' holds Python objects (a pickle)")
    np.save(tmp_path / "pickle.npy", np.array([None, 1], dtype=object), allow_pickle=True)
    with pytest.raises(InputError, match="holds Python objects"):
        load_dataset(str(tmp_path / "pickle.npy"), SPEC, "calibration-data")

    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f4", "fortran_order": False,
                                                  "shape": (10**12, 8, 8, 1)})
    (tmp_path / "huge.npy").write_bytes(b"\x93NUMPY\x01\x00" + header.getvalue()[8:] + b"\x00" * 64)
    started = time.monotonic()
    message = refused(tmp_path / "huge.npy", "declares shape [1000000000000, 8, 8, 1] float32", "only 64 bytes",
                      origin="calibration-data")
    assert time.monotonic() - started < 1 and "256,000,000,000,000 bytes" in message

    with zipfile.ZipFile(tmp_path / "corrupt.npz", "w") as archive:
        archive.writestr("x.npy", b"\x93NUMPY garbage that is no header")
    refused(tmp_path / "corrupt.npz", "member 'x' is not a valid .npy array")


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG whose IHDR declares ``width`` x ``height``; its pixel data is one compressed row (a decoder
    allocates the whole frame from the header before it notices, as it does for a real 389 KB bomb)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * (width * 3 + 1)))
            + chunk(b"IEND", b""))


def test_image_headers_are_read_before_decoding(tmp_path: Path) -> None:
    assert image_size(_png_header_only(20000, 20000)) == (20000, 20000)
    jpeg = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xc0\x00\x11\x08\x01\x02\x03\x04"
    assert image_size(jpeg) == (0x0304, 0x0102)
    assert image_size(b"GIF89a\x10\x00\x20\x00") == (16, 32) and image_size(b"not an image") is None


def test_image_folder_std_zero_is_refused_before_conversion(tmp_path: Path) -> None:
    folder = tmp_path / "images"
    folder.mkdir()
    (folder / "a.png").write_bytes(_png_header_only(8, 8))
    (folder / "edge-sdk-images.toml").write_text("mean = [127.5]\nstd = [0]\n")
    message = refused(folder, "a std of 0 divides every pixel by zero", origin="calibration-data")
    assert "edge-sdk-images.toml: std = [0]" in message
    (folder / "edge-sdk-images.toml").write_text("std = ['wide']\n")
    refused(folder, "must be a number or a list of numbers", origin="calibration-data")
    (folder / "edge-sdk-images.toml").unlink()
    with pytest.raises(InputError, match=r"image_std=\[0.0\]: a std of 0 divides every pixel by zero"):
        load_dataset(str(folder), SPEC, "calibration-data", image_std=[0.0])


# ---- end to end: the convert command ---------------------------------------------------------------

ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": str(REPO)}


def convert(*args: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "edge_sdk", "convert", *map(str, args)], check=False, capture_output=True,
                          text=True, env=ENV, timeout=600)


def test_an_image_bomb_is_refused_from_its_header(tmp_path: Path) -> None:
    folder = tmp_path / "calib"
    folder.mkdir()
    (folder / "bomb.png").write_bytes(_png_header_only(20000, 20000))
    started = time.monotonic()
    with pytest.raises(InputError, match=r"bomb.png: 20000x20000 pixels \(400 MP\)"):
        load_dataset(str(folder), SPEC, "calibration-data")
    assert time.monotonic() - started < 5  # refused before TensorFlow is even imported, nothing decoded


@pytest.mark.slow
def test_convert_refuses_labels_outside_the_classes(tiny_sources: Path, tmp_path: Path) -> None:
    x = np.random.default_rng(0).uniform(0, 1, (6, 8, 8, 1)).astype(np.float32)
    np.savez(tmp_path / "labels.npz", x=x, y=np.array([0, 1, 2, 7, 1, 0]))
    out = tmp_path / "m.tflite"
    done = convert(tiny_sources / "m.keras", "-o", out, "--eval-data", tmp_path / "labels.npz",
                   "--max-accuracy-drop", "1%")
    assert done.returncode == 2, done.stderr  # was 0% -> 0%, and the gate passed
    assert "labels.npz: sample 3 has label 7, outside the 3 classes" in done.stderr
    assert "Traceback" not in done.stderr and not out.exists() and not Path(f"{out}.json").exists()
