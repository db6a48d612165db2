"""``inspect`` and ``convert``: what a model is, and making a ``.tflite`` artifact from one."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Literal, cast

from edge_sdk.core.progress import ProgressCallback, ProgressEvent

if TYPE_CHECKING:
    from edge_sdk.core.documents import ConvertManifest
    from edge_sdk.graph import ModelGraph

PathLike = str | os.PathLike[str]
Quantize = Literal["none", "fp16", "dynamic", "int8", "int16x8"]


def inspect(model: PathLike, *, planner: Literal["litert", "tflm"] = "litert") -> ModelGraph:
    """Static analysis of a ``.tflite`` file: ops, parameters, MACs, memory plan, compatibility.

    No interpreter runs and TensorFlow is never imported. ``planner`` chooses whose arena the
    memory plan reproduces: LiteRT's ("litert", 64-byte aligned) or TensorFlow Lite Micro's
    ("tflm"). ``graph.to_dict()`` is the ``inspect`` document. Raises
    :class:`~edge_sdk.core.errors.InputError` (exit 2) for anything that is not a valid model.
    """
    from edge_sdk.graph import analyze

    return analyze(os.fspath(model), planner=planner)


def convert(source: PathLike, output: PathLike, *, recipe: str | None = None, quantize: Quantize | None = None,
            io: Literal["int8", "float"] | None = None, prune: float | str | None = None,
            prune_structure: Literal["unstructured", "2:4", "channels"] | None = None,
            calibration_data: PathLike | None = None, calibration_samples: int | None = None,
            image_mean: float | Sequence[float] | None = None, image_std: float | Sequence[float] | None = None,
            eval_data: PathLike | None = None, max_accuracy_drop: float | str | None = None,
            fine_tune_data: PathLike | None = None, epochs: int | None = None,
            keep_float: Sequence[str] | None = None, keep_16x8: Sequence[str] | None = None,
            quant_report: PathLike | None = None,
            target_device: str | None = None, objective: Literal["size", "latency"] | None = None,
            torch: str | None = None, example_input: str | Sequence[str] | None = None,
            via: Literal["litert-torch", "onnx"] | None = None, input_shape: str | Sequence[str] | None = None,
            timeout_s: float | None = None, allow_unsafe_deserialization: bool = False,
            isolated: bool = True, on_progress: ProgressCallback | None = None) -> ConvertManifest:
    """Convert a Keras / SavedModel / ONNX / PyTorch model (or re-validate a ``.tflite``) into ``output``.

    Writes ``output`` and its manifest ``output.json`` atomically and returns the manifest. A
    failed quality gate does not raise: ``manifest["gate"]["passed"]`` is False (the CLI exits 1).

    - ``recipe``: a named preset (``edge-sdk convert --list-recipes``); explicit arguments override it.
    - ``quantize``: none, fp16, dynamic (int8 weights), int8 or int16x8 (full integer: needs
      ``calibration_data``, a .npz/.npy file or an image folder, or ``"random"`` to accept an
      unknown accuracy); ``io``: the I/O type of a full-integer model; ``calibration_samples``:
      how many samples calibrate (default 100); ``image_mean``/``image_std``: image normalisation.
    - ``prune`` (0.8 or "80%") with ``prune_structure``; ``fine_tune_data`` and ``epochs`` recover accuracy.
    - ``eval_data``: labelled samples; ``max_accuracy_drop`` ("0.5%") makes the accuracy cost a gate.
    - ``keep_float`` / ``keep_16x8`` (ops kept in float / given int16 activations), ``quant_report``,
      ``target_device``, ``objective``: op-level quantization control.
    - ``torch``, ``example_input``, ``via``, ``input_shape``: PyTorch sources and dynamic input shapes;
      ``timeout_s``: limit for the isolated child steps.
    - ``isolated`` (default True): convert in a child process, as the CLI does, so a crash inside
      TensorFlow raises :class:`~edge_sdk.core.errors.RuntimeCrash` instead of killing this
      interpreter, and TensorFlow is never imported here. False converts in this process.
    - ``on_progress``: receives a start and an end event for each stage (load or onnx2tf, data,
      prune, convert, validate), also from the child process.

    Raises :class:`~edge_sdk.core.errors.UsageError` for conflicting arguments (all listed at once),
    ``InputError``/``UnsupportedModelError`` for models and data it cannot take (exit 2).
    """
    explicit: dict[str, Any] = {
        "recipe": recipe, "quantize": quantize, "io": io, "prune": prune, "prune_structure": prune_structure,
        "calibration_data": calibration_data, "calibration_samples": calibration_samples,
        "image_mean": image_mean, "image_std": image_std, "eval_data": eval_data,
        "max_accuracy_drop": max_accuracy_drop, "fine_tune_data": fine_tune_data, "epochs": epochs,
        "keep_float": keep_float, "keep_16x8": keep_16x8, "quant_report": quant_report, "target_device": target_device,
        "objective": objective, "torch": torch, "example_input": example_input, "via": via,
        "input_shape": input_shape, "timeout_s": timeout_s,
        "allow_unsafe_deserialization": allow_unsafe_deserialization or None,
    }
    options = {key: _plain(value) for key, value in explicit.items() if value is not None}
    if target_device is not None:  # recipe='auto' estimates each candidate there; converters do not know devices
        from edge_sdk.quant_latency import ESTIMATOR, check_device

        check_device(target_device)
        options["latency_estimator"] = ESTIMATOR
    import converters

    source, output = os.fspath(source), os.fspath(output)
    converters.plan(source, output, **options)  # every argument problem at once, before any work
    if not isolated:
        return cast("ConvertManifest", converters.convert(source, output, on_progress=on_progress, **options))
    from converters.isolated import convert_in_child

    relay = _from_child(on_progress) if on_progress is not None else None
    return cast("ConvertManifest", convert_in_child(source, output, progress=relay, **options))


def _from_child(on_progress: ProgressCallback) -> Callable[[Any], None]:
    """The child's progress lines (``ProgressEvent.to_dict()``) back as events."""
    def relay(update: Any) -> None:
        if isinstance(update, dict) and "stage" in update:
            on_progress(ProgressEvent.from_dict(update))
    return relay


def _plain(value: Any) -> Any:
    """JSON-ready form of an argument (the request crosses into the child process as JSON)."""
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value
