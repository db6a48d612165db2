"""ONNX sources, through onnx2tf (in a child process) and then the usual TFLiteConverter.

ONNX models are usually NCHW; onnx2tf produces an NHWC TensorFlow model. The loader records the
permutation per input so calibration/eval data (given in the ONNX layout, as users have it) is
transposed for the artifact, and so parity compares like with like. The reference outputs come
from onnxruntime running the original file.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from converters._runtime import import_tensorflow, summarize_failure
from converters.options import ConvertOptions
from converters.sources.base import LoadedSource, TensorSpec, channels_last_perm
from edge_sdk.core.errors import InfrastructureError, InputError, UnsupportedModelError

ONNX2TF_TIMEOUT_S = 1800


def _onnx_specs(path: Path) -> tuple[list[TensorSpec], list[str], str]:
    import onnx  # noqa: PLC0415
    from onnx import helper  # noqa: PLC0415

    try:
        model = onnx.load(str(path))
        onnx.checker.check_model(model)
    except Exception as exc:  # noqa: BLE001 - protobuf/checker errors: a bad file, said plainly
        raise InputError(f"{path}: not a valid ONNX model ({str(exc).splitlines()[0][:250]}); "
                         "the file may be truncated or corrupt",
                         hint="re-export the model (torch.onnx.export / tf2onnx) and check it with onnx.checker",
                         path=str(path)) from None
    initializers = {i.name for i in model.graph.initializer}
    specs = []
    for value in model.graph.input:
        if value.name in initializers:
            continue
        tensor = value.type.tensor_type
        dims = tuple(d.dim_value if d.HasField("dim_value") else None for d in tensor.shape.dim)
        dtype = np.dtype(helper.tensor_dtype_to_np_dtype(tensor.elem_type)).name
        specs.append(TensorSpec(value.name, dims, dtype))
    return specs, [o.name for o in model.graph.output], onnx.__version__


def _external_data_files(path: Path) -> list[str]:
    """Relative names of the external-data files ``path`` refers to (large models keep weights beside it)."""
    import onnx  # noqa: PLC0415
    from onnx import external_data_helper as external  # noqa: PLC0415

    model = onnx.load(str(path), load_external_data=False)
    names = {external.ExternalDataInfo(t).location for t in external._get_all_tensors(model)
             if external.uses_external_data(t)}
    return sorted(n for n in names if n)


def private_copy(path: Path, into: Path) -> Path:
    """Copy ``path`` (and its external-data files) into the private directory ``into``.

    onnx2tf runs onnxsim on its input and saves the simplified graph over the file it was given,
    also when the conversion then fails: it must never see the user's file, only this copy.
    """
    copy = into / "model.onnx"
    shutil.copyfile(path, copy)
    for name in _external_data_files(path):
        source, target = (path.parent / name).resolve(), (into / name).resolve()
        if not target.is_relative_to(into.resolve()) or not source.is_file():
            continue  # onnx itself refuses such locations; onnx2tf reports the missing data
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    return copy


def _run_onnx2tf(path: Path, out_dir: Path) -> dict[str, Any]:
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    with tempfile.TemporaryDirectory(prefix="edge-sdk-onnx2tf-") as private:
        copy = private_copy(path, Path(private))
        command = [sys.executable, "-m", "converters.sources._onnx2tf_child", str(copy), str(out_dir)]
        try:
            done = subprocess.run(command, cwd=private, env=env, capture_output=True, text=True,
                                  timeout=ONNX2TF_TIMEOUT_S, check=False)
        except subprocess.TimeoutExpired:
            raise InfrastructureError(f"{path}: onnx2tf did not finish within {ONNX2TF_TIMEOUT_S} s",
                                      path=str(path)) from None
    log = (done.stdout or "") + "\n" + (done.stderr or "")
    if done.returncode < 0:
        name = signal.Signals(-done.returncode).name
        raise InfrastructureError(f"{path}: onnx2tf crashed ({name}) while converting: {summarize_failure(log)}",
                                  hint="try another onnx2tf-compatible opset export; report the crash upstream",
                                  path=str(path))
    if done.returncode != 0 or not (out_dir / "io.json").exists():
        raise UnsupportedModelError(
            f"{path}: onnx2tf could not convert this model: {summarize_failure(log)}",
            hint="onnx2tf needs static shapes it can infer: re-export with fixed input sizes, "
                 "or simplify the graph (onnxsim) first", path=str(path))
    return json.loads((out_dir / "io.json").read_text())


def cache_root() -> Path:
    """Where onnx2tf results are kept between runs (``$EDGE_SDK_CACHE``, default ~/.cache/edge-sdk)."""
    return Path(os.environ.get("EDGE_SDK_CACHE") or Path.home() / ".cache" / "edge-sdk") / "onnx2tf"


def _onnx2tf_version() -> str:
    from importlib import metadata  # noqa: PLC0415

    try:
        return metadata.version("onnx2tf")
    except metadata.PackageNotFoundError:
        return "unknown"


def converted_savedmodel(path: Path) -> tuple[Path, dict[str, Any], bool]:
    """onnx2tf's SavedModel for ``path``: from the cache when this exact file was converted before.

    Keyed by the ONNX file's sha256 and the onnx2tf version; published by an atomic rename, so a
    crash never leaves a half-written entry. Returns (saved_model dir, io description, cache hit).
    """
    from converters.manifest import sha256_file  # noqa: PLC0415

    entry = cache_root() / f"{sha256_file(path)[:24]}-onnx2tf-{_onnx2tf_version()}"
    if (entry / "saved_model" / "io.json").exists():
        return entry / "saved_model", json.loads((entry / "saved_model" / "io.json").read_text()), True
    entry.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".partial-", dir=entry.parent))
    try:
        io = _run_onnx2tf(path, work / "saved_model")
        try:
            os.rename(work, entry)
        except OSError:  # another run published the same entry first: use theirs
            shutil.rmtree(work, ignore_errors=True)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return entry / "saved_model", io, False


def load_onnx_source(options: ConvertOptions) -> LoadedSource:
    path = options.source
    specs, output_names, onnx_version = _onnx_specs(path)
    saved_model, io, cached = converted_savedmodel(path)
    perms: dict[str, tuple[int, ...] | None] = {}
    notes = []
    converted = {i["name"]: tuple(i["shape"]) for i in io["inputs"]}
    for index, spec in enumerate(specs):
        artifact_shape = converted.get(spec.name) or tuple(io["inputs"][index]["shape"])
        perm = channels_last_perm(spec.shape, artifact_shape)
        perms[spec.name] = perm
        if perm:
            kind = "NCHW -> NHWC" if len(spec.shape) == 4 else "channels-first -> channels-last"
            notes.append(f"input {spec.name!r}: {kind}, {list(spec.shape)} -> {list(artifact_shape)} "
                         "(calibration/eval data is given in the ONNX layout and transposed)")
    import onnxruntime as ort  # noqa: PLC0415

    try:
        session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        session_error = ""
    except Exception as exc:  # noqa: BLE001 - e.g. an op version onnxruntime lacks: parity is then skipped
        session, session_error = None, str(exc).splitlines()[0][:300]

    fixed = [s.shape[0] for s in specs if isinstance(s.shape[0], int) and s.shape[0] > 1]
    step = max(fixed) if fixed else 1

    def reference(data: dict[str, np.ndarray]) -> list[np.ndarray]:
        if session is None:
            raise RuntimeError(f"onnxruntime {ort.__version__} cannot load it: {session_error}")
        count = len(next(iter(data.values())))
        rows = [session.run(output_names, {s.name: data[s.name][i:i + step] for s in specs})
                for i in range(0, count, step)]
        return [np.concatenate([r[k] for r in rows]) for k in range(len(output_names))]

    def make_converter(_model: Any) -> Any:
        tf = import_tensorflow()
        return tf.lite.TFLiteConverter.from_saved_model(str(saved_model))

    tf = import_tensorflow()
    return LoadedSource(
        format="onnx", path=path, inputs=specs, output_names=output_names, reference=reference,
        make_converter=make_converter, input_perms=perms,
        layout_notes=notes + ([f"onnx2tf result reused from the cache {saved_model.parent}"] if cached else []),
        versions={"onnx": onnx_version, "onnx2tf": io.get("onnx2tf", "unknown"),
                  "onnxruntime": ort.__version__, "tensorflow": tf.__version__})
