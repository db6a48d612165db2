"""The analytical latency model: time = work per op class / (device throughput x fitted efficiency).

For a model on a device with ``n`` threads, each term is physical:

    t = sum_c  W_c / (G_p(n) * par(n)) * theta_pc      compute, per op class c and precision p
      + (n - 1) * sum_c in dense  W_c / G_p(n) * theta_pd   serial share of convolutions / GEMMs
      + (n - 1) * sum_c in light  W_c / G_p(n) * theta_pl   serial share of depthwise / element-wise
      + B / BW * theta_mem                            bytes moved through memory
      + ops / f_big * theta_op                        fixed per-op (kernel call) overhead
      + ops (n - 1) / f_big * theta_sync              thread-pool hand-off and barrier per op
      + [legacy kernels] C / f_big * theta_copy       im2col + GEMM packing copies, on one core

``W_c`` are the MACs of dense convolutions, depthwise convolutions and GEMMs, and the elements of
all other ops (``features.py``); ``G_p(n)`` is the peak MAC rate of the ``n`` fastest cores for
precision ``p`` (clock x SIMD MACs/cycle x core efficiency, ``devices/cores.py``); ``par(n) =
1 / (1 + alpha (n - 1))`` is the parallel efficiency; ``BW`` the sustained memory bandwidth;
``f_big`` the fastest core's clock. ``theta`` (one vector per core family) is the only thing
fitted on published measurements (``calibration.py``): each entry is "how many times slower than
peak" a kernel class runs, which is what transfers to a device the model has never seen.

The kernel library behind a number changes the shape of the cost, not only a factor: TFLite's
pre-XNNPACK kernels ("legacy": ruy/Eigen float, gemmlowp/ruy int8) copy every conv's input into an
im2col and packed matrix on the calling thread (``C`` bytes, ``features.im2col_elements``) and
run element-wise ops (add, pool, concat) on one thread; XNNPACK does neither. A per-op barrier
(``sync``) makes small models scale worse with threads than big ones, as published 1-to-4-thread
numbers do (MobileNet v3 small 2.3x, v1 3.2x on a Pixel 2); the two serial-share columns let the
data say how much of each op class does not scale (Amdahl), per class rather than one alpha.
int8 convolutions on a core without SDOT (Cortex-A53/A72/A73, every Cortex-M) run XNNPACK's
16-bit widening kernels, costed in their own column (``int8_conv_widening``).
"""

from __future__ import annotations

import numpy as np

from devices.profile import DeviceProfile
from runtime_harness.estimator.features import ModelFeatures

COLUMNS = ("float_conv", "float_depthwise", "float_gemm", "int8_conv", "int8_depthwise", "int8_gemm",
           "other", "memory", "per_op", "float_outputs", "int8_outputs", "sync", "im2col",
           "int8_conv_widening", "parallel_dense", "parallel_light")
COLUMN_INDEX = {name: i for i, name in enumerate(COLUMNS)}
DENSE = (0, 2, 3, 5, 13)          # convolutions and GEMMs: compute bound, scale with threads
LIGHT = (1, 4, 6, 9, 10)          # depthwise, element-wise, per-output epilogues: load/store bound

# Prior theta per core family: times slower than the SIMD peak (compute columns), than the
# bandwidth (memory), microseconds per op at 1 GHz (per_op), and cycles per output element of a
# conv/GEMM (bias, activation, and for int8 the requantization: multiply-high, shift, clamp, store;
# ~1 and ~3 cycles in XNNPACK's NEON kernels, tens of cycles in CMSIS-NN's scalar epilogue on an
# MCU). Sources of the reasoning:
# XNNPACK GEMM microkernels reach ~60-70% of NEON peak on big cores (1.5x); depthwise kernels are
# load bound (~4x); int8 GEMMs lose more to requantization (2x); per-op cost is a few us; a
# thread-pool barrier ~10 us at 1 GHz; a copied byte ~0.5 cycle (NEON load/store, one core).
# The last three: int8 convolutions on a core without SDOT (16-bit widening SMLAL kernels, XNNPACK
# QS8 "neon-mlal"; every Cortex-M) reach about the same share of their lower peak; the parallel
# columns are Amdahl's serial share s of each op class (t = t1 (s + (1 - s) / n)), priors 5% for
# convolutions and GEMMs (large tiles split evenly) and 30% for depthwise / element-wise ops (too
# little work per op to amortize the hand-off; memory bound, so more cores share one bus).
PRIORS: dict[str, np.ndarray] = {
    "a-profile": np.array([1.6, 4.0, 2.0, 2.0, 6.0, 3.0, 1.0, 0.3, 5.0, 1.0, 3.0, 10.0, 0.5, 2.0, 0.1, 1.0]),
    "m-profile": np.array([3.0, 6.0, 3.0, 2.5, 4.0, 3.0, 4.0, 1.0, 5.0, 10.0, 30.0, 10.0, 2.0, 2.5, 0.1, 1.0]),
    "x86": np.array([1.6, 4.0, 2.0, 2.0, 6.0, 3.0, 4.0, 1.0, 5.0, 1.0, 3.0, 10.0, 0.5, 2.0, 0.1, 1.0]),
}


