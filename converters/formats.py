"""Which kind of model a path holds: by extension first, then by the file's own magic bytes.

Kept free of TensorFlow so ``--dry-run`` and flag validation stay instant.
"""

from __future__ import annotations

from pathlib import Path

from converters.torch_spec import detect_torch_file, torch_file_kind
from edge_sdk.core.errors import InputError
from edge_sdk.core.files import require_file
from edge_sdk.graph.reader import is_tflite

# PyTorch kinds: a factory (torch=MODULE:FUNCTION) or a file told apart by its zip members
TORCH_FORMATS = ("torch-export", "torch-factory", "torchscript", "torch-pickle")
TORCH_SUFFIXES = (".pt2", ".pt", ".pth")
FORMATS = ("keras", "h5", "savedmodel", "onnx", "tflite", *TORCH_FORMATS)
_BY_SUFFIX = {".keras": "keras", ".h5": "h5", ".hdf5": "h5", ".onnx": "onnx", ".tflite": "tflite"}
_HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"


def detect_format(path: Path) -> str:
    """Return one of :data:`FORMATS` for ``path`` or raise an InputError that says what is accepted."""
    if not path.exists():
        raise InputError(f"{path}: no such file or directory (expected a model to convert)", path=str(path))
    if path.is_dir():
        if (path / "saved_model.pb").exists() or (path / "saved_model.pbtxt").exists():
            return "savedmodel"
        raise InputError(
            f"{path}: is a directory without saved_model.pb, so it is not a TensorFlow SavedModel",
            hint="pass a SavedModel directory, or a .keras, .h5, .onnx or .tflite file",
            path=str(path))
    require_file(path, "model to convert")  # a device or FIFO named x.onnx would be read forever
    suffix = path.suffix.lower()
    if suffix in TORCH_SUFFIXES:
        return detect_torch_file(path)
    if suffix in _BY_SUFFIX:
        return _BY_SUFFIX[suffix]
    head = path.read_bytes()[:16] if path.stat().st_size else b""
    if head.startswith(b"PK"):
        return torch_file_kind(path) or "keras"
    if head.startswith(_HDF5_MAGIC):
        return "h5"
    if is_tflite(head):
        return "tflite"
    raise InputError(
        f"{path}: cannot tell what kind of model this is (extension {suffix or 'none'!r})",
        hint="supported: Keras .keras, legacy .h5, a SavedModel directory, .onnx, .tflite, PyTorch .pt2 "
             "(torch.export.save) or torch=MODULE:FUNCTION",
        path=str(path))
