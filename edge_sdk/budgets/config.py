"""Budget files: find them, parse them, validate them into :class:`Budget` objects.

A budget lives in ``edge-budget.toml`` or under ``[tool.edge-sdk]`` in ``pyproject.toml``. Both are
found automatically from the working directory upwards (stopping at the repository root), or named
with ``--budget``. Validation is strict, because a typo in a gate (``latncy_p90``) must not turn into
a limit that is silently never checked: unknown keys are rejected with the list of valid ones and a
valid example; TOML syntax errors name the line and column; units and signs are checked by
:mod:`edge_sdk.core.units`. Paths and globs are relative to the budget file's own directory.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from edge_sdk.budgets.metrics import (
    CHECK_SETTINGS,
    DELEGATES,
    EXAMPLE_BUDGET,
    METRICS,
    PRECISIONS,
    VALID_CHECK_KEYS,
)
from edge_sdk.budgets.runtimes import RuntimeSpec, parse_runtime
from edge_sdk.budgets.verdicts import ON_UNCERTAIN
from edge_sdk.core.errors import ConfigError
from edge_sdk.core.files import read_text_input
from edge_sdk.core.suggest import did_you_mean
from edge_sdk.core.units import parse_fraction, parse_quantity

BUDGET_FILE = "edge-budget.toml"


@dataclass
class Limit:
    """One limit of a check, in base units (bytes, ms, mJ, counts, fractions) or as a list/flag."""

    metric: str
    value: Any
    text: str

    @property
    def numeric(self) -> bool:
        return METRICS[self.metric].numeric


@dataclass
class CheckSpec:
    """One named ``[[check]]``: which models, on which devices, under which limits."""

    name: str
    models: list[str]
    devices: list[str]
    limits: dict[str, Limit]
    message: str | None = None
    max_regression: dict[str, float] = field(default_factory=dict)
    threads: int | None = None
    on_uncertain: str = "warn"    # an estimate whose band straddles a limit: warn, fail or pass
    line: int | None = None
    key_lines: dict[str, int] = field(default_factory=dict)   # where each key is written, for annotations
    origin: str = "budget"

    def line_of(self, key: str) -> int | None:
        return self.key_lines.get(key) or self.line


@dataclass
class Budget:
    path: Path | None
    base_dir: Path
    checks: list[CheckSpec]

    @property
    def display_path(self) -> str:
        return str(self.path) if self.path else "(device defaults, no budget file)"


def find_budget(start: Path | None = None) -> Path | None:
    """The nearest ``edge-budget.toml`` or pyproject with ``[tool.edge-sdk]``, from ``start`` upwards."""
    here = (start or Path.cwd()).resolve()
    for directory in (here, *here.parents):
        candidate = directory / BUDGET_FILE
        if candidate.is_file():
            return candidate
        pyproject = directory / "pyproject.toml"
        if pyproject.is_file() and _has_tool_section(pyproject):
            return pyproject
        if (directory / ".git").exists():
            break
    return None


def _has_tool_section(pyproject: Path) -> bool:
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError):
        return False
    tool = data.get("tool")
    # a pyproject holding only [tool.edge-sdk.sweep] (edge-sdk sweep's table) is not a budget
    return isinstance(tool, dict) and "edge-sdk" in tool and (
        not isinstance(tool["edge-sdk"], dict) or set(tool["edge-sdk"]) != {"sweep"})


def load_budget(path: str | Path) -> Budget:
    """Read and validate a budget file (edge-budget.toml or a pyproject.toml)."""
    p, text = read_text_input(
        path, "budget TOML", error=ConfigError, missing="budget file not found",
        missing_hint=f"create {BUDGET_FILE} (see `edge-sdk check --help`) or pass --budget PATH")
    return parse_budget(text, p)


def parse_toml(text: str, path: Path, what: str = "a budget") -> dict[str, Any]:
    """TOML -> dict; a syntax error names line and column, absurd nesting is a ConfigError (the sweep
    file is read the same way)."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _syntax_error(str(exc), text, path) from None
    except RecursionError:  # tomllib recurses per nesting level: 5,000 "[" exhaust the stack
        raise ConfigError(f"{path}: arrays or tables nested too deeply to be {what}", path=str(path),
                          hint=f"{what} nests at most a few levels: tables of strings and lists") from None


