"""The conversion pipeline: load -> (prune -> fine-tune) -> quantize/export -> validate -> publish.

Nothing is written until the artifact has been converted and validated: the model and its
manifest are then published atomically (never a half-written file, and on any error nothing new
is left behind). A failed quality gate still publishes both, with the manifest marked ``failed``.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any, Literal

from converters.data import Dataset, generated, load_dataset
from converters.manifest import build_manifest, publish, sha256_file
from converters.options import FULL_INTEGER, RANDOM_CALIBRATION, ConvertOptions
from converters.quantization.step import needs_calibrated, publish_report, quantize_calibrated
from converters.sources import LoadedSource, load_source
from converters.validation.quality import parity_warnings
from edge_sdk.core.paths import output_errors
from edge_sdk.core.progress import ProgressCallback, ProgressEvent

PARITY_FROM_CALIBRATION = 16
RANDOM_CALIBRATION_SAMPLES = 32
STAGES = ("load", "data", "prune", "convert", "validate")  # the laps of run_pipeline, in order


class _Clock:
    """Wall time per phase, kept in the manifest: users see where a slow conversion spends its time.

    With ``on_progress`` each phase is also reported as it starts and ends (task "convert"), so a
    terminal can show which stage a 30-second conversion is in. An ONNX source's load stage is
    called "onnx2tf" (that is what it spends its time on); "prune" is reported only when pruning.
    """

    def __init__(self, options: ConvertOptions, on_progress: ProgressCallback | None = None) -> None:
        self.start = time.perf_counter()
        self.laps: dict[str, float] = {}
        self.on_progress = on_progress
        mode = f"quantize={options.quantize}" + (f", io={options.io}" if options.io else "")
        if options.quantize in FULL_INTEGER:
            mode += f", calibrating on {options.calibration_data}"
        self.events = {"load": ("onnx2tf" if options.source_format == "onnx" else "load", options.source_format),
                       "data": ("data", "calibration and evaluation data"),
                       "prune": ("prune", f"{options.prune_structure} {options.prune}") if options.prune else None,
                       "convert": ("convert", mode), "validate": ("validate", "parity and accuracy")}
        self._emit("load", "start")

    def _emit(self, name: str, state: Literal["start", "end"], elapsed: float | None = None) -> None:
        event = self.events.get(name)
        if self.on_progress is not None and event is not None:
            self.on_progress(ProgressEvent("convert", event[0], state, elapsed_s=elapsed, detail=event[1]))

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = round(now - self.start, 3)
        self.start = now
        self._emit(name, "end", self.laps[name])
        following = STAGES[STAGES.index(name) + 1:] if name in STAGES else ()
        nxt = next((stage for stage in following if self.events.get(stage)), None)
        if nxt is not None:
            self._emit(nxt, "start")


def _calibration(options: ConvertOptions, source: LoadedSource) -> Dataset | None:
    if options.quantize not in FULL_INTEGER:
        return None
    if options.calibration_data == RANDOM_CALIBRATION:
        options.notes.append("calibrated on random inputs (--calibration-data random): activation ranges and "
                             "accuracy are unknown until checked on real data")
        return generated(source.inputs, RANDOM_CALIBRATION_SAMPLES, seed=1, batch=source.batch)
    data = load_dataset(str(options.calibration_data), source.inputs, "calibration-data",
                        image_mean=options.image_mean, image_std=options.image_std)
    return data.subset(options.calibration_samples).whole_batches(source.batch)


def _evaluation(options: ConvertOptions, source: LoadedSource, calibration: Dataset | None) -> Dataset:
    if options.eval_data:
        return load_dataset(options.eval_data, source.inputs, "eval-data", image_mean=options.image_mean,
                            image_std=options.image_std,
                            need_labels=options.max_accuracy_drop is not None and not options.search
                            ).whole_batches(source.batch)
    if calibration is not None and calibration.origin == "calibration-data":
        subset = calibration.subset(PARITY_FROM_CALIBRATION, seed=2).whole_batches(source.batch)
        options.notes.append("no --eval-data: parity measured on calibration samples (real inputs, but the same "
                             "ones that set the quantization ranges, so figures are optimistic)")
        return Dataset(subset.inputs, None, "calibration-data", subset.description)
    return generated(source.inputs, options.generated_samples, batch=source.batch)


def _prune(options: ConvertOptions, source: LoadedSource, steps: list[dict[str, Any]]) -> Any:
    model = source.keras_model
    if options.prune is None:
        return model
    fine = None
    if options.fine_tune_data:
        fine = load_dataset(options.fine_tune_data, source.inputs, "fine-tune-data", need_labels=True,
                            image_mean=options.image_mean, image_std=options.image_std)
    if options.prune_structure == "channels":
        from converters.steps.finetune import fine_tune  # noqa: PLC0415
        from converters.steps.prune_channels import prune_channels  # noqa: PLC0415

        model, report = prune_channels(model, options.prune)
        if fine is not None:
            report["fine_tune"] = fine_tune(model, fine, int(options.epochs or 1))
    else:
        from converters.steps.prune_weights import prune_weights  # noqa: PLC0415

        model, report = prune_weights(model, str(options.prune_structure), options.prune, fine, options.epochs)
    next(s for s in steps if s["name"] == "prune")["report"] = report
    return model


def run_pipeline(options: ConvertOptions, on_progress: ProgressCallback | None = None) -> dict[str, Any]:
    """Run every step of ``options.plan()`` and publish the artifact; return its manifest.

    ``on_progress`` receives a "start" and an "end" event per stage (see :data:`STAGES`).
    """
    clock = _Clock(options, on_progress)
    source_sha = sha256_file(options.source)
    source = load_source(options)
    clock.lap("load")
    try:
        steps = options.plan()
        if source.report:  # what loading did, e.g. which PyTorch conversion path ran and why
            steps[0]["report"] = source.report
        calibration = _calibration(options, source)
        evaluation = _evaluation(options, source, calibration)
        clock.lap("data")
        model = _prune(options, source, steps)
        clock.lap("prune")
        quantization: dict[str, Any] | None = None
        full_report = None
        if source.format == "tflite":
            data = options.source.read_bytes()
        elif calibration is not None and needs_calibrated(options):
            data, quantization, full_report = quantize_calibrated(options, source, model, calibration, evaluation)
        elif source.export is not None:  # builds its own .tflite (PyTorch through litert-torch)
            data = source.export(options.quantize, options.io, calibration)
        else:
            from converters.steps.quantize import export_tflite  # noqa: PLC0415

            data = export_tflite(source, model, options.quantize, options.io, calibration)
        clock.lap("convert")
        with tempfile.TemporaryDirectory(prefix="edge-sdk-convert-") as folder:
            candidate = Path(folder) / "candidate.tflite"
            candidate.write_bytes(data)
            from converters.validation import validate  # noqa: PLC0415

            search = (quantization or {}).get("search")
            checks = validate(source, candidate, evaluation, None if search else options.max_accuracy_drop)
            if search:
                from converters.quantization.auto import search_gate  # noqa: PLC0415

                search_gate(checks, search)
        clock.lap("validate")
        manifest = build_manifest(options, source_sha256=source_sha, steps=steps, data=data,
                                  output_path=options.output, checks=checks, layout_notes=source.layout_notes,
                                  versions=source.versions, source_io=[s.to_dict() for s in source.inputs])
        manifest["warnings"] = parity_warnings(checks["validation"], checks["gate"])
        if quantization is not None:
            manifest["quantization"] = quantization
        manifest["timings_s"] = clock.laps
        with output_errors("output", options.output):  # disk full, read-only: exit 2 naming the output
            publish(options.output, data, manifest)
        if full_report is not None:
            publish_report(manifest, full_report)
        return manifest
    finally:
        source.cleanup()
