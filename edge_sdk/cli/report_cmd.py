"""``edge-sdk report REPORT.json ... -o report.html``: one self-contained HTML page from JSON reports."""

from __future__ import annotations

import argparse

from edge_sdk.cli.common import print_json

DESCRIPTION = """Render edge-sdk JSON documents (profile, check, convert, inspect) into one self-contained
HTML page: verdicts, latency distributions per device with the budget line, a device comparison,
per-op breakdown, size by op type and dtype, activation memory over execution order, and
conversion variants side by side. The page works offline (no CDN, no network) and without
JavaScript (only table sorting uses it).

A directory stands for every edge-sdk JSON document in it (other JSON files there are skipped).

examples:
  edge-sdk report profile.json check.json model.tflite.json -o report.html
  edge-sdk report demo-out/ -o demo-out/report.html"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("reports", nargs="+", metavar="REPORT.json",
                        help="edge-sdk JSON documents written by profile/check/convert/inspect, or directories")
    parser.add_argument("-o", "--output", default="report.html", metavar="PATH",
                        help="HTML file to write (default: report.html); written atomically")
    parser.add_argument("--title", help="page title (default: built from the model names)")
    parser.add_argument("--no-analyze", "--no-analyse", dest="no_analyze", action="store_true",
                        help="do not statically analyze the model files the profiles name (faster; the page "
                             "then needs inspect documents for its model section)")
    parser.add_argument("--json", action="store_true", help="print {\"html\": PATH} as JSON instead of a sentence")


def run(args: argparse.Namespace) -> int:
    import sys

    from edge_sdk.reporting import write_html_report
    from edge_sdk.reporting.loading import expand_directories

    reports, skipped = expand_directories(args.reports)
    for line in skipped:
        print(f"edge-sdk report: skipped {line}", file=sys.stderr)
    path = write_html_report(reports, args.output, title=args.title, analyse_models=not args.no_analyze)
    if args.json:
        print_json({"html": str(path.resolve())})
    else:
        print(f"wrote {path} (open it in a browser: file://{path.resolve()})")
    return 0
