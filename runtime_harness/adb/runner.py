"""One benchmark run on one device: push (reusing what is there), pin, run, sample, parse, clean up.

The steps, each a named stage so a failure says where it happened and a partial report can say
how far it got: ``discover`` (props, profile match, big cores) -> ``setup`` (binary, model
sha256 check) -> ``push`` (only when the device lacks the file) -> ``state``
(governor, thermal, battery) -> ``benchmark`` (``taskset MASK benchmark_model ...`` with battery
sampling beside it) -> ``parse`` -> ``cleanup``.

Files live under ``/data/local/tmp/edge-sdk``. Per-run files (pid, samples, outputs) are always
removed; pushed models (and benchmark binaries) stay in ``models/`` (``bin/``) named by content hash
so the next run skips the push, and only the newest :data:`MODEL_CACHE_SIZE` (:data:`BINARY_CACHE_SIZE`)
are kept.
"""

from __future__ import annotations

import re
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from edge_sdk.core.errors import DeviceError, EdgeSdkError, RuntimeCrash, UsageError
from edge_sdk.core.hashing import file_sha256
from runtime_harness.adb import benchmark_output, binary, device_state
from runtime_harness.adb.client import AdbClient, ShellResult, quote
from runtime_harness.adb.cpu_topology import CPU_COMMAND, parse_cpu_facts
from runtime_harness.adb.discovery import DeviceInfo, discover

REMOTE_ROOT = "/data/local/tmp/edge-sdk"
MODEL_CACHE_SIZE = 4
BINARY_CACHE_SIZE = 2
DELEGATE_FLAGS = {
    "cpu": [],  # the tool's default CPU path (recent releases apply XNNPACK by default)
    "xnnpack": ["--use_xnnpack=true"],
    "gpu": ["--use_gpu=true"],
    "nnapi": ["--use_nnapi=true"],
}
SAMPLER_HZ = 10


@dataclass
class RunSpec:
    model: Path
    threads: int | None = None
    delegate: str = "cpu"
    op_profile: bool = False
    benchmark_binary: Path | None = None
    warmup_runs: int = 1
    num_runs: int = 50
    min_secs: float | None = None  # None: the tool's default (1 s)
    timeout_s: float = 600.0
    affinity_mask: str | None = None  # hex, e.g. "f0"; None: from the matched profile
    profiles: list[Any] | None = None  # device profiles to match against (None: the catalog)


@dataclass
class RunResult:
    info: DeviceInfo
    output: benchmark_output.BenchmarkOutput
    state: device_state.DeviceState
    energy: dict[str, Any]
    command: str
    binary: dict[str, Any]
    model_reused: bool
    threads: int
    affinity_mask: str | None
    profile: Any | None
    stage_seconds: dict[str, float] = field(default_factory=dict)
    raw_output: str = ""
    affinity_source: str = "none"  # "flag" | "profile" | "cpufreq" | "none"
    thermal_status_after: int | None = None


class RunFailed(Exception):
    """Wraps an EdgeSdkError with what was learned before it (for the partial report)."""

    def __init__(self, error: EdgeSdkError, stage: str, partial: dict[str, Any]) -> None:
        super().__init__(str(error))
        self.error, self.stage, self.partial = error, stage, partial


def _exit_meaning(code: int) -> str:
    """``139`` -> ``exit code 139 = SIGSEGV``: a shell reports death by signal N as 128 + N."""
    if code > 128:
        try:
            return f"exit code {code} = {signal.Signals(code - 128).name}"
        except ValueError:
            pass
    return f"exit code {code}"


def _mask(value: Any) -> str | None:
    if value in (None, ""):
        return None
    text = str(value).lower().removeprefix("0x")
    if not re.fullmatch(r"[0-9a-f]+", text) or int(text, 16) == 0:
        raise UsageError(f"CPU affinity mask {value!r} is not a non-zero hex number", hint="e.g. f0 for cores 4-7")
    return text


