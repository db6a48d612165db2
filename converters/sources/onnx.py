"""ONNX sources, through onnx2tf (in a child process) and then the usual TFLiteConverter.

ONNX models are usually NCHW; onnx2tf produces an NHWC TensorFlow model. The loader records the
permutation per input so calibration/eval data (given in the ONNX layout, as users have it) is
transposed for the artifact, and so parity compares like with like. The reference outputs come
from onnxruntime running the original file.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from converters._runtime import import_tensorflow, summarize_failure
from converters.options import ConvertOptions
from converters.sources.base import LoadedSource, TensorSpec, channels_last_perm
from converters.sources.onnx_cache import new_work_dir, onnx2tf_cache_dir, seal_entry, trusted
from converters.sources.onnx_layout import attempts, channels_last_inputs, failure_hint, fixed_shapes
from edge_sdk.core.child import ChildCrashed, ChildFailed, ChildTimedOut, run_child
from edge_sdk.core.errors import InfrastructureError, InputError, UnsupportedModelError, UsageError

ONNX2TF_TIMEOUT_S = 1800


def onnx_specs(path: Path) -> tuple[list[TensorSpec], list[str], str]:
    """The model's graph inputs (initializers excluded; -1 or unnamed sizes are None), output names, onnx version."""
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
        dims = tuple(d.dim_value if d.HasField("dim_value") and d.dim_value > 0 else None  # -1: dynamic too
                     for d in tensor.shape.dim)
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


def _run_onnx2tf(path: Path, out_dir: Path, kwargs: dict[str, Any], hint: str) -> dict[str, Any]:
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    with tempfile.TemporaryDirectory(prefix="edge-sdk-onnx2tf-") as private:
        copy = private_copy(path, Path(private))
        try:
            run_child("converters.sources._onnx2tf_child", {"model": str(copy), "out_dir": str(out_dir),
                                                            "options": kwargs},
                      timeout_s=ONNX2TF_TIMEOUT_S, what="onnx2tf", path=str(path), env=env, cwd=private)
        except ChildTimedOut:
            raise InfrastructureError(f"{path}: onnx2tf did not finish within {ONNX2TF_TIMEOUT_S} s",
                                      path=str(path)) from None
        except ChildCrashed as crash:
            raise InfrastructureError(f"{path}: onnx2tf crashed ({crash.signal_name}) while converting: "
                                      f"{summarize_failure(crash.log)}",
                                      hint="try another onnx2tf-compatible opset export; report the crash upstream",
                                      path=str(path)) from None
        except ChildFailed as failed:
            raise UnsupportedModelError(
                f"{path}: onnx2tf could not convert this model: {summarize_failure(failed.log)}", hint=hint,
                path=str(path), params=("input_shape",)) from None
    if not (out_dir / "io.json").exists():
        raise UnsupportedModelError(f"{path}: onnx2tf could not convert this model (it wrote no SavedModel)",
                                    hint=hint, path=str(path), params=("input_shape",))
    return json.loads((out_dir / "io.json").read_text())


def cache_root() -> Path:
    """Where onnx2tf results are kept between runs (``$EDGE_SDK_CACHE_DIR/onnx2tf``, default ~/.cache/edge-sdk)."""
    return onnx2tf_cache_dir()


def _onnx2tf_version() -> str:
    from importlib import metadata  # noqa: PLC0415

    try:
        return metadata.version("onnx2tf")
    except metadata.PackageNotFoundError:
        return "unknown"


