"""Parse what TFLite's ``benchmark_model`` prints, in every layout it has had since 2019.

The tool has no machine-readable output, and its text changed across releases:

- TF 1.13-1.14: ``Average inference timings in us: Warmup: W, Init: I, no stats: A``
- TF 1.15-2.1:  ``Average inference timings in us: Warmup: W, Init: I, Inference: A``
- TF 2.2+:      ``Inference timings in us: Init: I, First inference: F, Warmup (avg): W, Inference (avg): A``
- memory, older ``Peak memory footprint (MB): init=.. overall=..``, then ``Memory footprint delta
  from the start of the tool (MB): init=.. overall=..``, and since ~2.13 also ``Overall peak memory
  footprint (MB) via periodic monitoring: X``
- statistics lines ``count=50 first=.. curr=.. min=.. max=.. avg=.. std=..``, since ~2.13 with
  ``p5=.. median=.. p95=..``; a one-run phase prints only ``count=1 curr=..``
- per-op tables with ``--enable_op_profiling``: tab-aligned columns, with or without ``[start]``,
  or CSV rows (``--profiling_output_csv_file``) under the same section titles
- any line may carry a prefix: ``INFO: ``, a logcat ``I tflite  : `` or a glog timestamp.

Times are microseconds in the text; everything here is returned in milliseconds.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

_NUM = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
_SUMMARY_NEW = re.compile(
    rf"Inference timings in us: Init: (?P<init>{_NUM}), First inference: (?P<first>{_NUM}), "
    rf"Warmup \(avg\): (?P<warmup>{_NUM}), Inference \(avg\): (?P<avg>{_NUM})")
_SUMMARY_OLD = re.compile(
    rf"Average inference timings in us: Warmup: (?P<warmup>{_NUM}), Init: (?P<init>{_NUM}), "
    rf"(?:no stats|Inference): (?P<avg>{_NUM})")
_STATS = re.compile(rf"(?<![\w(])count=(?P<count>\d+)(?P<rest>(?:\s+\w+={_NUM})*)")
_PAIR = re.compile(rf"(\w+)=({_NUM})")
_MEMORY = re.compile(
    rf"(?:Memory footprint delta from the start of the tool|Peak memory footprint) \(MB\): "
    rf"init=(?P<init>{_NUM}) overall=(?P<overall>{_NUM})")
_PEAK = re.compile(rf"Overall peak memory footprint \(MB\) via periodic monitoring: (?P<peak>{_NUM})")
_SIZE = re.compile(rf"The input model file size \(MB\): (?P<size>{_NUM})")
_THREADS = re.compile(r"(?:#threads used for CPU inference|Num threads): \[(?P<n>-?\d+)\]")
_PHASE = re.compile(r"Running benchmark for (?:at least |max )?\d+ iterations")
_PREFIX = re.compile(
    r"^(?:\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+: [IWEF] \S+\] "  # glog timestamp
    r"|(?:\d\d-\d\d \d\d:\d\d:\d\d\.\d+\s+\d+\s+\d+\s+)?[IWEVD] tflite\s*: "  # logcat
    r"|INFO: )")
_ERROR = re.compile(r"(?:^|\s)(?:ERROR|E tflite\s*):\s*(?P<msg>.+)$")

MIB = 1024 * 1024  # the tool's "MB" is KiB / 1024


@dataclass
class RunStats:
    """One ``count=...`` line, in milliseconds. Fields absent in the text are None."""

    count: int
    first_ms: float | None = None
    curr_ms: float | None = None
    min_ms: float | None = None
    max_ms: float | None = None
    avg_ms: float | None = None
    std_ms: float | None = None
    p5_ms: float | None = None
    median_ms: float | None = None
    p95_ms: float | None = None


@dataclass
class OpRow:
    """One row of the per-op "Run Order" table (times in ms, as the tool prints them)."""

    node_type: str
    name: str
    avg_ms: float
    first_ms: float | None = None
    start_ms: float | None = None
    percent: float | None = None
    cdf_percent: float | None = None
    mem_kb: float | None = None
    times_called: int | None = None


@dataclass
class BenchmarkOutput:
    layout: str = "unknown"
    init_ms: float | None = None
    first_inference_ms: float | None = None
    warmup_avg_ms: float | None = None
    inference_avg_ms: float | None = None
    warmup: RunStats | None = None
    runs: RunStats | None = None
    memory_init_bytes: float | None = None
    memory_overall_bytes: float | None = None
    peak_memory_bytes: float | None = None
    model_size_mb: float | None = None
    threads: int | None = None
    ops: list[OpRow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        """True when the run finished far enough to report a latency."""
        return self.inference_avg_ms is not None or (self.runs is not None and self.runs.avg_ms is not None)

    def ops_by_type(self) -> dict[str, dict[str, float]]:
        """Per node type: op count and summed average ms (from the Run Order rows)."""
        summary: dict[str, dict[str, float]] = {}
        for op in self.ops:
            entry = summary.setdefault(op.node_type, {"count": 0, "avg_ms": 0.0})
            entry["count"] += 1
            entry["avg_ms"] += op.avg_ms
        return summary

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _us_to_ms(value: str | None) -> float | None:
    return None if value is None else float(value) / 1000.0


def _content(line: str) -> str:
    return _PREFIX.sub("", line.rstrip("\r"), count=1) if _PREFIX.match(line) else line.rstrip("\r")


def parse_stats(text: str) -> RunStats | None:
    """Parse one ``count=N first=.. curr=..`` line (microseconds) into :class:`RunStats` (ms)."""
    match = _STATS.search(text)
    if not match:
        return None
    values = {key: float(value) for key, value in _PAIR.findall(match.group("rest"))}
    stats = RunStats(count=int(match.group("count")))
    for key in ("first", "curr", "min", "max", "avg", "std", "p5", "median", "p95"):
        if key in values:
            setattr(stats, f"{key}_ms", values[key] / 1000.0)
    if stats.count == 1 and stats.avg_ms is None and stats.curr_ms is not None:
        stats.avg_ms = stats.min_ms = stats.max_ms = stats.first_ms = stats.curr_ms
    return stats


def parse(text: str) -> BenchmarkOutput:
    """Parse the whole stdout/stderr of one ``benchmark_model`` run (any supported layout)."""
    out = BenchmarkOutput()
    lines = [_content(line) for line in text.splitlines()]
    phase_stats: list[RunStats] = []  # the stats line under each "Running benchmark for" title
    loose_stats: list[RunStats] = []  # stats lines with no title above them (logcat excerpts)
    titles = 0
    in_phase = False
    for line in lines:
        if _PHASE.search(line):
            titles += 1
            in_phase = True
            continue
        if "count=" in line and not line.lstrip().startswith(("Timings", "Memory (bytes)")):
            stats = parse_stats(line)
            if stats is not None:
                (phase_stats if in_phase else loose_stats).append(stats)
                in_phase = False
            continue
        _parse_scalar_line(line, out)
    if titles:
        # warmup phase first, then the regular runs; one title only means the run was cut short
        out.warmup = phase_stats[0] if phase_stats else None
        out.runs = phase_stats[1] if len(phase_stats) >= 2 else None
    elif len(loose_stats) >= 2:
        out.warmup, out.runs = loose_stats[0], loose_stats[-1]
    elif loose_stats:
        out.runs = loose_stats[0]
    if out.inference_avg_ms is None and out.runs is not None:
        out.inference_avg_ms = out.runs.avg_ms
    if out.runs is not None and out.runs.p5_ms is not None and out.layout.startswith("2.2+"):
        out.layout = "2.13+ (percentiles)"
    out.ops = parse_op_table(lines)
    return out


def _parse_scalar_line(line: str, out: BenchmarkOutput) -> None:
    if match := _SUMMARY_NEW.search(line):
        out.layout = "2.2+"
        out.init_ms = _us_to_ms(match.group("init"))
        out.first_inference_ms = _us_to_ms(match.group("first"))
        out.warmup_avg_ms = _us_to_ms(match.group("warmup"))
        out.inference_avg_ms = _us_to_ms(match.group("avg"))
    elif match := _SUMMARY_OLD.search(line):
        out.layout = "1.13-2.1"
        out.init_ms = _us_to_ms(match.group("init"))
        out.warmup_avg_ms = _us_to_ms(match.group("warmup"))
        out.inference_avg_ms = _us_to_ms(match.group("avg"))
    elif match := _MEMORY.search(line):
        out.memory_init_bytes = float(match.group("init")) * MIB
        out.memory_overall_bytes = float(match.group("overall")) * MIB
    elif match := _PEAK.search(line):
        out.peak_memory_bytes = float(match.group("peak")) * MIB
    elif match := _SIZE.search(line):
        out.model_size_mb = float(match.group("size"))
    elif match := _THREADS.search(line):
        out.threads = int(match.group("n"))
    elif match := _ERROR.search(line):
        out.errors.append(match.group("msg").strip())


# ---- per-op tables -------------------------------------------------------------------------

_COLUMN_KEYS = {
    "node type": "node_type", "start": "start_ms", "first": "first_ms", "avg ms": "avg_ms",
    "avg_ms": "avg_ms", "%": "percent", "cdf%": "cdf_percent", "mem kb": "mem_kb",
    "times called": "times_called", "name": "name",
}


def _table_start(lines: list[str]) -> int | None:
    """Index of the "Run Order" title of the regular-runs op table (not the initialization one)."""
    section = next((i for i, line in enumerate(lines) if "Operator-wise Profiling Info for Regular Benchmark Runs" in line), None)
    titles = [i for i, line in enumerate(lines) if re.search(r"=+ Run Order =+", line)]
    if section is not None:
        return next((i for i in titles if i > section), None)
    # Older releases print no section titles: the last Run Order table is the regular one.
    return titles[-1] if titles else None


def parse_op_table(lines: list[str]) -> list[OpRow]:
    """Rows of the regular-runs "Run Order" table, from the text or CSV layout."""
    start = _table_start(lines)
    if start is None or start + 1 >= len(lines):
        return []
    header = lines[start + 1]
    csv = "[" not in header and "," in header
    names = ([h.strip().lower() for h in header.split(",")] if csv
             else [h.strip().lower() for h in re.findall(r"\[([^\]]+)\]", header)])
    keys = [_COLUMN_KEYS.get(name) for name in names]
    if "avg_ms" not in keys or "node_type" not in keys:
        return []
    rows = []
    for line in lines[start + 2:]:
        if not line.strip() or line.lstrip().startswith("="):
            break
        if csv:
            cells = [c.strip() for c in line.split(",", len(keys) - 1)]
        else:
            cells = [c.strip() for c in (line.strip().split("\t") if "\t" in line else re.split(r"\s{2,}", line.strip()))]
            if len(cells) > len(keys):  # a name containing the separator: keep it whole
                cells = cells[:len(keys) - 1] + [" ".join(cells[len(keys) - 1:])]
        if len(cells) != len(keys):
            continue
        values: dict[str, Any] = {}
        try:
            for key, cell in zip(keys, cells):
                if key in ("node_type", "name"):
                    values[key] = cell
                elif key == "times_called":
                    values[key] = int(float(cell))
                elif key is not None:
                    values[key] = float(cell.rstrip("%"))
        except ValueError:
            continue
        values.setdefault("name", "")
        rows.append(OpRow(**values))
    return rows


# ---- failures --------------------------------------------------------------------------------

_FAILURES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("abi", re.compile(r"not executable: (?:32|64)-bit ELF|Exec format error|cannot execute binary file|"
                       r"syntax error: unexpected|\"?ELF\"?: not found|wrong ELF class", re.I)),
    ("missing-binary", re.compile(r"benchmark_model: (?:inaccessible or )?not found|No such file or directory.*benchmark_model|"
                                  r"benchmark_model.*No such file", re.I)),
    ("model-load", re.compile(r"Didn't find op for builtin opcode|Failed to construct interpreter|Failed to mmap model|"
                              r"Encountered unresolved custom op|Failed to allocate tensors|Model provided has model identifier|"
                              r"Could not open '.*'|Failed to load model|The model is not a valid Flatbuffer", re.I)),
    ("delegate", re.compile(r"Failed to (?:apply|create) (?:the )?(?:\w+ )?delegate|acceleration is unsupported|"
                            r"NNAPI delegate|GPU delegate.*(?:fail|not)", re.I)),
    ("flags", re.compile(r"Unconsidered flag|unrecognized flag|Invalid command line flag", re.I)),
)


def classify_failure(text: str, exit_code: int | None) -> str:
    """The kind of a failed run: abi, missing-binary, model-load, delegate, flags, crash or unknown."""
    for kind, pattern in _FAILURES:
        if pattern.search(text):
            return kind
    if exit_code is not None and (exit_code >= 128 or exit_code < 0):
        return "crash"
    if re.search(r"Segmentation fault|Aborted|SIGSEGV|SIGABRT|Fatal signal", text):
        return "crash"
    if exit_code == 126:
        return "abi"
    if exit_code == 127:
        return "missing-binary"
    return "unknown"
