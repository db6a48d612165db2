"""A loopback adbd: a TEST DEVICE THAT STANDS IN FOR AN ANDROID PHONE. It is not a phone.

The real ``adb`` client and server (Debian package ``adb``) talk to it exactly as to a phone over
Wi-Fi adb (``adb connect 127.0.0.1:PORT``): the CNXN/AUTH handshake (RSA signatures verified against
an ``adb_keys`` file, or never accepted to play an *unauthorized* phone), OPEN/OKAY/WRTE/CLSE
streams with flow control, the ``shell`` service (shell_v2 packets with exit codes, and the legacy
raw v1 form) and the ``sync`` service (STAT/LIST/SEND/RECV/DATA/DONE/QUIT) for push and pull.

What differs from a phone, on purpose and in plain sight:
- It listens on 127.0.0.1 only, on a port the test fixture picks, and serves one test session.
- Shell commands run with the host's ``/bin/sh`` inside a sandbox directory that plays the device's
  file system: absolute device paths (``/data``, ``/sdcard``, ``/sys``, ``/system``, ``/vendor``)
  in commands and in sync requests are mapped into it. It is a convenience, not a security boundary.
- ``getprop``, ``dumpsys`` and ``taskset`` are small scripts in the sandbox's ``/system/bin``,
  answering from the device description the fixture wrote (a JSON "device profile").
- Its ``benchmark_model`` (tests/loopback_device/benchmark_model.py) runs the model with the host's
  LiteRT interpreter and prints the real tool's output format.

Run: ``python adbd.py --sandbox DIR --port-file FILE`` (see :mod:`loopback_device.fixtures`).
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import secrets
import socket
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import services  # noqa: E402
import wire  # noqa: E402


class Stream:
    """One adb stream (a service the client opened): inbound data queue and outbound flow control."""

    def __init__(self, connection: "Connection", local_id: int, remote_id: int) -> None:
        self.connection = connection
        self.local_id = local_id
        self.remote_id = remote_id
        self.inbound: queue.Queue[bytes | None] = queue.Queue()
        self.ready = threading.Event()
        self.ready.set()
        self.closed = threading.Event()
        self._pending = b""

    def write(self, data: bytes) -> None:
        """Send ``data`` as WRTE messages, each waiting for the peer's OKAY (adb flow control)."""
        step = self.connection.max_payload
        for start in range(0, len(data), step):
            while not self.ready.wait(0.5):
                if self.closed.is_set() or self.connection.dead.is_set():
                    raise wire.ConnectionClosed()
            if self.closed.is_set():
                raise wire.ConnectionClosed()
            self.ready.clear()
            self.connection.send(wire.A_WRTE, self.local_id, self.remote_id, data[start:start + step])

    def read(self, timeout: float | None = None) -> bytes | None:
        """Next inbound chunk, or None when the peer closed the stream."""
        if self._pending:
            data, self._pending = self._pending, b""
            return data
        try:
            return self.inbound.get(timeout=timeout)
        except queue.Empty:
            return b""

    def read_exact(self, size: int) -> bytes:
        buffer = bytearray()
        while len(buffer) < size:
            chunk = self.read()
            if chunk is None:
                raise wire.ConnectionClosed()
            buffer.extend(chunk)
        self._pending = bytes(buffer[size:])
        return bytes(buffer[:size])

    def close(self) -> None:
        if not self.closed.is_set():
            self.closed.set()
            self.connection.send(wire.A_CLSE, self.local_id, self.remote_id)
            self.connection.streams.pop(self.local_id, None)


