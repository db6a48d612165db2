"""Child process: PyTorch -> float .tflite (litert-torch) or -> .onnx (torch.onnx.export).

``python -m converters.sources.torch_child`` under :mod:`edge_sdk.core.child` (own process group,
killed at its timeout, dies with its parent): litert-torch conversions have hung upstream
(litert-torch#1003), and loading TorchScript or pickles runs code. A model the converter refuses
is an UnsupportedModelError naming the op (exit 2; the parent may then try the ONNX path).
"""

from __future__ import annotations

import os
import re
import sys
import warnings
from pathlib import Path
from typing import Any

from converters.torch_spec import ExampleInput
from edge_sdk.core.child import serve
from edge_sdk.core.errors import UnsupportedModelError

_LOWERING = re.compile(r"Lowering not found: (\S+)")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def first_line(exc: BaseException) -> str:
    """``Type: first line`` of an exception, without terminal colour codes."""
    lines = [_ANSI.sub("", line).strip() for line in str(exc).splitlines() if line.strip()]
    return f"{type(exc).__name__}: {lines[0][:300] if lines else ''}"
_TARGET = re.compile(r"target=torch\.ops\.(\S+?)\]")


def refusal(tool: str, path: str, exc: BaseException, log: str = "") -> UnsupportedModelError:
    """An UnsupportedModelError naming the op the tool could not handle (when it says which)."""
    text = f"{exc}\n{log}"
    op = _LOWERING.search(text) or _TARGET.search(text)
    cause = first_line(exc)
    what = f"op {op.group(1)} has no {tool} lowering" if op else cause
    return UnsupportedModelError(f"{path}: {tool} cannot convert this model: {what}" + ("" if not op else f" ({cause})"),
                                 hint="replace the op in the model, or convert via='onnx'", path=path,
                                 params=("via",))


def _load(request: dict[str, Any]) -> Any:
    from converters.sources.torch_load import load_torch_model  # noqa: PLC0415

    examples = [ExampleInput(tuple(e["shape"]), e["dtype"]) for e in request["example_inputs"]]
    return load_torch_model(request["format"], Path(request["path"]), request.get("factory"), examples)


def _litert(request: dict[str, Any], model: Any) -> dict[str, Any]:
    from converters._runtime import captured_output  # noqa: PLC0415

    error: BaseException | None = None
    with captured_output() as log, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            import litert_torch  # noqa: PLC0415

            litert_torch.convert(model.module, model.examples).export(request["out"])
        except Exception as exc:  # noqa: BLE001 - classified: the model is what litert-torch refuses
            error = exc
    if error is not None:
        raise refusal("litert-torch", request["path"], error, log.text)
    from importlib import metadata  # noqa: PLC0415

    return {"versions": {"litert_torch": metadata.version("litert-torch"),
                         "litert_converter": metadata.version("litert-converter")}}


def _onnx(request: dict[str, Any], model: Any) -> dict[str, Any]:
    """torch.onnx.export: the dynamo exporter first, the TorchScript-based one if it fails."""
    import torch  # noqa: PLC0415

    from converters._runtime import captured_output  # noqa: PLC0415

    causes: list[str] = []
    exporters = ("legacy",) if model.kind == "torchscript" else ("dynamo", "legacy")
    if request.get("exporter") in exporters:
        exporters = (request["exporter"],)
    for exporter in exporters:
        kwargs: dict[str, Any] = ({"dynamo": True, "opset_version": 18, "external_data": False}
                                  if exporter == "dynamo" else {"dynamo": False, "opset_version": 17})
        subject = model.program if exporter == "dynamo" and model.program is not None else model.module
        try:
            with captured_output(), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                torch.onnx.export(subject, model.examples, request["out"], input_names=model.names, **kwargs)
            return {"exporter": exporter, "tried": causes}
        except Exception as exc:  # noqa: BLE001 - try the next exporter
            causes.append(f"{exporter}: {first_line(exc)}")
            if os.path.exists(request["out"]):
                os.unlink(request["out"])
    raise UnsupportedModelError(f"{request['path']}: torch.onnx.export failed ({'; '.join(causes)})",
                                hint="the model needs ops ONNX has no equivalent for", path=request["path"])


def handle(request: dict[str, Any]) -> dict[str, Any]:
    model = _load(request)
    return _litert(request, model) if request["mode"] == "litert" else _onnx(request, model)


if __name__ == "__main__":
    sys.exit(serve(handle))
