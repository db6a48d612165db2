"""``edge-sdk compare A.json B.json``: a before/after table of every number, with deltas."""

from __future__ import annotations

import argparse

DESCRIPTION = """Compare two edge-sdk JSON documents of the same kind (two profiles, two checks, two
conversion manifests, two inspect documents): every number before and after, its delta, its
percentage, and whether the change is better or worse when that is known (smaller size, lower
latency, higher accuracy). Results are matched by device, verdicts by check, ops by op type.

examples:
  edge-sdk compare old.profile.json new.profile.json
  edge-sdk compare old.check.json new.check.json --markdown --changed-only  > pr-comment.md"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("before", metavar="A.json", help="the baseline document (before)")
    parser.add_argument("after", metavar="B.json", help="the new document (after)")
    form = parser.add_mutually_exclusive_group()
    form.add_argument("--markdown", action="store_true", help="a Markdown table, for pull-request comments")
    form.add_argument("--json", action="store_true", help="machine-readable rows (key, before, after, delta, ...)")
    parser.add_argument("--changed-only", action="store_true", help="show only the values that changed")


def run(args: argparse.Namespace) -> int:
    from edge_sdk.reporting.compare import compare, to_json

    comparison = compare(args.before, args.after, markdown=args.markdown)
    if args.json:
        print(to_json(comparison))
    elif args.markdown:
        print(comparison.to_markdown(changed_only=args.changed_only))
    else:
        print(comparison.to_text(changed_only=args.changed_only))
    return 0
