"""Peak memory on a device = weights + activation arena + runtime overhead, and the budget facts.

Phones and boards (LiteRT + XNNPACK): the model file is memory-mapped and its weight pages are
touched while XNNPACK packs them into its own layout, so both count; float16 weights are
dequantized to float32 at load (twice their size again). The arena is the graph's planned
activation peak; XNNPACK keeps its own activation workspace of about the same size beside the
TFLite arena. Runtime overhead comes from the profile. Checked against peak RSS measured on the
host (LiteRT 2.3, 1 thread, RSS above the post-import baseline): MobileNetV2 float 40.9 MB measured
vs 39.8 MB modelled, MobileNet v1 float 45.8 vs 43.4, MobileNetV2 int8 15.5 vs 10.5.

MCUs (TFLite Micro / STM32Cube.AI): the model stays in flash (weights + runtime code must fit the
flash), RAM holds the arena plus the runtime's own structures.
"""

from __future__ import annotations

from typing import Any

from devices.profile import DeviceProfile
from edge_sdk.core.units import format_bytes
from runtime_harness.estimator.features import ModelFeatures


def estimate_memory(features: ModelFeatures, profile: DeviceProfile) -> tuple[dict[str, Any], list[str]]:
    """(memory dict for the ProfileResult, budget notes)."""
    arena = int(features.arena_bytes)
    notes: list[str] = []
    if profile.kind == "mcu":
        ram = arena + profile.runtime_overhead_bytes
        flash = int(features.size_bytes) + int(profile.code_flash_bytes or 0)
        memory = {"peak_bytes": ram, "arena_bytes": arena, "weights_bytes": 0,
                  "runtime_overhead_bytes": profile.runtime_overhead_bytes, "flash_bytes": flash,
                  "flash_limit_bytes": profile.flash_bytes, "ram_limit_bytes": profile.app_memory_bytes,
                  "method": "RAM = activation arena + runtime RAM; flash = model + runtime code"}
        if profile.flash_bytes is not None and flash > profile.flash_bytes:
            notes.append(f"flash: model + runtime code ({format_bytes(flash)}) exceeds the {format_bytes(profile.flash_bytes)} "
                         f"flash of {profile.id}; shrink the model (int8, pruning, a smaller width multiplier)")
        if ram > profile.app_memory_bytes:
            notes.append(f"ram: activation arena + runtime ({format_bytes(ram)}) exceeds the "
                         f"{format_bytes(profile.app_memory_bytes)} RAM available on {profile.id}; "
                         "reduce the input resolution or the widest layer")
        return memory, notes
    weights = int(features.weight_bytes)
    packed = weights * 2 if features.precision == "float16" else weights  # fp16 -> fp32 at load
    mapped = int(features.size_bytes)
    workspace = arena  # XNNPACK's own activation buffers beside the TFLite arena
    peak = mapped + packed + arena + workspace + profile.runtime_overhead_bytes
    memory = {"peak_bytes": peak, "arena_bytes": arena, "weights_bytes": mapped + packed,
              "workspace_bytes": workspace, "runtime_overhead_bytes": profile.runtime_overhead_bytes,
              "model_bytes": peak - profile.runtime_overhead_bytes,
              "method": "mapped model file + weights packed by XNNPACK + activation arena + XNNPACK workspace "
                        "+ runtime overhead"}
    if peak > profile.app_memory_bytes:
        notes.append(f"memory: estimated peak {format_bytes(peak)} exceeds the app budget of "
                     f"{format_bytes(profile.app_memory_bytes)} on {profile.id}; "
                     "quantize (int8 cuts weights 4x) or reduce the input size")
    return memory, notes