def converted_savedmodel(path: Path, specs: list[TensorSpec] | None = None,
                        input_shapes: dict[str, tuple[int, ...]] | None = None) -> tuple[Path, dict[str, Any], bool]:
    """onnx2tf's SavedModel for ``path``: from the cache when this exact file was converted before.

    Keyed by the ONNX file's sha256, the onnx2tf version and the fixed input shapes asked for;
    published by an atomic rename, so a crash never leaves a half-written entry. Option sets are
    tried in turn (:func:`onnx_layout.attempts`); ``io.json`` records the one that worked and why
    the others failed. Returns (saved_model dir, io description, cache hit).
    """
    from converters.manifest import sha256_file  # noqa: PLC0415

    given = dict(input_shapes or {})
    if specs is None:
        specs = onnx_specs(path)[0]
    try:
        shapes, dynamic = fixed_shapes(specs, given)
    except ValueError as exc:
        raise UsageError(f"{path}: {exc}", params=("input_shape",), path=str(path)) from None
    suffix = "" if not given else "-" + hashlib.sha256(json.dumps(sorted(given.items())).encode()).hexdigest()[:8]
    source_sha = sha256_file(path)
    entry = cache_root() / f"{source_sha[:24]}-onnx2tf-{_onnx2tf_version()}{suffix}"
    cache_note = None
    if entry.exists():
        if trusted(entry, source_sha):
            return entry / "saved_model", json.loads((entry / "saved_model" / "io.json").read_text()), True
        cache_note = f"onnx2tf cache entry {entry} did not verify (edited, or written elsewhere): converted again"
        shutil.rmtree(entry, ignore_errors=True)
    if dynamic:  # onnx2tf cannot infer them reliably, parity needs them, and phones run fixed shapes
        example = dynamic[0].split(" ", 1)[0]
        raise InputError(f"{path}: input(s) with dynamic sizes besides the batch: {'; '.join(dynamic)}; a .tflite "
                         "for a device needs fixed sizes", hint=f"fix them with input_shape='{example}:1,...' (every "
                         "size, batch first; repeat it per input), or re-export the model with fixed sizes",
                         path=str(path), params=("input_shape",))
    channels_last = channels_last_inputs(path, specs)
    hint = failure_hint(channels_last)
    entry.parent.mkdir(parents=True, exist_ok=True)
    failures: list[tuple[str, UnsupportedModelError]] = []
    for attempt in attempts(shapes, channels_last, bool(given)):
        work = new_work_dir(entry.parent)
        try:
            io = _run_onnx2tf(path, work / "saved_model", attempt.kwargs, hint)
        except UnsupportedModelError as exc:
            shutil.rmtree(work, ignore_errors=True)
            failures.append((attempt.label, exc))
            continue
        except BaseException:
            shutil.rmtree(work, ignore_errors=True)
            raise
        io.update(attempt=attempt.label, channels_last=channels_last, input_shapes={k: list(v) for k, v in shapes.items()},
                  failed_attempts=[{"attempt": label, "cause": exc.message} for label, exc in failures])
        (work / "saved_model" / "io.json").write_text(json.dumps(io))
        seal_entry(work, source_sha)
        if cache_note:
            io["cache_note"] = cache_note  # this run's note only (not in the entry)
        try:
            os.rename(work, entry)
        except OSError:  # another run published the same entry first: use theirs
            shutil.rmtree(work, ignore_errors=True)
        return entry / "saved_model", io, False
    first = failures[0][1]
    tried = "; ".join(label for label, _ in failures)
    layout = "".join(f" Input {name!r} is channels-last: {why}." for name, why in channels_last.items())
    raise UnsupportedModelError(f"{first.message} (tried: {tried}).{layout}", hint=hint, path=str(path),
                                params=("input_shape",))


def onnx2tf_layout(specs: list[TensorSpec], io: dict[str, Any]) -> tuple[dict[str, tuple[int, ...] | None], list[str]]:
    """Per input, the permutation from the ONNX layout to the artifact's (or None), and notes saying so."""
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
        elif spec.name in io.get("channels_last", {}):
            notes.append(f"input {spec.name!r}: already channels-last ({io['channels_last'][spec.name]}): kept as "
                         f"{list(artifact_shape)}, data used as given")
    if io.get("failed_attempts"):
        notes.append(f"onnx2tf converted with {io.get('attempt')} after: " + "; ".join(
            f"{f['attempt']} failed ({f['cause'][:160]})" for f in io["failed_attempts"]))
    return perms, notes


def with_fixed_sizes(specs: list[TensorSpec], io: dict[str, Any]) -> list[TensorSpec]:
    """Specs whose non-batch dynamic sizes take the fixed sizes onnx2tf converted with (batch stays free)."""
    fixed = io.get("input_shapes") or {}
    out = []
    for spec in specs:
        dims = fixed.get(spec.name)
        if dims and len(dims) == len(spec.shape):
            spec = TensorSpec(spec.name, (spec.shape[0], *[d if d is not None else int(f) for d, f
                                                          in zip(spec.shape[1:], dims[1:])]), spec.dtype)
        out.append(spec)
    return out


def load_onnx_source(options: ConvertOptions) -> LoadedSource:
    path = options.source
    specs, output_names, onnx_version = onnx_specs(path)
    saved_model, io, cached = converted_savedmodel(path, specs, options.input_shapes)
    specs = with_fixed_sizes(specs, io)
    perms, notes = onnx2tf_layout(specs, io)
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
        layout_notes=notes + ([f"onnx2tf result reused from the cache {saved_model.parent}"] if cached else [])
        + ([io["cache_note"]] if io.get("cache_note") else []),
        versions={"onnx": onnx_version, "onnx2tf": io.get("onnx2tf", "unknown"),
                  "onnxruntime": ort.__version__, "tensorflow": tf.__version__})
