"""``edge-sdk check``: gate models against budgets; exit 1 when a budget fails.

A thin layer over :func:`edge_sdk.budgets.check`: parse flags, run the check, print the table,
write the outputs the user named (atomically, never over an input), set the exit code.
"""

from __future__ import annotations

import argparse
import os
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from edge_sdk.budgets.metrics import CHECK_SETTINGS, EXAMPLE_BUDGET, METRICS
from edge_sdk.core.errors import EXIT_GATE_FAILED, EXIT_OK, UsageError

if TYPE_CHECKING:
    from edge_sdk.budgets import CheckResult

DESCRIPTION = """Check models against budgets: size, latency, memory, energy, MACs, accuracy drop, precision,
delegate support, runtime compatibility, custom/Flex ops, regression against a baseline.

Budgets come from --budget PATH, else the nearest edge-budget.toml or [tool.edge-sdk] in
pyproject.toml; with neither, --device checks the device profiles' default app constraints.
Paths and globs in a budget file are relative to that file. Example edge-budget.toml:

""" + textwrap.indent(EXAMPLE_BUDGET, "  ") + """
Keys of a [[check]] (quantities take units: B kB MB KiB MiB, us ms s, uJ mJ J, k M G, %):
""" + "\n".join(f"  {key:<16}{text}" for key, (text, _) in CHECK_SETTINGS.items()) + "\n" + "\n".join(
    f"  {key:<16}{metric.description}" for key, metric in METRICS.items()) + """

Exit codes: 0 every check passed, 1 a budget failed (or a number could not be measured),
2 bad budget file / usage / input model, 3 infrastructure failure."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("models", nargs="*", metavar="MODEL",
                        help="models to check (replace the budget's models; paths relative to the current directory)")
    parser.add_argument("--budget", "-b", metavar="PATH", help="budget file (edge-budget.toml or pyproject.toml)")
    parser.add_argument("--device", "-d", dest="devices", action="append", default=[], metavar="ID",
                        help="device profile id (repeatable); replaces the budget's devices")
    parser.add_argument("--estimate-only", action="store_true",
                        help="skip host execution: estimate from the model graph only (fast gates)")
    parser.add_argument("--threads", type=int, metavar="N", help="CPU threads to assume (default: each profile's)")
    parser.add_argument("--adb", action="store_true",
                        help="measure on the phone connected over adb: a budget device matching it gets measured numbers")
    parser.add_argument("--serial", action="append", default=[], metavar="S",
                        help="adb serial of a phone to measure on (repeatable; implies --adb)")
    parser.add_argument("--baseline", metavar="REPORT.json",
                        help="a previous `check -o` report: enables max_regression and a before column")
    parser.add_argument("--json", dest="json_arg", nargs="?", const="-", metavar="PATH",
                        help="print the versioned check report on stdout (the table goes to stderr); "
                             "`--json PATH` is the old spelling of -o PATH")
    parser.add_argument("-o", "--output", metavar="REPORT.json",
                        help="write the versioned check report, atomically (usable as the next --baseline)")
    parser.add_argument("--junit", metavar="PATH", help="write JUnit XML: one testcase per check, model and limit")
    parser.add_argument("--markdown", metavar="PATH",
                        help="write a Markdown summary (also appended to $GITHUB_STEP_SUMMARY when that is set)")
    parser.add_argument("--html", metavar="PATH", help="write a self-contained HTML report (verdicts and the profiles used)")
    parser.add_argument("--github", action="store_true", help="print GitHub Actions ::error annotations")
    parser.add_argument("--hide-passed", action="store_true", help="show only failed or unmeasured limits")
    parser.add_argument("--timeout", type=float, default=300.0, metavar="S", dest="timeout_s",
                        help="kill a host measurement or runtime load after S seconds and report a hang "
                             "(exit 3; default 300)")
    parser.add_argument("--no-cache", action="store_true", help="measure again instead of reusing cached results")
    parser.add_argument("--dry-run", action="store_true",
                        help="print the resolved checks (models found, devices, limits in base units) as JSON and stop")
    parser.add_argument("--print-schema", action="store_true", help="print the budget file's JSON Schema and exit")


def run(args: argparse.Namespace) -> int:
    _json_convention(args)
    if args.print_schema:
        from edge_sdk.budgets.schema import schema_text

        sys.stdout.write(schema_text())
        return EXIT_OK
    if args.threads is not None and args.threads < 1:
        raise UsageError(f"--threads must be 1 or more, got {args.threads}")
    if not args.timeout_s > 0:
        raise UsageError(f"--timeout must be a positive number of seconds, got {args.timeout_s:g}")
    outputs = {flag: value for flag, value in (("-o", args.output), ("--junit", args.junit),
                                               ("--markdown", args.markdown), ("--html", args.html))
               if value and value != "-"}
    _refuse_clobbering_inputs(outputs, args)

    if args.dry_run:
        from edge_sdk.budgets.checker import plan_checks
        from edge_sdk.cli.common import print_json

        budget, plans = plan_checks(args.models or None, budget=args.budget, devices=args.devices or None,
                                    threads=args.threads)
        print_json({"budget": str(budget.path) if budget.path else None, "checks": [p.to_dict() for p in plans]})
        return EXIT_OK

    from edge_sdk.budgets import check
    from edge_sdk.budgets.writers import github_annotations, terminal_report
    from edge_sdk.cli.progress import progress_display

    with progress_display(quiet=args.json) as on_progress:
        result = check(args.models or None, budget=args.budget, devices=args.devices or None,
                       estimate_only=args.estimate_only, baseline=args.baseline, use_cache=not args.no_cache,
                       threads=args.threads, adb_serials=list(args.serial) if (args.adb or args.serial) else None,
                       on_progress=on_progress, timeout_s=args.timeout_s)
    table_stream = sys.stderr if args.json else sys.stdout
    print(terminal_report(result, hide_passed=args.hide_passed), file=table_stream)
    if args.github:
        sys.stdout.write(github_annotations(result))
    _write_outputs(result, args)
    return EXIT_OK if result.passed else EXIT_GATE_FAILED


def _json_convention(args: argparse.Namespace) -> None:
    """``--json`` prints the report on stdout, as on every verb; ``-o PATH`` writes it.

    ``check --json PATH`` used to write the file: that spelling still works, with a note on
    stderr. ``--json`` takes an optional value only for that, so ``check --json model.tflite`` (a
    model right after the flag) is read as the flag and a model, not as an output path.
    """
    value = args.json_arg
    args.json = value is not None
    if args.output == "-":  # -o - is stdout, as everywhere
        args.json, args.output = True, None
    if value is None or value == "-":
        return
    path = Path(value)
    if path.suffix.lower() == ".tflite" or path.is_dir() or (path.is_file() and path.suffix.lower() != ".json"):
        args.models.append(value)
        return
    if args.output:
        raise UsageError(f"--json {value} and -o {args.output} both name the report file",
                         hint="write it with -o PATH; --json alone prints it on stdout")
    print(f"edge-sdk: note: `check --json {value}` is the old spelling of `check -o {value}` (it still "
          "writes the file); --json alone now prints the report on stdout, as on every verb", file=sys.stderr)
    args.json, args.output = False, value


def _refuse_clobbering_inputs(outputs: dict[str, str], args: argparse.Namespace) -> None:
    """Outputs go only where the user said, and never over a file the check reads.

    The inputs are resolved as the check will resolve them: the budget, the baseline, every model
    its globs match and the convert manifest beside each (read for the accuracy drop), the device
    profiles. A report path with a model's or budget's suffix is refused too, even when no check
    reads that file today (the next glob might).
    """
    from edge_sdk.budgets.checker import plan_checks
    from edge_sdk.core.paths import OutputPlan

    plan = OutputPlan().read_all(args.models, "model").read(args.budget, "budget").read(args.baseline, "baseline")
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    for flag, value in outputs.items():
        plan.write(flag, value)
        if Path(value).suffix in (".tflite", ".toml"):
            raise UsageError(f"{flag} {value}: refusing to write a report over a {Path(value).suffix} file",
                             hint=f"choose another path for {flag}")
    if summary and os.path.isfile(summary):
        plan.write("$GITHUB_STEP_SUMMARY", summary)
    if not plan.outputs:
        return
    plan.check()  # the obvious clashes first: fast, and before the budget is even read
    budget, checks = plan_checks(args.models or None, budget=args.budget, devices=args.devices or None,
                                 threads=args.threads)
    plan.read(budget.path, "budget")
    for check_plan in checks:
        for ref in check_plan.models:
            plan.read(ref.path, f"model of check {check_plan.spec.name!r}")
            plan.read(ref.path.with_name(ref.path.name + ".json"), f"convert manifest of {ref.display}")
        for profile in check_plan.profiles.values():
            plan.read(getattr(profile, "path", None), "device profile")
    plan.check()


def _write_outputs(result: CheckResult, args: argparse.Namespace) -> None:
    """Write every report the user named, atomically; an unwritable path is a clear usage error."""
    from edge_sdk.budgets.writers import junit_xml, markdown_summary
    from edge_sdk.cli.common import print_json
    from edge_sdk.core.atomic import atomic_write_json, atomic_write_text
    from edge_sdk.core.paths import output_errors, printable

    summary_file = os.environ.get("GITHUB_STEP_SUMMARY")
    markdown = markdown_summary(result) if (args.markdown or summary_file) else ""
    writers: list[tuple[str, str | None, Callable[[str], object]]] = [
        ("-o", args.output, lambda p: atomic_write_json(p, result.document)),
        ("--junit", args.junit, lambda p: atomic_write_text(p, junit_xml(result))),
        ("--markdown", args.markdown, lambda p: atomic_write_text(p, markdown)),
        ("--html", args.html, lambda p: _write_html(result, p)),
    ]
    if args.json:
        print_json(result.document)
    for flag, path, write in writers:
        if path:
            with output_errors(flag, path):
                write(path)
    if summary_file and markdown:
        try:
            with open(summary_file, "a", encoding="utf-8") as handle:  # GitHub's own file: append, as documented
                handle.write(printable(markdown))  # a non-UTF-8 file name: U+FFFD, not an internal error
        except OSError as exc:
            print(f"edge-sdk: warning: cannot append to $GITHUB_STEP_SUMMARY ({summary_file}): {exc}", file=sys.stderr)


def _write_html(result: CheckResult, path: str) -> None:
    from edge_sdk.reporting import write_html_report

    write_html_report([result.document], path, title=f"edge-sdk check: {result.budget.display_path}")
