"""The per-op quantization error report: which ops break int8, most damaging first.

Two figures per op, on the same calibration inputs:

- **local error**: what quantizing this op adds by itself. TFLite's debug model (NumericVerify
  ops, the engine of ``QuantizationDebugger``) runs every quantized op next to its float twin fed
  with the same (dequantized) inputs; SQNR and RMSE of the int8 output against the float one,
  with the output's scale and zero point (a huge scale is an outlier range).
- **output effect**: the final outputs' error when only this op is kept in float. The share of the
  full-int8 output error it removes is what ranks the ops; it is measured for the ops with the
  worst local error (a full run each), the rest are ranked by local error after them.

Output error is the noise-to-signal power of the outputs against the float model (1/SQNR), so
"these 3 ops cause 90% of the output error" means keeping those 3 in float removes 90% of it,
which the report then checks by keeping the 3 together.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from converters._runtime import captured_output, import_tensorflow
from converters.quantization.calibrated import Calibrated, run_tflite

REPORT_SAMPLES = 32
MEASURED_OPS = 10
EXPLAINED_SHARE = 0.9
MIN_SHARE = 0.02  # an op whose float copy removes less than 2% of the output error does not "cause" it
DOMINANT_SHARE = 0.5


def noise_ratio(reference: list[np.ndarray], outputs: list[np.ndarray]) -> float:
    """Mean over outputs of noise power / signal power (0 = identical)."""
    ratios = []
    for ref, out in zip(reference, outputs):
        ref64 = ref.astype(np.float64)
        signal = float(np.sum(ref64 ** 2))
        noise = float(np.sum((ref64 - out.astype(np.float64).reshape(ref.shape)) ** 2))
        ratios.append(noise / signal if signal > 0 else (0.0 if noise == 0 else math.inf))
    return float(np.mean(ratios)) if ratios else 0.0


def sqnr_db(ratio: float) -> float | None:
    return None if ratio <= 0 or not math.isfinite(ratio) else round(-10.0 * math.log10(ratio), 2)


def local_errors(debug_model: bytes, inputs: dict[str, np.ndarray]) -> dict[str, dict[str, float | None]]:
    """Per float-op tensor name: SQNR, RMSE, max abs error, scale and zero point of its int8 twin."""
    tf = import_tensorflow()
    from converters.validation._litert_child import _batch, _match, _to_model  # noqa: PLC0415

    with captured_output(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "preserve_all_tensors is for debugging": that is what this is
        interp = tf.lite.Interpreter(model_content=debug_model, experimental_preserve_all_tensors=True)
    interp.allocate_tensors()
    details = interp.get_input_details()
    mapping = _match([d["name"] for d in details], list(inputs))
    pairs = []
    for op in interp._get_ops_details():  # noqa: SLF001 - NumericVerify wiring, as the debugger reads it
        if op["op_name"] == "NumericVerify":
            quantized, reference = (int(t) for t in op["inputs"][:2])
            q_detail = interp._get_tensor_details(quantized, 0)  # noqa: SLF001
            params = q_detail["quantization_parameters"]
            scale = float(params["scales"][0]) if len(params["scales"]) else 0.0
            zero = int(params["zero_points"][0]) if len(params["zero_points"]) else 0
            name = interp._get_tensor_details(reference, 0)["name"]  # noqa: SLF001
            pairs.append((name, quantized, reference, scale, zero))
    sums = {name: [0.0, 0.0, 0, 0.0] for name, *_ in pairs}  # signal, noise, count, max abs
    count, step = len(next(iter(inputs.values()))), _batch(details)
    for start in range(0, count, step):
        for d in details:
            interp.set_tensor(d["index"], _to_model(inputs[mapping[d["name"]]][start:start + step], d))
        interp.invoke()
        for name, quantized, reference, scale, zero in pairs:
            ref = interp.get_tensor(reference).astype(np.float64)
            deq = (interp.get_tensor(quantized).astype(np.float64) - zero) * scale
            diff = deq - ref
            acc = sums[name]
            acc[0] += float(np.sum(ref ** 2))
            acc[1] += float(np.sum(diff ** 2))
            acc[2] += ref.size
            acc[3] = max(acc[3], float(np.max(np.abs(diff))) if diff.size else 0.0)
    result = {}
    for name, _, _, scale, zero in pairs:
        signal, noise, size, worst = sums[name]
        result[name] = {"sqnr_db": sqnr_db(noise / signal) if signal > 0 else None,
                        "rmse": round(math.sqrt(noise / size), 8) if size else None,
                        "max_abs_error": round(worst, 8), "scale": scale, "zero_point": zero}
    return result


def _keep_float_effect(calibrated: Calibrated, inputs: dict[str, np.ndarray], reference: list[np.ndarray],
                       full_ratio: float, tensors: list[str]) -> dict[str, Any]:
    """Output SQNR and the share of the full-int8 output error removed when ``tensors``' ops stay float."""
    ratio = noise_ratio(reference, run_tflite(calibrated.quantize("float", tensors), inputs))
    share = (full_ratio - ratio) / full_ratio if full_ratio > 0 else 0.0
    return {"output_sqnr_db": sqnr_db(ratio), "error_share": round(max(share, 0.0), 4)}


