"""The device-profile schema: one declaration that both validates TOML files and exports JSON Schema.

Unknown keys are rejected (with the closest valid key as a hint), types and enums are checked, and
sizes may be written with units (``"8 GiB"``). Every section must say where its numbers come from
(``source``); a number that is an estimate is listed under ``estimates = {field = "reasoning"}``.
``devices/profile.schema.json`` is generated from this module (``python -m tools.schemas``) so
editors can complete and check profiles.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devices.cores import CORE_TYPES
from edge_sdk.core.errors import ConfigError
from edge_sdk.core.suggest import did_you_mean
from edge_sdk.core.units import parse_size

SCHEMA_VERSION = 1
ID_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
KINDS = ("phone", "board", "mcu", "host")
PRECISIONS = ("float32", "float16", "dynamic-int8", "int8")
RUNTIMES = ("litert", "tflite-runtime", "tflm", "x-cube-ai", "armnn")
KERNELS = ("xnnpack", "legacy", "vendor", "tflm")
DELEGATES = ("xnnpack", "gpu", "nnapi", "hexagon", "tflm", "cmsis-nn", "ethos-u")


@dataclass(frozen=True)
class Field:
    """One key: its type (str, int, float, bool, size, str-list, estimates), whether required, enum."""

    kind: str
    required: bool = False
    enum: tuple[str, ...] | None = None
    pattern: str | None = None
    description: str = ""


@dataclass(frozen=True)
class Section:
    fields: dict[str, Field]
    required: bool = True
    array: bool = False  # an array of tables ([[...]])
    description: str = ""
    children: dict[str, Section] = field(default_factory=dict)


SOURCE = Field("str", True, description="where the numbers of this section come from (URL, document, table)")
ESTIMATES = Field("estimates", description="field -> reasoning, for every number that is an estimate")

PROFILE = Section(description="A device profile: one real device", fields={
    "schema_version": Field("int", True, description=f"always {SCHEMA_VERSION}"),
    "id": Field("str", True, pattern=ID_PATTERN, description="lowercase kebab-case, equal to the file name"),
    "name": Field("str", True, description="marketing name"),
    "kind": Field("str", True, enum=KINDS),
    "soc": Field("str", True, description="system on chip / microcontroller part number"),
    "year": Field("int"),
    "notes": Field("str"),
    "like": Field("str", pattern=ID_PATTERN, description="a calibrated profile whose fitted corrections this "
                  "device borrows when it has no published points of its own (e.g. \"pixel-7\")"),
    "source": SOURCE,
}, children={
    "cpu": Section(description="CPU clusters and threading defaults", fields={
        "threads_default": Field("int", True, description="threads an app uses by default (the big cores)"),
        "big_core_mask": Field("str", description="CPU affinity mask of the big cores, hex (e.g. 0xF0)"),
        "source": SOURCE, "estimates": ESTIMATES,
    }, children={
        "clusters": Section(array=True, description="one entry per cluster, fastest first", fields={
            "name": Field("str", True), "core": Field("str", True, enum=tuple(sorted(CORE_TYPES))),
            "count": Field("int", True), "ghz": Field("float", True, description="max clock"),
            "active_mw": Field("float", description="power of one core of this cluster at max clock, mW"),
            "estimates": ESTIMATES,
        }),
    }),
    "isa": Section(description="instruction-set features TFLite kernels use", fields={
        "arch": Field("str", True), "neon": Field("bool", True), "dotprod": Field("bool", True),
        "fp16": Field("bool", True), "i8mm": Field("bool", True), "dsp": Field("bool"),
        "helium": Field("bool"), "fpu": Field("str", enum=("none", "sp", "dp")), "source": SOURCE,
    }),
    "memory": Section(description="RAM, the app budget, flash and bandwidth", fields={
        "ram_bytes": Field("size", True), "app_memory_bytes": Field("size", True,
            description="memory one app/model may use: the default budget"),
        "flash_bytes": Field("size", description="MCU flash for weights + code"),
        "bandwidth_gbps": Field("float", True, description="sustained DRAM/SRAM bandwidth, GB/s"),
        "source": SOURCE, "estimates": ESTIMATES,
    }),
    "compute": Section(description="peak compute per precision (all cores)", fields={
        "peak_gmacs_fp32": Field("float", True), "peak_gmacs_fp16": Field("float"),
        "peak_gmacs_int8": Field("float", True), "source": SOURCE, "estimates": ESTIMATES,
    }),
    "runtime": Section(description="the runtime an app ships and its delegates", fields={
        "name": Field("str", True, enum=RUNTIMES), "version": Field("str", True),
        "delegates": Field("str-list", True, enum=DELEGATES),
        "overhead_bytes": Field("size", True, description="runtime RAM besides weights and arena"),
        "code_flash_bytes": Field("size", description="MCU: flash taken by runtime + kernels code"),
        "source": SOURCE, "estimates": ESTIMATES,
    }),
    "power": Section(description="power proxy coefficients (energy is an estimate)", fields={
        "base_mw": Field("float", True, description="power besides the active cores (uncore, DRAM, board)"),
        "supply_v": Field("float", description="supply voltage the power numbers assume (MCU boards: the "
                          "energy monitor's supply); `ID@3.3V` rescales power to another supply"),
        "scope": Field("str", True, enum=("cpu-cluster", "board-supply", "mcu-board"),
                       description="what the energy estimate includes"),
        "source": SOURCE, "estimates": ESTIMATES,
    }),
    "adb": Section(required=False, description="how a connected Android device is matched to this profile",
                   fields={"models": Field("str-list", True, description="ro.product.model values"),
                           "socs": Field("str-list", description="ro.soc.model / ro.board.platform values"),
                           "devices": Field("str-list", description="ro.product.device code names")}),
    "calibration": Section(array=True, required=False, description="published on-device latencies", fields={
        "model": Field("str", True, description="reference model key (runtime_harness/estimator/reference_models.py)"),
        "precision": Field("str", True, enum=PRECISIONS), "threads": Field("int", True),
        "latency_ms": Field("float", True), "runtime": Field("str", True), "source": SOURCE,
        "kernels": Field("str", enum=KERNELS, description="kernel library behind the number: xnnpack "
                         "(LiteRT default, the default), legacy (TFLite before XNNPACK: ruy/Eigen float, "
                         "gemmlowp/ruy int8), vendor (an MCU vendor library such as STM32Cube.AI)"),
        "engine": Field("str", description="an inference engine other than the profile's runtime (e.g. "
                        "\"x-cube-ai 9.0\", \"microtvm cmsis-nn\"): the point is not fitted but gives that "
                        "engine's speed ratio on this device, selectable as `ID@ENGINE`"),
        "dataset": Field("str", description="publication the point belongs to (default: the repository and "
                         "document named in source); validation leaves every point of a dataset out together"),
        "notes": Field("str"),
    }),
    "energy": Section(array=True, required=False, description="published measured energies per inference", fields={
        "model": Field("str", True), "precision": Field("str", True, enum=PRECISIONS),
        "latency_ms": Field("float", True, description="latency during the energy run"),
        "energy_mj": Field("float", True), "supply_v": Field("float", True),
        "runtime": Field("str", True, description="engine and version that ran it"),
        "source": SOURCE, "dataset": Field("str"), "notes": Field("str"),
    }),
})


def _closest(key: str, options: list[str]) -> str:
    return did_you_mean(key, options, parens=True)


def _check_value(value: Any, spec: Field, where: str) -> Any:
    kind = spec.kind
    if kind == "str" and not isinstance(value, str):
        raise ConfigError(f"{where}: expected a string, got {value!r}")
    if kind == "bool" and not isinstance(value, bool):
        raise ConfigError(f"{where}: expected true or false, got {value!r}")
    if kind == "int" and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
        raise ConfigError(f"{where}: expected a whole number >= 0, got {value!r}")
    if kind == "float":
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise ConfigError(f"{where}: expected a number >= 0, got {value!r}")
        value = float(value)
    if kind == "size":
        value = int(parse_size(value, where))
    if kind == "str-list":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{where}: expected a list of strings, got {value!r}")
        bad = [v for v in value if spec.enum and v not in spec.enum]
        if bad:
            raise ConfigError(f"{where}: unknown value(s) {bad}; valid: {', '.join(spec.enum or ())}")
        return list(value)
    if kind == "estimates":
        if not isinstance(value, dict) or not all(isinstance(v, str) and v for v in value.values()):
            raise ConfigError(f"{where}: expected a table of field = \"reasoning\"")
        return dict(value)
    if spec.enum and kind == "str" and value not in spec.enum:
        raise ConfigError(f"{where}: {value!r} is not one of {', '.join(spec.enum)}{_closest(value, list(spec.enum))}")
    if spec.pattern and not re.match(spec.pattern, value):
        raise ConfigError(f"{where}: {value!r} must be lowercase kebab-case (e.g. \"pixel-4\")")
    return value


def _validate_table(table: Any, section: Section, where: str) -> dict[str, Any]:
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: expected a table, got {type(table).__name__}")
    allowed = list(section.fields) + list(section.children)
    out: dict[str, Any] = {}
    for key, value in table.items():
        if key not in allowed:
            raise ConfigError(f"{where}: unknown key {key!r}{_closest(key, allowed)}",
                              hint=f"valid keys here: {', '.join(allowed)}")
        label = f"{where}.{key}" if where else key
        if key in section.fields:
            out[key] = _check_value(value, section.fields[key], label)
        else:
            out[key] = _validate_section(value, section.children[key], label)
    for key, spec in section.fields.items():
        if spec.required and key not in out:
            raise ConfigError(f"{where or 'top level'}: missing required key {key!r}")
    for key, child in section.children.items():
        if child.required and key not in out:
            raise ConfigError(f"{where or 'top level'}: missing required section [{key}]")
    estimates = out.get("estimates", {})
    unknown = [k for k in estimates if k not in section.fields]
    if unknown:
        raise ConfigError(f"{where}.estimates: {unknown} are not fields of [{where}]")
    return out


def _validate_section(value: Any, section: Section, where: str) -> Any:
    if section.array:
        if not isinstance(value, list):
            raise ConfigError(f"{where}: expected an array of tables ([[{where}]])")
        return [_validate_table(item, section, f"{where}[{i}]") for i, item in enumerate(value)]
    return _validate_table(value, section, where)


def validate_profile(data: dict[str, Any], *, path: str = "<profile>") -> dict[str, Any]:
    """Validate a parsed profile; return it with sizes in bytes. Raises ConfigError naming the file."""
    try:
        out = _validate_table(data, PROFILE, "")
        if out["schema_version"] != SCHEMA_VERSION:
            raise ConfigError(f"schema_version {out['schema_version']} is not supported (this edge-sdk reads "
                              f"{SCHEMA_VERSION})")
        if not out["cpu"]["clusters"]:
            raise ConfigError("cpu.clusters: at least one cluster is needed")
    except ConfigError as error:
        raise ConfigError(f"{path}: {error.message}", hint=error.hint or
                          "see devices/profile.schema.json and an existing profile such as devices/profiles/pixel-4.toml",
                          path=path) from None
    return out


# ---- JSON Schema export (for editors) ----------------------------------------------------------

def _field_schema(spec: Field) -> dict[str, Any]:
    kinds: dict[str, dict[str, Any]] = {"str": {"type": "string"}, "int": {"type": "integer", "minimum": 0},
             "float": {"type": "number", "minimum": 0}, "bool": {"type": "boolean"},
             "size": {"type": ["integer", "string"], "pattern": r"^\s*[0-9._]+\s*[A-Za-z]*\s*$"},
             "str-list": {"type": "array", "items": {"type": "string"}},
             "estimates": {"type": "object", "additionalProperties": {"type": "string", "minLength": 1}}}
    out = dict(kinds[spec.kind])
    if spec.kind == "size":
        out = {"type": ["integer", "string"]}
    if spec.enum and spec.kind == "str":
        out["enum"] = list(spec.enum)
    if spec.enum and spec.kind == "str-list":
        out["items"] = {"enum": list(spec.enum)}
    if spec.pattern:
        out["pattern"] = spec.pattern
    if spec.description:
        out["description"] = spec.description
    return out


def _section_schema(section: Section) -> dict[str, Any]:
    props = {k: _field_schema(f) for k, f in section.fields.items()}
    props.update({k: _section_schema(c) for k, c in section.children.items()})
    required = [k for k, f in section.fields.items() if f.required]
    required += [k for k, c in section.children.items() if c.required]
    table: dict[str, Any] = {"type": "object", "properties": props, "required": required,
                             "additionalProperties": False}
    if section.description:
        table["description"] = section.description
    if section.array:
        return {"type": "array", "items": table, "description": section.description}
    return table


def json_schema() -> dict[str, Any]:
    """The profile schema as JSON Schema (draft 2020-12)."""
    schema = _section_schema(PROFILE)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": "https://edge-sdk.dev/schemas/device-profile.json",
            "title": "edge-sdk device profile", **schema}


SCHEMA_FILE = Path(__file__).resolve().parent / "profile.schema.json"

