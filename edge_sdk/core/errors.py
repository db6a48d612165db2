"""The exception tree of edge-sdk, and the exit code each branch maps to.

Every error a user can cause or meet derives from :class:`EdgeSdkError` and carries an exit code,
so the CLI turns any of them into one clear paragraph and the documented code, never a traceback:

    EdgeSdkError                 (base; never raised directly)
    +-- UsageError          2    bad flags, conflicting options, unknown recipe or device id
    +-- ConfigError         2    a budget file or device profile that does not validate
    +-- InputError          2    a model or data file that is missing, corrupt or unsupported
    |   +-- UnsupportedModelError 2  a valid model the requested runtime/step cannot handle
    +-- GateFailed          1    a budget or quality gate failed (the report is still written)
    +-- InfrastructureError 3    a runtime crashed or hung, a device vanished, a tool is missing
        +-- RuntimeCrash    3    an interpreter child process died (signal) or timed out
        +-- DeviceError     3    adb / device level failures

Messages are written for a tired engineer at 2 a.m.: name the file, say what is wrong, say what
to do. ``hint`` holds the "what to do" part so the CLI can print it on its own line.

Library code speaks of *parameters*, not command-line flags: a message names the Python parameter
(``calibration_data``, or ``quantize='int8'`` with its value) and lists it in ``params``; the CLI
rewrites exactly those names into its flags (``--calibration-data``, ``--quantize int8``), see
:mod:`edge_sdk.cli.params`. A Python user reads the names of the call they wrote.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_GATE_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_INFRASTRUCTURE = 3


class EdgeSdkError(Exception):
    """Base of every error edge-sdk raises on purpose."""

    exit_code: int = EXIT_BAD_INPUT

    def __init__(self, message: str, *, hint: str | None = None, path: str | None = None,
                 params: tuple[str, ...] | list[str] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.path = path
        self.params = tuple(params)  # parameter names the message and hint mention (the CLI maps them)

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n  hint: {self.hint}"

    def to_dict(self) -> dict[str, object]:
        """A JSON-friendly form, for ``--json`` output of failed commands."""
        data: dict[str, object] = {
            "error": type(self).__name__,
            "message": self.message,
            "hint": self.hint,
            "path": self.path,
            "exit_code": self.exit_code,
        }
        if self.params:
            data["params"] = list(self.params)
        return data


class UsageError(EdgeSdkError):
    """The command line or API call itself is wrong (unknown option value, conflicting flags)."""

    exit_code = EXIT_BAD_INPUT


class ConfigError(EdgeSdkError):
    """A configuration file (budget, device profile, recipe) does not validate."""

    exit_code = EXIT_BAD_INPUT


class InputError(EdgeSdkError):
    """An input file is missing, unreadable, corrupt, truncated or of the wrong kind."""

    exit_code = EXIT_BAD_INPUT


class UnsupportedModelError(InputError):
    """The model is valid but uses something the requested runtime, delegate or step cannot do."""


class GateFailed(EdgeSdkError):
    """A budget or quality gate failed. Raised after the report/artifact has been written."""

    exit_code = EXIT_GATE_FAILED


class InfrastructureError(EdgeSdkError):
    """The machinery failed, not the user's input: a crash, a timeout, a missing tool or device."""

    exit_code = EXIT_INFRASTRUCTURE


class RuntimeCrash(InfrastructureError):
    """An interpreter running in a child process died (signal, abort) or exceeded its timeout."""


class DeviceError(InfrastructureError):
    """A device is unreachable, unauthorized, disconnected mid-run, or its tools failed."""
