"""Resolve a conversion request (recipe + explicit options) into one validated plan.

Everything a user can get wrong in the flags is caught here, before TensorFlow is imported, and
reported all at once with what to do. ``ConvertOptions.plan()`` is what ``--dry-run`` prints.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from converters.formats import TORCH_FORMATS, detect_format
from converters.recipes import get_recipe
from converters.torch_spec import (
    INSTALL_HINT,
    UNSAFE_TORCH_FORMATS,
    VIA,
    ExampleInput,
    factory_file,
    parse_example_input,
    parse_input_shapes,
)
from edge_sdk.core.errors import ConfigError, UnsupportedModelError, UsageError
from edge_sdk.core.paths import OutputPlan
from edge_sdk.core.units import parse_fraction

QUANTIZE_MODES = ("none", "fp16", "dynamic", "int8", "int16x8")
FULL_INTEGER = ("int8", "int16x8")
IO_TYPES = ("int8", "float")
PRUNE_STRUCTURES = ("unstructured", "2:4", "channels")
RANDOM_CALIBRATION = "random"
DEFAULT_EPOCHS = 2
DEFAULT_CALIBRATION_SAMPLES = 100
DEFAULT_GENERATED_SAMPLES = 16
DEFAULT_TIMEOUT_S = 900.0


@dataclass
class ConvertOptions:
    """The fully resolved request: every later step reads its settings from here."""

    source: Path
    output: Path
    source_format: str
    recipe: str | None = None
    quantize: str = "none"
    io: str | None = None
    prune: float | None = None
    prune_structure: str | None = None
    calibration_data: str | None = None
    calibration_samples: int = DEFAULT_CALIBRATION_SAMPLES
    image_mean: list[float] | None = None
    image_std: list[float] | None = None
    eval_data: str | None = None
    fine_tune_data: str | None = None
    epochs: int | None = None
    max_accuracy_drop: float | None = None
    allow_unsafe_deserialization: bool = False
    generated_samples: int = DEFAULT_GENERATED_SAMPLES
    torch: str | None = None  # a PyTorch factory "pkg.mod:fn" (source is then the file defining it)
    example_inputs: list[ExampleInput] = field(default_factory=list)
    via: str | None = None  # PyTorch: "litert-torch" or "onnx"; None = litert-torch, ONNX if it refuses
    input_shapes: dict[str, tuple[int, ...]] = field(default_factory=dict)
    timeout_s: float = DEFAULT_TIMEOUT_S
    keep_float: list[str] | None = None
    keep_16x8: list[str] | None = None
    quant_report: str | None = None
    search: str | None = None
    target_device: str | None = None
    objective: str = "size"
    latency_estimator: Any = None
    notes: list[str] = field(default_factory=list)

    def plan(self) -> list[dict[str, Any]]:
        """The ordered steps with their settings (the manifest's ``steps`` and ``--dry-run``)."""
        load: dict[str, Any] = {"format": self.source_format, "path": str(self.source)}
        if self.source_format == "onnx":
            load.update(tool="onnx2tf", layout="NCHW inputs become NHWC (transposed for parity checks)")
        if self.input_shapes:
            load["input_shapes"] = {name: list(dims) for name, dims in self.input_shapes.items()}
        if self.source_format in TORCH_FORMATS:
            load.update(tool=self.via or "litert-torch (torch.onnx.export + onnx2tf if it refuses the model)",
                        reference="eager PyTorch", timeout_s=self.timeout_s)
            if self.torch:
                load["factory"] = self.torch
            if self.example_inputs:
                load["example_inputs"] = [e.to_dict() for e in self.example_inputs]
        if self.source_format in ("keras", "h5"):
            load["safe_mode"] = not self.allow_unsafe_deserialization
        steps: list[dict[str, Any]] = [{"name": "load", "settings": load}]
        if self.prune is not None:
            method = ("gradual magnitude pruning with fine-tuning" if self.fine_tune_data
                      else "one-shot magnitude pruning (no fine-tuning)")
            if self.prune_structure == "channels":
                method = "filter removal by L1 norm" + (", then fine-tuning" if self.fine_tune_data else "")
            steps.append({"name": "prune", "settings": {
                "sparsity": self.prune, "structure": self.prune_structure, "method": method,
                "fine_tune_data": self.fine_tune_data, "epochs": self.epochs}})
        if self.source_format != "tflite":
            quant: dict[str, Any] = {"quantize": self.quantize}
            if self.quantize in FULL_INTEGER:
                quant["io"] = self.io
                quant["calibration"] = {"data": self.calibration_data, "max_samples": self.calibration_samples}
                if self.image_mean is not None or self.image_std is not None:
                    quant["calibration"].update(image_mean=self.image_mean, image_std=self.image_std)
            if self.keep_float:
                quant["keep_float"] = list(self.keep_float)
            if self.keep_16x8:
                quant["keep_16x8"] = list(self.keep_16x8)
            if self.search:
                quant = {"search": self.search, "max_accuracy_drop": self.max_accuracy_drop, "objective": self.objective,
                         "target_device": self.target_device, "calibration": quant.get("calibration")}
            if self.quant_report is not None:
                quant["quant_report"] = self.quant_report
            steps.append({"name": "quantize" if self.quantize != "none" else "export", "settings": quant})
        steps.append({"name": "validate", "settings": {
            "data": self.eval_data or ("calibration-data" if self._calibration_is_file() else "generated"),
            "max_accuracy_drop": self.max_accuracy_drop}})
        return steps

    def _calibration_is_file(self) -> bool:
        return bool(self.calibration_data) and self.calibration_data != RANDOM_CALIBRATION


def _choice(value: Any, allowed: tuple[str, ...], param: str) -> str:
    if value not in allowed:
        raise UsageError(f"{param}={value!r} is not one of {', '.join(allowed)}", params=(param,))
    return str(value)


def _floats(value: Any, param: str) -> list[float] | None:
    if value is None:
        return None
    parts = value.split(",") if isinstance(value, str) else (list(value) if isinstance(value, (list, tuple)) else [value])
    try:
        return [float(p) for p in parts]
    except (TypeError, ValueError):
        raise UsageError(f"{param}={value!r}: expected one number or one per channel, e.g. {param}=127.5 "
                         f"or {param}='123.7,116.3,103.5'", params=(param,)) from None


def parse_sparsity(value: Any, param: str = "prune") -> float:
    try:
        sparsity = parse_fraction(value, param)
    except ConfigError as exc:
        raise UsageError(exc.message, hint=f"e.g. {param}=0.8 or {param}='80%'", params=(param,)) from None
    if not 0.0 < sparsity < 1.0:
        raise UsageError(f"{param}={value!r}: sparsity must be between 0 and 1 (exclusive)",
                         hint=f"e.g. {param}=0.8 (80% of the weights set to zero) or {param}='80%'", params=(param,))
    return sparsity


def parse_accuracy_drop(value: Any) -> float:
    """``"0.5%"`` -> 0.005 (half a point); a bare number is a fraction of 1 (0.005 is half a point)."""
    try:
        drop = parse_fraction(value, "max_accuracy_drop")
    except ConfigError as exc:
        raise UsageError(exc.message, hint="e.g. max_accuracy_drop='0.5%' (half a point)",
                         params=("max_accuracy_drop",)) from None
    if drop >= 1.0:
        raise UsageError(f"max_accuracy_drop={value!r} means a drop of {drop * 100:g} points",
                         hint="write a percentage, e.g. max_accuracy_drop='0.5%', or a fraction like 0.005",
                         params=("max_accuracy_drop",))
    return drop


# every parameter a convert message may name (the CLI rewrites them into its flags)
CONVERT_PARAMS: tuple[str, ...] = (
    "recipe", "quantize", "io", "prune", "prune_structure", "calibration_data", "calibration_samples",
    "image_mean", "image_std", "eval_data", "fine_tune_data", "epochs", "max_accuracy_drop",
    "allow_unsafe_deserialization", "output", "keep_float", "keep_16x8", "quant_report", "target_device",
    "objective",
)
KNOWN_OPTIONS = {"recipe", "quantize", "io", "prune", "prune_structure", "calibration_data",
                 "calibration_samples", "image_mean", "image_std", "eval_data", "fine_tune_data",
                 "epochs", "max_accuracy_drop", "allow_unsafe_deserialization", "generated_samples",
                 "keep_float", "keep_16x8", "quant_report", "target_device", "objective", "latency_estimator"}
OBJECTIVES = ("size", "latency")


DATA_OPTIONS = ("calibration_data", "eval_data", "fine_tune_data")


def guard_outputs(source: Path, output: Path, options: dict[str, Any]) -> None:
    """The model and its manifest never land on the source, a data file, or inside a SavedModel/image folder."""
    plan = OutputPlan().read(source, "source model")
    for name in DATA_OPTIONS:
        value = options.get(name)
        if isinstance(value, (str, Path)) and str(value) != RANDOM_CALIBRATION:
            plan.read(value, name.replace("_", " "))
    plan.write("output", output).write("output", output.with_name(output.name + ".json")).check()


TORCH_OPTIONS = ("torch", "example_input", "via", "input_shape", "timeout_s")  # PyTorch, shapes, child timeout
KNOWN_OPTIONS |= set(TORCH_OPTIONS)
CONVERT_PARAMS += TORCH_OPTIONS


def _source(source: str | Path | None, options: dict[str, Any]) -> tuple[Path, str]:
    """The model path and its format; a PyTorch factory's source is the file that defines it."""
    if options.get("torch"):
        if source not in (None, ""):
            raise UsageError(f"give either a model file ({source}) or torch={options['torch']!r}, not both",
                             params=("torch",))
        return factory_file(str(options["torch"])), "torch-factory"
    if source in (None, ""):
        raise UsageError("no model given: pass a model file, or torch=MODULE:FUNCTION for a PyTorch factory",
                         params=("torch",))
    path = Path(source)
    return path, detect_format(path)


def _torch_and_shape_settings(opts: ConvertOptions, settings: dict[str, Any], problems: list[str]) -> None:
    fmt = opts.source_format
    examples = settings.get("example_input")
    if examples is not None:
        opts.example_inputs = [parse_example_input(e) for e in ([examples] if isinstance(examples, str)
                                                                else examples)]
    opts.torch = settings.get("torch")
    if fmt in ("torch-factory", "torchscript", "torch-pickle") and not opts.example_inputs:
        problems.append("a PyTorch module needs example_input=SHAPE[:DTYPE] once per forward() argument "
                        "(e.g. example_input='1,3,224,224'): conversion traces the model with it")
    if opts.example_inputs and fmt not in ("torch-factory", "torchscript", "torch-pickle"):
        problems.append("example_input applies to PyTorch modules (torch=..., .pt); "
                        + ("a torch.export program (.pt2) carries its own example inputs"
                           if fmt == "torch-export" else f"not to a {fmt} model"))
    if settings.get("via") is not None:
        opts.via = _choice(settings["via"], VIA, "via")
        if fmt not in TORCH_FORMATS:
            problems.append(f"via={opts.via!r} chooses the PyTorch conversion path; this is a {fmt} model")
    opts.input_shapes = parse_input_shapes(settings.get("input_shape"))
    if opts.input_shapes and fmt != "onnx":
        problems.append("input_shape fixes dynamic sizes of ONNX inputs; for PyTorch the example inputs "
                        f"set the shapes, and a {fmt} model has its own")
    if settings.get("timeout_s") is not None:
        opts.timeout_s = float(settings["timeout_s"])
        if opts.timeout_s <= 0:
            problems.append(f"timeout_s={opts.timeout_s:g}: must be a positive number of seconds")


def resolve_options(source: str | Path | None, output: str | Path, **options: Any) -> ConvertOptions:
    """Merge recipe and explicit options, check every conflict, and return the resolved request.

    ``source`` is a model path, or None with ``torch="pkg.module:function"`` (a PyTorch factory).
    """
    unknown = set(options) - KNOWN_OPTIONS
    if unknown:
        raise UsageError(f"unknown convert option(s): {', '.join(sorted(unknown))}",
                         hint=f"known options: {', '.join(sorted(KNOWN_OPTIONS))}")
    (src, fmt), out = _source(source, options), Path(output)
    guard_outputs(src, out, options)
    settings: dict[str, Any] = {}
    recipe = options.get("recipe")
    if recipe:
        settings.update({k: v for k, v in get_recipe(recipe).items() if k != "description"})
    explicit = {k: v for k, v in options.items() if v is not None and k != "recipe"}
    if "quantize" in explicit and "io" not in explicit:
        settings.pop("io", None)  # the recipe's I/O type was for the recipe's quantization
    settings.update(explicit)

    opts = ConvertOptions(source=src, output=out, source_format=fmt, recipe=recipe or None)
    opts.quantize = _choice(settings.get("quantize", "none"), QUANTIZE_MODES, "quantize")
    problems: list[str] = []
    if settings.get("io") is not None:
        opts.io = _choice(settings["io"], IO_TYPES, "io")
        if opts.quantize not in FULL_INTEGER:
            problems.append(f"io={opts.io!r} applies only to full-integer quantization "
                            f"(quantize='int8' or quantize='int16x8'), not to quantize={opts.quantize!r}")
        elif opts.quantize == "int16x8" and opts.io == "int8":
            problems.append("io='int8' cannot carry int16 activations: use io='float' with quantize='int16x8'")
    elif opts.quantize in FULL_INTEGER:
        opts.io = "int8" if opts.quantize == "int8" else "float"
    if settings.get("prune_structure") is not None:
        opts.prune_structure = _choice(settings["prune_structure"], PRUNE_STRUCTURES, "prune_structure")
    if settings.get("prune") is not None:
        opts.prune = parse_sparsity(settings["prune"])
        opts.prune_structure = opts.prune_structure or "unstructured"
    elif opts.prune_structure == "2:4":
        opts.prune = 0.5
    elif opts.prune_structure is not None:
        problems.append(f"prune_structure={opts.prune_structure!r} needs a target: add prune=SPARSITY (e.g. 0.5)")
    if opts.prune_structure == "2:4" and opts.prune is not None and abs(opts.prune - 0.5) > 1e-9:
        problems.append(f"2:4 sparsity is 50% by definition; prune={opts.prune:g} contradicts it (drop `prune`)")

    opts.calibration_data = settings.get("calibration_data")
    opts.calibration_samples = int(settings.get("calibration_samples", DEFAULT_CALIBRATION_SAMPLES))
    if opts.calibration_samples < 1:
        problems.append(f"calibration_samples={opts.calibration_samples}: must be at least 1 (about 100 is typical)")
    opts.image_mean = _floats(settings.get("image_mean"), "image_mean")
    opts.image_std = _floats(settings.get("image_std"), "image_std")
    if opts.image_std is not None and any(s == 0 for s in opts.image_std):
        problems.append("image_std must not contain 0 (pixels are divided by it)")
    if opts.quantize in FULL_INTEGER and not opts.calibration_data and not settings.get("search"):
        problems.append(
            f"quantize={opts.quantize!r} needs calibration data to choose activation ranges: "
            "pass calibration_data=PATH (.npz/.npy arrays or a folder of images, about 100 samples), "
            "or calibration_data='random' to accept that the accuracy is then unknown")
    if opts.calibration_data and opts.quantize not in FULL_INTEGER:
        problems.append(f"calibration_data is only used by full-integer quantization (quantize='int8' or "
                        f"quantize='int16x8'), not by quantize={opts.quantize!r}")
    opts.eval_data = settings.get("eval_data")
    opts.fine_tune_data = settings.get("fine_tune_data")
    if settings.get("epochs") is not None:
        opts.epochs = int(settings["epochs"])
        if opts.epochs < 1:
            problems.append(f"epochs={opts.epochs}: must be at least 1")
        if not opts.fine_tune_data:
            problems.append("`epochs` applies to fine-tuning: add fine_tune_data=PATH")
    if opts.fine_tune_data:
        opts.epochs = opts.epochs or DEFAULT_EPOCHS
        if opts.prune is None:
            problems.append("fine_tune_data is used to recover accuracy after pruning: add prune=SPARSITY")
    _resolve_quantization(opts, settings, problems)
    if settings.get("max_accuracy_drop") is not None:
        opts.max_accuracy_drop = parse_accuracy_drop(settings["max_accuracy_drop"])
        if not opts.eval_data and not opts.search:
            problems.append("max_accuracy_drop needs labelled data: add eval_data=PATH (inputs and labels)")
    opts.allow_unsafe_deserialization = bool(settings.get("allow_unsafe_deserialization", False))
    opts.generated_samples = int(settings.get("generated_samples", DEFAULT_GENERATED_SAMPLES))
    _torch_and_shape_settings(opts, settings, problems)
    if problems:
        raise UsageError("conflicting or incomplete options:\n  - " + "\n  - ".join(problems), params=CONVERT_PARAMS)
    _check_format_support(opts)
    return opts


def _resolve_quantization(opts: ConvertOptions, settings: dict[str, Any], problems: list[str]) -> None:
    """keep_float, quant_report and the accuracy-aware search (recipe='auto'): what each one needs."""
    for name in ("keep_float", "keep_16x8"):
        keep = settings.get(name)
        if keep is not None:
            setattr(opts, name, [keep] if isinstance(keep, str) else [str(k) for k in keep])
    report = settings.get("quant_report")
    if report is not None and report is not False:
        opts.quant_report = "" if report is True else str(report)
    opts.search = settings.get("search")
    opts.target_device = settings.get("target_device")
    opts.objective = _choice(settings.get("objective", "size"), OBJECTIVES, "objective")
    opts.latency_estimator = settings.get("latency_estimator")
    if opts.search:
        if not opts.calibration_data or opts.calibration_data == RANDOM_CALIBRATION:
            problems.append("recipe='auto' measures int8 candidates, so it needs real calibration data: pass "
                            "calibration_data=PATH (.npz/.npy arrays or a folder of images, about 100 samples)")
        if settings.get("max_accuracy_drop") is None:
            problems.append("recipe='auto' searches under an accuracy budget: add max_accuracy_drop=X (e.g. '1%'); "
                            "with labelled eval_data it is the accuracy drop, without labels the top-1 disagreement "
                            "with the source model")
        if opts.keep_float or opts.keep_16x8:
            problems.append("keep_float / keep_16x8 and recipe='auto' exclude each other: the search chooses "
                            "which ops stay float "
                            "(drop keep_float, or use recipe='int8-float-io' with keep_float)")
        return
    if opts.target_device or "objective" in settings:
        problems.append("target_device and objective steer recipe='auto' only: add recipe='auto' or drop them")
    if opts.keep_float and opts.quantize != "int8":
        problems.append(f"keep_float keeps ops in float inside a full-int8 model; quantize={opts.quantize!r} has no "
                        "int8 ops to exempt: use recipe='int8' or recipe='int8-float-io' with keep_float")
    if opts.keep_16x8 and opts.quantize != "int8":
        problems.append(f"keep_16x8 gives chosen ops int16 activations inside a full-int8 model; "
                        f"quantize={opts.quantize!r} is not int8: use recipe='int8' with keep_16x8")
    if opts.keep_16x8 and opts.keep_float:
        problems.append("keep_16x8 and keep_float cannot be combined (two quantizers): choose one")
    if opts.quant_report is not None and opts.quantize != "int8":
        problems.append(f"quant_report measures what int8 quantization costs per op; quantize={opts.quantize!r} is not "
                        "int8: use recipe='int8-float-io' (or recipe='auto') with quant_report")


def _check_format_support(opts: ConvertOptions) -> None:
    fmt, src = opts.source_format, opts.source
    if fmt == "tflite" and (opts.quantize != "none" or opts.prune is not None):
        raise UnsupportedModelError(
            f"{src}: is already a .tflite model; edge-sdk convert only re-validates it (parity, accuracy)",
            hint="convert from the original Keras/SavedModel/ONNX model to quantize or prune", path=str(src))
    if fmt in TORCH_FORMATS:
        missing = [name for name in ("torch", "litert_torch") if importlib.util.find_spec(name) is None]
        if missing:
            raise UsageError(f"{src}: PyTorch sources need the optional PyTorch extra ({', '.join(missing)} "
                             "not installed)", hint=INSTALL_HINT, path=str(src))
    if fmt in UNSAFE_TORCH_FORMATS and not opts.allow_unsafe_deserialization:
        raise UnsupportedModelError(
            f"{src}: refused to load: a {'TorchScript' if fmt == 'torchscript' else 'pickled PyTorch'} file is "
            "unpickled to load, and unpickling runs code stored in the file",
            hint="export it safely with torch.export.save(torch.export.export(model, (x,)), 'model.pt2'), or "
                 "pass torch=MODULE:FUNCTION; if you trust this file, pass allow_unsafe_deserialization "
                 "(it is then loaded in the isolated conversion process only)",
            path=str(src), params=("allow_unsafe_deserialization", "torch"))
    if opts.prune is not None and fmt not in ("keras", "h5"):
        raise UnsupportedModelError(
            f"{src}: pruning needs a Keras model (.keras or .h5) because it edits layer weights; "
            f"a {fmt} model has no Keras layers",
            hint="prune the Keras model before exporting it, or drop `prune`", path=str(src), params=("prune",))
