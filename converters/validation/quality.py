"""Say it when parity is poor, gate or no gate.

A conversion can "pass" (no ``max_accuracy_drop`` was asked for) and still be a bad artifact: full
int8 of a real MobileNetV2 kept 85.7% top-1 agreement at 8.7 dB SQNR and nobody was told. These
documented thresholds, per output kind, turn such figures into a warning that names them and the
next step. They are deliberately loose: crossing one means a user would notice on real data.

- classifier outputs ([N, classes], classes > 1): top-1 agreement with the source < 99%, or SQNR < 20 dB
- any other output (regression, embeddings, feature maps, detection boxes): SQNR < 20 dB
- labelled data: an accuracy drop of more than 1 point (when no gate was set; a gate reports its own failure)
"""

from __future__ import annotations

from typing import Any

MIN_TOP1_AGREEMENT = 0.99
MIN_SQNR_DB = 20.0
MAX_UNGATED_DROP = 0.01
NEXT_STEPS = ("see which ops cause it with quant_report, keep them in float with keep_float=[...], or let "
              "recipe='auto' with max_accuracy_drop=X find the smallest artifact that keeps the accuracy")
NEXT_STEP_PARAMS = ("quant_report", "keep_float", "recipe", "max_accuracy_drop")


def _output_problems(output: dict[str, Any]) -> tuple[list[str], dict[str, Any]]:
    if output.get("identical") or "sqnr_db" not in output:
        return [], {}
    sqnr, top1 = output.get("sqnr_db"), output.get("top1_agreement")
    figures = {"output": output.get("name"), "sqnr_db": sqnr, "top1_agreement": top1}
    problems = []
    if top1 is not None and top1 < MIN_TOP1_AGREEMENT:
        problems.append(f"top-1 agreement {top1 * 100:.1f}% (< {MIN_TOP1_AGREEMENT * 100:g}%)")
    if sqnr is not None and sqnr < MIN_SQNR_DB:
        problems.append(f"SQNR {sqnr:.1f} dB (< {MIN_SQNR_DB:g} dB)")
    return problems, figures


def parity_warnings(validation: dict[str, Any], gate: dict[str, Any]) -> list[dict[str, Any]]:
    """Warnings (``{"kind", "message", "figures", "params"}``) for every output whose parity is poor."""
    warnings: list[dict[str, Any]] = []
    where = {"generated": "generated inputs", "calibration-data": "calibration samples",
             "eval-data": "evaluation samples"}.get(str(validation.get("inputs")), "the validation inputs")
    for output in validation.get("outputs", []):
        problems, figures = _output_problems(output)
        if problems:
            kind = "classifier" if output.get("top1_agreement") is not None else "output"
            warnings.append({
                "kind": "poor-parity", "figures": figures, "params": list(NEXT_STEP_PARAMS),
                "message": f"poor parity with the source model: {kind} {output.get('name')!r} on "
                           f"{validation.get('samples')} {where}: {', '.join(problems)}; {NEXT_STEPS}"})
    accuracy = validation.get("accuracy") or {}
    drop = accuracy.get("drop")
    if gate.get("max_accuracy_drop") is None and isinstance(drop, (int, float)) and drop > MAX_UNGATED_DROP:
        warnings.append({
            "kind": "accuracy-drop", "figures": {"source": accuracy.get("source"), "artifact": accuracy.get("artifact"),
                                                 "drop": drop}, "params": list(NEXT_STEP_PARAMS),
            "message": f"accuracy dropped {drop * 100:.2f} points ({accuracy['source'] * 100:.2f}% -> "
                       f"{accuracy['artifact'] * 100:.2f}%) and no max_accuracy_drop gate was set; {NEXT_STEPS}"})
    return warnings
