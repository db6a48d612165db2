"""Quantities with units, as people write them in budget files: ``"4 MB"``, ``"18 ms"``, ``"30 mJ"``.

Sizes follow SI for ``kB/MB/GB`` (1 MB = 1,000,000 bytes, as file managers and app stores report)
and IEC for ``KiB/MiB/GiB`` (1 MiB = 1,048,576 bytes, as allocators and MCU datasheets report).
Every parser returns a float in a base unit: bytes, milliseconds, millijoules, a plain count or
a fraction (``"5%"`` -> 0.05). Base units are what every report stores, so limits and measurements
compare without conversion.
"""

from __future__ import annotations

import math
import re

from edge_sdk.core.errors import ConfigError

_NUMBER = r"(?P<num>[+-]?(?:\d+(?:[._]\d+)*|\.\d+)(?:[eE][+-]?\d+)?)"
_PATTERN = re.compile(rf"^\s*{_NUMBER}\s*(?P<unit>[A-Za-zµ%]*)\s*$")

SIZE_UNITS: dict[str, float] = {
    "b": 1, "byte": 1, "bytes": 1,
    "kb": 1e3, "mb": 1e6, "gb": 1e9,
    "kib": 1024, "mib": 1024**2, "gib": 1024**3,
}
TIME_UNITS: dict[str, float] = {  # to milliseconds
    "ns": 1e-6, "us": 1e-3, "µs": 1e-3, "ms": 1.0, "s": 1e3, "sec": 1e3, "min": 60e3,
}
ENERGY_UNITS: dict[str, float] = {  # to millijoules
    "nj": 1e-6, "uj": 1e-3, "µj": 1e-3, "mj": 1.0, "j": 1e3,
}
COUNT_UNITS: dict[str, float] = {
    "": 1, "k": 1e3, "m": 1e6, "g": 1e9, "b": 1e9,
    "macs": 1, "mmacs": 1e6, "gmacs": 1e9, "mac": 1, "params": 1,
}

KIND_UNITS: dict[str, dict[str, float]] = {
    "size": SIZE_UNITS,
    "time": TIME_UNITS,
    "energy": ENERGY_UNITS,
    "count": COUNT_UNITS,
}
# how units are shown in error messages (the tables above are matched case-insensitively)
DISPLAY_UNITS = {
    "size": "B, kB, MB, GB, KiB, MiB, GiB",
    "time": "us, ms, s",
    "energy": "uJ, mJ, J",
    "count": "k, M, G",
}
KIND_EXAMPLES = {"size": '"4 MB"', "time": '"18 ms"', "energy": '"30 mJ"', "count": '"600 M"',
                 "fraction": '"5%"'}


def _split(text: str, kind: str, field: str) -> tuple[float, str]:
    match = _PATTERN.match(text)
    if not match:
        raise ConfigError(
            f"{field}: cannot read {text!r} as a {kind}",
            hint=f"write a number and a unit, e.g. {field} = {KIND_EXAMPLES[kind]}",
        )
    value = float(match.group("num").replace("_", ""))
    return value, match.group("unit")


def parse_quantity(value: str | int | float, kind: str, field: str = "value") -> float:
    """Parse ``value`` as a quantity of ``kind`` (size, time, energy, count, fraction).

    Plain numbers are accepted and taken in the base unit (bytes, ms, mJ). Negative values and
    NaN/inf are rejected: no budget limit is ever negative.
    """
    if kind == "fraction":
        return parse_fraction(value, field)
    table = KIND_UNITS[kind]
    if isinstance(value, bool):
        raise ConfigError(f"{field}: expected a {kind}, got a boolean")
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str):
        number, unit = _split(value, kind, field)
        key = unit if unit in table else unit.lower()
        if unit == "":
            key = ""
            table = {**table, "": 1.0}  # a bare number is in the base unit (bytes, ms, mJ)
        if key not in table:
            valid = DISPLAY_UNITS[kind]
            raise ConfigError(
                f"{field}: unknown {kind} unit {unit!r} in {value!r}",
                hint=f"use one of: {valid} (e.g. {field} = {KIND_EXAMPLES[kind]})",
            )
        number *= table[key]
    else:
        raise ConfigError(f"{field}: expected a {kind} like {KIND_EXAMPLES[kind]}, got {value!r}")
    if math.isnan(number) or math.isinf(number):
        raise ConfigError(f"{field}: {value!r} is not a finite number")
    if number < 0:
        raise ConfigError(f"{field}: {value!r} is negative; limits must be zero or more")
    return number


