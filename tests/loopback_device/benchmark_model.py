#!/usr/bin/env python3
"""``benchmark_model`` of the loopback test device (a STAND-IN FOR A PHONE; this is not TFLite's tool).

A small host program that takes the real tool's flags, runs the model with the host's LiteRT
interpreter (or tflite-runtime 2.14, to play a phone that ships an older runtime), and prints the
real tool's output in the layout of recent TFLite releases (INFO: prefix, p5/median/p95 fields,
both memory lines, op-profiling tables and the CSV file). Timings are real host measurements.

One honest limit: LiteRT's Python API has no per-op profiler, so with --enable_op_profiling the
per-op rows split the measured inference time by each op's output size. The rows exercise the
parser and the plumbing; they are not a per-op measurement.

Behaviour for failure tests comes from ``$LOOPBACK_DEVICE_SANDBOX/.loopback/faults.json``:
``{"benchmark": "crash" | "hang" | "slow"}``, ``{"heat_to": 2}`` (thermal status while it runs).
The battery current file is raised to the device's load current while the benchmark runs, so
sampling it sees a loaded phone.
"""

import json
import os
import signal
import statistics
import sys
import time
from pathlib import Path

SANDBOX = Path(os.environ.get("LOOPBACK_DEVICE_SANDBOX", "/"))


def log(text=""):
    print(f"INFO: {text}" if text else "", flush=True)


def fmt(value):
    return f"{value:g}" if isinstance(value, float) else str(value)


def parse_flags(argv):
    flags = {"num_threads": "-1", "warmup_runs": "1", "num_runs": "50", "min_secs": "1",
             "warmup_min_secs": "0.5", "max_secs": "150", "enable_op_profiling": "false"}
    for arg in argv:
        if not arg.startswith("--") or "=" not in arg:
            print(f"ERROR: Unconsidered flag: {arg}", flush=True)
            sys.exit(1)
        key, value = arg[2:].split("=", 1)
        flags[key] = value
    return flags


def stat_line(samples, with_first=True):
    count = len(samples)
    parts = [f"count={count}"]
    if with_first and count > 1:
        parts += [f"first={samples[0]}", f"curr={samples[-1]}", f"min={min(samples)}", f"max={max(samples)}",
                  f"avg={fmt(statistics.fmean(samples))}", f"std={int(statistics.pstdev(samples))}"]
    else:
        parts.append(f"curr={samples[-1]}")
    ordered = sorted(samples)
    pick = lambda q: ordered[min(count - 1, int(q * count))]  # noqa: E731
    parts += [f"p5={pick(0.05)}", f"median={pick(0.5)}", f"p95={pick(0.95)}"]
    return " ".join(parts)


def rss_mb():
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / (1024 * 1024)


def set_battery_current(key):
    try:
        description = json.loads((SANDBOX / ".loopback/device.json").read_text())
        battery = description.get("battery") or {}
        (SANDBOX / "sys/class/power_supply/battery/current_now").write_text(f"{battery[key]}\n")
    except (OSError, KeyError, ValueError):
        pass


def run_phase(interpreter, min_runs, min_secs, max_secs):
    samples, start = [], time.perf_counter()
    while True:
        begin = time.perf_counter()
        interpreter.invoke()
        samples.append(int((time.perf_counter() - begin) * 1e6))
        elapsed = time.perf_counter() - start
        if (len(samples) >= min_runs and elapsed >= min_secs) or elapsed >= max_secs:
            return samples


def op_tables(interpreter, avg_us, runs, csv):
    ops = interpreter._get_ops_details()  # noqa: SLF001 - the only op list the Python API offers
    details = interpreter.get_tensor_details()
    sizes = {d["index"]: max(1, int(__import__("numpy").prod(d["shape"]))) for d in details}
    weights = [sum(sizes.get(i, 1) for i in op["outputs"]) for op in ops]
    total = float(sum(weights)) or 1.0
    rows, start, cdf = [], 0.0, 0.0
    for op, weight in zip(ops, weights):
        avg_ms = avg_us / 1000.0 * weight / total
        pct = 100.0 * weight / total
        cdf += pct
        name = f"[{op['op_name'].lower()}_{op['index']}]:{op['index']}"
        rows.append((op["op_name"], start, avg_ms, avg_ms, pct, cdf, name))
        start += avg_ms
    out = ["Operator-wise Profiling Info for Regular Benchmark Runs:",
           "============================== Run Order =============================="]
    if csv:
        out.append("node type, start, first, avg_ms, %, cdf%, mem KB, times called, name")
        out += [f"{t}, {s:.3f}, {f:.3f}, {a:.3f}, {p:.3f}%, {c:.3f}%, 0, 1, {n}" for t, s, f, a, p, c, n in rows]
    else:
        out.append("\t" + "\t".join(h.rjust(w) for h, w in (
            ("[node type]", 24), ("[start]", 17), ("[first]", 9), ("[avg ms]", 9), ("[%]", 8),
            ("[cdf%]", 8), ("[mem KB]", 10), ("[times called]", 9))) + "\t[Name]")
        for t, s, f, a, p, c, n in rows:
            out.append(f"\t{t:>24}\t{s:>17.3f}\t{f:>9.3f}\t{a:>9.3f}\t{p:>7.3f}%\t{c:>7.3f}%\t{0:>10.3f}\t{1:>9}\t{n}")
    out.append("")
    out.append(f"Timings (microseconds): count={runs} avg={fmt(avg_us)}")
    out.append(f"{len(rows)} nodes observed")
    return "\n".join(out) + "\n"


