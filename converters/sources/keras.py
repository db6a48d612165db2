"""Keras sources: Keras 3 ``.keras`` and legacy ``.h5`` (Keras 2 / tf_keras), loaded safely.

Safety first: the saved architecture is scanned before anything is deserialized, and a model
containing a ``Lambda`` layer (Python bytecode that would run on load) is refused unless the user
passes ``--allow-unsafe-deserialization``. Keras 3 loads with ``safe_mode`` on as a second guard.
Legacy ``.h5`` files that Keras 3 cannot read fall back to ``tf_keras`` (the Keras 2 they came from).
"""

from __future__ import annotations

import json
import warnings
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from converters._runtime import captured_output, import_tensorflow, summarize_failure
from converters.options import ConvertOptions
from converters.sources.base import LoadedSource, TensorSpec
from edge_sdk.core.errors import InputError, UnsupportedModelError

UNSAFE_LAYERS = ("Lambda",)
ALLOW_HINT = ("if you trust this file, pass allow_unsafe_deserialization=True "
              "(it runs the code stored in the model)")
ALLOW_PARAMS = ("allow_unsafe_deserialization",)


def _read_architecture(path: Path, fmt: str) -> dict[str, Any]:
    """The model's JSON config, read without deserializing anything."""
    try:
        if fmt == "keras":
            with zipfile.ZipFile(path) as archive:
                return json.loads(archive.read("config.json"))
        import h5py  # noqa: PLC0415
        with h5py.File(path, "r") as handle:
            raw = handle.attrs.get("model_config")
            if raw is None:
                raise InputError(f"{path}: this .h5 file holds weights only, no model architecture",
                                 hint="save the whole model (model.save('model.h5') or .keras), not save_weights",
                                 path=str(path))
            return json.loads(raw.decode() if isinstance(raw, bytes) else raw)
    except InputError:
        raise
    except (zipfile.BadZipFile, KeyError) as exc:
        raise InputError(f"{path}: not a readable Keras .keras archive ({exc}); the file may be truncated or corrupt",
                         hint="re-save the model with model.save('model.keras')", path=str(path)) from None
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: not a readable HDF5 Keras file ({str(exc)[:200]}); the file may be truncated or corrupt",
                         hint="re-save the model with model.save('model.h5') or as .keras", path=str(path)) from None


def unsafe_layers(config: Any) -> list[str]:
    """Names of layers whose config carries executable code (Lambda), found anywhere in the tree."""
    found: list[str] = []
    if isinstance(config, dict):
        if config.get("class_name") in UNSAFE_LAYERS:
            inner = config.get("config") or {}
            found.append(f"{inner.get('name', '?')} ({config['class_name']})")
        for value in config.values():
            found.extend(unsafe_layers(value))
    elif isinstance(config, list):
        for value in config:
            found.extend(unsafe_layers(value))
    return found


def load_keras_model(path: Path, fmt: str, allow_unsafe: bool) -> tuple[Any, str]:
    """Load the model; return it with the library that loaded it ("keras" or "tf_keras")."""
    config = _read_architecture(path, fmt)
    risky = unsafe_layers(config)
    if risky and not allow_unsafe:
        raise UnsupportedModelError(
            f"{path}: refused to load: layer {', '.join(risky)} stores Python code that would run on load",
            hint=ALLOW_HINT, path=str(path), params=ALLOW_PARAMS)
    import_tensorflow()
    import keras  # noqa: PLC0415

    errors = []
    with captured_output() as noise:
        try:
            return keras.saving.load_model(path, compile=False, safe_mode=not allow_unsafe), "keras"
        except Exception as exc:  # noqa: BLE001 - summarised below, never a traceback
            errors.append(f"Keras 3: {exc}")
        if fmt == "h5":
            try:
                import tf_keras  # noqa: PLC0415
                return tf_keras.models.load_model(path, compile=False), "tf_keras"
            except Exception as exc:  # noqa: BLE001
                errors.append(f"tf_keras: {exc}")
    text = " / ".join(e.splitlines()[0][:300] for e in errors)
    if "safe_mode" in text or "arbitrary code" in text:
        raise UnsupportedModelError(f"{path}: refused to load: {text}", hint=ALLOW_HINT, path=str(path),
                                    params=ALLOW_PARAMS)
    if "Could not locate" in text or "Unknown layer" in text:
        raise UnsupportedModelError(
            f"{path}: the model uses a custom class edge-sdk cannot import: {text}",
            hint="export it as a SavedModel (model.export('dir')) and convert that directory", path=str(path))
    raise InputError(f"{path}: Keras could not load it: {text or summarize_failure(noise.text)}",
                     hint="check the file is complete (not truncated) and was saved with model.save()",
                     path=str(path))


def keras_input_specs(model: Any) -> list[TensorSpec]:
    specs = []
    for tensor in model.inputs:
        name = getattr(tensor, "name", None) or "input"
        name = name.split(":")[0]
        dtype = getattr(tensor.dtype, "name", None) or str(tensor.dtype)
        specs.append(TensorSpec(name, tuple(None if d is None else int(d) for d in tensor.shape), str(dtype)))
    return specs


def keras_reference(model: Any, specs: list[TensorSpec], batch_size: int = 32):
    """A function computing the model's outputs (a list, model order) on named source inputs."""

    def run(data: dict[str, np.ndarray]) -> list[np.ndarray]:
        count = len(next(iter(data.values())))
        chunks: list[list[np.ndarray]] = []
        fixed = [s.shape[0] for s in specs if isinstance(s.shape[0], int)]
        step = max(fixed) if fixed else batch_size  # a model built with a fixed batch takes exactly that
        for start in range(0, count, step):
            batch = [data[s.name][start:start + step] for s in specs]
            with warnings.catch_warnings():  # Keras warns when a 1-input model gets a bare tensor
                warnings.simplefilter("ignore")
                out = model(batch if len(batch) > 1 else batch[0], training=False)
            outs = out if isinstance(out, (list, tuple)) else [out]
            chunks.append([np.asarray(o) for o in outs])
        return [np.concatenate([c[i] for c in chunks]) for i in range(len(chunks[0]))]

    return run


def keras_converter_factory(model: Any) -> Any:
    tf = import_tensorflow()
    return tf.lite.TFLiteConverter.from_keras_model(model)


def load_keras_source(options: ConvertOptions) -> LoadedSource:
    model, library = load_keras_model(options.source, options.source_format, options.allow_unsafe_deserialization)
    specs = keras_input_specs(model)
    import keras  # noqa: PLC0415
    import tensorflow as tf  # noqa: PLC0415
    versions = {"tensorflow": tf.__version__, "keras": keras.__version__}
    if library == "tf_keras":
        import tf_keras  # noqa: PLC0415
        versions["tf_keras"] = tf_keras.__version__
    outputs = [f"output_{i}" for i in range(len(model.outputs))]
    # The reference is the untouched source model; pruning works on a clone (see steps/).
    return LoadedSource(
        format=options.source_format, path=options.source, inputs=specs, output_names=outputs,
        reference=keras_reference(model, specs), make_converter=keras_converter_factory,
        keras_model=model, versions=versions,
        layout_notes=[] if library == "keras" else ["loaded with tf_keras (Keras 2 file)"])
