"""Which runtimes can load a model and which delegates take each op, from data tables.

Two tables, both data with their sources, never conditionals in code:
``edge_sdk/data/runtime_ops.toml`` (builtin ops and op versions each runtime registers, probed
from the real LiteRT 2.3, tflite-runtime 2.14 and TFLite Micro by ``tools/version_probe.py``)
and ``edge_sdk/data/op_support.toml`` (each delegate's op list, dtypes and rank limit, from the
delegates' documentation and source). A runtime that lacks an op (or an op version) cannot load
the model at all; a phone delegate that lacks an op leaves it to the CPU; TFLite Micro has no
fallback. Custom ops are loadable nowhere until the app registers them; Select-TF (Flex) ops
need the separate Flex delegate library, which neither Python runtime ships.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent.parent / "data"
# runtime key -> the TFLite runtime version to hold a model's min_runtime_version against. LiteRT
# restarted its numbering (ai-edge-litert 2.x follows TFLite 2.20+), so for it the probed op
# versions are the only test and min_runtime_version is not compared.
RUNTIMES: dict[str, str | None] = {"litert-2.3": None, "tflite-runtime-2.14": "2.14.0"}
DELEGATES = ("xnnpack", "gpu", "nnapi", "tflm")


@dataclass(frozen=True)
class OpFacts:
    """What compatibility needs to know about one op (built by model_graph from OpInfo)."""

    index: int
    subgraph: int
    type: str
    kind: str  # "builtin" | "custom" | "flex"
    version: int
    compute_dtype: str
    max_rank: int
    n_inputs: int = 0                          # inputs present (optional -1 inputs not counted)
    constant_inputs: frozenset[int] = frozenset()  # positions of constant inputs
    present_inputs: frozenset[int] = frozenset()   # positions of inputs present
    options: tuple[tuple[str, float], ...] = ()
    input_scale: float | None = None               # quantization scale of input 0, if quantized


def _parse_versions(text: str) -> frozenset[int]:
    versions: set[int] = set()
    for part in str(text).split(","):
        if "-" in part:
            low, high = part.split("-", 1)
            versions.update(range(int(low), int(high) + 1))
        elif part.strip():
            versions.add(int(part))
    return frozenset(versions)


@lru_cache(maxsize=1)
def runtime_ops() -> dict[str, dict[str, frozenset[int]]]:
    """runtime key -> op name -> registered versions (from the probed table)."""
    table = tomllib.loads((DATA / "runtime_ops.toml").read_text())
    return {key: {op: _parse_versions(v) for op, v in section.get("ops", {}).items()}
            for key, section in table.items()}


@lru_cache(maxsize=1)
def stock_custom_ops() -> dict[str, frozenset[str]]:
    """runtime key -> the custom op names it registers itself (edge_sdk/data/custom_ops.toml)."""
    table = tomllib.loads((DATA / "custom_ops.toml").read_text())
    return {key: frozenset(section.get("ops", [])) for key, section in table.items()}


@lru_cache(maxsize=1)
def delegate_support() -> dict[str, dict[str, Any]]:
    return tomllib.loads((DATA / "op_support.toml").read_text())


def _version_text(versions: frozenset[int]) -> str:
    ordered = sorted(versions)
    if ordered and ordered == list(range(ordered[0], ordered[-1] + 1)):
        return f"{ordered[0]}-{ordered[-1]}" if len(ordered) > 1 else str(ordered[0])
    return ",".join(map(str, ordered))


def _version_tuple(text: str) -> tuple[int, ...]:
    parts = []
    for piece in text.strip().split("."):
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


def runtime_verdict(key: str, ops: list[OpFacts], min_runtime_version: str | None) -> dict[str, Any]:
    """Can runtime ``key`` load a model with ``ops``? Problems name each op that stops it."""
    registered = runtime_ops()[key]
    problems: list[str] = []
    seen: set[tuple[str, int]] = set()
    for op in ops:
        if (op.type, op.version) in seen:
            continue
        seen.add((op.type, op.version))
        if op.kind == "flex":
            problems.append(f"Select-TF op {op.type} (op #{op.index}): needs the Flex delegate library "
                            "(tensorflow-lite-select-tf-ops), which the stock runtime does not include")
        elif op.kind == "custom" and op.type in stock_custom_ops().get(key, ()):
            continue  # registered by the runtime itself (e.g. the SSD post-processing head)
        elif op.kind == "custom":
            problems.append(f"custom op {op.type!r} (op #{op.index}): not registered in the stock "
                            "runtime; the app must register its kernel, or re-convert without it")
        elif op.type not in registered:
            problems.append(f"{op.type} (op #{op.index}): not registered in {key} at all")
        elif op.version not in registered[op.type]:
            problems.append(f"{op.type} version {op.version} (op #{op.index}): {key} registers "
                            f"versions {_version_text(registered[op.type])} only")
    verdict: dict[str, Any] = {"loadable": not problems, "problems": problems, "notes": []}
    runtime_version = RUNTIMES[key]
    if min_runtime_version and runtime_version and \
            _version_tuple(min_runtime_version) > _version_tuple(runtime_version):
        verdict["notes"].append(f"the model's min_runtime_version metadata is {min_runtime_version}, "
                                f"newer than {key} ({runtime_version}); its op versions decide")
    return verdict


def _unsupported_reason(delegate: str, spec: dict[str, Any], op: OpFacts) -> str | None:
    name = spec.get("name", delegate)
    if op.kind == "custom" and spec.get("ops_from_probe") and op.type in stock_custom_ops().get(delegate, ()):
        return None  # TFLite Micro registers it (AddDetectionPostprocess)
    if op.kind in ("custom", "flex"):
        return f"{op.kind} op: delegates take builtin ops only"
    if spec.get("ops_from_probe"):
        if op.type not in runtime_ops().get(delegate, {}):
            return "not registered in TFLite Micro (probed from the tflite-micro interpreter); no CPU fallback"
        entry: dict[str, Any] = spec.get("ops", {}).get(op.type, {})
    else:
        entry = spec.get("ops", {}).get(op.type)
        if entry is None:
            return f"not in the {name.split(' (')[0]} op list; runs on the CPU kernels instead"
    dtypes = entry.get("dtypes", spec.get("dtypes", []))
    if dtypes and op.compute_dtype not in dtypes:
        return f"computes in {op.compute_dtype}; {delegate} runs {op.type} in {'/'.join(dtypes)} only"
    problem = _constraint_problem(delegate, entry, op)
    if problem:
        return problem
    if "max_version" in entry and op.version > entry["max_version"]:
        return f"version {op.version}; {delegate} supports {op.type} up to version {entry['max_version']}"
    limit = spec.get("max_rank", 0)
    if limit and op.max_rank > limit:
        return f"rank-{op.max_rank} tensors; {delegate} handles rank {limit} at most"
    return None


def _constraint_problem(delegate: str, entry: dict[str, Any], op: OpFacts) -> str | None:
    """The op-specific limits a delegate documents (see op_support.toml for the keys)."""
    if "max_inputs" in entry and op.n_inputs > entry["max_inputs"]:
        return f"{op.n_inputs} inputs; {delegate} takes {op.type} with at most {entry['max_inputs']}"
    for position in entry.get("constant_inputs", []):
        if position in op.present_inputs and position not in op.constant_inputs:
            return f"input {position} is computed at run time; {delegate} needs it constant (static)"
    options = dict(op.options)
    floor = entry.get("min_input_scale")
    if floor is not None and op.input_scale is not None and op.compute_dtype in entry.get("scale_dtypes", ["int8"]):
        effective = op.input_scale * float(options.get("Beta", 1.0))
        if effective < floor:
            return (f"input scale x beta is {effective:.3g}, below {floor:.3g}: {entry.get('scale_reason', 'unsupported')}")
    if entry.get("no_strided_1x1") and options.get("FilterWidth") == 1 and options.get("FilterHeight") == 1 \
            and (options.get("StrideW", 1) > 1 or options.get("StrideH", 1) > 1):
        return f"1x1 pooling with a stride above 1 is not supported by {delegate}"
    return None


def delegate_verdict(delegate: str, ops: list[OpFacts]) -> dict[str, Any]:
    spec = delegate_support()[delegate]
    unsupported = []
    for op in ops:
        reason = _unsupported_reason(delegate, spec, op)
        if reason is not None:
            unsupported.append({"index": op.index, "subgraph": op.subgraph, "op": op.type, "reason": reason})
    return {
        "supported_ops": len(ops) - len(unsupported), "total_ops": len(ops),
        "all_supported": not unsupported, "unsupported": unsupported,
    }


def compatibility(ops: list[OpFacts], min_runtime_version: str | None) -> dict[str, Any]:
    """The ``compatibility`` section of the inspect document (shape documented in the brief)."""
    support = delegate_support()
    return {
        "runtimes": {key: runtime_verdict(key, ops, min_runtime_version) for key in RUNTIMES},
        "delegates": {name: delegate_verdict(name, ops) for name in DELEGATES},
        "sources": {
            "runtimes": "edge_sdk/data/runtime_ops.toml (probed from the installed runtimes)",
            **{name: support[name]["source"] for name in DELEGATES},
        },
    }
