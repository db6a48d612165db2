"""A small client around the real ``adb`` binary: subprocess calls with timeouts and clear errors.

Why the binary and not a Python reimplementation of the protocol: the adb server already handles
USB, Wi-Fi pairing, authorization keys and every device quirk; users have it installed and trust
it. Everything here is one ``adb`` invocation per operation, so it is thread-safe and one slow
device never blocks another.

The server port follows adb's own convention (``ANDROID_ADB_SERVER_PORT``, or ``server_port``).
``EDGE_SDK_ADB`` may name the adb binary when it is not on PATH.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from edge_sdk.core.errors import DeviceError, UsageError

INSTALL_HINT = (
    "install Android platform-tools: `sudo apt-get install adb` (Debian/Ubuntu), "
    "`brew install android-platform-tools` (macOS), or unzip platform-tools from "
    "developer.android.com/tools/releases/platform-tools and add it to PATH "
    "(or set EDGE_SDK_ADB=/path/to/adb)"
)
UNAUTHORIZED_HINT = (
    "unlock the phone and tap 'Allow' on the 'Allow USB debugging?' dialog (tick 'Always allow from "
    "this computer'); no dialog? Developer options > Revoke USB debugging authorizations, then replug"
)
RC_MARKER = "__edge_sdk_rc="


@dataclass(frozen=True)
class DeviceEntry:
    """One line of ``adb devices -l``."""

    serial: str
    state: str  # device | unauthorized | offline | recovery | ...
    details: dict[str, str]


@dataclass(frozen=True)
class ShellResult:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def find_adb() -> str:
    """Path of the adb binary, or a DeviceError (exit 3) that says how to install it."""
    configured = os.environ.get("EDGE_SDK_ADB")
    if configured:
        if Path(configured).is_file() and os.access(configured, os.X_OK):
            return configured
        raise DeviceError(f"EDGE_SDK_ADB={configured}: not an executable file", hint=INSTALL_HINT)
    found = shutil.which("adb")
    if found is None:
        for home in (os.environ.get("ANDROID_HOME"), os.environ.get("ANDROID_SDK_ROOT")):
            candidate = Path(home or "/nonexistent") / "platform-tools" / "adb"
            if candidate.is_file():
                return str(candidate)
        raise DeviceError("adb was not found on PATH; it is needed to reach Android devices", hint=INSTALL_HINT)
    return found


class AdbClient:
    """Runs the adb binary. ``server_port``: the adb server port (default: adb's own choice)."""

    def __init__(self, adb: str | None = None, *, server_port: int | None = None) -> None:
        self.adb = adb or find_adb()
        self.server_port = server_port

    # ---- raw invocation -------------------------------------------------------------------

    def _command(self, args: list[str], serial: str | None) -> list[str]:
        command = [self.adb]
        if self.server_port is not None:
            command += ["-P", str(self.server_port)]
        if serial is not None:
            command += ["-s", serial]
        return command + args

    def run(self, args: list[str], *, serial: str | None = None, timeout_s: float = 30.0) -> subprocess.CompletedProcess:
        """Run ``adb [-s serial] args``; a timeout becomes a DeviceError naming the command."""
        command = self._command(args, serial)
        try:
            return subprocess.run(command, capture_output=True, timeout=timeout_s, stdin=subprocess.DEVNULL, check=False)
        except subprocess.TimeoutExpired:
            where = f" on {serial}" if serial else ""
            raise DeviceError(
                f"`adb {' '.join(args)[:120]}`{where} did not finish within {timeout_s:g} s",
                hint="check the device is awake and connected (`adb devices`); raise timeout_s for big models",
                params=("timeout_s",),
            ) from None
        except OSError as exc:
            raise DeviceError(f"cannot run {self.adb}: {exc}", hint=INSTALL_HINT) from None

    # ---- devices ----------------------------------------------------------------------------

    def devices(self) -> list[DeviceEntry]:
        """Every device the adb server knows, in any state (starts the server if needed)."""
        result = self.run(["devices", "-l"], timeout_s=30)
        text = result.stdout.decode("utf-8", "replace")
        if result.returncode != 0:
            raise DeviceError(f"`adb devices` failed: {result.stderr.decode('utf-8', 'replace').strip()}",
                              hint="restart the adb server: `adb kill-server && adb start-server`")
        entries = []
        for line in text.splitlines():
            if not line.strip() or line.startswith(("List of devices", "*")):
                continue
            parts = line.split()
            if len(parts) < 2:
                continue
            if "no permissions" in line:  # "SERIAL  no permissions (user in plugdev group; ...)"
                entries.append(DeviceEntry(parts[0], "no permissions", {}))
                continue
            details = dict(part.split(":", 1) for part in parts[2:] if ":" in part)
            entries.append(DeviceEntry(parts[0], parts[1], details))
        return entries

    def select(self, serials: list[str] | None) -> list[str]:
        """Validate the requested serials against the connected devices (or pick the only one)."""
        entries = self.devices()
        by_serial = {entry.serial: entry for entry in entries}
        listing = ", ".join(f"{e.serial} ({e.state})" for e in entries) or "none"
        if not serials:
            if not entries:
                raise DeviceError(
                    "no Android device is connected (`adb devices` lists none)",
                    hint="plug the phone in with USB debugging on (Settings > Developer options), "
                         "or `adb connect HOST:PORT` for Wi-Fi debugging; then run `edge-sdk devices --adb`",
                )
            if len(entries) > 1:
                raise UsageError(
                    f"{len(entries)} devices are connected: {listing}; say which in `serials`",
                    hint="pass serials=SERIAL (several serials run on their devices in parallel)",
                    params=("serials",),
                )
            serials = [entries[0].serial]
        for serial in serials:
            entry = by_serial.get(serial)
            if entry is None:
                raise DeviceError(f"device {serial} is not connected (connected: {listing})",
                                  hint="check the serial with `edge-sdk devices --adb`")
            require_usable(entry)
        return list(dict.fromkeys(serials))

    def state(self, serial: str) -> str | None:
        return next((e.state for e in self.devices() if e.serial == serial), None)

    # ---- device operations --------------------------------------------------------------------

    def shell(self, serial: str, command: str, *, timeout_s: float = 30.0, during: str | None = None) -> ShellResult:
        """Run ``command`` in the device shell; raise DeviceError when the device went away.

        The exit code is read from a marker echoed after the command, which works on every
        Android version (shell_v2 is Android 7+); a missing marker means the connection dropped.
        """
        wrapped = f"({command}); echo {RC_MARKER}$?"  # a subshell, so an `exit` in it still reaches the marker
        result = self.run(["shell", wrapped], serial=serial, timeout_s=timeout_s)
        stdout = result.stdout.decode("utf-8", "replace").replace("\r\n", "\n")
        stderr = result.stderr.decode("utf-8", "replace").replace("\r\n", "\n")
        head, marker, tail = stdout.rpartition(RC_MARKER)
        during = during or f"`{command[:60]}`"
        if not marker:
            raise self.lost(serial, during, stderr)
        try:
            code = int(tail.strip().split()[0])
        except (IndexError, ValueError):
            raise self.lost(serial, during, stderr) from None
        return ShellResult(code, head, stderr)

    def lost(self, serial: str, during: str, detail: str = "") -> DeviceError:
        """The error for a device that stopped answering (disconnected, offline, rebooted)."""
        try:
            state = self.state(serial)
        except DeviceError:
            state = None
        now = ("is gone from `adb devices`" if state is None else
               "answers again now, but the connection dropped" if state == "device" else f"is now {state!r}")
        extra = f" ({detail.strip()[:200]})" if detail.strip() else ""
        return DeviceError(
            f"device {serial} disconnected during {during}: it {now}{extra}",
            hint="check the cable or Wi-Fi, keep the phone awake, then re-run; results so far were kept",
        )

    def push(self, serial: str, local: str | os.PathLike[str], remote: str, *, timeout_s: float = 120.0) -> None:
        result = self.run(["push", str(local), remote], serial=serial, timeout_s=timeout_s)
        if result.returncode != 0:
            message = (result.stderr or result.stdout).decode("utf-8", "replace").strip()
            if self.state(serial) != "device":
                raise self.lost(serial, f"push of {Path(local).name}", message)
            raise DeviceError(f"adb push {local} -> {serial}:{remote} failed: {message[-300:]}",
                              hint="check free space on the device (`adb shell df /data/local/tmp`)")

    def pull(self, serial: str, remote: str, local: str | os.PathLike[str], *, timeout_s: float = 60.0) -> bool:
        """Pull a file; False when it does not exist on the device."""
        result = self.run(["pull", remote, str(local)], serial=serial, timeout_s=timeout_s)
        return result.returncode == 0

    def getprops(self, serial: str, *, timeout_s: float = 20.0) -> dict[str, str]:
        """All system properties (``getprop`` prints ``[key]: [value]`` lines)."""
        result = self.shell(serial, "getprop", timeout_s=timeout_s)
        props = {}
        for line in result.stdout.splitlines():
            if line.startswith("[") and "]: [" in line:
                key, _, value = line.partition("]: [")
                props[key[1:]] = value.rstrip().removesuffix("]")
        return props


def require_usable(entry: DeviceEntry) -> None:
    """Raise the clear error for a device adb can see but not use."""
    if entry.state == "device":
        return
    if entry.state == "unauthorized":
        raise DeviceError(f"device {entry.serial} is unauthorized: this computer's adb key is not accepted yet",
                          hint=UNAUTHORIZED_HINT)
    if entry.state == "no permissions":
        raise DeviceError(f"device {entry.serial}: this user may not open the USB device (no permissions)",
                          hint="add a udev rule for the phone's vendor id (or the user to the plugdev group), then replug")
    if entry.state == "offline":
        raise DeviceError(f"device {entry.serial} is offline",
                          hint="replug the cable or run `adb reconnect`; on Wi-Fi, `adb connect` it again")
    raise DeviceError(f"device {entry.serial} is in state {entry.state!r}, not ready for profiling",
                      hint="boot the device normally (not recovery/bootloader) and retry")


def quote(text: str) -> str:
    """Quote one argument for the device shell."""
    return shlex.quote(text)
