"""The quantize step when int8 needs more than one converter call: keep_float, quant_report, auto.

Plain modes go straight through TFLiteConverter (:func:`converters.steps.quantize.export_tflite`);
this step takes over when the calibrated model is needed: to leave named ops in float, to measure
the per-op report, or to run the accuracy-aware search. It returns the artifact's bytes and the
manifest's ``quantization`` section.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from converters.data import Dataset
from converters.options import ConvertOptions
from converters.sources.base import LoadedSource
from edge_sdk.core.atomic import atomic_write_json
from edge_sdk.core.errors import UnsupportedModelError

REPORT_OPS_IN_MANIFEST = 20


def needs_calibrated(options: ConvertOptions) -> bool:
    return bool(options.search or options.keep_float or options.keep_16x8 or options.quant_report is not None)


def quantize_calibrated(options: ConvertOptions, source: LoadedSource, model: Any, calibration: Dataset,
                        evaluation: Dataset) -> tuple[bytes, dict[str, Any], dict[str, Any] | None]:
    """The artifact, the manifest's ``quantization`` section, and the full per-op report to write (or None)."""
    from converters.quantization.calibrated import Calibrated, float_ops  # noqa: PLC0415 - TensorFlow
    from converters.quantization.report import per_op_report  # noqa: PLC0415
    from converters.quantization.selective import describe_kept, resolve_keep_float  # noqa: PLC0415

    if source.make_converter is None:
        raise UnsupportedModelError(
            f"{source.path}: keep_float, quant_report and recipe='auto' work on TFLiteConverter's calibration; "
            f"this {source.format} source is exported by another converter",
            hint="convert the model to ONNX or a SavedModel first, or use recipe='int8' / 'dynamic-int8' / 'fp16'",
            path=str(source.path), params=("keep_float", "quant_report", "recipe"))
    section: dict[str, Any] = {}
    if options.keep_16x8:
        from converters.quantization.mixed import quantize_keep_16x8  # noqa: PLC0415 - ai-edge-quantizer

        data, section["kept_16x8"] = quantize_keep_16x8(source, model, calibration, options.keep_16x8)
        options.io = "int8"  # ai-edge-quantizer's full-integer models take and give int8
        if options.quant_report is None:
            return data, section, None
    calibrated = Calibrated(source, model, calibration)
    report = None
    if options.quant_report is not None or options.search:
        report = per_op_report(calibrated)
        section["report"] = {**{k: v for k, v in report.items() if k != "ops"},
                             "ops": report["ops"][:REPORT_OPS_IN_MANIFEST]}
    if options.search:
        from converters.quantization.auto import auto_search  # noqa: PLC0415

        data, section["search"] = auto_search(options, source, model, calibrated, report, evaluation)
    elif not options.keep_16x8:
        nodes, types = resolve_keep_float(calibrated.ops, options.keep_float)
        data = calibrated.quantize(options.io, nodes, types)
        section["kept_float"] = describe_kept(calibrated.ops, nodes, types)
    if options.quantize == "int8" and not options.keep_16x8:
        kept = {k["tensor"] for k in section.get("kept_float") or section.get("search", {}).get("kept_float", [])}
        left = [{"type": t, "tensor": n} for t, n in float_ops(data) if n not in kept]
        if left:
            section["float_without_request"] = left
            options.notes.append(f"{len(left)} op(s) stayed float because TFLite has no int8 kernel for them: "
                                 + ", ".join(sorted({op["type"] for op in left})))
    if report is not None and options.quant_report is not None:
        section["report_path"] = str(report_path(options))
        return data, section, report
    return data, section, None


def report_path(options: ConvertOptions) -> Path:
    """Where quant_report goes: the path given, or OUT.tflite.quant.json beside the artifact."""
    if options.quant_report:
        return Path(options.quant_report)
    return options.output.with_name(options.output.name + ".quant.json")


def publish_report(manifest: dict[str, Any], full: dict[str, Any]) -> None:
    """Write the full per-op report (all ops) beside the artifact, after the artifact is published."""
    section = manifest["quantization"]
    document = {"schema": "edge-sdk/quant-report", "model": manifest["source"]["path"],
                "artifact": manifest["output"]["path"], **full}
    atomic_write_json(section["report_path"], document)
