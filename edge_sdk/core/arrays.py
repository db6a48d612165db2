"""Reading ``.npy`` / ``.npz`` files without trusting what they declare.

A ``.npy`` header declares a shape and a dtype; ``numpy.load`` allocates what the header says
before reading a byte, so a 200-byte file declaring ``(10**12,)`` float32 asked for 4 TB and
ended in "out of memory" naming nothing. An object dtype means a pickle: data files never run
code here (``allow_pickle`` stays False). Each array's header is read first and checked against
the bytes actually present; every failure is an :class:`InputError` (exit 2) naming the file
and the member. Used by ``convert`` (calibration/eval data) and ``profile --input-data``.
"""

from __future__ import annotations

import os
import struct
import zipfile
from pathlib import Path
from typing import IO

import numpy as np

from edge_sdk.core.errors import InputError
from edge_sdk.core.files import require_file


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
