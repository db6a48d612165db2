"""PyTorch sources: litert-torch first, torch.onnx.export + onnx2tf when it refuses the model.

The model is loaded here (the conversion process) for the reference: parity and accuracy are
measured against EAGER PyTorch outputs on the same inputs, whichever path converted it. The
conversion itself runs in a further child with a timeout (:mod:`converters.sources.torch_child`):
a hang is killed with its process group and reported (exit 3), nothing is left behind.

Paths: ``litert-torch`` gives a float .tflite that keeps PyTorch's NCHW inputs; quantize modes are
then applied to the flatbuffer (:mod:`converters.steps.quantize_litert`). ``onnx`` exports ONNX and
continues as an ONNX source (NCHW -> NHWC, TFLiteConverter's quantizer, and the calibrated options
that need a TFLiteConverter). The load step's report says which path ran and why.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from converters.data import Dataset
from converters.options import ConvertOptions
from converters.sources.base import LoadedSource, TensorSpec
from converters.sources.torch_load import TorchModel, flatten_outputs, import_torch, load_torch_model
from edge_sdk.core.child import run_child
from edge_sdk.core.errors import UnsupportedModelError

CHILD = "converters.sources.torch_child"
CALIBRATED_OPTIONS = ("search", "keep_float", "quant_report")  # need a TFLiteConverter (engineer 13's step)


def _bare(message: str, path: Path) -> str:
    """A child's message without its leading ``PATH: `` (it is nested in one that names the path)."""
    return message[len(f"{path}: "):] if message.startswith(f"{path}: ") else message


def _specs(model: TorchModel) -> list[TensorSpec]:
    return [TensorSpec(name, tuple(int(d) for d in t.shape), str(t.dtype).replace("torch.", ""))
            for name, t in zip(model.names, model.examples)]


def eager_reference(model: TorchModel, specs: list[TensorSpec]) -> Any:
    """Outputs of the eager model on named inputs (one sample per row), in calls of the example's batch."""
    torch = import_torch()
    step = max(1, int(specs[0].shape[0] or 1)) if specs and specs[0].shape else 1

    def run(data: dict[str, np.ndarray]) -> list[np.ndarray]:
        count = len(next(iter(data.values())))
        chunks = []
        with torch.no_grad():
            for start in range(0, count, step):
                args = [torch.from_numpy(np.ascontiguousarray(data[s.name][start:start + step])).to(t.dtype)
                        for s, t in zip(specs, model.examples)]
                chunks.append(flatten_outputs(model.module(*args)))
        return [np.concatenate([c[i] for c in chunks]) for i in range(len(chunks[0]))]

    return run


def choose_path(options: ConvertOptions) -> tuple[str | None, str]:
    """The path forced before trying (None: litert-torch first) and the reason."""
    wanted = [name for name in CALIBRATED_OPTIONS  # quant_report="" asks for the report at its default path
              if getattr(options, name, None) not in (None, [], False) and (name == "quant_report" or
                                                                            getattr(options, name))]
    if options.via == "onnx":
        return "onnx", "via='onnx' was asked"
    if options.source_format == "torchscript":
        return "onnx", "a TorchScript module cannot be traced by torch.export (litert-torch's entry point)"
    if wanted and options.via != "litert-torch":
        return "onnx", (f"{', '.join(wanted)} need(s) TFLiteConverter's calibrated model, which only the ONNX "
                        "path (onnx2tf SavedModel) has")
    if options.via == "litert-torch":
        return "litert-torch", "via='litert-torch' was asked"
    return None, "litert-torch is the primary path"


def _request(options: ConvertOptions, mode: str, out: Path) -> dict[str, Any]:
    return {"mode": mode, "format": options.source_format, "path": str(options.source), "factory": options.torch,
            "example_inputs": [e.to_dict() for e in options.example_inputs], "out": str(out)}


def _litert_export(options: ConvertOptions, source: LoadedSource, float_model: bytes) -> Any:
    def export(mode: str, io: str | None, calibration: Dataset | None) -> bytes:
        from converters.steps.quantize_litert import quantize_tflite  # noqa: PLC0415

        samples = None
        if calibration is not None:
            data, step = source.to_artifact_layout(calibration.inputs), source.batch
            samples = [[data[s.name][i:i + step].astype(s.dtype) for s in source.inputs]
                       for i in range(0, len(calibration) - step + 1, step)]
        return quantize_tflite(float_model, mode, io, samples, path=str(options.source))

    return export


