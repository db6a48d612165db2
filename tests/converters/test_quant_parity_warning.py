"""Poor parity is reported gate or no gate: thresholds per output kind, figures and next step named."""

from __future__ import annotations

from converters.validation.quality import MIN_SQNR_DB, parity_warnings
from edge_sdk.cli.params import rewrite

NO_GATE = {"max_accuracy_drop": None, "passed": True, "failures": []}


def _validation(*outputs: dict, accuracy: dict | None = None) -> dict:
    return {"inputs": "eval-data", "samples": 42, "outputs": list(outputs), "accuracy": accuracy}


def test_a_poor_classifier_is_named_with_its_figures_and_the_next_step() -> None:
    poor = {"name": "probs", "sqnr_db": 8.7, "top1_agreement": 0.857, "identical": False}
    [warning] = parity_warnings(_validation(poor), NO_GATE)
    assert warning["kind"] == "poor-parity" and warning["figures"]["top1_agreement"] == 0.857
    text = rewrite(warning["message"], tuple(warning["params"]), "convert")
    for fragment in ("'probs'", "85.7%", "8.7 dB", "42 evaluation samples", "--quant-report", "--recipe auto",
                     "--keep-float"):
        assert fragment in text, text


def test_thresholds_per_output_kind() -> None:
    good_classifier = {"name": "a", "sqnr_db": 31.0, "top1_agreement": 1.0, "identical": False}
    disagreeing = {"name": "b", "sqnr_db": 31.0, "top1_agreement": 0.98, "identical": False}
    regression_ok = {"name": "c", "sqnr_db": MIN_SQNR_DB + 0.1, "top1_agreement": None, "identical": False}
    regression_poor = {"name": "d", "sqnr_db": 12.0, "top1_agreement": None, "identical": False}
    identical = {"name": "e", "sqnr_db": None, "top1_agreement": None, "identical": True}
    warnings = parity_warnings(_validation(good_classifier, disagreeing, regression_ok, regression_poor, identical),
                               NO_GATE)
    assert [w["figures"]["output"] for w in warnings] == ["b", "d"]
    assert "output 'd'" in warnings[1]["message"] and "SQNR 12.0 dB" in warnings[1]["message"]


def test_an_ungated_accuracy_drop_is_said_but_a_gate_speaks_for_itself() -> None:
    fine = {"name": "p", "sqnr_db": 30.0, "top1_agreement": 1.0, "identical": False}
    accuracy = {"source": 0.92, "artifact": 0.89, "drop": 0.03, "samples": 100}
    [warning] = parity_warnings(_validation(fine, accuracy=accuracy), NO_GATE)
    assert warning["kind"] == "accuracy-drop" and "3.00 points" in warning["message"]
    gated = {"max_accuracy_drop": 0.05, "passed": True, "failures": []}
    assert parity_warnings(_validation(fine, accuracy=accuracy), gated) == []
