"""Run onnx2tf in a child process, offline (an :mod:`edge_sdk.core.child` child: model, out_dir, options).

onnx2tf can exit(), crash or print thousands of lines, and for 3-channel image inputs it
downloads a calibration sample from a code host. Here its download function is replaced by
local synthetic data (it only feeds onnx2tf's own internal sanity checks; edge-sdk calibrates
quantization with the user's data itself), and ``requests`` is barred from the network, so the
conversion is offline by construction. The SavedModel lands in OUTDIR with ``io.json`` describing
the converted inputs and outputs.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any


def _offline_sample():
    import numpy as np  # noqa: PLC0415

    return np.random.default_rng(0).uniform(0.0, 1.0, (20, 128, 128, 3)).astype(np.float32)


def _no_network(*_args, **_kwargs):
    raise ConnectionError("edge-sdk runs onnx2tf offline: network access is disabled")


def main(model: str, out_dir: str, options: str = "{}") -> int:
    """``options``: JSON keyword arguments for onnx2tf.convert (shapes, layout) over the defaults."""
    os.environ["PATH"] = os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import requests  # noqa: PLC0415

    requests.get = requests.post = _no_network
    import onnx2tf  # noqa: PLC0415
    import onnx2tf.onnx2tf as core  # noqa: PLC0415
    import onnx2tf.utils.common_functions as common  # noqa: PLC0415

    core.download_test_image_data = _offline_sample
    common.download_test_image_data = _offline_sample
    kwargs = {"batch_size": 1, **json.loads(options)}
    model_obj = onnx2tf.convert(
        input_onnx_file_path=model, output_folder_path=out_dir, output_signaturedefs=True, non_verbose=True,
        **kwargs)
    if model_obj is None or not os.path.exists(os.path.join(out_dir, "saved_model.pb")):
        print("ERROR: onnx2tf finished without writing a SavedModel", file=sys.stderr)
        return 4
    io = {
        "inputs": [{"name": t.name.split(":")[0], "shape": [None if d is None else int(d) for d in t.shape]}
                   for t in model_obj.inputs],
        "outputs": [{"name": t.name.split(":")[0], "shape": [None if d is None else int(d) for d in t.shape]}
                    for t in model_obj.outputs],
        "onnx2tf": getattr(onnx2tf, "__version__", "unknown"),
    }
    with open(os.path.join(out_dir, "io.json"), "w") as handle:
        json.dump(io, handle)
    return 0


def handle(request: dict[str, Any]) -> None:
    """The :mod:`edge_sdk.core.child` entry; onnx2tf's own failures end the process without an answer."""
    code = main(request["model"], request["out_dir"], json.dumps(request.get("options") or {}))
    if code:
        sys.exit(code)


if __name__ == "__main__":
    from edge_sdk.core.child import serve

    sys.exit(serve(handle))