class DeviceRun:
    """Runs :class:`RunSpec` on one serial; ``on_stage(serial, stage)`` reports progress."""

    def __init__(self, client: AdbClient, serial: str, spec: RunSpec,
                 on_stage: Callable[[str, str], None] | None = None) -> None:
        self.client, self.serial, self.spec = client, serial, spec
        self.on_stage = on_stage
        self.stage = "start"
        self.partial: dict[str, Any] = {"serial": serial}
        self.seconds: dict[str, float] = {}
        self.thermal_after: int | None = None  # thermal status right after the benchmark
        self._clock = time.perf_counter()

    def _enter(self, stage: str) -> None:
        now = time.perf_counter()
        self.seconds[self.stage] = self.seconds.get(self.stage, 0.0) + now - self._clock
        self._clock, self.stage = now, stage
        if self.on_stage:
            self.on_stage(self.serial, stage)

    def run(self) -> RunResult:
        try:
            return self._run()
        except EdgeSdkError as error:
            if self.stage in ("benchmark", "parse") and self.client.state(self.serial) == "device":
                try:  # leave nothing behind when the device is still there
                    self.cleanup()
                except EdgeSdkError:
                    pass
            raise RunFailed(error, self.stage, self.partial) from error

    def _shell(self, command: str, timeout_s: float = 60.0) -> ShellResult:
        return self.client.shell(self.serial, command, timeout_s=timeout_s, during=f"the {self.stage} stage")

    def _run(self) -> RunResult:
        spec = self.spec
        self._enter("discover")
        info = discover(self.client, self.serial, profiles=spec.profiles)
        self.partial["device"] = info.to_dict()
        profile = next((p for p in (spec.profiles or []) if getattr(p, "id", None) == info.profile), None)
        if profile is None and info.profile:
            from runtime_harness.adb.discovery import known_profiles
            profile = next((p for p in known_profiles() if p.id == info.profile), None)
        threads, mask, affinity_source = self._threads_and_affinity(profile)
        self.partial["affinity"] = {"mask": mask, "source": affinity_source}

        self._enter("setup")
        bench = self._benchmark_binary(info)
        model_remote, reused = self._push_model(spec.model)
        self.partial["model_reused"] = reused

        self._enter("state")
        state = device_state.parse_state(self._shell(device_state.STATE_COMMAND).stdout)
        self.partial["state"] = state.to_provenance()

        self._enter("benchmark")
        flags = [f"--graph={model_remote}", f"--num_threads={threads}", f"--warmup_runs={spec.warmup_runs}",
                 f"--num_runs={spec.num_runs}", *DELEGATE_FLAGS[spec.delegate]]
        if spec.min_secs is not None:
            flags += [f"--min_secs={spec.min_secs:g}", f"--warmup_min_secs={min(spec.min_secs, 0.5):g}"]
        if spec.op_profile:
            flags.append("--enable_op_profiling=true")
        launcher = f"taskset {mask} " if mask else ""
        command = f"{launcher}{quote(bench['path'])} {' '.join(quote(f) for f in flags)}"
        text, exit_code, samples = self._benchmark(command, sample=state.energy_blocker() is None)

        output = benchmark_output.parse(text)
        self.partial["output_tail"] = text[-2000:]
        if exit_code != 0 or not output.complete:
            raise self._failure(text, exit_code, info, spec.model)
        self._enter("parse")
        latency = (output.runs.median_ms if output.runs and output.runs.median_ms else output.inference_avg_ms)
        energy = device_state.energy_per_inference(state, samples, latency)

        self._enter("cleanup")
        self.cleanup()
        self._enter("done")
        return RunResult(info, output, state, energy, command, bench, reused, threads, mask, profile,
                         dict(self.seconds), text, affinity_source, self.thermal_after)

    # ---- stages ---------------------------------------------------------------------------------

    def _threads_and_affinity(self, profile: Any | None) -> tuple[int, str | None, str]:
        """Threads and big-core mask: from the flags, else the matched profile, else the phone's cpufreq."""
        threads = self.spec.threads or getattr(profile, "threads_default", None)
        if self.spec.affinity_mask:
            return threads or 4, _mask(self.spec.affinity_mask), "flag"
        if profile is not None and getattr(profile, "big_core_mask", None):
            return threads or 4, _mask(profile.big_core_mask), "profile"
        # No profile knows this phone: its fastest clusters, read from /proc/cpuinfo and cpufreq.
        facts = parse_cpu_facts(self._shell(CPU_COMMAND).stdout)
        if facts.big_core_mask:
            big = bin(int(facts.big_core_mask, 16)).count("1")
            return threads or min(4, big), _mask(facts.big_core_mask), "cpufreq"
        return threads or 4, None, "none"

    def _benchmark_binary(self, info: DeviceInfo) -> dict[str, Any]:
        """The binary to run: the given one (pushed once per content hash) or one already on the device."""
        local = self.spec.benchmark_binary
        mkdir = f"mkdir -p {REMOTE_ROOT}/models {REMOTE_ROOT}/bin"
        if local is not None:
            binary.check_binary_for_device(Path(local), info.abilist, self.serial)
            digest = file_sha256(Path(local))
            remote = f"{REMOTE_ROOT}/bin/benchmark_model-{digest[:16]}"
            if not self._remote_matches(remote, digest, prefix=f"{mkdir}; "):
                self._enter("push")
                self.client.push(self.serial, local, remote, timeout_s=self.spec.timeout_s)
                self._enter("setup")
            self._shell(f"chmod 755 {quote(remote)}")
            return {"path": remote, "sha256": digest, "pushed_from": str(local)}
        # one round trip: make the work directory, find a binary, hash it
        found = self._shell(
            f"{mkdir}; for p in /data/local/tmp/benchmark_model /data/local/tmp/benchmark_model_plus_flex "
            "$(command -v benchmark_model 2>/dev/null); do [ -x \"$p\" ] && { sha256sum \"$p\" 2>/dev/null "
            "|| echo \"- $p\"; break; }; done"
        ).stdout.split()
        if len(found) < 2:
            raise binary.missing_binary_error(self.serial, info.abilist)
        return {"path": found[1], "sha256": None if found[0] == "-" else found[0], "pushed_from": None}

    def _remote_matches(self, remote: str, digest: str, *, prefix: str = "", then: str = "") -> bool:
        """True when ``remote`` exists with this sha256 (``then`` runs on the device only if so)."""
        follow = f" && {then}" if then else ""
        result = self._shell(f"{prefix}sha256sum {quote(remote)} 2>/dev/null{follow}")
        return result.exit_code == 0 and result.stdout.split()[:1] == [digest]

    def _push_model(self, model: Path) -> tuple[str, bool]:
        digest = file_sha256(model)
        remote = f"{REMOTE_ROOT}/models/{digest[:20]}.tflite"
        if self._remote_matches(remote, digest, then=f"touch {quote(remote)}"):  # touch: newest in the cache
            return remote, True
        self._enter("push")
        self.client.push(self.serial, model, remote, timeout_s=self.spec.timeout_s)
        self._enter("setup")
        return remote, False

    def _benchmark(self, command: str, *, sample: bool) -> tuple[str, int, list[tuple[float, float]]]:
        """Run the benchmark (and the battery sampler beside it); returns output, exit code, samples."""
        samples_file = f"{REMOTE_ROOT}/run-{self.serial.replace(':', '_')}.energy"
        pid_file = f"{REMOTE_ROOT}/run-{self.serial.replace(':', '_')}.pid"
        sampler = (f"(while :; do echo \"$(cat {device_state.CURRENT_FILE}) $(cat {device_state.VOLTAGE_FILE})\"; "
                   f"sleep {1 / SAMPLER_HZ:g}; done) > {samples_file} 2>/dev/null & S=$!; ") if sample else ""
        stop = "kill $S 2>/dev/null; " if sample else ""
        script = (f"cd {REMOTE_ROOT}; {sampler}{command} 2>&1 & B=$!; echo $B > {pid_file}; wait $B; RC=$?; "
                  f"{stop}echo @bench_rc=$RC; dumpsys thermalservice 2>/dev/null | grep -m1 'Thermal Status'")
        self.partial["command"] = command
        try:
            result = self._shell(script, timeout_s=self.spec.timeout_s)
        except DeviceError as error:
            if "did not finish within" in error.message:
                self._kill_remote(pid_file)
                raise RuntimeCrash(
                    f"benchmark_model on {self.serial} did not finish within {self.spec.timeout_s:g} s "
                    "(it hung, or the model is far slower than expected); it was killed",
                    hint="raise timeout_s for big models, or check the device is not thermally throttled",
                    params=("timeout_s",),
                ) from None
            raise
        text, _, tail = result.stdout.rpartition("@bench_rc=")
        exit_code = int(tail.split()[0]) if tail.strip() else result.exit_code
        after = re.search(r"Thermal Status:\s*(\d+)", tail)
        self.thermal_after = int(after.group(1)) if after else None
        samples = []
        if sample:
            samples = device_state.parse_samples(self._shell(f"cat {samples_file} 2>/dev/null").stdout)
        return text, exit_code, samples

    def _kill_remote(self, pid_file: str) -> None:
        try:
            self._shell(f"kill -9 $(cat {pid_file}) 2>/dev/null; rm -f {pid_file}", timeout_s=15)
        except DeviceError:
            pass

    def _failure(self, text: str, exit_code: int, info: DeviceInfo, model: Path) -> EdgeSdkError:
        kind = benchmark_output.classify_failure(text, exit_code)
        errors = benchmark_output.parse(text).errors
        lines = text.strip().splitlines()
        detail = " / ".join(errors[:3]) or (f"last output: {lines[-1].strip()}" if lines else "no output")
        if kind == "abi":
            return DeviceError(f"the benchmark binary cannot run on {self.serial} ({info.abi}): {detail}",
                               hint=binary.GET_BINARY_HINT.format(name=binary.PREBUILT_FOR_ABI.get(info.abi or "", "its ABI")),
                               params=binary.BINARY_PARAMS)
        if kind == "model-load":
            return DeviceError(
                f"the runtime in benchmark_model on {self.serial} cannot load {model.name}: {detail}",
                hint="the model needs newer ops than this benchmark_model build has: use a newer "
                     "benchmark_model (matching the runtime your app ships), or convert for an older "
                     "runtime (`edge-sdk inspect` shows the minimum runtime version)", path=str(model))
        if kind == "delegate":
            return DeviceError(f"delegate {self.spec.delegate!r} failed on {self.serial}: {detail}",
                               hint="try delegate='cpu' or delegate='xnnpack'; GPU/NNAPI support varies by phone and "
                                    "model", params=("delegate",))
        if kind == "crash":
            return RuntimeCrash(f"benchmark_model crashed on {self.serial} ({_exit_meaning(exit_code)}); {detail}",
                                hint="run `adb logcat -d | tail -50` for the native crash; try delegate='cpu'",
                                params=("delegate",))
        if kind == "flags":
            return DeviceError(f"this benchmark_model build rejects a flag: {detail}",
                               hint="use a benchmark_model from TFLite 2.4 or newer")
        return DeviceError(f"benchmark_model failed on {self.serial} (exit code {exit_code}): {detail}",
                           hint="run the command by hand to see all of its output: adb shell "
                                + self.partial.get("command", ""))

    def cleanup(self) -> None:
        """Remove per-run files; keep only the newest cached models."""
        tag = self.serial.replace(":", "_")
        self._shell(
            f"rm -f {REMOTE_ROOT}/run-{tag}.*; "
            f"ls -t {REMOTE_ROOT}/models/*.tflite 2>/dev/null | tail -n +{MODEL_CACHE_SIZE + 1} | "
            "while read f; do rm -f \"$f\"; done; "
            f"ls -t {REMOTE_ROOT}/bin/benchmark_model-* 2>/dev/null | tail -n +{BINARY_CACHE_SIZE + 1} | "
            "while read f; do rm -f \"$f\"; done", timeout_s=30)
