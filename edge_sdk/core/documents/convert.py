"""The ``convert`` document: the manifest written beside every artifact (``OUT.tflite.json``).

It says what the model was made from (source and its sha256), every step with its settings, tool
versions, what came out (size, gzip size, sha256, sparsity, I/O) and what validation found
(parity per output, accuracy, the quality gate). ``check`` reads ``validation.accuracy.drop``
from it; ``report`` shows the conversion variants side by side.
"""

# no `from __future__ import annotations` here: TypedDict reads NotRequired from evaluated annotations
from typing import Any, NotRequired, TypedDict

from edge_sdk.core.documents.common import Envelope


class SourceInfo(TypedDict):
    path: str
    sha256: NotRequired[str | None]
    format: NotRequired[str]
    inputs: NotRequired[list[dict[str, Any]]]


class OutputInfo(TypedDict):
    """The artifact: sizes in bytes, the sha256 the model file must have, weight sparsity (0..1)."""

    path: NotRequired[str]
    sha256: NotRequired[str | None]
    size_bytes: NotRequired[int]
    gzip_size_bytes: NotRequired[int]
    gzip_ratio: NotRequired[float | None]
    sparsity: NotRequired[float]
    weights: NotRequired[dict[str, Any]]
    inputs: NotRequired[list[dict[str, Any]] | None]
    outputs: NotRequired[list[dict[str, Any]] | None]


class Accuracy(TypedDict):
    """Top-1 accuracy (fractions) of the source and of the artifact on labelled samples."""

    source: NotRequired[float | None]
    artifact: NotRequired[float | None]
    drop: NotRequired[float | None]
    samples: NotRequired[int]


class Validation(TypedDict):
    """Parity of the artifact with its source (per output), and accuracy when labels were given."""

    description: NotRequired[str]
    inputs: NotRequired[Any]
    outputs: NotRequired[list[dict[str, Any]]]
    accuracy: NotRequired[Accuracy | None]
    notes: NotRequired[list[str]]


class Gate(TypedDict):
    passed: bool
    failures: NotRequired[list[str]]


class StepRecord(TypedDict):
    name: str
    settings: NotRequired[dict[str, Any]]
    report: NotRequired[dict[str, Any] | None]


class QualityWarning(TypedDict):
    """A conversion that passed but should not be shipped without a look (poor parity, an ungated drop)."""

    kind: str                                # "poor-parity" | "accuracy-drop"
    message: str
    figures: NotRequired[dict[str, Any]]
    params: NotRequired[list[str]]           # the options that are the next step (quant_report, recipe)


class ConvertManifest(Envelope):
    """``edge-sdk convert`` (``OUT.tflite.json`` and ``--json``): one artifact and how it was made."""

    status: NotRequired[str]                 # "passed" | "failed" (the quality gate)
    recipe: NotRequired[str | None]
    quantize: NotRequired[str]               # none | fp16 | dynamic | int8 | int16x8 | unchanged
    io: NotRequired[str | None]
    prune: NotRequired[dict[str, Any] | None]
    source: NotRequired[SourceInfo]
    steps: NotRequired[list[StepRecord]]
    versions: NotRequired[dict[str, str]]
    output: OutputInfo
    validation: NotRequired[Validation]
    gate: NotRequired[Gate]
    layout: NotRequired[list[str]]
    notes: NotRequired[list[str]]
    warnings: NotRequired[list[QualityWarning]]
    timings_s: NotRequired[dict[str, float]]
    quantization: NotRequired[dict[str, Any]]
