"""The catalogue of everything a budget can limit: one table that drives validation, the JSON
Schema, the error messages that list valid keys, evaluation and the report columns.

Adding a limit means adding one :class:`Metric` here and teaching :mod:`edge_sdk.budgets.measure`
how to obtain its value; nothing else enumerates metrics by hand.

``kind`` says how a limit is written and compared:

- ``size`` / ``time`` / ``energy`` / ``count`` / ``fraction``: a quantity with a unit; the measured
  value must be at most the limit (parsed by :mod:`edge_sdk.core.units` into bytes, ms, mJ, ...).
- ``precisions``: a list of allowed precisions; the model's precision must be one of them.
- ``delegates``: a list of delegates every op must run on (static op-support tables).
- ``runtimes``: a list of runtimes the model must load in (checked by really loading it).
- ``flag``: ``true`` forbids something (custom ops, Flex ops).

``scope`` says whether the value depends on the device (``device``: one verdict per model and
device) or only on the file (``model``).
"""

from __future__ import annotations

from dataclasses import dataclass

PRECISIONS = ("float32", "float16", "dynamic-int8", "int8", "int8-float-io", "int16x8", "mixed")
DELEGATES = ("xnnpack", "gpu", "nnapi", "tflm")
QUANTITY_KINDS = ("size", "time", "energy", "count", "fraction")
BASE_UNITS = {"size": "B", "time": "ms", "energy": "mJ", "count": "", "fraction": ""}


@dataclass(frozen=True)
class Metric:
    key: str
    kind: str
    scope: str
    description: str
    example: str

    @property
    def numeric(self) -> bool:
        return self.kind in QUANTITY_KINDS

    @property
    def unit(self) -> str:
        return BASE_UNITS.get(self.kind, "")


METRICS: dict[str, Metric] = {m.key: m for m in (
    Metric("size", "size", "model", "file size of the .tflite", '"1 MB"'),
    Metric("gzip_size", "size", "model", "gzip -9 size of the .tflite (what a download costs; "
           "pruned models shrink here)", '"600 kB"'),
    Metric("params", "count", "model", "number of parameters (weights and biases)", '"3.5 M"'),
    Metric("macs", "count", "model", "multiply-accumulates per inference", '"300 M"'),
    Metric("latency_p50", "time", "device", "median latency per inference on each device", '"15 ms"'),
    Metric("latency_p90", "time", "device", "90th percentile latency on each device", '"20 ms"'),
    Metric("latency_p99", "time", "device", "99th percentile latency on each device", '"30 ms"'),
    Metric("peak_memory", "size", "device", "peak memory of the app's inference on each device "
           "(weights + arena + runtime)", '"64 MB"'),
    Metric("arena", "size", "device", "activation arena (tensor memory) on each device; from the "
           "static memory plan when the check names no device", '"2 MB"'),
    Metric("energy", "energy", "device", "energy per inference on each device", '"30 mJ"'),
    Metric("accuracy_drop", "fraction", "model", "accuracy lost by conversion, from the convert "
           "manifest beside the model (MODEL.tflite.json)", '"1%"'),
    Metric("precisions", "precisions", "model", "allowed precisions, any of: " + ", ".join(PRECISIONS),
           '["int8"]'),
    Metric("delegates", "delegates", "model", "delegates that must run every op, any of: "
           + ", ".join(DELEGATES) + " (tflm: TFLite Micro has a kernel for every op; with "
           'precisions = ["int8"] that is the full-int8 NPU/MCU gate)', '["gpu"]'),
    Metric("runtimes", "runtimes", "model", "runtimes the model must load and run in, verified by "
           "really loading it, e.g. tflite-runtime 2.14 or litert 2.3", '["tflite-runtime 2.14"]'),
    Metric("no_custom_ops", "flag", "model", "true: custom ops are not allowed", "true"),
    Metric("no_flex_ops", "flag", "model", "true: Flex (TensorFlow select) ops are not allowed", "true"),
)}

# Keys of a [[check]] table that are not limits.
CHECK_SETTINGS: dict[str, tuple[str, str]] = {
    "name": ("a short name shown in reports", '"face detector, mid-range phones"'),
    "models": ("model paths or globs, relative to the budget file", '["build/*.tflite"]'),
    "devices": ("device profile ids (edge-sdk devices lists them)", '["pixel-4", "raspberry-pi-4"]'),
    "message": ("shown when the check fails: who to talk to, what to do", '"Talk to the perf team."'),
    "max_regression": (("allowed growth over the --baseline report: one percentage for every "
                        "number limited in this check, or a table per metric"), '"5%"'),
    "threads": ("CPU threads to assume on the devices (default: the profile's)", "4"),
    "on_uncertain": (("what an estimate does when the limit lies inside its error band: \"warn\" (default: "
                      "report it, exit 0), \"fail\" or \"pass\"; measured values are never uncertain"), '"warn"'),
}

VALID_CHECK_KEYS = tuple(CHECK_SETTINGS) + tuple(METRICS)

EXAMPLE_BUDGET = '''[[check]]
name = "face detector, mid-range phones"
models = ["build/*.tflite"]
devices = ["pixel-4", "raspberry-pi-4"]
size = "1 MB"
latency_p90 = "20 ms"
peak_memory = "64 MB"
energy = "30 mJ"
max_regression = "5%"
message = "Talk to the perf team before raising this."
'''


def format_value(metric: str, value: object) -> str:
    """A measured or limit value in the unit people read (``1.20 MB``, ``12.40 ms``, ``0.5%``)."""
    from edge_sdk.core.units import format_quantity

    if value is None:
        return "-"
    spec = METRICS.get(metric)
    if spec is None or not spec.numeric or isinstance(value, str | bool | list):
        if isinstance(value, list):
            return ", ".join(str(v) for v in value)
        return str(value).lower() if isinstance(value, bool) else str(value)
    return format_quantity(float(value), spec.kind)  # type: ignore[arg-type]