class Connection:
    """One TCP connection from the adb server: handshake, then a dispatcher of streams."""

    def __init__(self, sock: socket.socket, device: "LoopbackDevice") -> None:
        self.sock = sock
        self.device = device
        self.max_payload = wire.MAX_PAYLOAD
        self.streams: dict[int, Stream] = {}
        self.next_id = 1
        self.lock = threading.Lock()
        self.dead = threading.Event()
        self.online = False

    def send(self, command: int, arg0: int, arg1: int, data: bytes = b"") -> None:
        with self.lock:
            try:
                self.sock.sendall(wire.pack(command, arg0, arg1, data))
            except OSError:
                self.dead.set()

    def serve(self) -> None:
        token = secrets.token_bytes(20)
        try:
            while not self.dead.is_set():
                command, arg0, arg1, data = wire.read_message(self.sock)
                if command == wire.A_CNXN:
                    self.max_payload = min(arg1 or wire.MAX_PAYLOAD, wire.MAX_PAYLOAD)
                    if self.device.auth == "none":
                        self._go_online()
                    else:
                        self.send(wire.A_AUTH, wire.AUTH_TOKEN, 0, token)
                elif command == wire.A_AUTH and arg0 == wire.AUTH_SIGNATURE:
                    if self.device.accepts(token, data):
                        self._go_online()
                    else:  # ask again; the client then offers its public key
                        token = secrets.token_bytes(20)
                        self.send(wire.A_AUTH, wire.AUTH_TOKEN, 0, token)
                elif command == wire.A_AUTH and arg0 == wire.AUTH_RSAPUBLICKEY:
                    # A phone now shows "Allow USB debugging?" and waits for a tap. This one
                    # never taps: the client reports the device as "unauthorized".
                    self.device.log(f"public key offered, waiting for a tap that never comes: {data[:40]!r}")
                elif command == wire.A_OPEN and self.online:
                    self._open(arg0, data.rstrip(b"\0").decode("utf-8", "replace"))
                elif command == wire.A_WRTE:
                    stream = self.streams.get(arg1)
                    if stream is not None:
                        stream.inbound.put(data)
                        self.send(wire.A_OKAY, stream.local_id, stream.remote_id)
                elif command == wire.A_OKAY:
                    stream = self.streams.get(arg1)
                    if stream is not None:
                        stream.remote_id = arg0
                        stream.ready.set()
                elif command == wire.A_CLSE:
                    stream = self.streams.pop(arg1, None)
                    if stream is not None:
                        stream.closed.set()
                        stream.inbound.put(None)
        except (wire.ConnectionClosed, OSError, ValueError):
            pass
        finally:
            self.dead.set()
            for stream in list(self.streams.values()):
                stream.closed.set()
                stream.inbound.put(None)
            try:
                self.sock.close()
            except OSError:
                pass

    def _go_online(self) -> None:
        self.online = True
        self.send(wire.A_CNXN, wire.A_VERSION, wire.MAX_PAYLOAD, self.device.banner().encode())

    def _open(self, remote_id: int, service: str) -> None:
        handler = services.handler_for(service, self.device)
        if handler is None:
            self.send(wire.A_CLSE, 0, remote_id)
            return
        local_id = self.next_id
        self.next_id += 1
        stream = Stream(self, local_id, remote_id)
        self.streams[local_id] = stream
        self.send(wire.A_OKAY, local_id, remote_id)
        threading.Thread(target=self._run_service, args=(handler, stream), daemon=True).start()

    def _run_service(self, handler: services.Handler, stream: Stream) -> None:
        try:
            handler(stream)
        except wire.ConnectionClosed:
            pass
        finally:
            stream.close()


class LoopbackDevice:
    """The device: its sandbox, its description (props, features, auth mode) and its listener."""

    def __init__(self, sandbox: Path, description: dict) -> None:
        self.sandbox = sandbox.resolve()
        self.description = description
        self.auth = description.get("auth", "none")  # "none" | "keys" | "never"
        keys_file = self.sandbox / "data" / "misc" / "adb" / "adb_keys"
        self.keys = []
        if keys_file.exists():
            self.keys = [wire.parse_public_key(line) for line in keys_file.read_text().splitlines() if line.strip()]
        self.connections: list[Connection] = []

    def accepts(self, token: bytes, signature: bytes) -> bool:
        if self.auth == "never":
            return False
        return any(wire.signature_matches(token, signature, key) for key in self.keys)

    def banner(self) -> str:
        props = self.description.get("props", {})
        features = ",".join(self.description.get("features", ["shell_v2", "cmd", "fixed_push_mkdir"]))
        parts = [f"{key}={props.get(key, '')}" for key in ("ro.product.name", "ro.product.model", "ro.product.device")]
        return "device::" + ";".join(parts) + f";features={features}"

    def log(self, message: str) -> None:
        print(f"loopback-adbd: {message}", file=sys.stderr, flush=True)

    def serve_forever(self, listener: socket.socket) -> None:
        while True:
            sock, _addr = listener.accept()
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            connection = Connection(sock, self)
            self.connections.append(connection)
            threading.Thread(target=connection.serve, daemon=True).start()

    def drop_all(self) -> None:
        """Simulate a pulled cable: close every connection at once."""
        for connection in self.connections:
            connection.dead.set()
            try:
                connection.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def main() -> int:
    parser = argparse.ArgumentParser(description="loopback adbd: a test device that stands in for a phone")
    parser.add_argument("--sandbox", required=True, type=Path)
    parser.add_argument("--port-file", required=True, type=Path, help="where to write the chosen port")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    description = json.loads((args.sandbox / ".loopback" / "device.json").read_text())
    device = LoopbackDevice(args.sandbox, description)
    services.DEVICE_HOOKS["drop_all"] = device.drop_all
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", args.port))  # loopback only, never another address
    listener.listen(8)
    tmp = args.port_file.with_suffix(".partial")
    tmp.write_text(str(listener.getsockname()[1]))
    os.replace(tmp, args.port_file)
    device.serve_forever(listener)
    return 0


if __name__ == "__main__":
    sys.exit(main())
