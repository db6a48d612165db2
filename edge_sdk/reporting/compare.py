"""Before/after comparison of two edge-sdk documents: every number, its delta and its percentage.

Both documents are flattened into ``dotted.key -> value`` pairs. List items are matched by what
they are, not where they sit: profile results by device and backend, verdicts by check, model
and device, ops summed per op type and, where ops carry times, per layer (op indexes shift
between two conversions of one model; layer names do not).
Raw samples are reduced to their count: the percentiles already summarise them. Short number
lists (shapes, CPU affinity) and string lists are compared as one text value.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

from edge_sdk.core import markdown as md
from edge_sdk.core.errors import UsageError
from edge_sdk.core.table import WIDTH, render_table, shorten_middle, wrap_text
from edge_sdk.core.units import format_quantity
from edge_sdk.reporting.loading import DocumentSource, LoadedDocument, load_one

# Envelope and identity fields, and per-tensor memory allocations (offsets differ with any change;
# the plan's peak and lower bound say what matters).
SKIPPED_KEYS = {"schema", "version", "tool", "created", "sha256", "path", "hint", "tensors"}
# A verdict sits inside its check already (checks[name].verdicts[...]): device and metric name it.
VERDICT_IDENTITY = ("device", "metric")
# Units a document states beside its numbers ({"actual": 0.0185, "limit": 20, "unit": "ms"}).
STATED_UNITS = {"b": "bytes", "bytes": "bytes", "ms": "ms", "mj": "mJ", "s": "s"}
IDENTITY_KEYS = ("name", "check", "label", "variant", "id", "device", "serial", "metric")
Value = float | str


def _identity(item: dict[str, Any], position: int) -> str:
    keys = VERDICT_IDENTITY if "metric" in item and "status" in item else IDENTITY_KEYS
    parts = [str(item[k]) for k in keys if isinstance(item.get(k), (str, int)) and item.get(k) != ""]
    if "backend" in item and "device" in item:
        parts.append(str(item["backend"]))
    if "model" in item and isinstance(item["model"], str):
        parts.append(item["model"].rsplit("/", 1)[-1])
    elif isinstance(item.get("model_sha256"), str):  # a check's profiles name their model by hash
        parts.append(item["model_sha256"][:8])
    ident = "/".join(dict.fromkeys(parts)) or str(position)
    return ident if len(ident) <= 64 else ident[:30] + "..." + ident[-31:]


def _number(value: Any) -> float | None:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    return float(value) if ok else None


def _ops_by_type(ops: list[Any]) -> dict[str, dict[str, float]]:
    totals: dict[str, dict[str, float]] = {}
    timed = any(isinstance(op, dict) and _number(op.get("ms")) is not None for op in ops)
    for op in ops:
        if not isinstance(op, dict):
            continue
        entry = totals.setdefault(str(op.get("type") or op.get("op") or "?"),
                                  {"count": 0.0, "macs": 0.0, "params": 0.0, **({"ms": 0.0} if timed else {})})
        entry["count"] += 1
        for key in ("macs", "params", "ms"):
            value = _number(op.get(key))
            if value is not None and key in entry:
                entry[key] += value
    return totals


def _ops_by_layer(ops: list[Any]) -> dict[str, float]:
    """Per-op time keyed by op type and the user's layer name: op indexes shift between two
    conversions of one model (a QUANTIZE appears), layer names do not, so a regression lines up
    with the layer that caused it."""
    times: dict[str, float] = {}
    for op in ops:
        if isinstance(op, dict) and op.get("layer") and _number(op.get("ms")) is not None:
            key = f"{op.get('type', '?')} {op['layer']}"
            while key in times:
                key += "'"
            times[key] = float(op["ms"])
    return times


def flatten(value: Any, prefix: str = "", units: dict[str, str] | None = None) -> dict[str, Value]:
    """Numbers (and short strings) of a document under readable dotted keys.

    ``units`` (when given) collects the unit a dict states for its numbers in a ``"unit"`` field,
    so a verdict's actual/limit/margin print as "18.5 us" rather than 0.0185.
    """
    out: dict[str, Value] = {}
    if value is None:
        out[prefix] = "none"
    elif isinstance(value, bool):
        out[prefix] = "yes" if value else "no"
    elif isinstance(value, (int, float)):
        if math.isfinite(value):
            out[prefix] = float(value)
    elif isinstance(value, str):
        if len(value) <= 60:
            out[prefix] = value
    elif isinstance(value, dict):
        stated = STATED_UNITS.get(str(value.get("unit", "")).lower()) if units is not None else None
        for key, child in value.items():
            if key in SKIPPED_KEYS and not prefix.endswith("latency_ms"):
                continue
            path = f"{prefix}.{key}" if prefix else str(key)
            if stated and key in ("actual", "limit", "margin", "before", "value") and isinstance(child, (int, float)):
                units[path] = stated  # type: ignore[index]
            out.update(flatten(child, path, units))
    elif isinstance(value, list):
        last = prefix.rsplit(".", 1)[-1]
        if last == "ops":
            for op_type, totals in _ops_by_type(value).items():
                for key, number in totals.items():
                    out[f"{prefix}[{op_type}].{key}"] = number
            for layer, ms in _ops_by_layer(value).items():
                out[f"{prefix}.layer[{layer}].ms"] = ms
        elif value and all(isinstance(v, dict) for v in value):
            seen: dict[str, int] = {}
            for position, item in enumerate(value):
                ident = _identity(item, position)
                seen[ident] = seen.get(ident, 0) + 1
                ident += f"#{seen[ident]}" if seen[ident] > 1 else ""
                out.update(flatten(item, f"{prefix}[{ident}]", units))
        elif value and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
            if len(value) > 8:  # raw samples: their percentiles are compared; here only how many
                out[f"{prefix}.count"] = float(len(value))
            else:  # a shape, an affinity, a confidence interval: one value, compared as text
                out[prefix] = "[" + ", ".join(f"{v:.4g}" for v in value) + "]"
        elif value and all(isinstance(v, str) for v in value):
            out[prefix] = ", ".join(value)
    return out


def unit_of(key: str) -> str:
    """The unit a flattened key is in, from the naming conventions of the documents."""
    segments = key.lower().split(".")
    leaf, parent = segments[-1], (segments[-2] if len(segments) > 1 else "")
    if "bytes" in leaf or parent.endswith("bytes"):
        return "bytes"
    if "latency_ms" in key or leaf.endswith("_ms") or leaf == "ms":
        return "ms"
    if leaf.endswith("_mj") or leaf == "energy":
        return "mJ"
    if leaf.endswith("_pct") or leaf == "margin_pct":
        return "%"
    if leaf.endswith("_s"):
        return "s"
    return ""


def format_number(value: float, unit: str) -> str:
    """:func:`edge_sdk.core.units.format_quantity`, except that whole numbers under 10,000 stay exact
    (an op count going from 1234 to 1240 must read as a change)."""
    if not unit and float(value).is_integer() and abs(value) < 1e4:
        return f"{value:.0f}"
    return format_quantity(value, unit)


HIGHER_IS_BETTER = ("accuracy", "margin", "agreement", "cosine", "sqnr", "passed")
LOWER_IS_BETTER = ("drop", "error", ".macs", "latency", "energy")


def better_direction(key: str, unit: str) -> int:
    """-1 when lower is better (size, time, memory, energy, MACs, errors, accuracy drop), +1 when
    higher is (accuracy, margins, output agreement), 0 when it depends (counts, settings)."""
    leaf = key.lower().rsplit(".", 1)[-1]
    lowered = key.lower()
    if "drop" in leaf or "error" in leaf:
        return -1
    if any(word in lowered for word in HIGHER_IS_BETTER):
        return 1
    if unit in ("bytes", "ms", "mJ", "s") or any(word in lowered for word in LOWER_IS_BETTER):
        return -1
    return 0


@dataclass(frozen=True)
class Row:
    key: str
    before: Value | None
    after: Value | None
    unit: str

    @property
    def delta(self) -> float | None:
        if isinstance(self.before, float) and isinstance(self.after, float):
            return self.after - self.before
        return None

    @property
    def delta_pct(self) -> float | None:
        delta = self.delta
        if delta is None or not self.before:
            return None
        return 100.0 * delta / abs(float(self.before))

    @property
    def changed(self) -> bool:
        return self.before != self.after

    @property
    def verdict(self) -> str:
        """'better' / 'worse' for numbers whose good direction is known, '' otherwise."""
        delta = self.delta
        direction = better_direction(self.key, self.unit)
        if not delta or not direction:
            return ""
        return "better" if delta * direction > 0 else "worse"

    def cells(self) -> list[str]:
        def show(value: Value | None) -> str:
            if value is None:
                return "(absent)"
            if isinstance(value, float):
                return format_number(value, self.unit)
            return value if len(value) <= 40 else value[:37] + "..."

        delta, pct = self.delta, self.delta_pct
        delta_text = "" if delta is None else ("0" if delta == 0 else
                                               ("+" if delta > 0 else "-") + format_number(abs(delta), self.unit))
        if pct is None:
            pct_text = ""
        elif abs(pct) >= 1000:  # from nearly nothing: a ratio reads better than +5938650.0%
            pct_text = f"x{float(self.after) / float(self.before):.3g}"  # type: ignore[arg-type]
        else:
            pct_text = f"{pct:+.1f}%"
        return [self.key, show(self.before), show(self.after), delta_text, pct_text, self.verdict]


@dataclass
class Comparison:
    """The result of :func:`compare`; ``str()`` renders it as text, or Markdown when asked for."""

    kind: str
    before_label: str
    after_label: str
    rows: list[Row] = field(default_factory=list)
    markdown: bool = False

    HEADERS = ("value", "before", "after", "delta", "delta %", "")

    def changed_rows(self) -> list[Row]:
        return [row for row in self.rows if row.changed]

    def to_text(self, changed_only: bool = False) -> str:
        rows = self.changed_rows() if changed_only else self.rows
        head = (f"{self.kind}: {self.before_label} (before) -> {self.after_label} (after); "
                f"{len(self.changed_rows())} of {len(self.rows)} values changed")
        if not rows:
            return head + "\n(nothing to show)"
        cells = [r.cells() for r in rows]
        for row in cells:  # a sentence as a value (a host check's verdict) gives way to the keys, which say
            row[1:3] = [shorten_middle(c, TEXT_VALUE_WIDTH) for c in row[1:3]]  # which device a row is about
        return wrap_text(head) + "\n\n" + render_table(self.HEADERS, cells, right_align=(1, 2, 3, 4), max_width=WIDTH)

    def headline_rows(self) -> list[Row]:
        """The numbers a reviewer decides on: latency percentiles, sizes, peak memory, energy,
        accuracy and verdict status, wherever they sit in the document."""
        return [row for row in self.rows if row.key.rsplit(".", 1)[-1] in HEADLINE_LEAVES]

    def to_markdown(self, changed_only: bool = False) -> str:
        """A pull-request comment: the headline numbers first, every value in a folded table below
        once the table is longer than :data:`MARKDOWN_FOLD_AFTER` rows."""
        rows = self.changed_rows() if changed_only else self.rows

        def markdown_table(selected: list[Row]) -> list[str]:
            cells = [[md.code(c) if i == 0 else md.bold(c) if i == 5 and row.verdict == "worse" else c
                      for i, c in enumerate(row.cells())] for row in selected]
            return md.table(["value", "before", "after", "delta", "delta %", ""], cells, right_align=(1, 2, 3, 4))

        lines = [(f"### edge-sdk compare: {md.code(self.before_label)} -> {md.code(self.after_label)} "
                  f"({md.text(self.kind)})"), "",
                 f"{len(self.changed_rows())} of {len(self.rows)} values changed.", ""]
        headline = [row for row in self.headline_rows() if row in rows]
        if len(rows) <= MARKDOWN_FOLD_AFTER or not headline:
            return "\n".join(lines + markdown_table(rows))
        lines += markdown_table(headline)
        lines += ["", f"<details><summary>All {len(rows)} values</summary>", ""] + markdown_table(rows)
        lines += ["", "</details>"]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind, "before": self.before_label, "after": self.after_label,
            "rows": [{"key": r.key, "before": r.before, "after": r.after, "unit": r.unit, "delta": r.delta,
                      "delta_pct": r.delta_pct, "verdict": r.verdict} for r in self.rows],
        }

    def __str__(self) -> str:
        return self.to_markdown() if self.markdown else self.to_text()


TEXT_VALUE_WIDTH = 18  # before/after in the terminal table (JSON and Markdown keep the value whole); two 40-
# character values left the key 16: "results[pixel-4/estimate].latency_ms.p50" and every other device's
# p50 printed as the same "result..._ms.p50"

HEADLINE_LEAVES = {"p50", "p90", "p99", "size_bytes", "gzip_size_bytes", "peak_bytes", "energy_mj", "artifact",
                   "drop", "status", "passed", "macs", "params", "peak_activation_bytes"}
MARKDOWN_FOLD_AFTER = 25

FIRST = ("results", "checks", "verdicts", "summary", "passed", "output", "validation", "size_bytes", "params", "macs")


def _reading_order(key: str) -> int:
    """The numbers a reviewer looks for first (latency per device, verdicts, size) come first; stable otherwise."""
    top = key.split(".", 1)[0].split("[", 1)[0]
    return FIRST.index(top) if top in FIRST else len(FIRST)


def _label(document: LoadedDocument) -> str:
    """A file's path as given; for an in-memory document, the model it is about."""
    in_memory = document.origin.startswith(f"{document.kind} document #")
    return (document.model_name or document.origin) if in_memory else document.origin


