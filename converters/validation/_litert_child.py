"""Child process: run a .tflite with LiteRT on a batch of inputs and measure weight sparsity.

An :mod:`edge_sdk.core.child` child (``request``: model, folder, run, sparsity, reference_kernels).
Reads ``FOLDER/inputs.npz`` (arrays keyed by the source's input names, one sample per row, artifact
layout), writes ``FOLDER/outputs.npz`` and answers with the description and sparsity. Run in a
child so an interpreter crash (a segfault on a bad model) is contained and reported, never the end
of the edge-sdk process. Imports no TensorFlow.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import numpy as np


def _interpreter(model: str, *, delegates: bool = True, reference_kernels: bool = False) -> Any:
    """LiteRT as apps run it (XNNPACK), without delegates, or with its plain reference kernels."""
    from ai_edge_litert.interpreter import Interpreter, OpResolverType  # noqa: PLC0415

    kind = OpResolverType.AUTO if delegates else OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES
    if reference_kernels:
        kind = OpResolverType.BUILTIN_REF
    try:
        model.encode("utf-8")
    except UnicodeEncodeError:  # a non-UTF-8 file name: LiteRT's C++ API cannot take the path
        with open(model, "rb") as handle:
            return Interpreter(model_content=handle.read(), num_threads=1, experimental_op_resolver_type=kind)
    return Interpreter(model_path=model, num_threads=1, experimental_op_resolver_type=kind)


def _clean(name: str) -> str:
    name = re.sub(r"^serving_default_", "", name)
    return re.sub(r":\d+$", "", name)


def _describe(detail: dict[str, Any], name: str) -> dict[str, Any]:
    scale, zero = detail.get("quantization", (0.0, 0))
    dtype = np.dtype(detail["dtype"])
    return {"name": name, "shape": [int(d) for d in detail["shape"]],
            "dtype": dtype.name, "scale": float(scale), "zero_point": int(zero),
            "float_dtype": "float32" if (scale and dtype.kind in "iu") else dtype.name}


def describe(interp: Any) -> dict[str, Any]:
    runner = _signature_runner(interp)
    if runner is not None:
        ins, outs = runner.get_input_details(), runner.get_output_details()
        return {"inputs": [_describe(d, n) for n, d in ins.items()],
                "outputs": [_describe(d, n) for n, d in outs.items()], "signature": True}
    return {"inputs": [_describe(d, _clean(d["name"])) for d in interp.get_input_details()],
            "outputs": [_describe(d, _clean(d["name"])) for d in interp.get_output_details()],
            "signature": False}


def _signature_runner(interp: Any) -> Any:
    signatures = interp.get_signature_list()
    if len(signatures) != 1:
        return None
    return interp.get_signature_runner(next(iter(signatures)))


def _match(names: list[str], wanted: list[str]) -> dict[str, str]:
    """Map the model's input names to the request's names: exact, then cleaned, then by order."""
    mapping: dict[str, str] = {}
    for name in names:
        for candidate in (name, _clean(name)):
            if candidate in wanted and candidate not in mapping.values():
                mapping[name] = candidate
                break
    rest = [w for w in wanted if w not in mapping.values()]
    for name in names:
        if name not in mapping and rest:
            mapping[name] = rest.pop(0)
    return mapping


def _to_model(array: np.ndarray, detail: dict[str, Any]) -> np.ndarray:
    dtype = np.dtype(detail["dtype"])
    scale, zero = detail.get("quantization", (0.0, 0))
    if dtype.kind in "iu" and scale and array.dtype.kind == "f":
        info = np.iinfo(dtype)
        array = np.clip(np.round(array / scale + zero), info.min, info.max)
    return array.astype(dtype)


def _from_model(array: np.ndarray, detail: dict[str, Any]) -> np.ndarray:
    scale, zero = detail.get("quantization", (0.0, 0))
    if np.dtype(detail["dtype"]).kind in "iu" and scale:
        return (array.astype(np.float32) - zero) * scale
    return np.asarray(array)


def _batch(details: Any) -> int:
    """Rows per call: the fixed leading dimension of the inputs (1 for the usual batch-1 models)."""
    sizes = [int(d["shape"][0]) for d in details if len(d["shape"]) > 0 and int(d["shape"][0]) > 1]
    return max(sizes) if sizes else 1


def run(model: str, inputs: dict[str, np.ndarray], *, reference_kernels: bool = False) -> tuple[dict[str, np.ndarray], list[str]]:
    interp = _interpreter(model, delegates=not reference_kernels, reference_kernels=reference_kernels)
    runner = _signature_runner(interp)
    count = len(next(iter(inputs.values())))
    if runner is not None:
        in_details, out_details = runner.get_input_details(), runner.get_output_details()
        mapping = _match(list(in_details), list(inputs))
        step = _batch(in_details.values())
        rows = []
        for i in range(0, count, step):
            feed = {n: _to_model(inputs[mapping[n]][i:i + step], d) for n, d in in_details.items()}
            result = runner(**feed)
            rows.append({n: _from_model(result[n], d) for n, d in out_details.items()})
        names = list(out_details)
    else:
        interp.allocate_tensors()
        in_list, out_list = interp.get_input_details(), interp.get_output_details()
        mapping = _match([d["name"] for d in in_list], list(inputs))
        step = _batch(in_list)
        rows = []
        for i in range(0, count, step):
            for d in in_list:
                interp.set_tensor(d["index"], _to_model(inputs[mapping[d["name"]]][i:i + step], d))
            interp.invoke()
            rows.append({_clean(d["name"]): _from_model(interp.get_tensor(d["index"]), d) for d in out_list})
        names = [_clean(d["name"]) for d in out_list]
    return {n: np.concatenate([r[n] for r in rows]) for n in names}, names


def weight_sparsity(interp: Any) -> dict[str, Any]:
    """Fraction of zero weights in the constant tensors of rank >= 2 (kernels), as stored in the file.

    For quantized weights "zero" means the stored integer equals the zero point. Biases and other
    1-D constants are left out: pruning never targets them. ``interp`` must run without delegates
    (XNNPACK repacks weights and may release the original buffers).
    """
    produced: set[int] = set()
    consumed: set[int] = set()
    for op in interp._get_ops_details():  # noqa: SLF001 - the only offline way to see op wiring without TF
        produced.update(int(t) for t in op["outputs"] if t >= 0)
        consumed.update(int(t) for t in op["inputs"] if t >= 0)
    graph_inputs = {d["index"] for d in interp.get_input_details()}
    total = zeros = tensors = 0
    for detail in interp.get_tensor_details():
        index = detail["index"]
        if index not in consumed or index in produced or index in graph_inputs or len(detail["shape"]) < 2:
            continue
        try:
            values = interp.get_tensor(index)
        except ValueError:
            continue
        params = detail.get("quantization_parameters") or {}
        zero_points = np.asarray(params.get("zero_points", []))
        zero = 0
        if zero_points.size == 1:
            zero = int(zero_points[0])
        total += values.size
        zeros += int(np.count_nonzero(values == zero))
        tensors += 1
    return {"weight_tensors": tensors, "weights": int(total), "zero_weights": int(zeros),
            "sparsity": (zeros / total) if total else 0.0}


def handle(request: dict[str, Any]) -> dict[str, Any]:
    """Describe, run and measure as ``request`` says; a model LiteRT refuses is an input error."""
    from edge_sdk.core.errors import InputError

    model, folder = request["model"], Path(request["folder"])
    try:
        plain = _interpreter(model, delegates=False)
        result: dict[str, Any] = {"describe": describe(plain)}
        if request.get("run", True):
            with np.load(folder / "inputs.npz") as data:
                inputs = {k: data[k] for k in data.files}
            outputs, names = run(model, inputs, reference_kernels=bool(request.get("reference_kernels")))
            np.savez(folder / "outputs.npz", **{f"out{i}": outputs[n] for i, n in enumerate(names)})
            result["output_names"] = names
        if request.get("sparsity", True):
            result["sparsity"] = weight_sparsity(plain)
    except (ValueError, RuntimeError, KeyError, IndexError) as exc:  # LiteRT's refusals of a model or its inputs
        lines = [line for line in str(exc).strip().splitlines() if line.strip()] or [type(exc).__name__]
        raise InputError(f"{model}: LiteRT cannot run this model: {lines[-1][:400]}",
                         hint="the model may use ops this LiteRT build lacks (Flex/custom ops)", path=model) from None
    return result


if __name__ == "__main__":
    from edge_sdk.core.child import serve

    sys.exit(serve(handle))
