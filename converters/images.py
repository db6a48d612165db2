"""Images for calibration and evaluation, refused from their header before they are decoded.

An image header declares its size; a 389 KB PNG of 20000x20000 pixels decodes to 1.2 GB before
it is resized. The size is read from the header (PNG, GIF, BMP, JPEG) and a picture over
:data:`MAX_IMAGE_PIXELS` is refused (exit 2) naming the file, before anything large is allocated.
"""

from __future__ import annotations

import struct
from pathlib import Path

from edge_sdk.core.errors import InputError
from edge_sdk.core.files import read_bytes_input

MAX_IMAGE_PIXELS = 50_000_000  # 50 MP: larger than any camera frame a model is calibrated on


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
