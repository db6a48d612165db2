"""Terminal output of convert's accuracy-aware int8: the per-op report, kept-float ops, the auto table."""

from __future__ import annotations

from typing import Any

from edge_sdk.core.table import render_table
from edge_sdk.core.units import format_bytes

REPORT_ROWS = 8


def _db(value: Any) -> str:
    return "-" if value is None else f"{value:.1f}"


def _report(report: dict[str, Any], path: str | None) -> None:
    print(f"per-op int8 error on {report['samples']} calibration samples: {report['summary']}")
    rows = []
    for op in report["ops"][:REPORT_ROWS]:
        alone = op.get("float_alone") or {}
        local = op.get("local") or {}
        share = alone.get("error_share")
        rows.append([op["rank"], op["name"], op["type"], _db(local.get("sqnr_db")), f"{local.get('scale', 0):.3g}",
                     "-" if share is None else f"{share * 100:.0f}%", _db(alone.get("output_sqnr_db"))])
    print(render_table(["#", "op", "type", "op SQNR dB", "scale", "share of output error", "output SQNR if float"],
                       rows, right_align=(0, 3, 4, 5, 6)))
    if path:
        print(f"  full report ({report['ops_quantized']} ops): {path}")


def _search(search: dict[str, Any]) -> None:
    print(f"recipe auto: {search['verdict']}")
    rows = []
    for c in search["candidates"]:
        latency = c.get("latency_ms")
        drop = c.get("drop")
        rows.append(["*" if c["chosen"] else "", c["name"], format_bytes(c["size_bytes"]) if c.get("size_bytes") else "-",
                     format_bytes(c["gzip_size_bytes"]) if c.get("gzip_size_bytes") else "-",
                     "-" if drop is None else f"{drop * 100:.2f}", _db(c.get("sqnr_db")),
                     "-" if latency is None else f"{latency:.2f}", c["outcome"]])
    print(render_table(["", "candidate", "size", "gzip", "drop pts", "SQNR dB", "est ms", "outcome"], rows,
                       right_align=(2, 3, 4, 5, 6)))


def print_quantization(manifest: dict[str, Any]) -> None:
    """The manifest's ``quantization`` section in plain words (nothing when the section is absent)."""
    section = manifest.get("quantization")
    if not section:
        return
    for key, label in (("kept_float", "kept in float"), ("kept_16x8", "int16 activations")):
        kept = section.get(key)
        if kept:
            print(f"{label} ({len(kept)} op(s)): " + ", ".join(f"{k['name']} ({k['type']})" for k in kept[:10])
                  + (" ..." if len(kept) > 10 else ""))
    if section.get("report"):
        _report(section["report"], section.get("report_path"))
    if section.get("search"):
        _search(section["search"])
