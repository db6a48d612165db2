"""The sweep's plan: cells (model x recipe x device) with their content keys, and the task graph
for the cells the result store does not hold yet.

Everything is resolved before anything runs: each (model, recipe) goes through the converter's own
option resolution (a recipe that cannot apply to a source, such as int8 on a .tflite file, makes
its cells ``not-applicable``; a recipe that needs data the sweep does not give is a config error),
and every key is computed from content. Shards split the work by conversion, so no conversion runs
in two CI jobs.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from edge_sdk.core.errors import ConfigError, UnsupportedModelError, UsageError
from edge_sdk.sweep import keys, tasks
from edge_sdk.sweep.config import SweepConfig, SweepModel
from edge_sdk.sweep.executor import Task

NOT_APPLICABLE = "not-applicable"


@dataclass
class Artifact:
    """One conversion (model, recipe) and the cells that use its artifact."""

    model: SweepModel
    recipe: str
    key: str
    options: dict[str, Any]
    cells: list[dict[str, Any]] = field(default_factory=list)
    skipped: str | None = None     # why the recipe does not apply to this source


@dataclass
class Plan:
    config: SweepConfig
    artifacts: list[Artifact]
    shard: tuple[int, int] | None = None
    only: str | None = None

    @property
    def cells(self) -> list[dict[str, Any]]:
        return [cell for artifact in self.artifacts for cell in artifact.cells]


def parse_shard(text: str | None) -> tuple[int, int] | None:
    if text is None:
        return None
    try:
        index, count = (int(part) for part in text.split("/"))
    except ValueError:
        raise UsageError(f"shard={text!r}: expected I/N, e.g. 1/4 (the first of four shards)",
                         params=("shard",)) from None
    if count < 1 or not 1 <= index <= count:
        raise UsageError(f"shard={text!r}: shard {index} of {count} does not exist (I counts from 1 to N)",
                         hint="e.g. shard='1/2' and shard='2/2', then merge the two outputs", params=("shard",))
    return index, count


def _matches(only: str | None, model: str, recipe: str, device: str) -> bool:
    """``--only`` terms, comma-separated: ``model=GLOB``, ``recipe=GLOB``, ``device=GLOB``, or a bare
    GLOB any of the three matches. Every term must match."""
    if not only:
        return True
    fields = {"model": model, "recipe": recipe, "device": device}
    for term in (t.strip() for t in only.split(",") if t.strip()):
        name, sep, pattern = term.partition("=")
        if sep and name in fields:
            if not fnmatch.fnmatch(fields[name], pattern):
                return False
        elif not any(fnmatch.fnmatch(v, term) for v in fields.values()):
            return False
    return True


def _resolved(config: SweepConfig, model: SweepModel, recipe: str) -> tuple[dict[str, Any], dict[str, Any] | None, str | None]:
    """(convert options, the recipe as resolved, why it does not apply) for one conversion."""
    import converters

    options: dict[str, Any] = {"recipe": recipe}
    settings = converters.load_recipes()[recipe]
    quantize = settings.get("quantize", "none")
    if model.format == "tflite" and (quantize != "none" or settings.get("prune") is not None):
        return options, None, ("already a .tflite model: only a recipe without quantization or pruning "
                               "(float32) applies; the others need the Keras/SavedModel/ONNX source")
    full_integer = quantize in ("int8", "int16x8")
    if config.calibration_data and full_integer:
        options["calibration_data"] = config.calibration_data
        if config.calibration_samples:
            options["calibration_samples"] = config.calibration_samples
    if config.eval_data:
        options["eval_data"] = config.eval_data
    if settings.get("search") and config.max_accuracy_drop is not None:   # recipe "auto": its accuracy budget
        options["max_accuracy_drop"] = config.max_accuracy_drop
    try:
        planned = converters.plan(model.path, model.path.with_name(".sweep-plan.tflite"), **options)
    except UnsupportedModelError as exc:
        return options, None, exc.message.splitlines()[0].removeprefix(f"{model.path}: ")
    except UsageError as exc:   # the converter names its parameters, which are the sweep file's keys
        missing = [key for key in ("calibration_data", "max_accuracy_drop", "eval_data") if key in exc.message]
        hint = (f"add {' and '.join(missing)} to the sweep file (`edge-sdk sweep --help` shows them)"
                if missing else exc.hint)
        raise ConfigError(f"{config.path}: recipe {recipe!r} on {model.name}: {exc.message}", hint=hint,
                          path=str(config.path)) from None
    resolved = {k: planned[k] for k in ("recipe", "quantize", "io", "prune")}
    resolved["steps"] = [{k: v for k, v in step["settings"].items() if k not in ("path", "data")}
                         for step in planned["steps"]]
    return options, resolved, None


def build_plan(config: SweepConfig, store_root: Path, *, shard: tuple[int, int] | None = None,
               only: str | None = None) -> Plan:
    budget_sha = keys.path_sha256(config.budget) if config.budget else None
    data_shas = {name: (keys.path_sha256(value) if value and value != "random" else value)
                 for name, value in (("calibration", config.calibration_data), ("eval", config.eval_data))}
    settings = {"host": config.host, "host_time_limit_s": config.host_time_limit_s if config.host else None,
                "threads": config.threads}
    artifacts = []
    source_shas = {model.path: keys.path_sha256(model.path) for model in config.models}
    for model in config.models:
        for recipe in config.recipes:
            devices = [d for d in config.devices if _matches(only, model.name, recipe, d)]
            if not devices:
                continue
            options, resolved, skipped = _resolved(config, model, recipe)
            source_sha = source_shas[model.path]
            key = keys.convert_key(source_sha, resolved or {"recipe": recipe}, data_shas)
            artifact = Artifact(model, recipe, key, options, skipped=skipped)
            for device in devices:
                artifact.cells.append({"id": f"{model.name} | {recipe} | {device}", "model": model.name,
                                       "recipe": recipe, "device": device, "source_sha256": source_sha,
                                       "convert_key": key,
                                       "key": keys.cell_key(key, model.name, device, settings, budget_sha)})
            artifacts.append(artifact)
    if shard:
        artifacts = _share(artifacts, *shard)
    return Plan(config, artifacts, shard, only)


def _share(artifacts: list[Artifact], index: int, count: int) -> list[Artifact]:
    """Shard ``index`` of ``count``: conversions dealt round-robin, the ones that will run apart from
    the not-applicable ones, so every shard gets its share of real work."""
    runnable = [a for a in artifacts if not a.skipped]
    skipped = [a for a in artifacts if a.skipped]
    mine = {id(a) for group in (runnable, skipped) for n, a in enumerate(group) if n % count == index - 1}
    return [a for a in artifacts if id(a) in mine]


def artifact_tasks(artifact: Artifact, cells: list[dict[str, Any]], config: SweepConfig, store_root: Path,
                   offered: set[str] | None) -> tuple[list[Task], str]:
    """The task graph of one artifact for ``cells`` (those not in the store); returns (tasks, verdict key)."""
    store = str(store_root)
    devices = [c["device"] for c in cells]
    convert = Task(keys.task_key("convert", artifact.key), "convert", tasks.convert,
                   {"store": store, "key": artifact.key, "source": str(artifact.model.path), "options": artifact.options})
    inspect = Task(keys.task_key("inspect", artifact.key), "inspect", tasks.inspect, {}, (convert.key,))
    graph = [convert, inspect]
    kinds: list[str] = []
    emulated = [d for d in devices if not d.startswith("adb:")]
    if emulated:
        graph.append(Task(keys.task_key("estimate", artifact.key, emulated, config.threads), "estimate", tasks.estimate,
                          {"devices": emulated, "threads": config.threads}, (convert.key,)))
        kinds.append("estimate")
    if config.host:
        graph.append(Task(keys.task_key("host", artifact.key, config.threads, config.host_time_limit_s), "host",
                          tasks.host, {"threads": config.threads, "time_limit_s": config.host_time_limit_s},
                          (convert.key,)))
        kinds.append("host")
    for device in (d for d in devices if d.startswith("adb:")):
        if offered is not None and device not in offered:
            continue   # no worker offers this phone: its cells are recorded as infrastructure errors
        graph.append(Task(keys.task_key("adb", artifact.key, device, config.threads), "adb", tasks.adb,
                          {"profile": device.removeprefix("adb:"), "threads": config.threads}, (convert.key,),
                          resources={device: 1}))
        kinds.append(device)
    verdict = Task(keys.task_key("verdict", *sorted(c["key"] for c in cells)), "verdict", tasks.verdicts,
                   {"store": store, "cells": cells, "kinds": kinds,
                    "budget": str(config.budget) if config.budget else None},
                   (convert.key, inspect.key, *(t.key for t in graph[2:])))
    return [*graph, verdict], verdict.key
