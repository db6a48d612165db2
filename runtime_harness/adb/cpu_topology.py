"""The phone's CPU topology, read from the phone: clusters, core designs, big-core mask, RAM.

``/proc/cpuinfo`` names each core by ``CPU implementer`` and ``CPU part`` (the MIDR register), and
``cpufreq/cpuinfo_max_freq`` gives its top clock; cores of one design and clock form a cluster.
Used to pin the benchmark to the big cores of a phone no profile describes, and to write a new
profile with ``edge-sdk calibrate``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

# (implementer, part) -> core design of devices/cores.py. 0x41 Arm; 0x51 Qualcomm Kryo "semi-custom"
# cores, which are Arm designs underneath (Kryo 2xx/3xx/4xx/5xx Gold/Silver).
CPU_PARTS = {
    (0x41, 0xD03): "cortex-a53", (0x41, 0xD05): "cortex-a55", (0x41, 0xD08): "cortex-a72",
    (0x41, 0xD09): "cortex-a73", (0x41, 0xD0A): "cortex-a75", (0x41, 0xD0B): "cortex-a76",
    (0x41, 0xD0D): "cortex-a77", (0x41, 0xD41): "cortex-a78", (0x41, 0xD44): "cortex-x1",
    (0x41, 0xD46): "cortex-a510", (0x41, 0xD47): "cortex-a710", (0x41, 0xD4D): "cortex-a715",
    (0x41, 0xD4E): "cortex-x3", (0x41, 0xD80): "cortex-a520", (0x41, 0xD81): "cortex-a720",
    (0x41, 0xD82): "cortex-x4",
    (0x51, 0x800): "cortex-a73", (0x51, 0x801): "cortex-a53", (0x51, 0x802): "cortex-a75",
    (0x51, 0x803): "cortex-a55", (0x51, 0x804): "cortex-a76", (0x51, 0x805): "cortex-a55",
}

CPU_COMMAND = (
    "cat /proc/cpuinfo; echo @freq; for f in /sys/devices/system/cpu/cpu[0-9]*/cpufreq/cpuinfo_max_freq; "
    "do echo \"$f $(cat $f)\"; done 2>/dev/null; echo @mem; grep MemTotal /proc/meminfo"
)


@dataclass
class CpuFacts:
    clusters: list[dict[str, Any]]  # fastest first: name, core, count, ghz
    big_core_mask: str | None  # hex mask of the CPUs outside the slowest cluster
    unknown_parts: list[str]
    ram_bytes: int | None
    features: set[str]


def parse_cpu_facts(text: str) -> CpuFacts:
    cores: dict[int, dict[str, int]] = {}
    features: set[str] = set()
    freqs: dict[int, int] = {}
    ram = None
    current = None
    section = "cpuinfo"
    for line in text.splitlines():
        if line.startswith("@"):
            section = line[1:].strip()
            continue
        if section == "cpuinfo" and ":" in line:
            key, _, value = (part.strip() for part in line.partition(":"))
            if key == "processor" and value.isdigit():
                current = int(value)
                cores[current] = {}
            elif key in ("CPU implementer", "CPU part") and current is not None:
                cores[current][key] = int(value, 16)
            elif key == "Features":
                features |= set(value.split())
        elif section == "freq" and (match := re.search(r"cpu(\d+)/cpufreq/cpuinfo_max_freq (\d+)", line)):
            freqs[int(match.group(1))] = int(match.group(2))
        elif section == "mem" and (match := re.search(r"MemTotal:\s+(\d+) kB", line)):
            ram = int(match.group(1)) * 1024
    groups: dict[tuple[str, float], int] = {}
    members: dict[tuple[str, float], list[int]] = {}
    unknown = []
    for index, ids in sorted(cores.items()):
        part = (ids.get("CPU implementer", 0), ids.get("CPU part", 0))
        core = CPU_PARTS.get(part)
        if core is None:
            unknown.append(f"cpu{index}: implementer {part[0]:#x} part {part[1]:#x}")
            core = "cortex-a55"
        ghz = round(freqs.get(index, 0) / 1e6, 2)
        groups[(core, ghz)] = groups.get((core, ghz), 0) + 1
        members.setdefault((core, ghz), []).append(index)
    ordered = sorted(groups.items(), key=lambda item: -item[0][1])
    big = [cpu for key, _ in ordered[:-1] for cpu in members[key]] if len(ordered) > 1 else []
    mask = f"0x{sum(1 << cpu for cpu in big):X}" if big else None
    clusters = [{"name": f"cluster{i}", "core": core, "count": count, "ghz": ghz}
                for i, ((core, ghz), count) in enumerate(ordered)]
    return CpuFacts(clusters, mask, unknown, ram, features)
