"""TensorFlow SavedModel directories: converted through their serving signature."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from converters._runtime import captured_output, import_tensorflow
from converters.options import ConvertOptions
from converters.sources.base import LoadedSource, TensorSpec, natural_key
from edge_sdk.core.errors import InputError

SERVING = "serving_default"


def signature_of(loaded: Any, path: Path) -> tuple[str, Any]:
    keys = list(loaded.signatures.keys())
    if not keys:
        raise InputError(f"{path}: the SavedModel has no signatures, so TFLiteConverter cannot convert it",
                         hint="export it with a serving signature (tf.saved_model.save(m, dir, signatures=...) "
                              "or model.export(dir))", path=str(path))
    key = SERVING if SERVING in keys else keys[0]
    return key, loaded.signatures[key]


def signature_specs(signature: Any) -> tuple[list[TensorSpec], list[str]]:
    inputs = signature.structured_input_signature[1]
    specs = [TensorSpec(name, tuple(None if d is None else int(d) for d in spec.shape), spec.dtype.name)
             for name, spec in sorted(inputs.items(), key=lambda kv: natural_key(kv[0]))]
    outputs = sorted(signature.structured_outputs.keys(), key=natural_key)
    return specs, outputs


def signature_reference(signature: Any, specs: list[TensorSpec], outputs: list[str]):
    tf = import_tensorflow()

    def run(data: dict[str, np.ndarray]) -> list[np.ndarray]:
        count = len(next(iter(data.values())))
        chunks = []
        for start in range(0, count, 32):
            feed = {s.name: tf.constant(data[s.name][start:start + 32]) for s in specs}
            result = signature(**feed)
            chunks.append([np.asarray(result[name]) for name in outputs])
        return [np.concatenate([c[i] for c in chunks]) for i in range(len(outputs))]

    return run


def load_savedmodel_source(options: ConvertOptions) -> LoadedSource:
    tf = import_tensorflow()
    path = options.source
    try:
        with captured_output():
            loaded = tf.saved_model.load(str(path))
    except Exception as exc:  # noqa: BLE001
        raise InputError(f"{path}: TensorFlow could not load this SavedModel: {str(exc).splitlines()[0][:300]}",
                         hint="check the directory is complete (saved_model.pb and variables/)",
                         path=str(path)) from None
    key, signature = signature_of(loaded, path)
    specs, outputs = signature_specs(signature)

    def make_converter(_model: Any) -> Any:
        return tf.lite.TFLiteConverter.from_saved_model(str(path), signature_keys=[key])

    return LoadedSource(
        format="savedmodel", path=path, inputs=specs, output_names=outputs,
        reference=signature_reference(signature, specs, outputs), make_converter=make_converter,
        keras_model=None, versions={"tensorflow": tf.__version__},
        layout_notes=[f"signature {key!r}"])
