"""``keep_16x8``: int8 everywhere except the named ops, which keep int16 activations (not float).

TFLite's own quantizer has no per-op 16x8; ``ai-edge-quantizer`` (pinned with the same
ai-edge-litert) quantizes a float .tflite from a per-op recipe: a8w8 for every op, a16w8 for the
ops named. A sensitive op stays integer (NPUs, DSPs and MCUs keep running it) at 16-bit
activation resolution, at the cost of a QUANTIZE op on each side. Its I/O is int8.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from converters._runtime import captured_output
from converters.data import Dataset
from converters.quantization.calibrated import list_ops
from converters.quantization.selective import describe_kept, resolve_keep_float
from converters.sources.base import LoadedSource
from edge_sdk.core.errors import UnsupportedModelError

CALIBRATION_SAMPLES = 100


def _calibration_data(float_model: bytes, source: LoadedSource, calibration: Dataset) -> dict[str, Any]:
    """ai-edge-quantizer's calibration set: {signature: [{input name: one call's rows}, ...]}."""
    from ai_edge_litert.interpreter import Interpreter  # noqa: PLC0415

    from converters.validation._litert_child import _match  # noqa: PLC0415 - the one name matcher

    signatures = Interpreter(model_content=float_model).get_signature_list()
    if len(signatures) != 1:
        raise UnsupportedModelError(f"{source.path}: keep_16x8 needs a model with one signature "
                                    f"(found {len(signatures)})", path=str(source.path), params=("keep_16x8",))
    key, io = next(iter(signatures.items()))
    data = source.to_artifact_layout(calibration.subset(CALIBRATION_SAMPLES).inputs)
    mapping = _match(list(io["inputs"]), list(data))
    step, count = source.batch, len(calibration.subset(CALIBRATION_SAMPLES))
    rows = [{name: np.asarray(data[mapping[name]][i:i + step], np.float32) for name in io["inputs"]}
            for i in range(0, count - step + 1, step)]
    return {key: rows}


def quantize_keep_16x8(source: LoadedSource, model: Any, calibration: Dataset,
                       wanted: list[str]) -> tuple[bytes, list[dict[str, str]]]:
    """The mixed int8 / int16-activation artifact and the ops kept at 16x8."""
    from ai_edge_quantizer import quantizer  # noqa: PLC0415 - only this option needs it

    from converters.steps.quantize import converting, export_tflite  # noqa: PLC0415

    float_model = export_tflite(source, model, "none", None, None)
    ops = list_ops(float_model, model)
    nodes, types = resolve_keep_float(ops, wanted, "keep_16x8")
    with converting(source, "int8"), captured_output():
        engine = quantizer.Quantizer(float_model)
        engine.add_static_config(".*", "*", activation_num_bits=8, weight_num_bits=8)
        for tensor in nodes:
            # ai-edge-quantizer's op scope: the output tensor names, each followed by ";"
            engine.add_static_config(f"^{re.escape(tensor)};", "*", activation_num_bits=16, weight_num_bits=8)
        for op_type in types:
            engine.add_static_config(".*", op_type, activation_num_bits=16, weight_num_bits=8)
        result = engine.quantize(engine.calibrate(_calibration_data(float_model, source, calibration)))
    return bytes(result.quantized_model), describe_kept(ops, nodes, types)
