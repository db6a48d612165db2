"""CPU core types: the per-core facts profiles share, so a device with few calibration points borrows
from others with the same core.

``fp32``/``int8`` are peak multiply-accumulates per cycle per core for the SIMD path a TFLite CPU
kernel (XNNPACK, ruy, CMSIS-NN) actually uses, derived from the width and number of vector pipes:
a 128-bit NEON FMA does 4 fp32 MACs; ``SDOT`` does 16 int8 MACs per 128-bit instruction; ``SMMLA``
(i8mm) doubles that; an M-profile ``SMLAD`` does 2 16-bit MACs. ``efficiency`` is the fraction of
that peak a well-tuned kernel reaches on a core of this design relative to an out-of-order big core
(in-order cores stall on loads). All are estimates from public microarchitecture descriptions
(Arm Software Optimization Guides, WikiChip), stated here once with their reasoning; the estimator
fits the rest on published measurements. Published per-clock throughput agrees with the halved
NEON width of the pre-A76 big cores: MobileNet v1 float runs at ~2.7-3.2 MACs/cycle on one
Cortex-A73/A75 core (XNNPACK, Pixel 2 / 3a) and ~4.7 on a Cortex-A76 (ResNet-18, Pixel 4).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CoreType:
    name: str
    family: str  # "a-profile" (NEON, phones/boards), "m-profile" (MCU), "x86" (hosts)
    fp32: float  # peak fp32 MACs / cycle / core
    int8: float  # peak int8 MACs / cycle / core
    efficiency: float  # achievable fraction relative to an out-of-order big core (1.0)
    reasoning: str

    @property
    def sdot(self) -> bool:
        """Has a dot-product int8 instruction (Arm SDOT / i8mm): 4+ int8 MACs per fp32 MAC. Without it
        int8 GEMMs widen to 16 bits (SMLAL), a different kernel whose efficiency is fitted apart."""
        return self.family == "a-profile" and self.int8 >= 4 * self.fp32


_A = "a-profile"
_M = "m-profile"

CORE_TYPES: dict[str, CoreType] = {c.name: c for c in (
    CoreType("cortex-a53", _A, 4, 8, 0.55, "in-order, one 64-bit-wide NEON pipe issuing 128-bit ops over 2 cycles plus a second "
             "pipe: ~4 fp32 MAC/cycle peak; no SDOT, int8 via SMLAL widening (8 MAC/cycle); in-order stalls"),
    CoreType("cortex-a55", _A, 4, 16, 0.6, "in-order, 2x64-bit NEON pipes: 4 fp32 MAC/cycle; SDOT 8 int8 MAC per 64-bit pipe"),
    CoreType("cortex-a510", _A, 8, 32, 0.6, "in-order, 2x128-bit NEON (shared by a core pair, counted per core); SDOT/i8mm"),
    CoreType("cortex-a520", _A, 8, 32, 0.6, "as Cortex-A510"),
    CoreType("cortex-a72", _A, 4, 8, 0.85, "out-of-order, two FP/ASIMD pipes but one 128-bit FMLA per cycle "
             "(Cortex-A72 Software Optimization Guide): 4 fp32 MAC/cycle; no SDOT, int8 via SMLAL: 8/cycle"),
    CoreType("cortex-a73", _A, 4, 8, 0.85, "2x64-bit NEON pipes: 4 fp32 MAC/cycle; no SDOT (int8 via SMLAL: 8/cycle)"),
    CoreType("cortex-a75", _A, 4, 16, 0.9, "2x64-bit NEON pipes (the A76 doubled them to 2x128-bit): 4 fp32 "
             "MAC/cycle; ARMv8.2 SDOT on 64-bit pipes: 16 int8 MAC/cycle"),
    CoreType("cortex-a76", _A, 8, 32, 1.0, "2x128-bit NEON FMA; SDOT; the reference big core"),
    CoreType("cortex-a77", _A, 8, 32, 1.05, "as Cortex-A76, wider front end"),
    CoreType("cortex-a78", _A, 8, 32, 1.1, "as Cortex-A77"),
    CoreType("cortex-a710", _A, 8, 64, 1.1, "2x128-bit NEON; ARMv9 i8mm SMMLA doubles int8 MACs over SDOT"),
    CoreType("cortex-a715", _A, 8, 64, 1.1, "as Cortex-A710"),
    CoreType("cortex-a720", _A, 8, 64, 1.15, "as Cortex-A715"),
    CoreType("cortex-x1", _A, 16, 64, 1.1, "4x128-bit NEON FMA pipes; SDOT"),
    CoreType("cortex-x3", _A, 16, 128, 1.15, "4x128-bit NEON; i8mm"),
    CoreType("cortex-x4", _A, 16, 128, 1.2, "4x128-bit NEON; i8mm"),
    CoreType("cortex-m4", _M, 1, 2, 1.0, "single-precision FPU (1 FMA/cycle pipelined); DSP SMLAD: 2 16-bit MACs/cycle"),
    CoreType("cortex-m33", _M, 1, 2, 1.0, "as Cortex-M4 (DSP extension, single-precision FPU)"),
    CoreType("cortex-m7", _M, 1, 2.6, 1.0, "dual-issue pipeline, but SMLAD pairs rarely issue together in "
             "CMSIS-NN loops: ~1.3x a Cortex-M4 per clock (2 MACs/cycle SMLAD x 1.3); single-precision FPU 1 FMA/cycle"),
    CoreType("cortex-m55", _M, 4, 16, 1.0, "Helium (MVE) 128-bit beats: 8 int8 MACs per beat, 2 beats/cycle"),
    CoreType("x86-64-avx2", "x86", 16, 32, 1.0, "2 FMA units x 8 fp32 lanes (AVX2); int8 via VPMADDUBSW"),
    CoreType("x86-64-avx512", "x86", 32, 64, 1.0, "2 FMA units x 16 fp32 lanes (AVX-512); VNNI int8"),
)}


# The design each core grew out of (Arm's own generations: A72 -> A73 -> A75 -> A76 -> A77 -> A78
# -> X1 / A710 ...; A53 -> A55 -> A510 -> A520; M4 -> M33 / M7 -> M55). A core type with no
# calibration data of its own borrows the fitted correction of its nearest ancestor that has some.
PREDECESSOR: dict[str, str] = {
    "cortex-a73": "cortex-a72", "cortex-a75": "cortex-a73", "cortex-a76": "cortex-a75",
    "cortex-a77": "cortex-a76", "cortex-a78": "cortex-a77", "cortex-x1": "cortex-a78",
    "cortex-a710": "cortex-a78", "cortex-a715": "cortex-a710", "cortex-a720": "cortex-a715",
    "cortex-x3": "cortex-x1", "cortex-x4": "cortex-x3",
    "cortex-a55": "cortex-a53", "cortex-a510": "cortex-a55", "cortex-a520": "cortex-a510",
    "cortex-m33": "cortex-m4", "cortex-m7": "cortex-m4", "cortex-m55": "cortex-m7",
}


def lineage(name: str) -> list[str]:
    """``name`` and its ancestors, nearest first (``cortex-x1`` -> x1, a78, a77, a76, a75, a73, a72)."""
    chain = [name]
    while chain[-1] in PREDECESSOR:
        chain.append(PREDECESSOR[chain[-1]])
    return chain


def core_type(name: str) -> CoreType:
    """The :class:`CoreType` called ``name`` (raises KeyError; the schema validates names first)."""
    return CORE_TYPES[name]


# Active power of one core at its top clock, from the energy-model tables of Google's phone kernels
# (REFERENCE_LATENCIES.md), plus the Raspberry Pi 4's wall measurements: (mW, at GHz, where from).
# Used to derive a new profile's power where nothing better is known; a core type without its own
# row borrows its nearest ancestor's (``lineage``) and says so. Power scales ~ f^2 with DVFS
# (voltage rises with clock), an estimate that any new profile marks as one.
ACTIVE_POWER: dict[str, tuple[float, float, str]] = {
    "cortex-a53": (223.0, 1.88, "Pixel 2 kernel energy model (Snapdragon 835 little core)"),
    "cortex-a55": (146.0, 1.79, "Pixel 4 kernel energy model (Snapdragon 855 little core)"),
    "cortex-a72": (750.0, 1.5, "Raspberry Pi 4: (5 W under stress-ng - ~2 W idle) / 4 cores, at the wall"),
    "cortex-a73": (1527.0, 2.45, "Pixel 2 kernel energy model (Snapdragon 835 big core)"),
    "cortex-a75": (916.0, 2.8, "Pixel 3 kernel energy model (Snapdragon 845 big core; noisy table)"),
    "cortex-a76": (1092.0, 2.84, "Pixel 4 kernel energy model (Snapdragon 855 prime core)"),
}
# Wider cores than their ancestor draw more at the same clock: X-series ~1.6x an A7x at equal clock
# (twice the SIMD pipes, larger caches), public power curves of X1 SoCs put it at ~1.6-2.0 W.
POWER_SCALE = {"cortex-x1": 1.6, "cortex-x3": 1.6, "cortex-x4": 1.7}


def active_power_mw(name: str, ghz: float) -> tuple[float, str]:
    """Estimated active power (mW) of one ``name`` core at ``ghz``, and where the number comes from."""
    for ancestor in lineage(name):
        if ancestor in ACTIVE_POWER:
            mw, at, source = ACTIVE_POWER[ancestor]
            scale = POWER_SCALE.get(name, 1.0)
            value = mw * (ghz / at) ** 2 * scale
            borrowed = "" if ancestor == name else f" borrowed from {ancestor}"
            widened = f", x{scale:g} for the wider core" if scale != 1.0 else ""
            return round(value, 0), (f"{source}{borrowed}: {mw:g} mW at {at:g} GHz, scaled by (clock ratio)^2"
                                     f"{widened}")
    return 0.0, f"no power data for {name} or its ancestors"
