"""Parity and accuracy figures between a source model's outputs and its artifact's outputs."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from converters.sources.base import channels_last_perm


def align(reference: np.ndarray, artifact: np.ndarray) -> tuple[np.ndarray | None, str | None]:
    """Bring an artifact output into the reference's layout (NHWC back to NCHW), or say why not."""
    if reference.shape == artifact.shape:
        return artifact, None
    perm = channels_last_perm(tuple(reference.shape), tuple(artifact.shape))
    if perm:
        return np.transpose(artifact, np.argsort(perm)), "NHWC output transposed back to NCHW for comparison"
    if reference.size == artifact.size:
        return artifact.reshape(reference.shape), f"output reshaped {list(artifact.shape)} -> {list(reference.shape)}"
    return None, f"shape {list(artifact.shape)} does not match the source's {list(reference.shape)}"


def _round(value: float | None, digits: int = 6) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return round(float(value), digits)


def parity(reference: np.ndarray, artifact: np.ndarray) -> dict[str, Any]:
    """max abs error, SQNR (dB; null when the outputs are identical), mean cosine, top-1 agreement."""
    ref = reference.astype(np.float64).reshape(len(reference), -1)
    art = artifact.astype(np.float64).reshape(len(artifact), -1)
    finite = bool(np.isfinite(art).all())
    diff = ref - art
    noise = float(np.sum(diff ** 2))
    signal = float(np.sum(ref ** 2))
    sqnr = 10.0 * math.log10(signal / noise) if noise > 0 and signal > 0 else None
    norms = np.linalg.norm(ref, axis=1) * np.linalg.norm(art, axis=1)
    cos = np.where(norms > 0, np.sum(ref * art, axis=1) / np.where(norms > 0, norms, 1), 1.0)
    top1 = None
    if reference.ndim == 2 and reference.shape[1] > 1:
        top1 = float(np.mean(np.argmax(reference, axis=1) == np.argmax(artifact, axis=1)))
    return {
        "max_abs_error": _round(float(np.max(np.abs(diff))) if diff.size else 0.0, 8),
        "mean_abs_error": _round(float(np.mean(np.abs(diff))) if diff.size else 0.0, 8),
        "sqnr_db": _round(sqnr, 2),
        "identical": noise == 0,
        "cosine": _round(float(np.mean(cos)), 6),
        "top1_agreement": _round(top1, 4),
        "finite": finite,
    }


def accuracy(output: np.ndarray, labels: np.ndarray) -> float | None:
    """Top-1 accuracy of a classifier output against integer or one-hot labels; None if not a classifier."""
    if output.ndim != 2:
        return None
    if labels.ndim == 2 and labels.shape == output.shape:
        labels = np.argmax(labels, axis=1)
    labels = labels.reshape(-1)
    if len(labels) != len(output):
        return None
    if output.shape[1] == 1:  # binary classifier with one sigmoid/logit unit
        threshold = 0.5 if (output.min() >= 0 and output.max() <= 1) else 0.0
        predicted = (output[:, 0] > threshold).astype(np.int64)
    else:
        predicted = np.argmax(output, axis=1)
    return float(np.mean(predicted == labels.astype(np.int64)))
