"""The export/quantize step: one TFLiteConverter configured per quantization mode.

Modes: ``none`` (float32), ``fp16`` (float16 weights), ``dynamic`` (int8 weights, float
activations), ``int8`` (full integer, int8 or float I/O) and ``int16x8`` (int16 activations,
int8 weights). Full-integer modes are strict (integer kernels only): an op without an integer
kernel is reported, never silently left in float.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import numpy as np

from converters._runtime import captured_output, import_tensorflow, summarize_failure
from converters.data import Dataset
from converters.sources.base import LoadedSource
from edge_sdk.core.errors import InfrastructureError, InputError, UnsupportedModelError, UsageError


def representative_dataset(source: LoadedSource, calibration: Dataset):
    """A generator factory yielding one artifact-layout sample at a time, in the model's input order."""
    data = source.to_artifact_layout(calibration.inputs)
    dtypes = {s.name: np.dtype(s.dtype) for s in source.inputs}  # token ids stay integers
    names = [s.name for s in source.inputs]
    by_name = source.format in ("savedmodel", "onnx") and len(names) > 1

    step = source.batch

    def generate() -> Iterator[Any]:
        for i in range(0, len(calibration) - step + 1, step):
            if by_name:
                yield {n: data[n][i:i + step].astype(dtypes[n]) for n in names}
            else:
                yield [data[n][i:i + step].astype(dtypes[n]) for n in names]

    return generate


def configure(converter: Any, mode: str, io: str | None, calibration: Dataset | None, source: LoadedSource) -> None:
    tf = import_tensorflow()
    if mode == "none":
        return
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    if mode == "fp16":
        converter.target_spec.supported_types = [tf.float16]
    elif mode in ("int8", "int16x8"):
        if calibration is None:  # options.py already asks for it; a caller of this function may not
            raise UsageError(f"quantize={mode!r} needs calibration data", params=("calibration_data",))
        converter.representative_dataset = representative_dataset(source, calibration)
        if mode == "int16x8":
            converter.target_spec.supported_ops = [
                tf.lite.OpsSet.EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8]
            return
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        if io == "int8":
            converter.inference_input_type = tf.int8
            converter.inference_output_type = tf.int8


def export_tflite(source: LoadedSource, model: Any, mode: str, io: str | None, calibration: Dataset | None) -> bytes:
    """Convert ``model`` (a Keras model, or None for SavedModel/ONNX sources) to .tflite bytes."""
    import_tensorflow()
    if source.make_converter is None:  # a .tflite source is copied, never converted again
        raise UnsupportedModelError(f"{source.path}: this source cannot be converted again (it is already .tflite)")
    with converting(source, mode):
        converter = source.make_converter(model)
        configure(converter, mode, io, calibration, source)
        return converter.convert()


@contextlib.contextmanager
def converting(source: LoadedSource, mode: str) -> Iterator[None]:
    """Run a TFLiteConverter block with its console noise captured and any failure classified.

    A failure on the calibration data is an InputError, an op or shape the converter cannot take
    an UnsupportedModelError (both exit 2), anything else an InfrastructureError (exit 3).
    """
    tf = import_tensorflow()
    error: BaseException | None = None
    with captured_output() as log:
        try:
            yield
        except Exception as exc:  # noqa: BLE001 - classified below
            error = exc
    if error is None:
        return
    text = f"{error}\n{log.text}"
    cause = summarize_failure(str(error) or log.text)
    converter_error = getattr(getattr(tf.lite, "experimental", None), "ConverterError", None)
    unsupported = any(k in text.lower() for k in ("not supported", "not yet supported", "unsupported",
                                                  "neither a custom op", "failed to legalize"))
    model_problem = unsupported or isinstance(error, (ValueError, TypeError)) or (
        converter_error is not None and isinstance(error, converter_error)) or "ConverterError" in type(error).__name__
    if "failed to invoke" in text or "failed to prepare" in text:
        raise InputError(f"{source.path}: the model failed on the calibration data (quantize={mode!r}): {cause}",
                         hint="check that the calibration data fits the model (shapes, value ranges, token ids "
                              "within the vocabulary)", path=str(source.path), params=("quantize",)) from None
    if model_problem:
        hint = "the model uses an op or shape TFLite cannot convert in this mode"
        if mode == "int16x8":
            hint += "; int16x8 kernels exist for fewer ops than int8: try quantize='int8' or quantize='dynamic'"
        elif mode == "int8" and ("quantiz" in text.lower() or "int8" in text.lower()):
            hint += "; try quantize='dynamic' or quantize='fp16', or io='float'"
        raise UnsupportedModelError(f"{source.path}: TFLiteConverter failed (quantize={mode!r}): {cause}",
                                    hint=hint, path=str(source.path), params=("quantize", "io")) from None
    raise InfrastructureError(f"{source.path}: TFLiteConverter crashed (quantize={mode!r}): "
                              f"{type(error).__name__}: {cause}", path=str(source.path), params=("quantize",)) from None
