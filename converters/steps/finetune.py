"""Fine-tuning after pruning: pick a loss that fits the model's output and the labels, then fit.

The loss is inferred, not configured: integer labels with a [N, classes] output mean sparse
categorical cross-entropy (from logits unless the outputs already look like probabilities),
one-hot labels mean categorical cross-entropy, a single unit with 0/1 labels means binary
cross-entropy, anything else mean squared error.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from converters._runtime import captured_output
from converters.data import Dataset
from edge_sdk.core.errors import InputError, UnsupportedModelError

LEARNING_RATE = 5e-4
BATCH_SIZE = 32


def keras_module(model: Any) -> Any:
    """``keras`` for Keras 3 models, ``tf_keras`` for models loaded from Keras 2 files."""
    if type(model).__module__.startswith("tf_keras"):
        import tf_keras  # noqa: PLC0415
        return tf_keras
    import keras  # noqa: PLC0415
    return keras


def _looks_like_probabilities(outputs: np.ndarray) -> bool:
    return bool(outputs.min() >= 0 and outputs.max() <= 1 and np.allclose(outputs.sum(axis=-1), 1, atol=1e-3))


def choose_loss(model: Any, data: Dataset) -> tuple[Any, str]:
    kmod = keras_module(model)
    labels = _labels(data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sample = np.asarray(model([data.inputs[k][:16] for k in data.inputs] if len(data.inputs) > 1
                                  else next(iter(data.inputs.values()))[:16], training=False))
    losses = kmod.losses
    if sample.ndim == 2 and sample.shape[1] > 1:
        logits = not _looks_like_probabilities(sample)
        if labels.ndim == 1 or (labels.ndim == 2 and labels.shape[1] == 1):
            return losses.SparseCategoricalCrossentropy(from_logits=logits), "sparse categorical cross-entropy"
        if labels.ndim == 2 and labels.shape[1] == sample.shape[1]:
            return losses.CategoricalCrossentropy(from_logits=logits), "categorical cross-entropy"
    if sample.ndim == 2 and sample.shape[1] == 1 and set(np.unique(labels)).issubset({0, 1}):
        logits = not (sample.min() >= 0 and sample.max() <= 1)
        return losses.BinaryCrossentropy(from_logits=logits), "binary cross-entropy"
    return losses.MeanSquaredError(), "mean squared error"


def _labels(data: Dataset) -> np.ndarray:
    """The labels fine-tuning trains on (the loader already refuses a fine-tune set without them)."""
    if data.labels is None:
        raise InputError(f"{data.description}: fine-tuning needs labels (key 'y' in the .npz, or one sub-folder "
                         "per class)", params=("fine_tune_data",))
    return data.labels


def fine_tune(model: Any, data: Dataset, epochs: int, callbacks: list[Any] | None = None) -> dict[str, Any]:
    """Train ``model`` in place on ``data``; return what was done (for the manifest)."""
    if len(model.outputs) != 1:
        raise UnsupportedModelError(
            f"fine-tuning supports single-output models; this one has {len(model.outputs)} outputs",
            hint="prune without fine_tune_data (one-shot), or fine-tune the model yourself before converting",
            params=("fine_tune_data",))
    kmod = keras_module(model)
    loss, loss_name = choose_loss(model, data)
    x = [data.inputs[k] for k in data.inputs] if len(data.inputs) > 1 else next(iter(data.inputs.values()))
    labels = _labels(data)
    y = labels.astype(np.float32) if "squared" in loss_name else labels
    model.compile(optimizer=kmod.optimizers.Adam(LEARNING_RATE), loss=loss)
    with captured_output(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        history = model.fit(x, y, epochs=epochs, batch_size=BATCH_SIZE, verbose=0, shuffle=True,
                            callbacks=callbacks or [])
    losses = [float(v) for v in history.history.get("loss", [])]
    return {"epochs": epochs, "samples": len(data), "loss": loss_name, "batch_size": BATCH_SIZE,
            "learning_rate": LEARNING_RATE, "loss_per_epoch": [round(v, 5) for v in losses]}