def main(argv):
    flags = parse_flags(argv)
    faults = {}
    try:
        faults = json.loads((SANDBOX / ".loopback/faults.json").read_text())
    except (OSError, ValueError):
        pass
    description = json.loads((SANDBOX / ".loopback/device.json").read_text())
    graph = flags.get("graph", "")
    threads = int(flags["num_threads"])
    profiling = flags["enable_op_profiling"] in ("true", "1")
    log("STARTING!")
    log("Log parameter values verbosely: [0]")
    log(f"Min num runs: [{flags['num_runs']}]")
    log(f"Num threads: [{threads}]")
    log(f"Min warmup runs: [{flags['warmup_runs']}]")
    log(f"Graph: [{graph}]")
    log(f"Enable op profiling: [{int(profiling)}]")
    log(f"#threads used for CPU inference: [{threads}]")
    if flags.get("use_gpu") == "true" or flags.get("use_nnapi") == "true":
        which = "GPU" if flags.get("use_gpu") == "true" else "NNAPI"
        print(f"ERROR: {which} acceleration is unsupported on this platform.", flush=True)
        print("ERROR: Failed to apply the delegate", flush=True)
        return 1
    base_rss = rss_mb()
    init_start = time.perf_counter()
    if not os.path.exists(graph):
        print(f"ERROR: Could not open '{graph}'.", flush=True)
        print(f"ERROR: Failed to mmap model {graph}", flush=True)
        return 1
    if description.get("runtime") == "tflite-runtime-2.14":
        from tflite_runtime.interpreter import Interpreter
    else:
        from ai_edge_litert.interpreter import Interpreter
    log(f"Loaded model {graph}")
    try:
        options = {}
        if flags.get("use_xnnpack") == "false":  # the plain builtin kernels, as the real flag asks
            from ai_edge_litert.interpreter import OpResolverType
            options["experimental_op_resolver_type"] = OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES
        interpreter = Interpreter(model_path=graph, num_threads=max(threads, 1), **options)
        interpreter.allocate_tensors()
    except (ValueError, RuntimeError) as exc:
        for line in str(exc).splitlines():
            if line.strip():
                print(f"ERROR: {line.strip()}", flush=True)
        print("ERROR: Failed to construct interpreter", flush=True)
        print("ERROR: Benchmarking failed.", flush=True)
        return 1
    if flags.get("use_xnnpack", "true") != "false":
        log("Created TensorFlow Lite XNNPACK delegate for CPU.")
    init_us = int((time.perf_counter() - init_start) * 1e6)
    init_rss = rss_mb() - base_rss
    log(f"The input model file size (MB): {fmt(os.path.getsize(graph) / 1e6)}")
    log(f"Initialized session in {fmt(init_us / 1000)}ms.")
    set_battery_current("load_current_ua")
    if "heat_to" in faults:  # the phone warms up under load: dumpsys thermalservice reports it
        (SANDBOX / ".loopback/thermal_status").write_text(str(faults["heat_to"]))
    if faults.get("benchmark") == "crash":
        os.kill(os.getpid(), signal.SIGSEGV)
    if faults.get("benchmark") == "hang":
        time.sleep(3600)
    if faults.get("benchmark") == "slow":
        time.sleep(float(faults.get("slow_s", 3)))
    max_secs = float(flags["max_secs"])
    log(f"Running benchmark for at least {flags['warmup_runs']} iterations and at least "
        f"{fmt(float(flags['warmup_min_secs']))} seconds but terminate if exceeding {fmt(max_secs)} seconds.")
    warmup = run_phase(interpreter, int(flags["warmup_runs"]), float(flags["warmup_min_secs"]), max_secs)
    log(stat_line(warmup, with_first=len(warmup) > 1))
    log()
    log(f"Running benchmark for at least {flags['num_runs']} iterations and at least "
        f"{fmt(float(flags['min_secs']))} seconds but terminate if exceeding {fmt(max_secs)} seconds.")
    runs = run_phase(interpreter, int(flags["num_runs"]), float(flags["min_secs"]), max_secs)
    log(stat_line(runs))
    log()
    set_battery_current("idle_current_ua")
    avg = statistics.fmean(runs)
    log(f"Inference timings in us: Init: {init_us}, First inference: {warmup[0]}, "
        f"Warmup (avg): {fmt(statistics.fmean(warmup))}, Inference (avg): {fmt(avg)}")
    log("Note: as the benchmark tool itself affects memory footprint, the following is only APPROXIMATE "
        "to the actual memory footprint of the model at runtime. Take the information at your discretion.")
    overall = rss_mb() - base_rss
    log(f"Memory footprint delta from the start of the tool (MB): init={fmt(init_rss)} overall={fmt(overall)}")
    log(f"Overall peak memory footprint (MB) via periodic monitoring: {fmt(rss_mb())}")
    if profiling:
        csv_path = flags.get("profiling_output_csv_file")
        if csv_path:
            Path(csv_path).write_text(op_tables(interpreter, avg, len(runs), csv=True))
        else:
            print(op_tables(interpreter, avg, len(runs), csv=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
