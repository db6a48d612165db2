"""PyTorch request parsing that needs no torch: example inputs, input shapes, factories, file kinds.

Everything here runs in the CLI process before any child starts (``--dry-run`` and flag errors stay
instant), so it never imports torch and never imports the user's code: a factory ``pkg.mod:fn`` is
located on the Python path by file name only, and a ``.pt`` file is classified by its zip members.
"""

from __future__ import annotations

import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

from edge_sdk.core.errors import InputError, UsageError

UNSAFE_TORCH_FORMATS = ("torchscript", "torch-pickle")
DTYPES = ("float32", "float16", "bfloat16", "int64", "int32", "int8", "uint8", "bool")
VIA = ("litert-torch", "onnx")
INSTALL_HINT = "pip install 'edge-sdk[torch]'  (torch==2.13.0 litert-torch==0.10.0 jax==0.7.1 jaxlib==0.7.1 onnxscript==0.7.2)"


@dataclass(frozen=True)
class ExampleInput:
    """One ``forward()`` argument: its shape (batch first) and dtype."""

    shape: tuple[int, ...]
    dtype: str = "float32"

    def to_dict(self) -> dict[str, object]:
        return {"shape": list(self.shape), "dtype": self.dtype}


def parse_example_input(text: str) -> ExampleInput:
    """``"1,3,224,224"`` or ``"1x16:int64"`` -> ExampleInput; UsageError naming the parameter otherwise."""
    raw = str(text).strip()
    shape_text, _, dtype = raw.partition(":")
    dtype = dtype.strip() or "float32"
    parts = [p for p in shape_text.replace("x", ",").replace(" ", "").strip("[]()").split(",") if p]
    try:
        shape = tuple(int(p) for p in parts)
    except ValueError:
        shape = ()
    if not shape or any(d < 1 for d in shape):
        raise UsageError(f"example_input={raw!r}: expected a shape of positive integers, batch first, "
                         "optionally :DTYPE", hint="e.g. example_input='1,3,224,224' or '1,16:int64' "
                         "(repeat it once per forward() argument)", params=("example_input",))
    if dtype not in DTYPES:
        raise UsageError(f"example_input={raw!r}: dtype {dtype!r} is not one of {', '.join(DTYPES)}",
                         params=("example_input",))
    return ExampleInput(shape, dtype)


def parse_input_shapes(values: object) -> dict[str, tuple[int, ...]]:
    """``["audio:1,76,32,1", ...]`` -> {name: dims}: fixes dynamic dimensions of ONNX/PyTorch inputs."""
    if values is None:
        return {}
    items = [values] if isinstance(values, str) else list(values)  # type: ignore[call-overload]
    shapes: dict[str, tuple[int, ...]] = {}
    for item in items:
        name, sep, dims = str(item).rpartition(":")
        try:
            shape = tuple(int(d) for d in dims.replace("x", ",").split(",") if d.strip())
        except ValueError:
            shape = ()
        if not sep or not name or not shape or any(d < 1 for d in shape):
            raise UsageError(f"input_shape={str(item)!r}: expected NAME:D,D,... with positive sizes",
                             hint="e.g. input_shape='audio:1,76,32,1' (one per input whose size is dynamic)",
                             params=("input_shape",))
        shapes[name] = shape
    return shapes


def factory_file(spec: str) -> Path:
    """The file defining ``pkg.mod:fn`` or ``path/file.py:fn``, found without importing anything.

    Searched like ``python -m``: the current directory first, then ``sys.path``.
    """
    module, sep, function = str(spec).rpartition(":")
    if not sep or not module or not function.isidentifier():
        raise UsageError(f"torch={spec!r}: expected MODULE:FUNCTION (e.g. mypkg.models:make_model) or "
                         "FILE.py:FUNCTION", params=("torch",))
    if module.endswith(".py"):
        path = Path(module)
        if not path.is_file():
            raise InputError(f"torch={spec!r}: {path} does not exist", params=("torch",), path=str(path))
        return path.resolve()
    relative = Path(*module.split("."))
    for root in ["", *sys.path]:
        base = Path(root or ".")
        for candidate in (base / relative.with_suffix(".py"), base / relative / "__init__.py"):
            if candidate.is_file():
                return candidate.resolve()
    raise InputError(f"torch={spec!r}: module {module!r} is not on the Python path (looked in the current "
                     "directory and sys.path)",
                     hint="run from the directory that holds the package, set PYTHONPATH, or give FILE.py:FUNCTION",
                     params=("torch",))


def torch_file_kind(path: Path) -> str | None:
    """``torch-export``, ``torchscript`` or ``torch-pickle`` for a PyTorch zip archive; None otherwise."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError):
        return None
    inner = {n.split("/", 1)[1] if "/" in n else n for n in names}
    if any(n.startswith("models/") and n.endswith(".json") for n in inner) or "archive_format" in inner:
        return "torch-export"
    if any(n.startswith("code/") for n in inner):
        return "torchscript"
    if "data.pkl" in inner:
        return "torch-pickle"
    return None


def detect_torch_file(path: Path) -> str:
    """The kind of a ``.pt2``/``.pt``/``.pth`` file; InputError when it is none of them."""
    kind = torch_file_kind(path)
    if kind is None:
        expected = "a torch.export program (torch.export.save)" if path.suffix == ".pt2" else \
            "a PyTorch archive (torch.export.save, torch.jit.save or torch.save)"
        raise InputError(f"{path}: not {expected}: it is not a PyTorch zip archive (truncated, or another format)",
                         hint="save with torch.export.save(torch.export.export(model, (x,)), 'model.pt2'), "
                              "or pass torch=MODULE:FUNCTION", path=str(path))
    if path.suffix == ".pt2" and kind != "torch-export":
        raise InputError(f"{path}: the .pt2 file is not a torch.export program (it holds a {kind} archive)",
                         hint="save with torch.export.save(torch.export.export(model, (x,)), 'model.pt2')",
                         path=str(path))
    return kind