def compare_documents(before: LoadedDocument, after: LoadedDocument, *, markdown: bool = False) -> Comparison:
    """Pair the flattened values of two loaded documents of the same kind (keys in ``before`` order)."""
    if before.kind != after.kind:
        raise UsageError(
            f"{before.origin} is an edge-sdk {before.kind} document but {after.origin} is a {after.kind} document; "
            "compare needs two documents of the same kind",
            hint="e.g. edge-sdk compare old.profile.json new.profile.json",
        )
    units: dict[str, str] = {}
    a, b = flatten(before.body, units=units), flatten(after.body, units=units)
    keys = sorted(list(a) + [k for k in b if k not in a], key=_reading_order)
    rows = [Row(key, a.get(key), b.get(key), units.get(key) or unit_of(key)) for key in keys]
    # Numbers always; text only where both sides have it and it changed (status pass -> fail,
    # precision float32 -> int8): a whole result present on one side is told by its numbers.
    rows = [r for r in rows if isinstance(r.before, float) or isinstance(r.after, float)
            or (r.before is not None and r.after is not None and r.changed)]
    return Comparison(before.kind, _label(before), _label(after), rows, markdown)


def compare(before: DocumentSource, after: DocumentSource, markdown: bool = False) -> Comparison:
    """Compare two edge-sdk documents (paths or dicts); bad or mismatched input raises exit-2 errors."""
    return compare_documents(load_one(before, 0), load_one(after, 1), markdown=markdown)


def to_json(comparison: Comparison) -> str:
    return json.dumps(comparison.to_dict(), indent=2)
