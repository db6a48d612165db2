"""Quantize a float .tflite directly (ai-edge-quantizer), for sources that produce .tflite themselves.

litert-torch turns a PyTorch model into a float .tflite without any TensorFlow graph, so there is no
TFLiteConverter to configure: the same modes are applied to the flatbuffer instead. ``fp16``
casts weights to float16, ``dynamic`` stores int8 weights with float activations, ``int8`` and
``int16x8`` are static (calibrated) integer models; ``io="float"`` keeps float32 model inputs and
outputs (quantize/dequantize ops at the edges), ``io="int8"`` makes them integer.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from typing import Any

import numpy as np

from converters._runtime import captured_output, summarize_failure
from edge_sdk.core.errors import InputError, UnsupportedModelError

_FLOAT16 = [{"regex": ".*", "operation": "*", "algorithm_key": "float_casting",
             "op_config": {"weight_tensor_config": {"num_bits": 16, "dtype": "FLOAT", "symmetric": False,
                                                    "granularity": "TENSORWISE"},
                           "compute_precision": "FLOAT", "explicit_dequantize": True}}]
# graph inputs and outputs left in float: the quantizer inserts QUANTIZE/DEQUANTIZE at the edges
_FLOAT_IO = [{"regex": ".*", "operation": op, "algorithm_key": "no_quantize",
              "op_config": {"compute_precision": "FLOAT", "explicit_dequantize": False}} for op in ("INPUT", "OUTPUT")]


def recipe_for(mode: str, io: str | None) -> list[dict[str, Any]]:
    """The ai-edge-quantizer recipe (a JSON-like list) for one of edge-sdk's quantize modes."""
    from ai_edge_quantizer import recipe  # noqa: PLC0415

    if mode == "fp16":
        return list(_FLOAT16)
    if mode == "dynamic":
        return list(recipe.dynamic_wi8_afp32())
    if mode in ("int8", "int16x8"):
        static = recipe.static_wi8_ai8() if mode == "int8" else recipe.static_wi8_ai16()
        return list(static) + (list(_FLOAT_IO) if io != "int8" else [])
    raise ValueError(f"no ai-edge-quantizer recipe for quantize={mode!r}")


def _signature(data: bytes) -> tuple[str, list[str]]:
    from ai_edge_litert.interpreter import Interpreter  # noqa: PLC0415

    signatures = Interpreter(model_content=data).get_signature_list()
    key = next(iter(signatures))
    return key, list(signatures[key]["inputs"])


def quantize_tflite(data: bytes, mode: str, io: str | None, samples: Iterable[list[np.ndarray]] | None,
                    *, path: str) -> bytes:
    """``data`` quantized in ``mode``; ``samples`` yields one list of arrays per call (model input order)."""
    if mode == "none":
        return data
    from ai_edge_quantizer import quantizer  # noqa: PLC0415

    key, names = _signature(data)
    error: BaseException | None = None
    stage = "preparing"
    with captured_output() as log, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "experimental_preserve_all_tensors ... for debugging" while calibrating
        try:
            engine = quantizer.Quantizer(data)
            engine.load_quantization_recipe(recipe_for(mode, io))
            result = None
            if engine.need_calibration:
                stage = "calibrating"
                feeds = [dict(zip(names, arrays)) for arrays in (samples or [])]
                if not feeds:
                    raise ValueError("no calibration samples")
                result = engine.calibrate({key: feeds}, num_threads=1)
            stage = "quantizing"
            out = bytes(engine.quantize(result, enable_progress_report=False).quantized_model)
        except Exception as exc:  # noqa: BLE001 - classified below
            error = exc
    if error is None:
        return out
    cause = summarize_failure(f"{type(error).__name__}: {error}\n{log.text}")
    if stage == "calibrating":
        raise InputError(f"{path}: the float model failed on the calibration data (quantize={mode!r}): {cause}",
                         hint="check that the calibration data fits the model's inputs (shapes, dtypes)",
                         path=path, params=("quantize", "calibration_data"))
    raise UnsupportedModelError(f"{path}: ai-edge-quantizer could not quantize the litert-torch model "
                                f"(quantize={mode!r}): {cause}",
                                hint="try another quantize mode, or via='onnx' (TFLiteConverter's quantizer)",
                                path=path, params=("quantize", "via"))
