"""Library errors name Python parameters; on the command line they are rewritten into flags.

The library raises ``UsageError("quantize='int8' needs calibration_data ...",
params=("quantize", "calibration_data"))``: a Python user reads the names of the call they wrote.
The CLI funnel passes every error through :func:`for_cli`, which rewrites exactly the names the
error declares, in three spellings: ``name=VALUE`` becomes ``--flag VALUE`` (``--flag`` alone for
``True``); a name in backticks (```runs```) becomes ``--flag``; a bare name becomes ``--flag`` only
when it has an underscore (``calibration_data``), because one-word names (``budget``, ``runs``,
``prune``) are also words of prose that must stay as they are.

The flag of a parameter is ``--`` + the name in kebab-case unless the verb spells it otherwise;
the exceptions are listed here, per verb, next to the CLI that defines them.
"""

from __future__ import annotations

import copy
import re

from edge_sdk.core.errors import EdgeSdkError

# parameter -> flag, where the flag is not simply --kebab-case(parameter)
_COMMON = {"devices": "--device", "serials": "--serial", "output": "-o", "timeout_s": "--timeout",
           "min_time_s": "--min-time", "time_limit_s": "--time-limit", "input_shape": "--input-shape",
           "input_shapes": "--input-shape", "adb_serials": "--serial", "use_cache": "--no-cache"}
FLAGS: dict[str | None, dict[str, str]] = {
    None: _COMMON,
    "profile": {**_COMMON, "min_secs": "--min-time"},
    "calibrate": {**_COMMON, "min_secs": "--min-secs"},
    "check": {**_COMMON},
    "convert": {**_COMMON},
}
_VALUE = r"""('[^']*'|"[^"]*"|\[[^\]]*\]|[^\s,;:)]+)"""


def flag_for(param: str, verb: str | None = None) -> str:
    """The command-line spelling of library parameter ``param`` in ``verb``."""
    table = FLAGS.get(verb, _COMMON)
    return table.get(param) or "--" + param.replace("_", "-")


def rewrite(text: str | None, params: tuple[str, ...], verb: str | None = None) -> str | None:
    """``text`` with each declared parameter (bare, or ``name=VALUE``) spelled as its flag."""
    if not text or not params:
        return text
    for param in sorted(params, key=len, reverse=True):
        flag = flag_for(param, verb)

        def with_value(match: re.Match[str], flag: str = flag) -> str:
            value = match.group(1)
            if value == "True":
                return flag
            if value[:1] in "'\"" and value[-1:] == value[:1]:
                value = value[1:-1]
                if any(c.isspace() for c in value):  # a shell would split it: keep it one argument
                    value = f'"{value}"'
            elif value.startswith("[") and value.endswith("]"):
                value = ",".join(part.strip().strip("'\"") for part in value[1:-1].split(","))
            return f"{flag} {value}"

        name = re.escape(param)
        text = re.sub(rf"(?<![\w.-]){name}={_VALUE}", with_value, text)
        text = re.sub(rf"`{name}`", flag, text)
        if "_" in param:  # a one-word name (budget, runs) stands bare only in backticks: prose has those words
            text = re.sub(rf"(?<![\w.`-]){name}(?![\w=-])", flag, text)
    return text


def for_cli(error: EdgeSdkError, verb: str | None = None) -> EdgeSdkError:
    """A copy of ``error`` whose message and hint speak of flags (the same object when nothing maps)."""
    if not error.params:
        return error
    mapped = copy.copy(error)
    # its own attributes: once TensorFlow is imported (it installs tblib's exception reducer),
    # copy.copy(error) shares error.__dict__ and the rewrite below would change the caller's error
    mapped.__dict__ = dict(vars(error))
    mapped.message = rewrite(error.message, error.params, verb) or error.message
    mapped.hint = rewrite(error.hint, error.params, verb)
    mapped.args = (mapped.message,)
    return mapped