def parse_fraction(value: str | int | float, field: str = "value") -> float:
    """``"5%"`` -> 0.05; a bare number <= 1 is a fraction already (0.05), a bare number > 1 is an error."""
    if isinstance(value, bool):
        raise ConfigError(f"{field}: expected a percentage like \"5%\", got a boolean")
    if isinstance(value, str):
        number, unit = _split(value, "fraction", field)
        if unit not in ("%", ""):
            raise ConfigError(f"{field}: {value!r} is not a percentage", hint=f'e.g. {field} = "5%"')
        result = number / 100.0 if unit == "%" else number
    elif isinstance(value, (int, float)):
        result = float(value)
    else:
        raise ConfigError(f"{field}: expected a percentage like \"5%\", got {value!r}")
    if math.isnan(result) or result < 0:
        raise ConfigError(f"{field}: {value!r} must be zero or more")
    return result


def parse_size(value: str | int | float, field: str = "size") -> float:
    return parse_quantity(value, "size", field)


def parse_time_ms(value: str | int | float, field: str = "latency") -> float:
    return parse_quantity(value, "time", field)


def parse_energy_mj(value: str | int | float, field: str = "energy") -> float:
    return parse_quantity(value, "energy", field)


def format_bytes(n: float | None) -> str:
    """Human form of a byte count, SI units (1 MB = 1e6 B) to match :func:`parse_size`."""
    if n is None:
        return "-"
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if abs(n) >= scale:
            return f"{n / scale:.2f} {unit}"
    return f"{int(n)} B"


def format_ms(ms: float | None) -> str:
    if ms is None:
        return "-"
    if ms >= 1000:
        return f"{ms / 1000:.2f} s"
    if ms >= 1:
        return f"{ms:.2f} ms"
    return f"{ms * 1000:.1f} us"


def format_mj(mj: float | None) -> str:
    if mj is None:
        return "-"
    return f"{mj:.3g} mJ" if mj >= 0.001 else f"{mj * 1000:.3g} uJ"


def format_count(n: float | None) -> str:
    if n is None:
        return "-"
    for unit, scale in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(n) >= scale:
            return f"{n / scale:.2f} {unit}"
    return f"{n:.0f}" if float(n).is_integer() else f"{n:.4g}"


# unit or metric kind -> how format_quantity shows it
_FORMS = {"bytes": "bytes", "byte": "bytes", "b": "bytes", "size": "bytes",
          "ms": "ms", "time": "ms", "s": "s",
          "mj": "mJ", "energy": "mJ",
          "%": "%", "pct": "%", "percent": "%", "fraction": "fraction",
          "count": "count", "macs": "count", "params": "count", "": "count"}


def format_quantity(value: float | None, unit: str) -> str:
    """A number in the unit people read: the one formatter behind tables, reports, diffs and verdicts.

    ``unit`` is a base unit or a metric kind: ``bytes``/``size`` -> ``1.20 MB``; ``ms``/``time`` ->
    ``12.40 ms`` (``us`` and ``s`` at the ends); ``s``; ``mJ``/``energy``; ``%``; ``fraction``
    (0.005 -> ``0.50%``); ``count``/``macs``/``params``/``""`` -> ``300.80 M``. A negative value keeps
    its sign in front (every unit's scale is picked on the magnitude); an unknown unit follows the number.
    """
    if value is None:
        return "-"
    if value < 0:
        return "-" + format_quantity(-value, unit)
    form = _FORMS.get(unit.strip().lower())
    if form == "bytes":
        return format_bytes(value)
    if form == "ms":
        return format_ms(value)
    if form == "s":
        return format_ms(value * 1000.0)
    if form == "mJ":
        return format_mj(value)
    if form == "%":
        return f"{value:.2f}%"
    if form == "fraction":
        return f"{value * 100:.2f}%"
    if form == "count":
        return format_count(value)
    return f"{value:.4g} {unit}"
