"""SWEEP.toml (or ``[tool.edge-sdk.sweep]`` in pyproject.toml): what a sweep converts, measures and gates.

::

    models = ["models/*.keras", "zoo/*.tflite"]     # globs, relative to this file
    recipes = ["float32", "dynamic-int8", "int8"]    # any `edge-sdk convert` recipe
    devices = ["pixel-7", "raspberry-pi-4", "adb:pixel-4"]   # profile ids; adb:<profile> = a real phone
    calibration_data = "data/calib.npz"              # full-integer recipes ("random" accepts unknown accuracy)
    eval_data = "data/eval.npz"                      # labelled: adds the accuracy drop
    budget = "edge-budget.toml"                      # optional: its checks applied to every cell
    host = true                                      # measure each artifact on this host (default true)

Validation reuses the budget file's machinery (:mod:`edge_sdk.budgets.config`): TOML syntax errors
point at line and column, unknown keys get a did-you-mean, and every other error names the line
of the key it is about, because a typo in a sweep must fail in a second, not after an hour of
conversions. Everything is resolved here (globs expanded, recipes and devices looked up, data
files found) before anything runs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from edge_sdk.budgets.config import _Locator, parse_toml
from edge_sdk.core.errors import ConfigError, UsageError
from edge_sdk.core.files import expand_glob, read_text_input
from edge_sdk.core.suggest import did_you_mean
from edge_sdk.core.units import parse_time_ms

ADB_PREFIX = "adb:"
SETTINGS: dict[str, str] = {
    "models": 'models = ["models/*.keras", "zoo/*.tflite"]',
    "recipes": 'recipes = ["float32", "dynamic-int8", "int8"]',
    "devices": 'devices = ["pixel-7", "raspberry-pi-4", "adb:pixel-4"]',
    "calibration_data": 'calibration_data = "data/calib.npz"',
    "calibration_samples": "calibration_samples = 100",
    "eval_data": 'eval_data = "data/eval.npz"',
    "max_accuracy_drop": 'max_accuracy_drop = "1%"',
    "budget": 'budget = "edge-budget.toml"',
    "host": "host = true",
    "host_time_limit": 'host_time_limit = "2 s"',
    "threads": "threads = 1",
    "store": 'store = "/shared/edge-sdk-sweep-store"',
    "retries": "retries = 1",
}
EXAMPLE = "\n".join(SETTINGS[k] for k in ("models", "recipes", "devices", "calibration_data", "eval_data", "budget"))
_GLOB_CHARS = set("*?[")


@dataclass(frozen=True)
class SweepModel:
    """One source model: where it is, how reports name it, and its format (keras, onnx, tflite...)."""

    path: Path
    name: str
    format: str


@dataclass
class SweepConfig:
    """A validated sweep: every path absolute, every recipe and device known."""

    path: Path | None
    models: list[SweepModel]
    recipes: list[str]
    devices: list[str]
    calibration_data: str | None = None
    calibration_samples: int | None = None
    eval_data: str | None = None
    max_accuracy_drop: str | float | None = None   # the accuracy budget of recipe "auto" (its search)
    budget: Path | None = None
    host: bool = True
    host_time_limit_s: float = 5.0
    threads: int | None = None
    store: Path | None = None
    retries: int = 1
    notes: list[str] = field(default_factory=list)

    @property
    def base_dir(self) -> Path:
        return self.path.parent if self.path else Path.cwd()

    @property
    def emulated_devices(self) -> list[str]:
        return [d for d in self.devices if not d.startswith(ADB_PREFIX)]

    @property
    def adb_devices(self) -> list[str]:
        return [d[len(ADB_PREFIX):] for d in self.devices if d.startswith(ADB_PREFIX)]


class _TableLocator(_Locator):
    """The budget locator, for one plain ``[table]`` (pyproject) or the top level (SWEEP.toml)."""

    def __init__(self, text: str, table: str | None) -> None:
        self.lines = text.splitlines()
        self.headers = []
        if table:
            pattern = re.compile(r"^\s*\[\s*" + re.escape(table).replace(r"\.", r"\s*\.\s*") + r"\s*\]")
            self.headers = [i for i, row in enumerate(self.lines) if pattern.match(row)]

    def line(self, key: str) -> int | None:
        return self.key_line(0, key) if self.headers else self.top_key(key)


def load_sweep_config(path: str | Path) -> SweepConfig:
    """Read, validate and resolve a SWEEP.toml or a pyproject.toml with ``[tool.edge-sdk.sweep]``."""
    p, text = read_text_input(path, "sweep TOML", error=ConfigError, missing="sweep file not found",
                              missing_hint="create SWEEP.toml (see `edge-sdk sweep --help`)")
    return parse_sweep_config(text, p)


def parse_sweep_config(text: str, path: Path) -> SweepConfig:
    data = parse_toml(text, path, "a sweep file")
    table = None
    if path.name == "pyproject.toml":
        table = "tool.edge-sdk.sweep"
        tool = data.get("tool")
        section = tool.get("edge-sdk") if isinstance(tool, dict) else None
        table_data = section.get("sweep") if isinstance(section, dict) else None
        if not isinstance(table_data, dict):
            raise ConfigError(f"{path}: has no [tool.edge-sdk.sweep] table", path=str(path),
                              hint="add one (keys as in SWEEP.toml), or pass a separate SWEEP.toml")
        data = table_data
    return _Validator(path, _TableLocator(text, table)).config(data)


class _Validator:
    def __init__(self, path: Path, locator: _TableLocator) -> None:
        self.path = path.resolve()
        self.base = self.path.parent
        self.locator = locator

    def error(self, key: str | None, message: str, hint: str | None = None) -> ConfigError:
        line = self.locator.line(key) if key else None
        where = f"{self.path}:{line}" if line else str(self.path)
        return ConfigError(f"{where}: {message}", path=str(self.path), hint=hint)

    def config(self, data: dict[str, Any]) -> SweepConfig:
        for key in data:
            if key not in SETTINGS:
                suggestion = did_you_mean(key, SETTINGS, parens=True)
                raise self.error(key, f"unknown key {key!r}{suggestion}",
                                 hint=f"valid keys: {', '.join(SETTINGS)}\n  a valid example:\n"
                                      + "\n".join("    " + row for row in EXAMPLE.splitlines()))
        for required in ("models", "recipes", "devices"):
            if required not in data:
                raise self.error(None, f"no {required!r}: a sweep needs models, recipes and devices",
                                 hint=f"e.g. {SETTINGS[required]}")
        config = SweepConfig(path=self.path, models=self.models(data["models"]),
                             recipes=self.recipes(data["recipes"]), devices=self.devices(data["devices"]))
        config.calibration_data = self.data_path(data, "calibration_data", allow_random=True)
        config.eval_data = self.data_path(data, "eval_data")
        config.calibration_samples = self.count(data, "calibration_samples")
        config.threads = self.count(data, "threads")
        config.max_accuracy_drop = self.accuracy_drop(data)
        retries = self.count(data, "retries", minimum=0)
        config.retries = 1 if retries is None else retries
        if "budget" in data:
            config.budget = self.existing(data, "budget", "budget file", directory=False)
            self.check_budget(config.budget)
        if "store" in data:
            config.store = self.base / self.string(data, "store")
        if "host" in data:
            if not isinstance(data["host"], bool):
                raise self.error("host", f"host must be true or false, got {data['host']!r}", hint=SETTINGS["host"])
            config.host = data["host"]
        if "host_time_limit" in data:
            try:
                config.host_time_limit_s = parse_time_ms(data["host_time_limit"], "host_time_limit") / 1000.0
            except ConfigError as exc:
                raise self.error("host_time_limit", exc.message, exc.hint) from None
        return config

    # ---- one key each ------------------------------------------------------------------------------

    def strings(self, value: Any, key: str) -> list[str]:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
            raise self.error(key, f"{key} must be a non-empty list of strings", hint=f"e.g. {SETTINGS[key]}")
        return list(dict.fromkeys(v.strip() for v in value))

    def string(self, data: dict[str, Any], key: str) -> str:
        value = data[key]
        if not isinstance(value, str) or not value.strip():
            raise self.error(key, f"{key} must be a path (a string)", hint=f"e.g. {SETTINGS[key]}")
        return value.strip()

    def count(self, data: dict[str, Any], key: str, minimum: int = 1) -> int | None:
        value = data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise self.error(key, f"{key} must be a whole number >= {minimum}, got {value!r}", hint=SETTINGS[key])
        return value

    def models(self, value: Any) -> list[SweepModel]:
        from converters.formats import detect_format
        from edge_sdk.core.errors import InputError

        found: dict[Path, SweepModel] = {}
        for pattern in self.strings(value, "models"):
            absolute = pattern if Path(pattern).is_absolute() else str(self.base / pattern)
            matches = expand_glob(absolute, folders=True) if _GLOB_CHARS & set(pattern) \
                else ([Path(absolute)] if Path(absolute).exists() else [])  # ** never follows symlinked folders
            if not matches:
                raise self.error("models", f"models: {pattern!r} matches nothing (looked in {self.base})",
                                 hint="fix the glob or build the models first; globs are relative to the sweep file")
            for match in matches:
                try:
                    fmt = detect_format(match)
                except InputError as exc:
                    raise self.error("models", f"models: {pattern!r}: {exc.message}", exc.hint) from None
                name = str(match.relative_to(self.base)) if match.is_relative_to(self.base) else str(match)
                found.setdefault(match.resolve(), SweepModel(match.resolve(), name, fmt))
        return list(found.values())

    def recipes(self, value: Any) -> list[str]:
        from converters.recipes import recipe_names

        known = recipe_names()
        recipes = self.strings(value, "recipes")
        for recipe in recipes:
            if recipe not in known:
                suggestion = did_you_mean(recipe, known, n=2, cutoff=0.5, parens=True)
                raise self.error("recipes", f"unknown recipe {recipe!r}{suggestion}",
                                 hint=f"available recipes: {', '.join(known)} (`edge-sdk convert --help` describes them)")
        return recipes

    def devices(self, value: Any) -> list[str]:
        from devices import device_ids

        known = device_ids()
        devices = self.strings(value, "devices")
        for device in devices:
            profile = device.removeprefix(ADB_PREFIX)
            if profile not in known:
                suggestion = did_you_mean(profile, known, n=2, cutoff=0.5, parens=True)
                raise self.error("devices", f"unknown device {device!r}{suggestion}",
                                 hint="`edge-sdk devices` lists the profile ids; adb:<profile id> is a phone "
                                      "connected to a worker")
        return devices

    def accuracy_drop(self, data: dict[str, Any]) -> str | float | None:
        """Checked now with the converter's own parser; passed on as written (recipe "auto" reads it)."""
        from converters.options import parse_accuracy_drop

        value = data.get("max_accuracy_drop")
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise self.error("max_accuracy_drop", f"max_accuracy_drop must be a percentage or a fraction, got {value!r}",
                             hint=SETTINGS["max_accuracy_drop"])
        try:
            parse_accuracy_drop(value)
        except UsageError as exc:
            raise self.error("max_accuracy_drop", exc.message, exc.hint) from None
        return value

    def data_path(self, data: dict[str, Any], key: str, allow_random: bool = False) -> str | None:
        if key not in data:
            return None
        value = self.string(data, key)
        if allow_random and value == "random":
            return value
        return str(self.existing(data, key, "data", directory=None))

    def existing(self, data: dict[str, Any], key: str, what: str, directory: bool | None) -> Path:
        target = self.base / self.string(data, key)
        if not target.exists() or (directory is False and not target.is_file()):
            raise self.error(key, f"{key}: {what} {target} not found",
                             hint="paths in a sweep file are relative to the sweep file's directory")
        return target.resolve()

    def check_budget(self, budget: Path) -> None:
        """Validate the budget now: a typo in it must not surface after the conversions."""
        from edge_sdk.budgets.config import load_budget

        load_budget(budget)