CORE_BANDWIDTH_SHARE = 0.4


def effective_threads(profile: DeviceProfile, threads: int | None) -> int:
    """Threads the estimate assumes: the request capped to the core count, else the profile default."""
    wanted = profile.threads_default if threads is None else threads
    return max(1, min(int(wanted), profile.cores))


def design_row(features: ModelFeatures, profile: DeviceProfile, threads: int, alpha: float,
               kernels: str = "xnnpack") -> np.ndarray:
    """The model's work expressed in ms-at-peak per column, for ``profile`` with ``threads``.

    ``kernels`` is the kernel library: ``legacy`` (TFLite before XNNPACK) copies conv input
    patches (im2col) on the calling thread and runs element-wise ops (add, pool, concat) on one
    thread; XNNPACK, CMSIS-NN and vendor libraries do neither."""
    cores = profile.cores_by_speed()[:threads]
    g_float = sum(c.ghz * c.core_type.fp32 * c.core_type.efficiency for c in cores) * 1e6  # MACs per ms
    g_int8 = sum(c.ghz * c.core_type.int8 * c.core_type.efficiency for c in cores) * 1e6
    slowdown = 1.0 + alpha * (threads - 1)
    row = np.zeros(len(COLUMNS))
    compute = features.compute
    if compute == "float":
        row[0:3] = [features.conv_macs / g_float, features.depthwise_macs / g_float, features.gemm_macs / g_float]
        row[6] = features.other_work / g_float
    elif compute == "dynamic":  # XNNPACK qd8 kernels: int8 GEMMs/convs, float depthwise and the rest
        row[3], row[5] = features.conv_macs / g_int8, features.gemm_macs / g_int8
        row[1] = features.depthwise_macs / g_float
        row[6] = features.other_work / g_float
    else:  # int8, and int16 activations at half the int8 rate
        scale = 2.0 if compute == "int16" else 1.0
        row[3:6] = [scale * features.conv_macs / g_int8, scale * features.depthwise_macs / g_int8,
                    scale * features.gemm_macs / g_int8]
        row[6] = scale * features.other_work / g_int8
    cycles = sum(c.ghz * c.core_type.efficiency for c in cores) * 1e6  # core-cycles per ms
    row[9 if compute == "float" else 10] = features.mac_outputs / cycles
    if not cores[0].core_type.sdot:  # int8 convolutions widen to 16 bits: their own efficiency
        row[13], row[3] = row[3], 0.0
    row[14] = (threads - 1) * sum(row[i] for i in DENSE)
    row[15] = (threads - 1) * sum(row[i] for i in LIGHT)
    row[[*DENSE, *LIGHT]] *= slowdown
    if kernels.startswith("legacy"):
        # element-wise ops on one core; im2col copies (bytes) on one core, theta = cycles per byte
        one_core = row[6] / slowdown * sum(c.ghz * c.core_type.efficiency for c in cores) / (
            cores[0].ghz * cores[0].core_type.efficiency)
        row[6] = one_core
        width = 4.0 if compute == "float" else 1.0
        row[12] = features.im2col_elements * width / (cores[0].ghz * 1e6)
    # one core cannot saturate DRAM: each thread pulls at most CORE_BANDWIDTH_SHARE of it
    bandwidth = profile.bandwidth_gbps * min(1.0, CORE_BANDWIDTH_SHARE * threads)
    row[7] = (features.activation_bytes + features.weight_bytes) / (bandwidth * 1e6)
    row[8] = features.ops / (cores[0].ghz * 1e3)
    row[11] = features.ops * (threads - 1) / (cores[0].ghz * 1e3)
    return row


def predict_ms(features: ModelFeatures, profile: DeviceProfile, threads: int, alpha: float,
               theta: np.ndarray, kernels: str = "xnnpack") -> float:
    """Latency in ms before the per-device correction."""
    return float(design_row(features, profile, threads, alpha, kernels) @ theta)
