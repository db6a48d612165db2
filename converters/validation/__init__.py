"""Validation: compare the artifact with its source model, then apply the quality gate.

Every failed check is collected and reported together (a checklist, not the first error).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from converters.data import Dataset
from converters.sources.base import LoadedSource, natural_key
from converters.validation.metrics import accuracy, align, parity
from converters.validation.runner import start_tflite

GENERATED_NOTE = ("inputs were generated (uniform random): the figures show numerical parity only; "
                  "pass --eval-data with real labelled samples to measure accuracy")


def _pair_outputs(source_names: list[str], artifact_names: list[str]) -> list[tuple[int, int]]:
    """(source index, artifact index) pairs: by name when names agree, else by natural order."""
    if set(source_names) == set(artifact_names):
        return [(i, artifact_names.index(n)) for i, n in enumerate(source_names)]
    ordered = sorted(range(len(artifact_names)), key=lambda i: natural_key(artifact_names[i]))
    return list(zip(range(len(source_names)), ordered))


def _check_labels(dataset: Dataset, output: np.ndarray) -> None:
    """Labels a classifier output [N, classes] can never predict are a data error (exit 2), not 0%."""
    if np.ndim(output) == 2:
        dataset.check_labels(max(int(np.shape(output)[1]), 2))  # one sigmoid unit: labels 0 and 1


def validate(source: LoadedSource, artifact: Path, dataset: Dataset, max_accuracy_drop: float | None) -> dict[str, Any]:
    """Run both models on ``dataset`` and return the manifest's ``validation`` and ``gate`` sections."""
    pending = start_tflite(artifact, source.to_artifact_layout(dataset.inputs))
    notes = [GENERATED_NOTE] if dataset.origin == "generated" else []
    try:  # the source framework computes its reference while LiteRT runs in its child
        reference = source.reference(dataset.inputs) if source.reference is not None else None
    except Exception as exc:  # noqa: BLE001 - e.g. onnxruntime lacks an old op: convert anyway, say so
        reference = None
        notes.append(f"the source framework could not run the source model ({type(exc).__name__}: "
                     f"{str(exc).splitlines()[0][:200]}), so parity with it is not measured")
    except BaseException:
        pending.cancel()
        raise
    result = pending.result()
    art_outputs, art_names = result["outputs"], result["output_names"]
    failures: list[str] = []
    outputs: list[dict[str, Any]] = []
    acc: dict[str, Any] | None = None
    if reference is None:
        notes.append("no reference outputs to compare with: parity figures are omitted")
        for name, out in zip(art_names, art_outputs):
            finite = bool(np.isfinite(out).all())
            outputs.append({"name": name, "shape": list(out.shape[1:]), "finite": finite})
            if not finite:
                failures.append(f"output {name!r} contains NaN or infinity")
        if dataset.labels is not None and art_outputs:
            _check_labels(dataset, art_outputs[0])
            art_acc = accuracy(art_outputs[0], dataset.labels)
            acc = {"source": None, "artifact": art_acc, "drop": None, "samples": len(dataset)}
    else:
        first_pair: tuple[np.ndarray, np.ndarray] | None = None
        for src_index, art_index in _pair_outputs(source.output_names, art_names):
            name = source.output_names[src_index]
            ref = np.asarray(reference[src_index])
            aligned, note = align(ref, np.asarray(art_outputs[art_index]))
            entry: dict[str, Any] = {"name": name, "artifact_name": art_names[art_index], "shape": list(ref.shape[1:])}
            if note:
                entry["note"] = note
            if aligned is None:
                failures.append(f"output {name!r}: {note}")
                outputs.append(entry)
                continue
            entry.update(parity(ref, aligned))
            if not entry["finite"]:
                failures.append(f"output {name!r} contains NaN or infinity in the artifact")
            outputs.append(entry)
            if first_pair is None:
                first_pair = (ref, aligned)
        if dataset.labels is not None and first_pair is not None:
            _check_labels(dataset, first_pair[0])
            src_acc = accuracy(first_pair[0], dataset.labels)
            art_acc = accuracy(first_pair[1], dataset.labels)
            if src_acc is not None and art_acc is not None:
                acc = {"source": round(src_acc, 6), "artifact": round(art_acc, 6),
                       "drop": round(src_acc - art_acc, 6), "samples": len(dataset)}
            else:
                notes.append("labels given, but the first output is not a [N, classes] classifier output: "
                             "accuracy not computed")
    gate = {"max_accuracy_drop": max_accuracy_drop, "passed": True, "failures": failures}
    if max_accuracy_drop is not None:
        if acc is None or acc.get("drop") is None:
            failures.append("--max-accuracy-drop was set but accuracy could not be measured "
                            "(labels missing, or the model is not a classifier)")
        elif acc["drop"] > max_accuracy_drop + 1e-12:
            failures.append(f"accuracy dropped {acc['drop'] * 100:.2f} points "
                            f"({acc['source'] * 100:.2f}% -> {acc['artifact'] * 100:.2f}%), "
                            f"more than the allowed {max_accuracy_drop * 100:.2f}")
    gate["passed"] = not failures
    validation = {"inputs": dataset.origin, "samples": len(dataset), "description": dataset.description,
                  "outputs": outputs, "accuracy": acc, "notes": notes}
    return {"validation": validation, "gate": gate, "sparsity": result.get("sparsity"),
            "io": result.get("describe")}
