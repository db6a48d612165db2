"""Start and stop the real adb server and loopback test devices (STAND-INS FOR PHONES) for tests.

Everything listens on 127.0.0.1 only, on ports picked here. The adb server runs with a private HOME
(its RSA key lives there, never in the user's ~/.android) and is killed at teardown, as is every
test device process.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loopback_device import sandbox as sandbox_builder

HERE = Path(__file__).resolve().parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class LoopbackDevice:
    serial: str
    sandbox: Path
    process: subprocess.Popen

    def set_faults(self, faults: dict[str, Any]) -> None:
        import json

        (self.sandbox / ".loopback" / "faults.json").write_text(json.dumps(faults))

    def files(self, device_dir: str = "/data/local/tmp") -> list[str]:
        root = self.sandbox / device_dir.lstrip("/")
        return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


@dataclass
class AdbLab:
    """One adb server plus any number of loopback devices connected to it."""

    root: Path
    adb: str
    port: int
    env: dict[str, str]
    devices: list[LoopbackDevice] = field(default_factory=list)
    started: int = 0

    def run(self, *args: str, timeout: float = 20) -> subprocess.CompletedProcess:
        return subprocess.run([self.adb, "-P", str(self.port), *args], env=self.env, capture_output=True,
                              text=True, timeout=timeout)

    def add_device(self, description: dict[str, Any] | None = None, *, install_benchmark: bool = True,
                   connect: bool = True) -> LoopbackDevice:
        description = description or sandbox_builder.describe()
        self.started += 1
        box = sandbox_builder.build(self.root / f"device{self.started}", description,
                                    install_benchmark=install_benchmark)
        key = Path(self.env["HOME"]) / ".android" / "adbkey.pub"
        if description.get("auth") == "keys" and key.exists():
            shutil.copy(key, box / "data/misc/adb/adb_keys")
        port_file = box / ".loopback" / "port"
        port_file.unlink(missing_ok=True)  # a stale one from an earlier lab in the same folder
        log = (box / ".loopback" / "adbd.log").open("w")
        process = subprocess.Popen([sys.executable, str(HERE / "adbd.py"), "--sandbox", str(box),
                                    "--port-file", str(port_file)], stdout=log, stderr=log)
        deadline = time.monotonic() + 10
        while not port_file.exists():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"loopback adbd did not start: {(box / '.loopback' / 'adbd.log').read_text()}")
            time.sleep(0.02)
        serial = f"127.0.0.1:{port_file.read_text().strip()}"
        device = LoopbackDevice(serial, box, process)
        self.devices.append(device)
        if connect:
            self.connect(device, expect="unauthorized" if description.get("auth") == "never" else "device")
        return device

    def connect(self, device: LoopbackDevice, expect: str = "device") -> None:
        self.run("connect", device.serial)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            state = self.state(device.serial)
            if state == expect:
                return
            time.sleep(0.05)
        raise RuntimeError(f"{device.serial} did not reach state {expect!r}: {self.run('devices').stdout}")

    def state(self, serial: str) -> str | None:
        for line in self.run("devices").stdout.splitlines()[1:]:
            parts = line.split()
            if len(parts) >= 2 and parts[0] == serial:
                return parts[1]
        return None

    def remove_device(self, device: LoopbackDevice) -> None:
        self.run("disconnect", device.serial)
        if device.process.poll() is None:
            device.process.kill()
        device.process.wait(timeout=5)
        if device in self.devices:
            self.devices.remove(device)

    def close(self) -> None:
        for device in list(self.devices):
            try:
                self.remove_device(device)
            except (subprocess.SubprocessError, OSError):
                pass
        try:
            self.run("kill-server", timeout=10)
        except subprocess.SubprocessError:
            pass


def start_lab(root: Path) -> AdbLab:
    """Start a private adb server on a free loopback port (raises RuntimeError when adb is missing)."""
    adb = shutil.which("adb")
    if adb is None:
        raise RuntimeError("the adb client is not installed (apt-get install adb)")
    root = root.resolve()  # the sandbox's scripts run with other working directories
    home = root / "home"
    home.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = dict(os.environ, HOME=str(home), ANDROID_ADB_SERVER_PORT=str(port))
    env.pop("ANDROID_SERIAL", None)
    lab = AdbLab(root, adb, port, env)
    result = lab.run("start-server", timeout=30)
    if result.returncode != 0:
        raise RuntimeError(f"adb start-server failed: {result.stderr}")
    return lab
