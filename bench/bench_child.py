"""Benchmark of the guarded child process (edge_sdk.core.child) against a bare subprocess.

    .venv/bin/python bench/bench_child.py [REPS]

Figures, measured side by side in one run (interleaved, median of REPS, default 15):

1. the round trip of a trivial Python child: ``subprocess.run([python, "-m", module, ...])`` reading
   a JSON request and writing a JSON answer, versus :func:`edge_sdk.core.child.run_child` doing the same
   with its guards (own session, PR_SET_PDEATHSIG, the forked watchdog, private TMPDIR, atomic
   answer): the price of "no orphans, its own timeout" per isolated run;
2. how long a killed parent's child survives it (SIGKILL of the parent while the child sleeps).

Both children import the same modules, so the difference is the helper's own work.
"""

from __future__ import annotations

import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CHILD = '''
import sys
from edge_sdk.core.child import serve
serve(lambda request: {"echo": request})
'''
BARE = '''
import json, sys
import edge_sdk.core.errors
request = json.load(open(sys.argv[1]))
json.dump({"result": {"echo": request}}, open(sys.argv[2], "w"))
'''
PARENT = '''
import sys
from edge_sdk.core.child import run_child
run_child("bench_sleeper", {"pidfile": sys.argv[1]}, timeout_s=600, what="the sleeper")
'''
SLEEPER = '''
import os, sys, time
from edge_sdk.core.child import serve
def handle(request):
    open(request["pidfile"], "w").write(str(os.getpid()))
    time.sleep(600)
serve(handle)
'''


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    return state in ("Z", "X")


def main() -> None:
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    work = Path(tempfile.mkdtemp(prefix="bench-child-"))
    (work / "bench_echo.py").write_text(CHILD)
    (work / "bench_bare.py").write_text(BARE)
    (work / "bench_sleeper.py").write_text(SLEEPER)
    env = dict(os.environ, PYTHONPATH=f"{work}{os.pathsep}{REPO}")
    os.environ["PYTHONPATH"] = env["PYTHONPATH"]
    sys.path[:0] = [str(work), str(REPO)]
    from edge_sdk.core.child import run_child

    request = {"model": "m.tflite", "runs": 3}
    bare, guarded = [], []
    for _ in range(reps):
        (work / "req.json").write_text(json.dumps(request))
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "bench_bare", str(work / "req.json"), str(work / "ans.json")],
                       env=env, check=True)
        json.loads((work / "ans.json").read_text())
        bare.append(time.perf_counter() - start)
        start = time.perf_counter()
        run_child("bench_echo", request, timeout_s=60, what="the echo child", env=env)
        guarded.append(time.perf_counter() - start)
    b, g = statistics.median(bare) * 1000, statistics.median(guarded) * 1000
    print(f"round trip, median of {reps}: bare subprocess {b:.1f} ms, run_child {g:.1f} ms "
          f"(ratio {g / b:.2f}, +{g - b:.1f} ms per isolated run)")

    survivals = []
    for _ in range(3):
        pidfile = work / "sleeper.pid"
        pidfile.unlink(missing_ok=True)
        parent = subprocess.Popen([sys.executable, "-c", PARENT, str(pidfile)], env=env, cwd=work)
        while not (pidfile.exists() and pidfile.read_text()):
            time.sleep(0.01)
        pid = int(pidfile.read_text())
        parent.send_signal(signal.SIGKILL)
        parent.wait()
        start = time.perf_counter()
        while not _gone(pid):
            time.sleep(0.001)
        survivals.append(time.perf_counter() - start)
    print(f"child outlives a SIGKILLed parent by {statistics.median(survivals) * 1000:.1f} ms (median of 3; "
          "before this helper: until it finished on its own)")


if __name__ == "__main__":
    main()
