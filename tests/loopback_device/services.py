"""Services of the loopback test device (which STANDS IN FOR A PHONE): ``shell`` and ``sync``.

shell: ``shell:CMD`` (v1, raw bytes, no exit code) and ``shell,v2,...:CMD`` (shell_v2 packets:
one id byte, a little-endian uint32 length, the data; ids 0 stdin, 1 stdout, 2 stderr, 3 exit,
4 close-stdin, 5 window size). ``exec:CMD`` is v1 without a PTY. Commands run in the sandbox.

sync: requests are a 4-byte id and a little-endian uint32 length; SEND carries "path,mode" then
DATA chunks and DONE(mtime), answered with OKAY or FAIL; RECV answers DATA chunks then DONE.

Faults for the failure tests live in ``<sandbox>/.loopback/faults.json`` and are read per command:
``{"disconnect_on": "benchmark_model", "disconnect_after_s": 0.5}`` pulls the cable (the whole
device process exits) while a matching command runs.
"""

from __future__ import annotations

import json
import os
import re
import signal
import stat
import struct
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

Handler = Callable[[Any], None]
DEVICE_HOOKS: dict[str, Callable[[], None]] = {}

_DEVICE_ROOTS = r"(?<![\w./-])/(data|sdcard|sys|system|vendor|storage|proc/cpuinfo|proc/meminfo)(?=/|\s|$|[;&|)'\"])"
SYNC_DATA_MAX = 64 * 1024


def map_path(device: Any, device_path: str) -> Path:
    """The sandbox path of an absolute device path; refuses anything that escapes the sandbox."""
    candidate = (device.sandbox / device_path.lstrip("/")).resolve()
    if candidate != device.sandbox and device.sandbox not in candidate.parents:
        raise PermissionError(f"{device_path}: outside the device sandbox")
    return candidate


def rewrite_command(device: Any, command: str) -> str:
    return re.sub(_DEVICE_ROOTS, lambda m: f"{device.sandbox}/{m.group(1)}", command)


def handler_for(service: str, device: Any) -> Handler | None:
    if service.startswith("shell") and ":" in service:
        head, command = service.split(":", 1)
        use_v2 = "v2" in head.split(",")[1:]
        return lambda stream: _shell(stream, device, command, use_v2)
    if service.startswith("exec:"):
        return lambda stream: _shell(stream, device, service[5:], False)
    if service == "sync:":
        return lambda stream: _sync(stream, device)
    return None


# ---- shell --------------------------------------------------------------------------------

def _faults(device: Any) -> dict:
    path = device.sandbox / ".loopback" / "faults.json"
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def _shell(stream: Any, device: Any, command: str, use_v2: bool) -> None:
    faults = _faults(device)
    trigger = faults.get("disconnect_on")
    if trigger and trigger in command:
        def pull_the_cable() -> None:
            time.sleep(float(faults.get("disconnect_after_s", 0.5)))
            DEVICE_HOOKS["drop_all"]()
            os._exit(0)
        threading.Thread(target=pull_the_cable, daemon=True).start()
    env = {
        "PATH": f"{device.sandbox}/system/bin:/usr/bin:/bin",
        "HOME": str(device.sandbox / "data" / "local" / "tmp"),
        "ANDROID_DATA": str(device.sandbox / "data"),
        "LOOPBACK_DEVICE_SANDBOX": str(device.sandbox),
        "TMPDIR": str(device.sandbox / "data" / "local" / "tmp"),
    }
    process = subprocess.Popen(
        ["/bin/sh", "-c", rewrite_command(device, command or "true")],
        cwd=device.sandbox, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE if use_v2 else subprocess.STDOUT, start_new_session=True,
    )
    lock = threading.Lock()

    host_prefix = f"{device.sandbox}/".encode()

    def emit(kind: int, data: bytes) -> None:
        data = data.replace(host_prefix, b"/")  # show device paths, as a phone would
        with lock:
            stream.write(struct.pack("<BI", kind, len(data)) + data if use_v2 else data)

    def pump(pipe: Any, kind: int) -> None:
        try:
            for chunk in iter(lambda: pipe.read1(SYNC_DATA_MAX), b""):
                emit(kind, chunk)
        except Exception:  # noqa: BLE001 - the stream closed: stop pumping, kill below
            _kill(process)

    pumps = [threading.Thread(target=pump, args=(process.stdout, 1), daemon=True)]
    if use_v2:
        pumps.append(threading.Thread(target=pump, args=(process.stderr, 2), daemon=True))
    for thread in pumps:
        thread.start()
    threading.Thread(target=_feed_stdin, args=(stream, process, use_v2), daemon=True).start()
    while process.poll() is None:
        if stream.closed.is_set():  # the client went away (Ctrl-C, timeout): like adbd, kill
            _kill(process)
        time.sleep(0.02)
    for thread in pumps:
        thread.join(timeout=5)
    if use_v2 and not stream.closed.is_set():
        code = process.returncode if process.returncode >= 0 else 128 - process.returncode
        emit(3, bytes([code & 0xFF]))


