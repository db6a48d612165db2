"""Obtain every number a budget can limit, each with a sentence saying how it was obtained.

Sources, all consumed through their public interfaces (this module measures nothing itself):

- static facts (size, gzip size, params, MACs, precision, ops, delegate support, static memory plan)
  from :func:`edge_sdk.graph.analyze`;
- latency, peak memory, arena and energy per device from :func:`edge_sdk.profiling.profile`
  (host measurement in a child process plus per-device estimates, or estimates only), or measured
  on a phone over adb (:func:`edge_sdk.profiling.adb.profile_on_adb`) when one matches the device;
- accuracy drop from the convert manifest beside the model (``MODEL.tflite.json``);
- runtime compatibility by really loading the model in the named runtime, in a child process
  (:mod:`edge_sdk.budgets.runtime_probe`).

Everything expensive goes through :class:`~edge_sdk.budgets.cache.MeasurementCache`, keyed by content
and signed; the static facts (size, graph) are cheap and always read from the file itself.
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path
from typing import Any, cast

from edge_sdk.budgets.cache import MeasurementCache, content_key
from edge_sdk.budgets.runtime_probe import PROBE_TIMEOUT_S
from edge_sdk.budgets.runtimes import RuntimeSpec
from edge_sdk.core.documents import ConvertManifest, ProfileDocument, ProfileResult, load_document
from edge_sdk.core.errors import InputError, UsageError
from edge_sdk.core.progress import ProgressCallback

DEFAULT_TIMEOUT_S = 300.0   # one host measurement (as profile's --timeout)
DEVICE_METRICS = ("latency_p50", "latency_p90", "latency_p99", "peak_memory", "arena", "energy")


class Measurer:
    """Measures models for a check run; remembers results within the run and across runs (cache)."""

    def __init__(self, cache: MeasurementCache, *, estimate_only: bool = False,
                 adb_serials: list[str] | None = None, on_progress: ProgressCallback | None = None,
                 timeout_s: float = DEFAULT_TIMEOUT_S) -> None:
        if not timeout_s > 0:
            raise UsageError(f"timeout_s must be a positive number of seconds, got {timeout_s!r}",
                             params=("timeout_s",))
        self.cache = cache
        self.timeout_s = float(timeout_s)         # per host run and per runtime load probe
        self.on_progress = on_progress            # progress events of each host run (the CLI draws them)
        self.estimate_only = estimate_only
        self.adb_serials = adb_serials            # None: no phones; []: the one connected phone
        self.notes: list[str] = []
        self.profile_results: list[dict[str, Any]] = []   # every ProfileResult used, for the report
        self.measurements: dict[tuple[str, str, str | None], dict[str, Any]] = {}
        self._memo: dict[tuple[Any, ...], Any] = {}

    def record(self, model: Any, values: dict[tuple[str | None, str], tuple[Any, str, Any]]) -> None:
        """Keep every number obtained for ``model`` (limited or not): the report's before/after data."""
        for (device, metric), (value, how, _band) in values.items():
            row = self.measurements.setdefault((model.display, model.sha256, device), {
                "model": model.display, "path": str(model.path), "sha256": model.sha256, "device": device,
                "values": {}, "how": {}})
            row["values"][metric] = value
            row["how"][metric] = how

    # ---- device-independent facts ------------------------------------------------------------------

    def model_facts(self, path: Path, sha256: str) -> dict[str, Any]:
        """Static facts of one model file, read from the file on every run (never from the cache).

        Size and graph facts take milliseconds; caching them would only give a tampered cache
        entry the power to say a 17 MB model is 1 MB.
        """
        memo_key = ("facts", sha256)
        if memo_key not in self._memo:
            self._memo[memo_key] = _static_facts(path)
        return self._memo[memo_key]

    def gzip_size(self, path: Path, sha256: str) -> int:
        """gzip -9 size, only when a check limits it (compressing a 20 MB model costs a second)."""
        key = content_key("gzip", sha256)
        value = self._memo.get(("gzip", key))
        if value is None:
            value = self.cache.get("gzip", key, sha256=sha256)
        if value is None:
            value = len(gzip.compress(path.read_bytes(), compresslevel=9, mtime=0))
            self.cache.put("gzip", key, value, sha256=sha256)
        self._memo[("gzip", key)] = value
        return int(value)

    # ---- per-device measurements --------------------------------------------------------------------

    def device_results(self, path: Path, sha256: str, profiles: list[Any], threads: int | None) -> dict[str, dict[str, Any]]:
        """``{device id: ProfileResult}`` for ``profiles``: measured on a connected phone that matches
        the profile (with ``adb_serials``), else from one ``profile()`` call for all cache misses."""
        settings = {"estimate_only": self.estimate_only, "threads": threads}
        found: dict[str, dict[str, Any]] = {}
        missing: list[Any] = []
        keys: dict[str, str] = {}
        phones = self._phone_results(path, sha256, threads) if self.adb_serials is not None else {}
        for device in profiles:
            if device.id in phones:
                found[device.id] = phones[device.id]
                keys[device.id] = content_key("adb", sha256, device.id, self.adb_serials, threads)
                continue
            key = content_key("device", sha256, _profile_fingerprint(device), settings)
            keys[device.id] = key
            memo = self._memo.get(("device", key))
            cached = memo if memo is not None else self.cache.get("device", key, sha256=sha256)
            if cached is None:
                missing.append(device)
            else:
                found[device.id] = cached
        if missing:
            document = self._profile(path, [d.id for d in missing], threads)
            by_device = _results_by_device(document)
            tail = _host_tail_ratios(document)
            for device in missing:
                chosen = by_device.get(device.id)
                if chosen is None:
                    continue
                result: dict[str, Any] = dict(chosen)  # a copy: the tail ratio is this check's addition
                if tail and result["source"] != "measured":
                    result["host_tail_ratio"] = tail
                found[device.id] = result
                self.cache.put("device", keys[device.id], result, sha256=sha256)
        for device_id, result in found.items():
            skipped = result.get("host_run_skipped")
            if skipped and skipped not in self.notes:
                self.notes.append(skipped)
            if ("device", keys[device_id]) not in self._memo:
                self._memo[("device", keys[device_id])] = result
                self.profile_results.append({"model_sha256": sha256, **result})
        return found

    def _profile(self, path: Path, device_ids: list[str], threads: int | None) -> ProfileDocument:
        """A profile document; a model this host's runtime refuses (a custom op the app links in, say)
        still gets its device estimates from the graph, with a note saying why nothing ran."""
        from edge_sdk.core.errors import InputError, RuntimeCrash, UnsupportedModelError
        from edge_sdk.profiling import profile

        try:
            return cast(ProfileDocument, profile(str(path), devices=device_ids, threads=threads,
                                                 estimate_only=self.estimate_only, on_progress=self.on_progress,
                                                 timeout_s=self.timeout_s))
        except RuntimeCrash as exc:
            if "did not finish within" not in exc.message:
                raise
            raise RuntimeCrash(exc.message, path=exc.path, params=("timeout_s",),
                               hint=f"raise timeout_s (now {self.timeout_s:g} s) if the model is just slow; a model "
                                    "that hangs here will hang in the app too") from None
        except (UnsupportedModelError, InputError) as exc:
            refused = isinstance(exc, UnsupportedModelError) or "dynamic shape" in exc.message
            if self.estimate_only or not refused:
                raise
            reason = exc.message.splitlines()[0].removeprefix(f"{path}: ")
            note = (f"{path.name}: not run on this host ({reason}); its device numbers are estimated from the "
                    "graph" + (" (`edge-sdk profile --input-shape` runs it)" if "dynamic shape" in exc.message else ""))
            document = cast(ProfileDocument, profile(str(path), devices=device_ids, threads=threads,
                                                     estimate_only=True))
            for result in document["results"]:
                result["host_run_skipped"] = note   # kept with the cached result: the note survives a re-run
            return document

    def _phone_results(self, path: Path, sha256: str, threads: int | None) -> dict[str, dict[str, Any]]:
        """Measured results from phones over adb, by matched device profile id (cached like the rest)."""
        key = content_key("adb", sha256, self.adb_serials, threads)
        results = self._memo.get(("adb", key))
        if results is None:
            results = self.cache.get("adb", key, sha256=sha256)
        if results is None:
            from edge_sdk.profiling.adb import profile_on_adb

            document = profile_on_adb(str(path), serials=self.adb_serials or None, threads=threads)
            results = [r for r in document.get("results", []) if r.get("source") == "measured"]
            self.cache.put("adb", key, results, sha256=sha256)
            for result in results:
                if str(result.get("device", "")).startswith("adb:"):
                    self.notes.append(f"phone {result['device'][4:]} matches no device profile: its numbers "
                                      "are in the report but no limit uses them (edge-sdk calibrate creates one)")
        self._memo[("adb", key)] = results
        return {r["device"]: r for r in results}

    # ---- accuracy, from the conversion manifest ------------------------------------------------------

    def accuracy_drop(self, path: Path, sha256: str) -> tuple[float | None, str]:
        return read_accuracy_drop(path, sha256)

    # ---- runtime compatibility, by really loading --------------------------------------------------

    def prefetch_runtime_loads(self, items: list[tuple[Path, str, RuntimeSpec]]) -> None:
        """Run the load probes of every (model, runtime) pair side by side: each is a child process
        that mostly waits for an interpreter to start, so a few at once finish sooner."""
        from concurrent.futures import ThreadPoolExecutor

        todo = list({(sha, spec.distribution): (path, sha, spec) for path, sha, spec in items
                     if spec.installed_matches()}.values())
        if len(todo) < 2:
            return
        workers = min(len(todo), max(2, min(4, os.cpu_count() or 2)))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="runtime-probe") as pool:
            list(pool.map(lambda item: self.runtime_load(*item), todo))

    def runtime_load(self, path: Path, sha256: str, spec: RuntimeSpec) -> dict[str, Any]:
        installed = spec.installed_version()
        key = content_key("runtime", sha256, spec.distribution, installed)
        memo_key = ("runtime", key)
        if memo_key in self._memo:
            return self._memo[memo_key]
        result = self.cache.get("runtime", key, sha256=sha256)
        if result is None:
            from edge_sdk.budgets.runtime_probe import probe_load

            result = probe_load(path, spec, _fixed_shapes(self.model_facts(path, sha256)),
                                timeout_s=min(self.timeout_s, PROBE_TIMEOUT_S))
            if result.get("loaded") is not None:   # never cache "could not try"
                self.cache.put("runtime", key, result, sha256=sha256)
        self._memo[memo_key] = result
        return result