def parse_budget(text: str, path: Path) -> Budget:
    data = parse_toml(text, path)
    in_pyproject = path.name == "pyproject.toml"
    prefix = "tool.edge-sdk."
    if in_pyproject:
        tool = data.get("tool", {})
        if not isinstance(tool, dict) or "edge-sdk" not in tool:
            raise ConfigError(f"{path}: has no [tool.edge-sdk] section", path=str(path),
                              hint="add [[tool.edge-sdk.check]] tables, or use a separate edge-budget.toml")
        data = tool["edge-sdk"]
        if not isinstance(data, dict):
            raise ConfigError(f"{path}: [tool.edge-sdk] must be a table", path=str(path))
    else:
        prefix = ""
    locator = _Locator(text, prefix + "check")
    # [tool.edge-sdk.sweep] in a pyproject belongs to edge-sdk sweep
    unknown = sorted(set(data) - ({"check", "sweep"} if in_pyproject else {"check"}))
    if unknown:
        raise _config_error(path, locator.top_key(unknown[0]),
                            f"unknown top-level key {prefix}{unknown[0]!r}; a budget holds [[{prefix}check]] tables")
    checks = data.get("check")
    if not isinstance(checks, list) or not checks:
        raise _config_error(path, None, f"no [[{prefix}check]] table: the budget checks nothing")
    specs = [_parse_check(entry, i, path, locator) for i, entry in enumerate(checks)]
    names = [s.name for s in specs]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise _config_error(path, None, f"two checks are named {duplicates[0]!r}; names must be unique "
                            "(reports, JUnit and baselines match checks by name)")
    return Budget(path=path.resolve(), base_dir=path.resolve().parent, checks=specs)


def _parse_check(entry: Any, index: int, path: Path, locator: _Locator) -> CheckSpec:
    line = locator.check_line(index)
    where = f"check #{index + 1}"
    if not isinstance(entry, dict):
        raise _config_error(path, line, f"{where} must be a table ([[check]])")
    for key in entry:
        if key not in VALID_CHECK_KEYS:
            raise _config_error(path, locator.key_line(index, key) or line,
                                f"{where}: unknown key {key!r}{did_you_mean(key, VALID_CHECK_KEYS, parens=True)}", list_keys=True)
    name = entry.get("name", f"check {index + 1}")
    if not isinstance(name, str) or not name.strip():
        raise _config_error(path, locator.key_line(index, "name") or line, f"{where}: name must be a non-empty string")
    where = f"check {name!r}"

    def fail(key: str, message: str, hint: str | None = None) -> ConfigError:
        return _config_error(path, locator.key_line(index, key) or line, f"{where}: {message}", hint=hint)

    models = _string_list(entry.get("models", []), "models", fail)
    devices = _string_list(entry.get("devices", []), "devices", fail)
    message = entry.get("message")
    if message is not None and not isinstance(message, str):
        raise fail("message", "message must be a string")
    threads = entry.get("threads")
    if threads is not None and (isinstance(threads, bool) or not isinstance(threads, int) or threads < 1):
        raise fail("threads", f"threads must be a whole number >= 1, got {threads!r}")
    on_uncertain = entry.get("on_uncertain", "warn")
    if on_uncertain not in ON_UNCERTAIN:
        raise fail("on_uncertain", f"on_uncertain must be one of {', '.join(repr(x) for x in ON_UNCERTAIN)}, "
                   f"got {on_uncertain!r}", hint='on_uncertain = "fail" makes an estimate that cannot tell pass from '
                   'fail block the gate; "warn" (default) reports it and passes')
    limits: dict[str, Limit] = {}
    for key, raw in entry.items():
        if key in METRICS:
            limits[key] = _parse_limit(key, raw, fail)
    regression = _parse_regression(entry.get("max_regression"), limits, fail)
    if not limits and not regression:
        raise _config_error(path, line, f"{where}: sets no limit", list_keys=True)
    key_lines = {key: found for key in entry if (found := locator.key_line(index, key))}
    return CheckSpec(name=name.strip(), models=models, devices=devices, limits=limits, message=message,
                     max_regression=regression, threads=threads, on_uncertain=on_uncertain, line=line,
                     key_lines=key_lines)


def _string_list(value: Any, key: str, fail: Any, example: str | None = None) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        example = example or CHECK_SETTINGS[key][1]
        raise fail(key, f"{key} must be a list of strings, e.g. {key} = {example}")
    return [v.strip() for v in value]


def _parse_limit(key: str, raw: Any, fail: Any) -> Limit:
    metric = METRICS[key]
    text = raw if isinstance(raw, str) else repr(raw)
    try:
        if metric.kind == "fraction":
            return Limit(key, parse_fraction(raw, key), text)
        if metric.numeric:
            return Limit(key, parse_quantity(raw, metric.kind, key), text)
    except ConfigError as exc:
        raise fail(key, exc.message, exc.hint) from None
    if metric.kind == "flag":
        if not isinstance(raw, bool):
            raise fail(key, f"{key} must be true or false, e.g. {key} = true")
        return Limit(key, raw, text)
    values = _string_list(raw, key, fail, metric.example)
    if not values:
        raise fail(key, f"{key} is empty; e.g. {key} = {metric.example}")
    if metric.kind == "precisions":
        _require_known(key, values, PRECISIONS, fail)
        return Limit(key, values, ", ".join(values))
    if metric.kind == "delegates":
        _require_known(key, [v.lower() for v in values], DELEGATES, fail)
        return Limit(key, [v.lower() for v in values], ", ".join(values))
    specs: list[RuntimeSpec] = []
    for value in values:
        try:
            specs.append(parse_runtime(value))
        except ConfigError as exc:
            raise fail(key, exc.message, exc.hint) from None
    return Limit(key, specs, ", ".join(values))


