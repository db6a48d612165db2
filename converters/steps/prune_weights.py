"""Weight pruning on any Keras model: unstructured magnitude pruning and 2:4 structured sparsity.

Our own implementation instead of tensorflow-model-optimization, which only accepts tf_keras
(Keras 2) models: masks are plain numpy, so it works on Keras 3 and tf_keras alike.

- one-shot (no data): each kernel's smallest weights are zeroed to the target sparsity at once.
- gradual (with fine-tune data): sparsity rises along a cubic schedule (Zhu & Gupta, 2017) during
  the first 70% of training steps, masks are recomputed at ~10 points and re-applied after every
  batch, so the network learns around the holes; the last 30% trains at the final mask.
- 2:4: in every group of 4 consecutive input-channel weights, the 2 smallest are zeroed (the
  layout sparse tensor cores and some NPUs accelerate). Fine-tuning keeps the 2:4 mask fixed.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from converters.data import Dataset
from converters.steps.finetune import fine_tune, keras_module

RAMP_FRACTION = 0.7
MASK_UPDATES = 10


def prunable_kernels(model: Any) -> list[Any]:
    """Kernels (rank >= 2 weights named *kernel) of every layer, nested models included."""
    kernels = []
    for variable in model.trainable_weights:
        leaf = variable.name.split(":")[0].split("/")[-1]
        if leaf.endswith("kernel") and len(variable.shape) >= 2:
            kernels.append(variable)
    return kernels


def magnitude_mask(weights: np.ndarray, sparsity: float) -> np.ndarray:
    """1 where a weight survives: the ``sparsity`` fraction with the smallest |w| is dropped."""
    count = round(weights.size * sparsity)
    if count <= 0:
        return np.ones_like(weights, dtype=np.float32)
    order = np.argsort(np.abs(weights), axis=None, kind="stable")
    mask = np.ones(weights.size, dtype=np.float32)
    mask[order[:count]] = 0.0
    return mask.reshape(weights.shape)


def two_of_four_mask(weights: np.ndarray) -> np.ndarray | None:
    """2:4 mask along the input-channel axis (Keras axis -2), or None when it is not a multiple of 4."""
    if weights.ndim < 2 or weights.shape[-2] % 4:
        return None
    moved = np.moveaxis(np.abs(weights), -2, -1)
    groups = moved.reshape(*moved.shape[:-1], moved.shape[-1] // 4, 4)
    rank = np.argsort(np.argsort(groups, axis=-1, kind="stable"), axis=-1)
    keep = (rank >= 2).astype(np.float32).reshape(moved.shape)
    return np.moveaxis(keep, -1, -2)


def _apply(variables: list[Any], masks: list[np.ndarray]) -> None:
    for variable, mask in zip(variables, masks):
        variable.assign(np.asarray(variable.numpy()) * mask)


def clone(model: Any) -> Any:
    """A copy with the same weights, so the source model stays untouched as the reference."""
    kmod = keras_module(model)
    copy = kmod.models.clone_model(model)
    copy.set_weights(model.get_weights())
    return copy


def _name(variable: Any) -> str:
    return str(getattr(variable, "path", None) or variable.name).split(":")[0]


def _masks(variables: list[Any], structure: str, sparsity: float) -> tuple[list[np.ndarray], list[str]]:
    masks, skipped = [], []
    for variable in variables:
        values = np.asarray(variable.numpy())
        if structure == "2:4":
            name = _name(variable)
            mask = None if "depthwise" in name else two_of_four_mask(values)
            if mask is None:
                reason = ("depthwise kernel" if "depthwise" in name
                          else f"input channels {values.shape[-2]} not a multiple of 4")
                skipped.append(f"{name} ({reason})")
                mask = np.ones_like(values, dtype=np.float32)
        else:
            mask = magnitude_mask(values, sparsity)
        masks.append(mask)
    return masks, skipped


def prune_weights(model: Any, structure: str, sparsity: float, data: Dataset | None,
                  epochs: int | None) -> tuple[Any, dict[str, Any]]:
    """Return a pruned copy of ``model`` and the step's report."""
    pruned = clone(model)
    variables = prunable_kernels(pruned)
    report: dict[str, Any] = {"structure": structure, "target_sparsity": sparsity, "kernels": len(variables)}
    if data is None:
        masks, skipped = _masks(variables, structure, sparsity)
        _apply(variables, masks)
        report["method"] = "one-shot"
    else:
        kmod = keras_module(pruned)
        steps_per_epoch = int(np.ceil(len(data) / 32))
        total = max(1, steps_per_epoch * int(epochs or 1))
        ramp = max(1, int(total * RAMP_FRACTION)) if structure != "2:4" else 1
        update_every = max(1, ramp // MASK_UPDATES)
        state: dict[str, Any] = {"step": 0, "masks": None, "skipped": []}

        def refresh() -> None:
            progress = min(1.0, state["step"] / ramp)
            current = sparsity * (1.0 - (1.0 - progress) ** 3)
            state["masks"], state["skipped"] = _masks(variables, structure, current if structure != "2:4" else 0.5)

        class MaskCallback(kmod.callbacks.Callback):  # type: ignore[name-defined]
            def on_train_batch_end(self, batch: int, logs: Any = None) -> None:
                state["step"] += 1
                if state["masks"] is None or (state["step"] <= ramp and state["step"] % update_every == 0):
                    refresh()
                _apply(variables, state["masks"])

        report["fine_tune"] = fine_tune(pruned, data, int(epochs or 1), callbacks=[MaskCallback()])
        state["step"] = ramp
        if structure != "2:4":
            refresh()  # the final mask at exactly the target sparsity
        _apply(variables, state["masks"])
        skipped = state["skipped"]
        report["method"] = "gradual (cubic schedule) with fine-tuning"
    zeros = sum(int(np.count_nonzero(np.asarray(v.numpy()) == 0)) for v in variables)
    total_weights = sum(int(np.prod(v.shape)) for v in variables)
    report["kernel_sparsity"] = round(zeros / total_weights, 6) if total_weights else 0.0
    if skipped:
        report["skipped"] = skipped
    return pruned, report