def _fixed_shapes(facts: dict[str, Any]) -> dict[str, list[int]]:
    """Shapes for inputs with dynamic dimensions: the ones the converter recorded (a load check only
    needs the model to load and run once, not a particular input size)."""
    shapes = {}
    for tensor in facts.get("inputs") or []:
        if any(d is None or d < 0 for d in tensor.get("shape_signature") or []):
            shapes[tensor["name"]] = [d if d and d > 0 else 1 for d in tensor.get("shape") or []]
    return shapes


def _profile_fingerprint(device: Any) -> Any:
    """The device profile's content: an edited profile (new calibration) is a new cache key."""
    to_dict = getattr(device, "to_dict", None)
    if not callable(to_dict):
        return repr(device)
    content = dict(to_dict())
    content.pop("path", None)  # where the checkout lives is not content: CI caches must survive a move
    return content


def _results_by_device(document: ProfileDocument) -> dict[str, ProfileResult]:
    """Pick, per device id, the best result of a profile document: measured before estimated."""
    best: dict[str, ProfileResult] = {}
    for result in document["results"]:
        current = best.get(result["device"])
        if current is None or (current["source"] != "measured" and result["source"] == "measured"):
            best[result["device"]] = result
    return best


def _host_tail_ratios(document: ProfileDocument) -> dict[str, float] | None:
    """p90/p50 and p99/p50 of the host run: how an estimated median becomes an estimated tail."""
    for result in document["results"]:
        latency = result.get("latency_ms")
        if result["backend"] == "host" and result["source"] == "measured" and latency:
            p50 = latency["p50"]
            if p50 is not None and p50 > 0:
                tails = (("p90", latency.get("p90")), ("p99", latency.get("p99")))
                return {k: value / p50 for k, value in tails if value is not None}
    return None


