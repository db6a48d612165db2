"""Runtime compatibility limits: "the model must load in the runtime the app ships".

A limit such as ``runtimes = ["tflite-runtime 2.14"]`` is checked by really loading the model in
that runtime (interpreter construction resolves every op and version, ``allocate_tensors`` prepares
them, one inference on zeros runs them) in a child process, because an interpreter can crash on a
model it does not support. When the installed version of the runtime is not the one the app ships,
a real load would prove nothing about the shipped version: the verdict then falls back to the
model's own ``min_runtime_version`` metadata and says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from edge_sdk.core.errors import ConfigError

# name people write -> (canonical name, distribution, runtime id understood by the host harness)
RUNTIMES: dict[str, tuple[str, str, str]] = {
    "litert": ("litert", "ai-edge-litert", "litert"),
    "ai-edge-litert": ("litert", "ai-edge-litert", "litert"),
    "tflite-runtime": ("tflite-runtime", "tflite-runtime", "tflite-runtime"),
    "tflite_runtime": ("tflite-runtime", "tflite-runtime", "tflite-runtime"),
}

_SPEC = re.compile(r"^\s*(?P<name>[A-Za-z][A-Za-z0-9_.-]*?)\s*(?:(?:==|=|\s)\s*(?P<version>\d+(?:\.\d+){0,2}))?\s*$")


@dataclass(frozen=True)
class RuntimeSpec:
    name: str                 # canonical: litert | tflite-runtime
    version: str | None       # "2.14" or None (any installed version)
    distribution: str
    harness_id: str

    def __str__(self) -> str:
        return f"{self.name} {self.version}" if self.version else self.name

    def installed_version(self) -> str | None:
        from importlib import metadata  # lazily: importing it costs ~15 ms of every check's start

        try:
            return metadata.version(self.distribution)
        except metadata.PackageNotFoundError:
            return None

    def installed_matches(self) -> bool:
        """True when the installed runtime is the version the limit names (same major.minor)."""
        installed = self.installed_version()
        if installed is None:
            return False
        if self.version is None:
            return True
        wanted = self.version.split(".")
        return installed.split(".")[: len(wanted)] == wanted


def parse_runtime(text: str) -> RuntimeSpec:
    """``"tflite-runtime 2.14"`` / ``"tflite-runtime==2.14"`` / ``"litert"`` -> :class:`RuntimeSpec`."""
    match = _SPEC.match(text)
    known = ", ".join(sorted({v[0] for v in RUNTIMES.values()}))
    if not match or match.group("name").lower() not in RUNTIMES:
        raise ConfigError(f"runtimes: unknown runtime {text!r}",
                          hint=f'write NAME VERSION with NAME one of {known}, e.g. runtimes = ["tflite-runtime 2.14"]')
    name, dist, harness = RUNTIMES[match.group("name").lower()]
    return RuntimeSpec(name=name, version=match.group("version"), distribution=dist, harness_id=harness)


def version_tuple(text: str | None) -> tuple[int, ...] | None:
    if not text:
        return None
    parts = re.findall(r"\d+", text)
    return tuple(int(p) for p in parts[:3]) if parts else None
