"""Ask the real runtimes which builtin ops and op versions they register; write the data table.

    python -m tools.version_probe            # from the repository root; rewrites edge_sdk/data/runtime_ops.toml

For every builtin op code of the schema and every version 1..MAX_VERSION, a one-op model is built
with :mod:`edge_sdk.graph.synth` and handed to the runtime's interpreter constructor, which
resolves each op against its registry before doing anything else. "Didn't find op for builtin
opcode" / "out of range" means not registered; anything else (including a later shape error)
means registered. TFLite Micro resolves by op code only (no versions). Each runtime runs in a
child process that streams its results, so a runtime that aborts on an odd model loses one probe,
not the table. Not imported at run time: ``inspect`` reads the TOML this writes.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

MAX_VERSION = 16
SKIP = {"CUSTOM", "DELEGATE", "PLACEHOLDER_FOR_GREATER_OP_CODES"}
TARGET = Path(__file__).resolve().parent.parent / "edge_sdk" / "data" / "runtime_ops.toml"

_CHILD = r'''
import json, sys, os
from edge_sdk.graph.synth import Tensor, single_op
from edge_sdk.graph.ops.names import _names
runtime, start, capture = sys.argv[1], int(sys.argv[2]), sys.argv[3]
report = os.fdopen(os.dup(1), "w")
if runtime == "tflm":
    import ctypes
    from tflite_micro.python.tflite_micro import runtime as micro
    libc = ctypes.CDLL(None)
    def load(data):
        # TFLM prints "Didn't find op" from C++ to stderr: capture fd 2 around the call
        sys.stderr.flush()
        saved = os.dup(2)
        fd = os.open(capture, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        os.dup2(fd, 2)
        try:
            micro.Interpreter.from_bytes(data, arena_size=1 << 16)
        except Exception:
            pass
        finally:
            libc.fflush(None)  # C stdio buffers the runtime's printf: flush it into the capture file
            os.dup2(saved, 2)
            os.close(fd)
            os.close(saved)
        text = open(capture).read()
        if "Didn't find op" in text:
            raise RuntimeError(text)
elif runtime == "litert":
    from ai_edge_litert.interpreter import Interpreter
    def load(data):
        Interpreter(model_content=data)
else:
    from tflite_runtime.interpreter import Interpreter
    def load(data):
        Interpreter(model_content=data)
jobs = [(code, name, v) for code, name in sorted(_names().items()) if name not in SKIP
        for v in (range(1, MAX_VERSION + 1) if runtime != "tflm" else [1])]
for k in range(start, len(jobs)):
    code, name, v = jobs[k]
    data = single_op(name, [Tensor([1])], [Tensor([1])], version=v)
    try:
        load(data)
        verdict = "ok"
    except Exception as exc:
        text = str(exc)
        missing = ("Didn't find op" in text or "out of range" in text or "not supported" in text.lower()
                   and "opcode" in text.lower())
        verdict = "missing" if missing else "ok"
    print(json.dumps([k, name, v, verdict]), file=report, flush=True)
'''


def code_jobs(runtime: str) -> str:
    """The child's job list as JSON [[name, version], ...], in the child's order."""
    from edge_sdk.graph.ops.names import _names

    jobs = [[name, v] for code, name in sorted(_names().items()) if name not in SKIP
            for v in (range(1, MAX_VERSION + 1) if runtime != "tflm" else [1])]
    return json.dumps(jobs)


def probe(runtime: str) -> dict[str, list[int]]:
    """op name -> registered versions, probing in a child process restarted after any crash."""
    found: dict[str, list[int]] = {}
    start = 0
    code = f"SKIP = {sorted(SKIP)!r}\nMAX_VERSION = {MAX_VERSION}\n" + _CHILD
    capture = Path(tempfile.mkdtemp(prefix="edge-sdk-probe-")) / "stdout.txt"
    while True:
        proc = subprocess.run([sys.executable, "-c", code, runtime, str(start), str(capture)],
                              capture_output=True, text=True, timeout=1800, check=False)
        last = start - 1
        for line in proc.stdout.splitlines():
            if not line.startswith("["):
                continue
            k, name, version, verdict = json.loads(line)
            last = k
            if verdict == "ok":
                found.setdefault(name, []).append(version)
        if proc.returncode == 0:
            return found
        # The op that killed the child was resolved (the crash came later, in its Prepare on an
        # empty model) unless the captured runtime output says it was not found.
        crashed = json.loads(code_jobs(runtime))[last + 1]
        text = capture.read_text(errors="replace") if capture.exists() else ""
        if "Didn't find op" not in text:
            found.setdefault(crashed[0], []).append(crashed[1])
        print(f"{runtime}: child died (rc {proc.returncode}) on {crashed}", file=sys.stderr)
        start = last + 2


def _ranges(versions: list[int]) -> str:
    versions = sorted(versions)
    if versions == list(range(1, versions[-1] + 1)):
        return f"1-{versions[-1]}"
    return ",".join(str(v) for v in versions)


def main() -> int:
    import ai_edge_litert

    from edge_sdk.core.atomic import atomic_write_text

    try:
        import tflite_runtime
        tflite_runtime_version = tflite_runtime.__version__
    except ImportError:
        tflite_runtime_version = "not installed"
    now = datetime.now(UTC).strftime("%Y-%m-%d")
    lines = [
        "# Builtin ops (and op versions) each runtime registers, probed from the real runtimes.",
        "# Generated by `python -m tools.version_probe` (see its docstring for the method);",
        "# do not edit by hand, re-run the probe when a runtime pin changes.",
        (f"# Probed on {now}: ai-edge-litert {ai_edge_litert.__version__}, "
         f"tflite-runtime {tflite_runtime_version}, tflite-micro (host interpreter)."),
        "",
    ]
    for key, runtime in (("litert-2.3", "litert"), ("tflite-runtime-2.14", "tflite_runtime"), ("tflm", "tflm")):
        found = probe(runtime)
        lines.append(f'["{key}"]')
        lines.append(f'source = "probed: {runtime} interpreter constructor on one-op models, versions 1-{MAX_VERSION}"')
        lines.append("[\"" + key + "\".ops]")
        for name in sorted(found):
            lines.append(f'{name} = "{_ranges(found[name])}"')
        lines.append("")
        print(f"{key}: {len(found)} ops", file=sys.stderr)
    atomic_write_text(TARGET, "\n".join(lines))
    print(f"wrote {TARGET}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