def _local_rank(entry: dict[str, Any]) -> float:
    sqnr = entry["local"].get("sqnr_db")
    return math.inf if sqnr is None else sqnr


def per_op_report(calibrated: Calibrated, *, samples: int = REPORT_SAMPLES, measured: int = MEASURED_OPS) -> dict[str, Any]:
    """The report as a JSON-ready dict: ``ops`` sorted most damaging first, ``summary`` in plain words."""
    inputs = calibrated.inputs(samples)
    reference = calibrated.float_outputs(inputs)
    local = local_errors(calibrated.quantize(debug=True), inputs)
    full_ratio = noise_ratio(reference, run_tflite(calibrated.quantize("float"), inputs))
    for name in list(local):  # the debug model renames graph outputs "x:0" -> "x:01"
        if name not in {op.tensor for op in calibrated.ops} and name[-1:].isdigit():
            local.setdefault(name[:-1], local[name])
    entries = [{**op.to_dict(), "local": local[op.tensor], "float_alone": None}
               for op in calibrated.ops if op.tensor in local]
    entries.sort(key=_local_rank)
    consumers = {op.tensor: list(op.consumers) for op in calibrated.ops}
    names = {op.tensor: op.name for op in calibrated.ops}
    for entry in entries[:measured]:
        entry["float_alone"] = _keep_float_effect(calibrated, inputs, reference, full_ratio, [entry["tensor"]])
        readers = consumers.get(entry["tensor"], [])
        if readers:  # its output range may be the problem: then its readers must take float input too
            wider = _keep_float_effect(calibrated, inputs, reference, full_ratio, [entry["tensor"], *readers])
            if wider["error_share"] > entry["float_alone"]["error_share"] + 0.05:
                entry["float_alone"] = {**wider, "with_readers": [names.get(t, t) for t in readers]}
        entry["keep"] = [entry["tensor"], *(readers if "with_readers" in entry["float_alone"] else [])]
    entries.sort(key=lambda e: (e["float_alone"] is None, -(e["float_alone"] or {}).get("error_share", 0.0),
                                _local_rank(e)))
    for rank, entry in enumerate(entries, 1):
        entry["rank"] = rank
    top = _explaining_ops(entries)
    together = None
    if top:
        keep = list(dict.fromkeys(t for e in top for t in e["keep"]))
        ratio = noise_ratio(reference, run_tflite(calibrated.quantize("float", keep), inputs))
        together = {"ops": [e["name"] + (f" (with its reader{'s' if len(e['float_alone']['with_readers']) > 1 else ''} "
                                          f"{', '.join(e['float_alone']['with_readers'])})"
                                          if e["float_alone"].get("with_readers") else "") for e in top],
                    "output_sqnr_db": sqnr_db(ratio),
                    "error_share": round(max((full_ratio - ratio) / full_ratio, 0.0), 4) if full_ratio > 0 else 0.0}
    report = {"samples": len(next(iter(inputs.values()))), "inputs": "calibration-data",
              "full_int8_output_sqnr_db": sqnr_db(full_ratio), "ops_quantized": len(entries),
              "measured_float_alone": min(measured, len(entries)), "kept_float_together": together, "ops": entries}
    report["summary"] = summary(report)
    return report


def _explaining_ops(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The fewest leading ops whose single-op shares reach 90% (at most all the measured ones)."""
    chosen, total = [], 0.0
    for entry in entries:
        if entry["float_alone"] is None or entry["float_alone"]["error_share"] < MIN_SHARE:
            break
        chosen.append(entry)
        total += entry["float_alone"]["error_share"]
        if total >= EXPLAINED_SHARE:
            break
    return chosen


def summary(report: dict[str, Any]) -> str:
    """One plain sentence: which ops cause most of the output error, and what keeping them float gives."""
    together = report.get("kept_float_together")
    full = report.get("full_int8_output_sqnr_db")
    if full is None:
        return "full int8 matches the float model exactly on these inputs: no op adds measurable error"
    if not together:
        return (f"full int8: output SQNR {full:.1f} dB; no single op kept in float reduces the output error: it is "
                "spread over many ops (try int16x8 or dynamic-range quantization)")
    names = ", ".join(together["ops"])
    count = len(together["ops"])
    after = together["output_sqnr_db"]
    after_text = "identical to float" if after is None else f"{after:.1f} dB"
    share = together["error_share"] * 100
    head = "this op causes" if count == 1 else f"these {count} ops cause"
    if together["error_share"] < MIN_SHARE:
        return (f"the error is spread over many ops: keeping the {count} most damaging in float together ({names}) "
                f"does not reduce it (full int8 output SQNR {full:.1f} dB; with them in float: {after_text}); "
                "try int16x8 or dynamic-range quantization")
    if together["error_share"] < DOMINANT_SHARE:
        head = ("the error is spread over many ops: the most damaging one causes only" if count == 1 else
                f"the error is spread over many ops: the {count} most damaging cause only")
    return (f"{head} {share:.0f}% of the output error: {names} (full int8 output SQNR {full:.1f} dB; "
            f"with {'it' if count == 1 else 'them'} in float: {after_text})")