def _via_onnx(options: ConvertOptions, work: Path, specs: list[TensorSpec]) -> tuple[Any, dict[str, Any], list[str]]:
    """torch.onnx.export in the child, then onnx2tf: (make_converter, ONNX details, layout notes)."""
    from converters.sources.onnx import converted_savedmodel, onnx2tf_layout, onnx_specs  # noqa: PLC0415

    onnx_path = work / "model.onnx"
    exported = run_child(CHILD, _request(options, "onnx", onnx_path), timeout_s=options.timeout_s,
                         what="torch.onnx.export", path=str(options.source))
    exported_specs, _, onnx_version = onnx_specs(onnx_path)
    saved_model, io, _ = converted_savedmodel(onnx_path, exported_specs)
    # onnx2tf's inputs in ONNX order, named as ours (the exporter may rename them)
    by_position = {**io, "inputs": [{**i, "name": s.name} for i, s in zip(io["inputs"], specs)]}
    perms, notes = onnx2tf_layout(specs, by_position)

    def make_converter(_model: Any) -> Any:
        from converters._runtime import import_tensorflow  # noqa: PLC0415

        return import_tensorflow().lite.TFLiteConverter.from_saved_model(str(saved_model))

    details = {"exporter": exported.get("exporter"), "exporters_failed": exported.get("tried") or [],
               "onnx2tf_attempt": io.get("attempt"), "perms": perms,
               "versions": {"onnx": onnx_version, "onnx2tf": io.get("onnx2tf", "unknown")}}
    return make_converter, details, notes


def load_torch_source(options: ConvertOptions) -> LoadedSource:
    torch = import_torch()
    model = load_torch_model(options.source_format, options.source, options.torch, options.example_inputs)
    specs = _specs(model)
    with torch.no_grad():
        outputs = flatten_outputs(model.module(*model.examples))
    source = LoadedSource(format=options.source_format, path=options.source, inputs=specs,
                          output_names=[f"output_{i}" for i in range(len(outputs))],
                          reference=eager_reference(model, specs), make_converter=None,
                          versions={"torch": torch.__version__})
    work = Path(tempfile.mkdtemp(prefix="edge-sdk-torch-"))
    source.cleanup = lambda: shutil.rmtree(work, ignore_errors=True)
    try:
        forced, why = choose_path(options)
        report: dict[str, Any] = {"reference": "eager PyTorch", "example_inputs": [s.to_dict() for s in specs]}
        if forced != "onnx":
            try:
                answer = run_child(CHILD, _request(options, "litert", work / "float.tflite"),
                                   timeout_s=options.timeout_s, what="litert-torch", path=str(options.source))
                float_model = (work / "float.tflite").read_bytes()
                source.export = _litert_export(options, source, float_model)
                source.versions.update(answer.get("versions") or {})
                source.report = {**report, "path": "litert-torch", "why": why}
                source.layout_notes.append("litert-torch keeps PyTorch's input layout (NCHW stays NCHW): data is "
                                           "used as given")
                return source
            except UnsupportedModelError as exc:
                if forced == "litert-torch":
                    raise
                report["litert_torch_refused"] = _bare(exc.message, options.source)
                why = f"litert-torch refused the model ({report['litert_torch_refused']})"
        try:
            make_converter, details, notes = _via_onnx(options, work, specs)
        except UnsupportedModelError as exc:
            first = f"litert-torch: {report['litert_torch_refused']}; then " if "litert_torch_refused" in report else ""
            raise UnsupportedModelError(f"{options.source}: no conversion path worked: {first}ONNX: "
                                        f"{_bare(exc.message, options.source)}",
                                        hint=exc.hint, path=str(options.source), params=exc.params) from None
        source.make_converter = make_converter
        source.input_perms = details.pop("perms")
        source.versions.update(details.pop("versions"))
        source.layout_notes.extend(notes)
        source.report = {**report, "path": "onnx", "why": why, **details}
        options.notes.append(f"converted via ONNX: {why}")
        return source
    except BaseException:
        source.cleanup()
        raise
