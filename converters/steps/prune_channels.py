"""Channel (filter) pruning that really removes filters: fewer MACs, smaller tensors, lower latency.

For plain chains (Conv/Dense/BatchNorm/pooling/activation ... as in VGG-style CNNs and MLPs) the
model is rebuilt with fewer filters: each prunable layer keeps the filters with the largest L1
norm, and the next layer keeps only the matching input channels (through BatchNorm, depthwise
convs, pooling and Flatten). The last producing layer (the classifier) keeps all its outputs.

Topologies where removing a filter would need coordinated cuts across branches (residual adds,
concatenations, nested models) are refused, naming the layer, rather than silently broken.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from converters.steps.finetune import keras_module
from edge_sdk.core.errors import UnsupportedModelError

PRODUCERS = {"Conv1D", "Conv2D", "Conv3D", "Dense"}
PER_CHANNEL = {"BatchNormalization"}
DEPTHWISE = {"DepthwiseConv2D", "DepthwiseConv1D"}
PASS_THROUGH = {
    "InputLayer", "Activation", "ReLU", "ELU", "Softmax", "LeakyReLU", "Dropout", "SpatialDropout1D",
    "SpatialDropout2D", "GaussianNoise", "GaussianDropout", "AlphaDropout", "MaxPooling1D", "MaxPooling2D",
    "MaxPooling3D", "AveragePooling1D", "AveragePooling2D", "AveragePooling3D", "GlobalAveragePooling1D",
    "GlobalAveragePooling2D", "GlobalMaxPooling1D", "GlobalMaxPooling2D", "ZeroPadding1D", "ZeroPadding2D",
    "Cropping1D", "Cropping2D", "UpSampling1D", "UpSampling2D", "Rescaling", "ActivityRegularization",
}
MERGES = {"Add", "Concatenate", "Multiply", "Average", "Maximum", "Minimum", "Subtract", "Dot"}


def _refuse(layer: Any, why: str) -> UnsupportedModelError:
    return UnsupportedModelError(
        f"channel pruning cannot safely remove filters around layer {layer.name!r} ({type(layer).__name__}): {why}",
        hint="use prune_structure='unstructured' or prune_structure='2:4' for this model (they keep the topology)",
        params=("prune_structure",))


def _check_chain(model: Any) -> list[Any]:
    if len(model.inputs) != 1 or len(model.outputs) != 1:
        raise UnsupportedModelError(
            f"channel pruning supports single-input, single-output chains; this model has "
            f"{len(model.inputs)} inputs and {len(model.outputs)} outputs",
            hint="use prune_structure='unstructured' or prune_structure='2:4'", params=("prune_structure",))
    layers = [layer for layer in model.layers if type(layer).__name__ != "InputLayer"]
    for layer in layers:
        kind = type(layer).__name__
        if kind in MERGES:
            raise _refuse(layer, "it merges branches (residual or concatenation), which need matching channels")
        if hasattr(layer, "layers"):
            raise _refuse(layer, "it is a nested model; flatten it into one model first")
        if kind not in PRODUCERS | PER_CHANNEL | DEPTHWISE | PASS_THROUGH | {"Flatten"}:
            raise _refuse(layer, "edge-sdk does not know how this layer maps channels")
        if getattr(layer, "data_format", "channels_last") == "channels_first":
            raise _refuse(layer, "channels_first layout")
        if kind == "BatchNormalization" and getattr(layer, "axis", -1) not in (-1, [-1], len(layer.input.shape) - 1,
                                                                                 [len(layer.input.shape) - 1]):
            raise _refuse(layer, "normalises an axis other than channels")
        if kind in DEPTHWISE and getattr(layer, "depth_multiplier", 1) != 1:
            raise _refuse(layer, "depth_multiplier > 1")
        if kind in PRODUCERS and getattr(layer, "groups", 1) != 1:
            raise _refuse(layer, "grouped convolution")
    return layers


def _slice_weights(layer: Any, keep_in: np.ndarray | None, keep_out: np.ndarray | None) -> list[np.ndarray]:
    kind = type(layer).__name__
    weights = layer.get_weights()
    if kind in PRODUCERS:
        kernel = weights[0]
        if keep_in is not None:
            kernel = np.take(kernel, keep_in, axis=-2)
        rest = weights[1:]
        if keep_out is not None:
            kernel = np.take(kernel, keep_out, axis=-1)
            rest = [np.take(w, keep_out, axis=-1) for w in rest]
        return [kernel, *rest]
    if keep_in is None:
        return weights
    if kind in DEPTHWISE:
        return [np.take(weights[0], keep_in, axis=-2), *[np.take(w, keep_in, axis=-1) for w in weights[1:]]]
    return [np.take(w, keep_in, axis=-1) for w in weights]  # BatchNormalization vectors


def prune_channels(model: Any, sparsity: float) -> tuple[Any, dict[str, Any]]:
    """A rebuilt model with ``sparsity`` of the filters of every prunable layer removed."""
    kmod = keras_module(model)
    layers = _check_chain(model)
    producer_index = [i for i, layer in enumerate(layers) if type(layer).__name__ in PRODUCERS]
    if len(producer_index) < 2:
        raise UnsupportedModelError("channel pruning needs at least two conv/dense layers (the last one, the "
                                    "output layer, keeps all its outputs)", hint="use prune_structure='unstructured'",
                                    params=("prune_structure",))
    last_producer = producer_index[-1]
    keep: np.ndarray | None = None
    plans: list[tuple[Any, dict[str, Any], list[np.ndarray]]] = []
    pruned_layers = []
    for index, layer in enumerate(layers):
        kind = type(layer).__name__
        config = layer.get_config()
        if kind == "Flatten" and keep is not None:
            shape = tuple(layer.input.shape[1:])
            channels = int(shape[-1])
            positions = int(np.prod(shape[:-1]))
            keep = (np.arange(positions)[:, None] * channels + keep[None, :]).reshape(-1)
            plans.append((layer, config, layer.get_weights()))
            continue
        if kind in PRODUCERS:
            keep_out = None
            if index != last_producer:
                kernel = layer.get_weights()[0]
                if keep is not None:
                    kernel = np.take(kernel, keep, axis=-2)
                count = kernel.shape[-1]
                n_keep = max(1, round(count * (1.0 - sparsity)))
                norms = np.abs(kernel).reshape(-1, count).sum(axis=0)
                keep_out = np.sort(np.argsort(-norms, kind="stable")[:n_keep])
                key = "filters" if "filters" in config else "units"
                config[key] = int(n_keep)
                pruned_layers.append({"layer": layer.name, "kind": kind, "before": int(count), "after": int(n_keep)})
            plans.append((layer, config, _slice_weights(layer, keep, keep_out)))
            keep = keep_out
            continue
        plans.append((layer, config, _slice_weights(layer, keep, None)))
    source_input = model.inputs[0]
    inputs = kmod.Input(shape=tuple(source_input.shape[1:]), dtype=source_input.dtype,
                        name=source_input.name.split(":")[0])
    x = inputs
    built = []
    for layer, config, weights in plans:
        new_layer = type(layer).from_config(config)
        x = new_layer(x)
        built.append((new_layer, weights))
    rebuilt = kmod.Model(inputs, x, name=model.name)
    for new_layer, weights in built:
        new_layer.set_weights(weights)
    before = sum(p["before"] for p in pruned_layers)
    after = sum(p["after"] for p in pruned_layers)
    report = {"structure": "channels", "target_sparsity": sparsity, "layers": pruned_layers,
              "filters_removed": before - after, "filters_before": before,
              "params_before": int(model.count_params()), "params_after": int(rebuilt.count_params())}
    return rebuilt, report
