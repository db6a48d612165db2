"""Start or stop a loopback test device (a STAND-IN FOR A PHONE) and a private adb server, for demos.

    eval "$(python tests/loopback_device/lab.py start DIR)"   # exports ANDROID_ADB_SERVER_PORT, LOOPBACK_SERIAL
    edge-sdk devices --adb
    edge-sdk profile model.tflite --backend adb --serial "$LOOPBACK_SERIAL"
    python tests/loopback_device/lab.py stop DIR

Everything listens on 127.0.0.1 only. The device answers as a Pixel-4-like phone but runs the model
with this machine's LiteRT: its numbers are this host's, not a phone's.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

sys.path.append(str(Path(__file__).resolve().parents[1]))

from loopback_device.fixtures import start_lab  # noqa: E402


def start(directory: Path) -> int:
    directory.mkdir(parents=True, exist_ok=True)
    lab = start_lab(directory)
    device = lab.add_device()
    (directory / "lab.json").write_text(json.dumps({
        "port": lab.port, "adb": lab.adb, "home": lab.env["HOME"], "serial": device.serial, "pids": [device.process.pid],
    }))
    print(f"export ANDROID_ADB_SERVER_PORT={lab.port}")
    print(f"export LOOPBACK_SERIAL={device.serial}")
    print(f"echo 'loopback test device {device.serial} (a stand-in for a phone) on adb server port {lab.port}' >&2")
    return 0


def stop(directory: Path) -> int:
    state_file = directory / "lab.json"
    if not state_file.exists():
        print(f"no loopback lab in {directory}", file=sys.stderr)
        return 0
    state = json.loads(state_file.read_text())
    for pid in state["pids"]:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    env = dict(os.environ, HOME=state["home"])
    subprocess.run([state["adb"], "-P", str(state["port"]), "kill-server"], env=env, capture_output=True, timeout=20)
    state_file.unlink()
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("start", "stop"):
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(start(Path(sys.argv[2])) if sys.argv[1] == "start" else stop(Path(sys.argv[2])))
