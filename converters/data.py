"""Calibration, evaluation and fine-tuning data: ``.npz``/``.npy`` arrays or a folder of images.

Arrays are given in the SOURCE model's layout (NCHW for most ONNX models), as users have them.
``.npz`` keys: one per model input name, or ``x``/``inputs`` for a single-input model; labels
under ``y``/``labels``. Image folders are decoded, resized to the model's input and normalised as
``(pixel - mean) / std`` on 0..255 pixels (defaults mean 0, std 255, i.e. 0..1), from flags or an
``edge-sdk-images.toml`` in the folder (``mean = [...]``, ``std = [...]``). Sub-folders of an image
folder are class labels (sorted names -> 0, 1, ...), so an eval folder can carry its labels.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from converters.images import read_image
from converters.sources.base import TensorSpec
from edge_sdk.core.arrays import NpzMembers, load_npy
from edge_sdk.core.errors import InputError, UsageError
from edge_sdk.core.files import read_text_input

INPUT_KEYS = ("x", "inputs", "input", "images", "data", "arr_0")
LABEL_KEYS = ("y", "labels", "label", "targets", "arr_1")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif")
IMAGE_CONFIG = "edge-sdk-images.toml"


@dataclass
class Dataset:
    """Named input arrays (one sample per row, source layout), optional labels, and where they came from."""

    inputs: dict[str, np.ndarray]
    labels: np.ndarray | None
    origin: str  # "eval-data" | "calibration-data" | "generated" | "fine-tune-data"
    description: str
    path: str | None = None          # the data file or folder, for messages
    rows: np.ndarray | None = None   # each sample's index in that file (kept through subset/whole_batches)

    def sample(self, row: int) -> int:
        """The index in the data file of this dataset's ``row`` (what a user can look up)."""
        return int(self.rows[row]) if self.rows is not None else row

    def check_labels(self, classes: int) -> None:
        """Labels must be class indices of the classifier output: ``0 <= label < classes``.

        A label outside that range can never be predicted, so accuracy was 0% before and after
        conversion and ``max_accuracy_drop`` passed; it is a data error (exit 2), named.
        """
        if self.labels is None or (self.labels.ndim == 2 and self.labels.shape[1] > 1):
            return  # none, or one-hot rows (their width is checked against the output by accuracy())
        flat = self.labels.reshape(len(self.labels), -1)[:, 0]
        bad = np.flatnonzero((flat < 0) | (flat >= classes))
        if bad.size:
            row = int(bad[0])
            raise InputError(f"{self.path}: sample {self.sample(row)} has label {flat[row]:g}, outside the "
                             f"{classes} classes of the model's first output (0..{classes - 1})"
                             + (f"; {bad.size} samples in all" if bad.size > 1 else ""),
                             hint="labels are class indices in the model's output order (0-based)",
                             path=self.path)

    def __len__(self) -> int:
        return len(next(iter(self.inputs.values())))

    def whole_batches(self, batch: int) -> Dataset:
        """Drop the last rows that do not fill a call of a model with a fixed batch size."""
        keep = len(self) // batch * batch
        if batch <= 1 or keep == len(self):
            return self
        if keep == 0:
            raise InputError(f"{self.description}: {len(self)} samples, but the model takes {batch} per call",
                             hint=f"give at least {batch} samples")
        labels = self.labels[:keep] if self.labels is not None else None
        rows = self.rows[:keep] if self.rows is not None else None
        return Dataset({k: v[:keep] for k, v in self.inputs.items()}, labels, self.origin,
                       f"{self.description} (first {keep}: whole batches of {batch})", self.path, rows)

    def subset(self, count: int, seed: int = 0) -> Dataset:
        """At most ``count`` samples, spread over the whole set (deterministic)."""
        if len(self) <= count:
            return self
        index = np.sort(np.random.default_rng(seed).choice(len(self), count, replace=False))
        labels = self.labels[index] if self.labels is not None else None
        rows = self.rows[index] if self.rows is not None else index
        return Dataset({k: v[index] for k, v in self.inputs.items()}, labels, self.origin,
                       f"{self.description} ({count} of {len(self)} samples)", self.path, rows)