def _require_known(key: str, values: list[str], known: tuple[str, ...], fail: Any) -> None:
    for value in values:
        if value not in known:
            raise fail(key, f"{key}: unknown value {value!r}", f"use any of: {', '.join(known)}")


def _parse_regression(raw: Any, limits: dict[str, Limit], fail: Any) -> dict[str, float]:
    """``"5%"`` applies to every number this check limits; a table names metrics explicitly."""
    if raw is None:
        return {}
    if isinstance(raw, dict):
        out = {}
        for metric, value in raw.items():
            if metric not in METRICS or not METRICS[metric].numeric:
                numeric_keys = ", ".join(k for k, m in METRICS.items() if m.numeric)
                raise fail("max_regression", f"max_regression: {metric!r} is not a numeric metric",
                           f"use any of: {numeric_keys}")
            try:
                out[metric] = parse_fraction(value, f"max_regression.{metric}")
            except ConfigError as exc:
                raise fail("max_regression", exc.message, exc.hint) from None
        return out
    try:
        fraction = parse_fraction(raw, "max_regression")
    except ConfigError as exc:
        raise fail("max_regression", exc.message, exc.hint) from None
    numeric = [k for k, limit in limits.items() if limit.numeric]
    if not numeric:
        raise fail("max_regression", "max_regression = \"X%\" applies to the numbers this check limits, "
                   "and it limits none", 'name them: max_regression = { size = "5%", latency_p90 = "10%" }')
    return dict.fromkeys(numeric, fraction)


# ---- error messages that point at the line --------------------------------------------------------

_AT = re.compile(r"\(at line (\d+), column (\d+)\)")


def _syntax_error(message: str, text: str, path: Path) -> ConfigError:
    match = _AT.search(message)
    if not match:
        return ConfigError(f"{path}: TOML syntax error: {message}", path=str(path))
    line, column = int(match.group(1)), int(match.group(2))
    cause = _AT.sub("", message).strip()
    lines = text.splitlines()
    # the offending line helps fix a budget; a file that is not .toml (--budget /etc/shadow) is never echoed
    shown = lines[line - 1] if 0 < line <= len(lines) and path.suffix == ".toml" else ""
    pointer = f"\n    {shown}\n    {' ' * max(column - 1, 0)}^" if shown else ""
    return ConfigError(f"{path}:{line}:{column}: TOML syntax error: {cause}{pointer}", path=str(path),
                       hint=_syntax_hint(cause))


def _syntax_hint(cause: str) -> str:
    if "overwrite" in cause.lower():
        return "a key or table is defined twice: keep one (each [[check]] starts a new check)"
    if "invalid value" in cause.lower() or "expected newline" in cause.lower():
        return 'quantities with units are strings: write size = "1 MB", not size = 1 MB'
    return "fix the TOML at that line (https://toml.io shows the syntax)"


def _config_error(path: Path, line: int | None, message: str, *, hint: str | None = None,
                  list_keys: bool = False) -> ConfigError:
    where = f"{path}:{line}" if line else str(path)
    if list_keys:
        settings = ", ".join(CHECK_SETTINGS)
        limits = ", ".join(METRICS)
        hint = (f"valid keys in a [[check]]: {settings}\n  limits: {limits}\n"
                f"  a valid example:\n" + "\n".join("    " + row for row in EXAMPLE_BUDGET.splitlines()))
    return ConfigError(f"{where}: {message}", path=str(path), hint=hint)


class _Locator:
    """Best-effort line numbers of ``[[check]]`` headers and their keys, for error messages."""

    def __init__(self, text: str, header: str) -> None:
        self.lines = text.splitlines()
        pattern = re.compile(r"^\s*\[\[\s*" + re.escape(header).replace(r"\.", r"\s*\.\s*") + r"\s*\]\]")
        self.headers = [i for i, row in enumerate(self.lines) if pattern.match(row)]

    def check_line(self, index: int) -> int | None:
        return self.headers[index] + 1 if index < len(self.headers) else None

    def key_line(self, index: int, key: str) -> int | None:
        if index >= len(self.headers):
            return None
        key_pattern = re.compile(rf'^\s*["\']?{re.escape(key)}["\']?\s*=')
        for i in range(self.headers[index] + 1, len(self.lines)):
            if self.lines[i].lstrip().startswith("["):
                break
            if key_pattern.match(self.lines[i]):
                return i + 1
        return None

    def top_key(self, key: str) -> int | None:
        key_pattern = re.compile(rf'^\s*\[*\s*["\']?{re.escape(key)}["\']?\s*[=\]]')
        for i, row in enumerate(self.lines):
            if key_pattern.match(row):
                return i + 1
        return None
