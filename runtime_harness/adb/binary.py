"""The benchmark binary: its ABI checked against the device before pushing, and where to get one.

A wrong-ABI binary fails on the phone with a terse ``not executable: 64-bit ELF file``; reading
the ELF header locally (machine field at offset 18) lets us say which build to fetch instead.
"""

from __future__ import annotations

import struct
from pathlib import Path

from edge_sdk.core.errors import DeviceError, InputError

# ELF e_machine -> (Android ABI, the name of TFLite's prebuilt benchmark_model for it)
MACHINES = {
    183: ("arm64-v8a", "android_aarch64_benchmark_model"),
    40: ("armeabi-v7a", "android_arm_benchmark_model"),
    62: ("x86_64", "linux_x86-64_benchmark_model (a desktop build; Android x86_64 needs --config=android_x86_64)"),
    3: ("x86", "an android_x86 build"),
}
PREBUILT_FOR_ABI = {
    "arm64-v8a": "android_aarch64_benchmark_model",
    "armeabi-v7a": "android_arm_benchmark_model",
}
BINARY_PARAMS = ("benchmark_binary",)  # what GET_BINARY_HINT names (the CLI maps it to its flag)
GET_BINARY_HINT = (
    "download TFLite's prebuilt Android benchmark tool for the device ABI ({name}, linked from "
    "tensorflow/lite/tools/benchmark/README.md, 'nightly pre-built binaries') or build it: "
    "`bazel build -c opt --config=android_arm64 //tensorflow/lite/tools/benchmark:benchmark_model`; "
    "then pass benchmark_binary=PATH (edge-sdk pushes it) or `adb push` it to /data/local/tmp/benchmark_model"
)


def elf_abi(path: Path) -> str | None:
    """The Android ABI an ELF file is built for; None for scripts or unknown machines."""
    with path.open("rb") as handle:
        header = handle.read(20)
    if len(header) < 20 or header[:4] != b"\x7fELF":
        return None
    endian = "<" if header[5] == 1 else ">"
    machine = struct.unpack_from(f"{endian}H", header, 18)[0]
    return MACHINES.get(machine, (f"ELF machine {machine}", ""))[0]


def check_binary_for_device(path: Path, device_abis: list[str], serial: str) -> None:
    """Refuse a benchmark binary the device cannot execute (DeviceError, exit 3)."""
    if not path.is_file():
        raise InputError(f"{path}: benchmark binary not found", path=str(path))
    abi = elf_abi(path)
    if abi is None or not device_abis or abi in device_abis:
        return
    wanted = PREBUILT_FOR_ABI.get(device_abis[0], f"a {device_abis[0]} build")
    raise DeviceError(
        f"{path} is built for {abi}, but device {serial} runs {', '.join(device_abis)}",
        hint=GET_BINARY_HINT.format(name=wanted), path=str(path),
    )


def missing_binary_error(serial: str, device_abis: list[str]) -> DeviceError:
    wanted = PREBUILT_FOR_ABI.get(device_abis[0] if device_abis else "", "the device's ABI")
    return DeviceError(
        f"no benchmark_model on device {serial} (looked in /data/local/tmp and on PATH)",
        hint=GET_BINARY_HINT.format(name=wanted), params=BINARY_PARAMS,
    )
