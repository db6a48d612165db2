"""The artifact manifest: an edge-sdk ``convert`` document written beside the model (OUT.tflite.json)."""

from __future__ import annotations

import gzip
import hashlib
import platform
from importlib import metadata
from pathlib import Path
from typing import Any

from converters.options import ConvertOptions
from edge_sdk.core.atomic import atomic_publish, json_bytes
from edge_sdk.core.documents import envelope
from edge_sdk.core.hashing import file_sha256

LIBRARIES = ("tensorflow", "keras", "tf_keras", "ai-edge-litert", "onnx", "onnx2tf", "onnxruntime", "numpy")


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    if path.is_dir():
        for item in sorted(p for p in path.rglob("*") if p.is_file()):
            digest.update(str(item.relative_to(path)).encode())
            digest.update(item.read_bytes())
        return digest.hexdigest()
    return file_sha256(path)


def gzip_size(data: bytes) -> int:
    """Size after gzip (default level 6, as ``gzip FILE``): roughly what a download or OTA update costs."""
    return len(gzip.compress(data, compresslevel=6, mtime=0))


def library_versions(extra: dict[str, str]) -> dict[str, str]:
    versions: dict[str, str] = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            versions[name.replace("-", "_")] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    versions.update(extra)
    return versions


def build_manifest(options: ConvertOptions, *, source_sha256: str, steps: list[dict[str, Any]], data: bytes,
                   output_path: Path, checks: dict[str, Any], layout_notes: list[str],
                   versions: dict[str, str], source_io: list[dict[str, Any]]) -> dict[str, Any]:
    sparsity = checks.get("sparsity") or {}
    size, gz = len(data), gzip_size(data)
    gate = checks["gate"]
    body = {
        "status": "passed" if gate["passed"] else "failed",
        "recipe": options.recipe,
        "quantize": options.quantize if options.source_format != "tflite" else "unchanged",
        "io": options.io,
        "prune": None if options.prune is None else {"sparsity": options.prune, "structure": options.prune_structure},
        "source": {"path": str(options.source), "sha256": source_sha256, "format": options.source_format,
                   "inputs": source_io},
        "steps": steps,
        "versions": library_versions(versions),
        "output": {"path": str(output_path), "size_bytes": size, "gzip_size_bytes": gz,
                   "gzip_ratio": round(size / gz, 3) if gz else None,
                   "sha256": hashlib.sha256(data).hexdigest(),
                   "sparsity": round(float(sparsity.get("sparsity", 0.0)), 6), "weights": sparsity,
                   "inputs": (checks.get("io") or {}).get("inputs"),
                   "outputs": (checks.get("io") or {}).get("outputs")},
        "validation": checks["validation"],
        "gate": gate,
        "layout": layout_notes,
        "notes": list(options.notes),
    }
    return envelope("convert", body)


def manifest_path(output: Path) -> Path:
    """Where the manifest of ``output`` lives: ``OUT.tflite.json``."""
    return output.with_name(output.name + ".json")


def publish(output: Path, data: bytes, manifest: dict[str, Any]) -> None:
    """Publish the artifact and its manifest as one pair: both written and fsynced, then renamed,
    the manifest first.

    A kill between the two renames (a window of microseconds) leaves the new manifest beside the
    old model, never the new model beside an old manifest that vouches for it: the manifest names
    the model's sha256, so readers (``check``, ``report``) see the mismatch. Temporaries a killed
    run left beside the output are removed here, by the next run.
    """
    atomic_publish([(manifest_path(output), json_bytes(manifest)), (output, data)])
