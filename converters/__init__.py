"""edge-sdk converters: Keras / SavedModel / ONNX -> quantized and pruned TFLite, accuracy cost measured.

``import converters`` is cheap: TensorFlow, Keras and onnx2tf are imported only inside
:func:`convert` when a conversion actually runs.

    from converters import convert
    manifest = convert("model.keras", "model_int8.tflite", recipe="int8", calibration_data="calib.npz")
    manifest["validation"]["accuracy"], manifest["output"]["gzip_size_bytes"]
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from converters.options import ConvertOptions, resolve_options
from converters.recipes import load_recipes, recipe_names
from edge_sdk.core.progress import ProgressCallback


def plan(source: str | Path, output: str | Path, **options: Any) -> dict[str, Any]:
    """The resolved pipeline, without running it (what ``--dry-run`` prints)."""
    resolved = resolve_options(source, output, **options)
    return {"source": str(resolved.source), "format": resolved.source_format, "output": str(resolved.output),
            "recipe": resolved.recipe, "quantize": resolved.quantize, "io": resolved.io,
            "prune": None if resolved.prune is None else {"sparsity": resolved.prune,
                                                          "structure": resolved.prune_structure},
            "steps": resolved.plan()}


def convert(source: str | Path, output: str | Path, *, on_progress: ProgressCallback | None = None,
            **options: Any) -> dict[str, Any]:
    """Convert ``source`` to ``output`` (.tflite) and write ``output.json``; return that manifest.

    Options mirror the CLI flags (``recipe``, ``quantize``, ``io``, ``prune``, ``prune_structure``,
    ``calibration_data``, ``eval_data``, ``fine_tune_data``, ``epochs``, ``max_accuracy_drop``,
    ``allow_unsafe_deserialization``, ``image_mean``, ``image_std``). A failed quality gate does not
    raise: the manifest's ``gate.passed`` is False (the CLI exits 1). Errors raise EdgeSdkError subclasses.
    ``on_progress`` receives the start and end of each stage (:data:`converters.pipeline.STAGES`).
    The typed, documented signature is :func:`edge_sdk.convert`; this one is the package's own.
    """
    from converters.pipeline import run_pipeline  # noqa: PLC0415 - imports TensorFlow lazily

    return run_pipeline(resolve_options(source, output, **options), on_progress)


__all__ = ["ConvertOptions", "convert", "load_recipes", "plan", "recipe_names", "resolve_options"]