def _kill(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _feed_stdin(stream: Any, process: subprocess.Popen, use_v2: bool) -> None:
    buffer = b""
    try:
        while True:
            chunk = stream.read(timeout=0.2)
            if chunk is None:
                break
            if not use_v2:
                if chunk:
                    process.stdin.write(chunk)
                    process.stdin.flush()
                continue
            buffer += chunk
            while len(buffer) >= 5:
                kind, length = struct.unpack_from("<BI", buffer)
                if len(buffer) < 5 + length:
                    break
                data, buffer = buffer[5:5 + length], buffer[5 + length:]
                if kind == 0:
                    process.stdin.write(data)
                    process.stdin.flush()
                elif kind == 4:
                    process.stdin.close()
                    return
    except (OSError, ValueError):
        pass
    finally:
        try:
            process.stdin.close()
        except OSError:
            pass


# ---- sync ---------------------------------------------------------------------------------

def _sync(stream: Any, device: Any) -> None:
    while True:
        header = stream.read_exact(8)
        request, length = header[:4], struct.unpack("<I", header[4:])[0]
        if request == b"QUIT":
            return
        argument = stream.read_exact(length).decode("utf-8", "replace")
        try:
            if request == b"STAT":
                _stat(stream, device, argument)
            elif request == b"LIST":
                _list(stream, device, argument)
            elif request == b"SEND":
                _receive_file(stream, device, argument)
            elif request == b"RECV":
                _send_file(stream, device, argument)
            else:
                _fail(stream, f"unsupported sync request {request!r}")
                return
        except PermissionError as exc:
            _fail(stream, str(exc))


def _fail(stream: Any, message: str) -> None:
    data = message.encode()
    stream.write(b"FAIL" + struct.pack("<I", len(data)) + data)


def _stat(stream: Any, device: Any, device_path: str) -> None:
    try:
        info = map_path(device, device_path).stat()
        values = (info.st_mode, info.st_size & 0xFFFFFFFF, int(info.st_mtime))
    except (FileNotFoundError, NotADirectoryError):
        values = (0, 0, 0)
    stream.write(b"STAT" + struct.pack("<3I", *values))


def _list(stream: Any, device: Any, device_path: str) -> None:
    directory = map_path(device, device_path)
    out = bytearray()
    if directory.is_dir():
        for entry in sorted(directory.iterdir()):
            info = entry.lstat()
            name = entry.name.encode()
            out += b"DENT" + struct.pack("<4I", info.st_mode, info.st_size & 0xFFFFFFFF, int(info.st_mtime), len(name)) + name
    out += b"DONE" + struct.pack("<4I", 0, 0, 0, 0)
    stream.write(bytes(out))


def _receive_file(stream: Any, device: Any, argument: str) -> None:
    device_path, _, mode_text = argument.rpartition(",")
    target = map_path(device, device_path)
    mode = int(mode_text or "0644") & 0o7777
    target.parent.mkdir(parents=True, exist_ok=True)  # the "fixed_push_mkdir" behaviour
    partial = target.with_name(f".{target.name}.partial")
    with partial.open("wb") as handle:
        while True:
            header = stream.read_exact(8)
            kind, length = header[:4], struct.unpack("<I", header[4:])[0]
            if kind == b"DATA":
                handle.write(stream.read_exact(length))
            elif kind == b"DONE":
                break
            else:
                partial.unlink(missing_ok=True)
                _fail(stream, f"unexpected {kind!r} during SEND")
                return
    os.chmod(partial, mode or 0o644)
    os.replace(partial, target)
    stream.write(b"OKAY" + struct.pack("<I", 0))


def _send_file(stream: Any, device: Any, device_path: str) -> None:
    source = map_path(device, device_path)
    if not source.is_file():
        _fail(stream, f"remote object '{device_path}' does not exist")
        return
    with source.open("rb") as handle:
        for chunk in iter(lambda: handle.read(SYNC_DATA_MAX), b""):
            stream.write(b"DATA" + struct.pack("<I", len(chunk)) + chunk)
    stream.write(b"DONE" + struct.pack("<I", int(source.stat().st_mtime)))


__all__ = ["handler_for", "map_path", "rewrite_command", "stat"]
