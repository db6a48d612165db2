"""Reading data files the user hands to ``convert`` without trusting what they declare.

A ``.npy`` header declares a shape and a dtype; ``numpy.load`` allocates what the header says
before reading a byte, so a 200-byte file declaring ``(10**12,)`` float32 asked for 4 TB. An
object dtype means a pickle (``allow_pickle`` stays False here: a data file never runs code).
An image header declares its size; a 389 KB PNG of 20000x20000 pixels decodes to 1.2 GB before
it is resized. Each of these is read from the header first and refused (exit 2) naming the file
and the member or image, before anything large is allocated.
"""

from __future__ import annotations

import os
import struct
import zipfile
from pathlib import Path
from typing import IO

import numpy as np

from edge_sdk.core.errors import InputError
from edge_sdk.core.files import read_bytes_input, require_file

MAX_IMAGE_PIXELS = 50_000_000  # 50 MP: larger than any camera frame a model is calibrated on


def _read_array(handle: IO[bytes], available: int, where: str, p: Path) -> np.ndarray:
    """One ``.npy`` stream, its header checked against the bytes actually present."""
    fmt = np.lib.format
    try:
        version = fmt.read_magic(handle)
        header = fmt.read_array_header_1_0(handle) if version == (1, 0) else fmt.read_array_header_2_0(handle)
        shape, fortran, dtype = header
    except (ValueError, OSError, EOFError, struct.error) as exc:
        raise InputError(f"{p}: {where} is not a valid .npy array ({str(exc)[:150]})",
                         hint="save arrays with numpy.save / numpy.savez", path=str(p)) from None
    if dtype.hasobject:
        raise InputError(f"{p}: {where} holds Python objects (a pickle); edge-sdk never unpickles data files",
                         hint="save plain numeric arrays, e.g. numpy.savez('data.npz', x=x.astype('float32'))",
                         path=str(p))
    count = int(np.prod(shape, dtype=object)) if shape else 1
    needed = count * dtype.itemsize
    present = available - handle.tell()
    if needed > present:
        raise InputError(f"{p}: {where} declares shape {list(shape)} {dtype} ({needed:,} bytes) but only "
                         f"{max(present, 0):,} bytes are present: truncated or corrupt", path=str(p))
    try:
        data = handle.read(needed)
        array = np.frombuffer(data, dtype=dtype, count=count)
    except (ValueError, OSError, zipfile.BadZipFile, EOFError) as exc:
        raise InputError(f"{p}: {where} cannot be read ({str(exc)[:150]}); the file may be corrupt",
                         path=str(p)) from None
    return array.reshape(shape, order="F" if fortran else "C").copy()


def load_npy(p: Path) -> np.ndarray:
    """The array of a ``.npy`` file (regular files only; header checked first)."""
    require_file(p, ".npy data file")
    with open(p, "rb") as handle:
        return _read_array(handle, os.fstat(handle.fileno()).st_size, "the array", p)


class NpzMembers:
    """The arrays of a ``.npz``, read one by one on demand, each header checked first."""

    def __init__(self, p: Path) -> None:
        require_file(p, ".npz data file")
        self.path = p
        try:
            self._zip = zipfile.ZipFile(p)
            infos = self._zip.infolist()
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
            raise InputError(f"{p}: cannot read it as a .npz (zip) file ({str(exc)[:150]}); it may be truncated",
                             path=str(p)) from None
        self._infos = {i.filename[:-4]: i for i in infos if i.filename.endswith(".npy")}
        self.files = list(self._infos)

    def __getitem__(self, key: str) -> np.ndarray:
        info = self._infos[key]
        try:
            with self._zip.open(info) as handle:
                return _read_array(handle, info.file_size, f"member {key!r}", self.path)
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise InputError(f"{self.path}: member {key!r} cannot be read ({str(exc)[:150]}); the file may be "
                             "corrupt", path=str(self.path)) from None

    def close(self) -> None:
        self._zip.close()

    def __enter__(self) -> NpzMembers:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from a PNG, GIF, BMP or JPEG header; None when the header is not recognised."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        return struct.unpack(">II", data[16:24])
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        return struct.unpack("<HH", data[6:10])
    if data[:2] == b"BM" and len(data) >= 26:
        width, height = struct.unpack("<ii", data[18:26])
        return abs(width), abs(height)
    if data[:2] == b"\xff\xd8":
        return _jpeg_size(data)
    return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    at = 2
    while at + 4 <= len(data):
        if data[at] != 0xFF:
            return None
        marker = data[at + 1]
        if marker in (0xD8, 0x01, 0xFF) or 0xD0 <= marker <= 0xD7:
            at += 1 if marker == 0xFF else 2  # fill bytes and markers without a length
            continue
        length = struct.unpack(">H", data[at + 2:at + 4])[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):  # a start-of-frame segment
            if at + 9 > len(data):
                return None
            height, width = struct.unpack(">HH", data[at + 5:at + 9])
            return width, height
        at += 2 + length
    return None


def read_image(path: Path) -> bytes:
    """An image file's bytes, refused before decoding when its header declares too many pixels."""
    _, data = read_bytes_input(path, "image")
    size = image_size(data)
    if size is not None and size[0] * size[1] > MAX_IMAGE_PIXELS:
        raise InputError(f"{path}: {size[0]}x{size[1]} pixels ({size[0] * size[1] / 1e6:.0f} MP), more than the "
                         f"{MAX_IMAGE_PIXELS / 1e6:.0f} MP an image may have here (decoding it alone would take "
                         f"{size[0] * size[1] * 3 / 1e9:.1f} GB)",
                         hint="resize the images to about the model's input size first", path=str(path))
    return data
