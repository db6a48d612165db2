"""The ``edge-sdk`` command line: a thin layer over the Python API, one module per verb.

Verbs are registered by name -> module path and imported only when run, so ``edge-sdk --help``
and the fast verbs (inspect, profile, check) never pay for TensorFlow or for each other's imports.
Each verb module exposes ``add_arguments(parser)`` and ``run(args) -> int``.

Exit codes (see :mod:`edge_sdk.core.errors`): 0 ok, 1 gate failed, 2 bad usage/config/input,
3 infrastructure failure. No user error ever ends in a Python traceback.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import shutil
import sys
import tempfile
import traceback
from collections.abc import Sequence

from edge_sdk import __version__
from edge_sdk.core.errors import EXIT_BAD_INPUT, EXIT_INFRASTRUCTURE, EdgeSdkError

# verb -> (module, one-line summary). Order is the order of the help text: the pipeline order.
VERBS: dict[str, tuple[str, str]] = {
    "convert": ("edge_sdk.cli.convert_cmd", "Keras/SavedModel/ONNX -> quantized or pruned .tflite, accuracy cost measured"),
    "inspect": ("edge_sdk.cli.inspect_cmd", "static analysis of a .tflite: ops, params, MACs, memory plan, compatibility"),
    "profile": ("edge_sdk.cli.profile_cmd", "measure on this host and estimate on device profiles: latency, memory, energy"),
    "check": ("edge_sdk.cli.check_cmd", "gate models against budgets (exit 1 when a budget fails)"),
    "sweep": ("edge_sdk.cli.sweep_cmd", "models x recipes x devices on a local or Dask cluster, cached by content"),
    "devices": ("edge_sdk.cli.devices_cmd", "list device profiles, show one, or list phones connected over adb"),
    "calibrate": ("edge_sdk.cli.calibrate_cmd", "measure reference models on an adb device and store calibration points"),
    "report": ("edge_sdk.cli.report_cmd", "render report JSON files as one self-contained HTML page"),
    "compare": ("edge_sdk.cli.compare_cmd", "before/after table of two reports, with deltas"),
}

EPILOG = """exit codes: 0 ok, 1 a budget or quality gate failed, 2 bad usage/config/input,
3 infrastructure failure (runtime crash, timeout, device unreachable)."""


HELP_WIDTH = 100  # = edge_sdk.core.table.WIDTH, the width of every verb's output


class _HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Descriptions keep their layout (examples, tables of keys) but wrap at 100 columns like every
    other output, continuation lines under the value; argparse's own columns never exceed 100."""

    def __init__(self, prog: str) -> None:
        super().__init__(prog, width=min(HELP_WIDTH, shutil.get_terminal_size((HELP_WIDTH, 24)).columns))

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        from edge_sdk.core.table import wrap_text  # only when a description is shown: --help stays fast

        return "".join(wrap_text(indent + line, HELP_WIDTH) + "\n" for line in text.splitlines())


def _top_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="edge-sdk",
        description="Take a trained model to a phone or a board, and prove before release that it fits.",
        epilog=EPILOG,
        formatter_class=_HelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"edge-sdk {__version__}")
    sub = parser.add_subparsers(dest="verb", metavar="COMMAND", title="commands")
    for verb, (_, summary) in VERBS.items():
        sub.add_parser(verb, help=summary)
    return parser


def _verb_parser(verb: str, module: object) -> argparse.ArgumentParser:
    summary = VERBS[verb][1]
    parser = argparse.ArgumentParser(
        prog=f"edge-sdk {verb}",
        description=(getattr(module, "DESCRIPTION", None) or summary),
        epilog=EPILOG,
        formatter_class=_HelpFormatter,
    )
    module.add_arguments(parser)  # type: ignore[attr-defined]
    return parser



def report_error(error: EdgeSdkError, as_json: bool) -> int:
    """Print one clear paragraph (and the JSON form when --json) and return the exit code."""
    print(f"edge-sdk: error: {error}", file=sys.stderr)
    if as_json:
        print(json.dumps(error.to_dict(), indent=2))
    return error.exit_code


def _report_bug(exc: BaseException) -> int:
    fd, path = tempfile.mkstemp(prefix="edge-sdk-crash-", suffix=".txt")
    with os.fdopen(fd, "w") as handle:
        traceback.print_exception(exc, file=handle)
    print(
        f"edge-sdk: internal error: {type(exc).__name__}: {exc}\n"
        f"  This is a bug in edge-sdk, not in your model. The traceback is in {path};\n"
        f"  please attach it to an issue. Set EDGE_SDK_DEBUG=1 to print it here.",
        file=sys.stderr,
    )
    if os.environ.get("EDGE_SDK_DEBUG"):
        traceback.print_exception(exc)
    return EXIT_INFRASTRUCTURE


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``edge-sdk`` console script; returns the process exit code."""
    for stream in (sys.stdout, sys.stderr):  # a non-UTF-8 file name prints with replacement characters
        if getattr(stream, "errors", None) == "strict" and hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    args_list = list(sys.argv[1:] if argv is None else argv)
    if not args_list or args_list[0] not in VERBS:
        parser = _top_parser()
        if not args_list:
            parser.print_help()
            return EXIT_BAD_INPUT
        try:
            parser.parse_args(args_list)  # prints help/version or the usage error
        except SystemExit as stop:
            return int(stop.code or 0) if stop.code in (0, None) else EXIT_BAD_INPUT
        return EXIT_BAD_INPUT
    verb = args_list[0]
    args: argparse.Namespace | None = None
    try:
        module = importlib.import_module(VERBS[verb][0])
        parser = _verb_parser(verb, module)
        try:
            args = parser.parse_args(args_list[1:])
        except SystemExit as stop:  # argparse: --help exits 0, usage errors exit 2
            return 0 if stop.code in (0, None) else EXIT_BAD_INPUT
        return int(module.run(args))
    except EdgeSdkError as error:
        from edge_sdk.cli.params import for_cli  # library errors name parameters; users typed flags

        # --json means one thing on every verb: the document (here the error) on stdout
        as_json = bool(args.json) if args is not None and hasattr(args, "json") else "--json" in args_list
        return report_error(for_cli(error, verb), as_json)
    except KeyboardInterrupt:
        print("edge-sdk: interrupted; no partial output was left behind.", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # noqa: BLE001 - the last line of defence: never a raw traceback
        return _report_bug(exc)