def generated(specs: list[TensorSpec], count: int, seed: int = 0, batch: int = 1) -> Dataset:
    """Uniform random inputs in [-1, 1] (integers: 0 or 1): numerical parity only, never accuracy."""
    rng = np.random.default_rng(seed)
    count = -(-count // batch) * batch  # whole model calls
    inputs = {}
    for spec in specs:
        try:
            shape = (count, *spec.fixed_shape()[1:])
        except ValueError as exc:
            raise UsageError(f"cannot generate inputs: {exc}",
                             hint="pass eval_data with real inputs of the shape you deploy",
                             params=("eval_data",)) from None
        if spec.is_float:
            inputs[spec.name] = rng.uniform(-1.0, 1.0, shape).astype(spec.dtype)
        else:
            inputs[spec.name] = rng.integers(0, 2, shape).astype(spec.dtype)  # 0/1: valid ids for any table
    return Dataset(inputs, None, "generated", f"{count} generated samples, uniform in [-1, 1]")


def load_dataset(path: str, specs: list[TensorSpec], origin: str, *, image_mean: list[float] | None = None,
                 image_std: list[float] | None = None, need_labels: bool = False) -> Dataset:
    """Load and check ``path`` against the model's inputs; InputError naming the file on any mismatch."""
    p = Path(path)
    flag = "--" + origin
    if not p.exists():
        raise InputError(f"{p}: no such file or directory ({flag})", path=str(p))
    if p.is_dir():
        inputs, labels, names = _load_images(p, specs, image_mean, image_std, flag)
    elif p.suffix.lower() in (".npz", ".npy"):
        inputs, labels = _load_arrays(p, specs, flag)
        names = None
    else:
        raise InputError(f"{p}: {flag} must be a .npz or .npy file or a folder of images",
                         hint="save arrays with numpy.savez('data.npz', x=inputs, y=labels)", path=str(p))
    for spec in specs:
        inputs[spec.name] = _check_array(p, flag, spec, inputs[spec.name])
    count = len(next(iter(inputs.values())))
    if any(len(a) != count for a in inputs.values()):
        raise InputError(f"{p}: the input arrays have different sample counts", path=str(p))
    if labels is not None and len(labels) != count:
        raise InputError(f"{p}: {len(labels)} labels for {count} samples", path=str(p))
    if need_labels and labels is None:
        raise InputError(f"{p}: {flag} needs labels (key 'y' in the .npz, or one sub-folder per class)",
                         path=str(p))
    if count == 0:
        raise InputError(f"{p}: {flag} holds no samples", path=str(p))
    _check_values(p, flag, inputs, labels, names)
    return Dataset(inputs, labels, origin, f"{count} samples from {p}", str(p))


def _check_values(p: Path, flag: str, inputs: dict[str, np.ndarray], labels: np.ndarray | None,
                  names: list[Path] | None) -> None:
    """Finite inputs and integral, finite labels, each failure naming the sample (or image file).

    One NaN pixel made the artifact's parity fail and was blamed on the conversion; an infinity
    in calibration data made TFLiteConverter crash. Both are the data's, and said so.
    """
    def where(row: int) -> str:
        return f"{names[row]} (sample {row})" if names else f"sample {row}"

    for name, array in inputs.items():
        if array.dtype.kind == "f" and array.size:
            bad = np.flatnonzero(~np.isfinite(array.reshape(len(array), -1)).all(axis=1))
            if bad.size:
                raise InputError(f"{p}: {flag} {where(int(bad[0]))} of input {name!r} holds NaN or infinity"
                                 + (f" ({bad.size} samples in all)" if bad.size > 1 else ""),
                                 hint="fix or drop those samples: conversion and validation need finite values",
                                 path=str(p))
    if labels is None:
        return
    if labels.dtype.kind not in "iubf" or labels.ndim not in (1, 2):
        raise InputError(f"{p}: labels are {labels.dtype} with shape {list(labels.shape)}; expected class "
                         "indices [N] or one-hot rows [N, classes]", path=str(p))
    flat = labels.reshape(len(labels), -1)
    bad = np.flatnonzero(~np.isfinite(flat).all(axis=1) | ((flat % 1 != 0).any(axis=1) if flat.shape[1] == 1
                                                           else np.zeros(len(flat), bool)))
    if bad.size:
        raise InputError(f"{p}: the label of {where(int(bad[0]))} is {flat[int(bad[0])].tolist()}, not a class "
                         "index", hint="labels are whole class indices (0, 1, 2, ...) or one-hot rows",
                         path=str(p))


def _load_arrays(p: Path, specs: list[TensorSpec], flag: str) -> tuple[dict[str, np.ndarray], np.ndarray | None]:
    if p.suffix.lower() == ".npy":
        if len(specs) != 1:
            raise InputError(f"{p}: a .npy holds one array but the model has {len(specs)} inputs",
                             hint=f"use a .npz with one key per input: {', '.join(s.name for s in specs)}",
                             path=str(p))
        return {specs[0].name: load_npy(p)}, None
    with NpzMembers(p) as loaded:
        keys = list(loaded.files)
        inputs: dict[str, np.ndarray] = {}
        for spec in specs:
            if spec.name in keys:
                inputs[spec.name] = loaded[spec.name]
        if len(specs) == 1 and not inputs:
            key = next((k for k in INPUT_KEYS if k in keys), None)
            if key is not None:
                inputs[specs[0].name] = loaded[key]
        missing = [s.name for s in specs if s.name not in inputs]
        if missing:
            raise InputError(f"{p}: no array for input(s) {', '.join(missing)} (keys found: {', '.join(keys)})",
                             hint="name the arrays after the model's inputs, or use 'x' for a single-input model",
                             path=str(p))
        label_key = next((k for k in LABEL_KEYS if k in keys), None)
        labels = loaded[label_key] if label_key else None
    return inputs, labels


def _check_array(p: Path, flag: str, spec: TensorSpec, array: np.ndarray) -> np.ndarray:
    expected = tuple(spec.shape[1:])
    ok_rank = array.ndim == len(spec.shape)
    ok_dims = ok_rank and all(e is None or e == a for e, a in zip(expected, array.shape[1:]))
    if not ok_dims:
        shown = "[N, " + ", ".join("?" if d is None else str(d) for d in expected) + "]"
        raise InputError(f"{p}: {flag} for input {spec.name!r} has shape {list(array.shape)}, "
                         f"the model expects {shown}",
                         hint="one sample per row, in the source model's layout (NCHW for ONNX); "
                              "add a missing channel axis with x[..., None]", path=str(p))
    want_float = spec.is_float
    if want_float and array.dtype.kind != "f":
        raise InputError(f"{p}: {flag} for input {spec.name!r} is {array.dtype}, the model expects {spec.dtype}",
                         hint="convert and normalise it the way the model was trained, e.g. x.astype('float32') / 255",
                         path=str(p))
    if not want_float and array.dtype.kind not in "iub":
        raise InputError(f"{p}: {flag} for input {spec.name!r} is {array.dtype}, the model expects {spec.dtype}",
                         path=str(p))
    return array.astype(spec.dtype, copy=False)


def _image_settings(folder: Path, mean: list[float] | None, std: list[float] | None) -> tuple[list[float], list[float]]:
    config: dict[str, Any] = {}
    where = folder / IMAGE_CONFIG
    if where.exists():
        _, text = read_text_input(where, "image settings (TOML)")
        try:
            config = tomllib.loads(text)
        except (tomllib.TOMLDecodeError, RecursionError) as exc:
            raise InputError(f"{where}: invalid TOML ({exc or 'nested too deeply'})",
                             hint='e.g. mean = [127.5]\nstd = [127.5]', path=str(where)) from None
        unknown = set(config) - {"mean", "std"}
        if unknown:
            raise InputError(f"{folder / IMAGE_CONFIG}: unknown keys {sorted(unknown)}",
                             hint="only mean and std (numbers or per-channel lists)", path=str(folder / IMAGE_CONFIG))
    def numbers(key: str, given: list[float] | None, default: float) -> list[float]:
        value = given or config.get(key, default)
        source = f"image_{key}={value!r}" if given else f"{where}: {key} = {value!r}"
        values = value if isinstance(value, list) else [value]
        if not values or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
            raise InputError(f"{source}: must be a number or a list of numbers", path=str(where),
                             params=(f"image_{key}",))
        out = [float(v) for v in values]
        if not np.isfinite(out).all() or (key == "std" and 0.0 in out):
            raise InputError(f"{source}: "
                             + ("a std of 0 divides every pixel by zero" if key == "std" and 0.0 in out
                                else "must be finite"),
                             hint="std is the spread of the 0..255 pixels, e.g. std = [58.4, 57.1, 57.4] "
                                  "(ImageNet) or 255", path=str(where), params=(f"image_{key}",))
        return out

    return numbers("mean", mean, 0.0), numbers("std", std, 255.0)


def _load_images(folder: Path, specs: list[TensorSpec], mean: list[float] | None, std: list[float] | None,
                 flag: str) -> tuple[dict[str, np.ndarray], np.ndarray | None, list[Path]]:
    if len(specs) != 1 or len(specs[0].shape) != 4:
        raise InputError(f"{folder}: an image folder fits single-input image models only "
                         f"(this one has inputs {[s.to_dict() for s in specs]})",
                         hint="pass a .npz with one array per input", path=str(folder))
    spec = specs[0]
    shape = spec.shape
    channels_first = shape[1] in (1, 3) and shape[3] not in (1, 3)
    height, width, channels = (shape[2], shape[3], shape[1]) if channels_first else (shape[1], shape[2], shape[3])
    if height is None or width is None or channels is None:
        raise InputError(f"{folder}: the model input {list(shape)} has no fixed image size to resize to",
                         hint="pass a .npz of preprocessed arrays instead", path=str(folder))
    files = sorted(f for f in folder.rglob("*") if f.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise InputError(f"{folder}: no images (.png/.jpg/.bmp/.gif) found", path=str(folder))
    classes = sorted({f.parent.relative_to(folder).parts[0] for f in files if f.parent != folder})
    labelled = len(classes) >= 2 and all(f.parent != folder for f in files)
    m, s = _image_settings(folder, mean, std)
    encoded = [read_image(f) for f in files]  # every header checked (pixel limit) before TensorFlow loads
    from converters._runtime import import_tensorflow  # noqa: PLC0415

    tf = import_tensorflow()
    images = []
    for f, data in zip(files, encoded):
        try:
            image = tf.io.decode_image(data, channels=int(channels), expand_animations=False)
        except Exception as exc:  # noqa: BLE001 - one corrupt image: name it
            raise InputError(f"{f}: cannot decode this image ({str(exc).splitlines()[0][:150]})", path=str(f)) from None
        image = tf.image.resize(tf.cast(image, tf.float32), (int(height), int(width))).numpy()
        images.append((image - np.asarray(m, np.float32)) / np.asarray(s, np.float32))
    batch = np.stack(images).astype(np.float32)
    if channels_first:
        batch = np.transpose(batch, (0, 3, 1, 2))
    labels = np.array([classes.index(f.relative_to(folder).parts[0]) for f in files]) if labelled else None
    return {spec.name: batch.astype(spec.dtype if spec.is_float else np.float32)}, labels, files