def _static_facts(path: Path) -> dict[str, Any]:
    from edge_sdk.graph import analyze

    graph = analyze(str(path))
    compatibility = getattr(graph, "compatibility", {}) or {}
    return {
        "size": int(graph.size_bytes),
        "params": int(graph.params),
        "macs": int(graph.macs),
        "arena": _int_or_none(getattr(graph, "peak_activation_bytes", None)),
        "precision": graph.precision,
        "custom_ops": sorted(set(graph.custom_ops or [])),
        "flex_ops": sorted(set(graph.flex_ops or [])),
        "min_runtime_version": getattr(graph, "min_runtime_version", None),
        "delegates": compatibility.get("delegates", {}),
        "runtimes": compatibility.get("runtimes", {}),
        "op_count": sum((getattr(graph, "op_counts", {}) or {}).values()),
        "inputs": [{"name": t.name, "shape": list(t.shape or []),
                    "shape_signature": list(getattr(t, "shape_signature", None) or t.shape or [])}
                   for t in getattr(graph, "inputs", []) or []],
    }


def _int_or_none(value: Any) -> int | None:
    return None if value is None else int(value)


def read_accuracy_drop(path: Path, sha256: str) -> tuple[float | None, str]:
    """``validation.accuracy.drop`` of ``MODEL.tflite.json``, if that manifest describes this file."""
    manifest = path.with_name(path.name + ".json")
    if not manifest.is_file():
        return None, (f"no convert manifest {manifest.name} beside the model (edge-sdk convert writes it; "
                      "--eval-data adds the accuracy)")
    try:
        document = cast(ConvertManifest, load_document(manifest, kinds=("convert",)))
    except InputError as exc:  # not this check's failure: the limit is reported missing, with why
        return None, exc.message.replace(str(manifest), manifest.name)
    output_sha = document["output"].get("sha256")
    if output_sha and output_sha != sha256:
        return None, f"{manifest.name} describes another file (sha256 differs): re-run the conversion"
    accuracy = document.get("validation", {}).get("accuracy") or {}
    drop = accuracy.get("drop")
    if drop is None:
        return None, f"{manifest.name} has no validation.accuracy.drop: convert with --eval-data (labelled samples)"
    before, after, samples = accuracy.get("source"), accuracy.get("artifact"), accuracy.get("samples")
    detail = []
    if before is not None and after is not None:
        detail.append(f"{before:.2%} -> {after:.2%}")
    if samples is not None:
        detail.append(f"{samples} labelled samples")
    return float(drop), f"from the convert manifest {manifest.name}" + (f" ({', '.join(detail)})" if detail else "")
