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


def test_a_lucky_candidate_on_a_small_labelled_set_does_not_pass_a_1_point_budget() -> None:
    from converters.quantization.auto import drop_upper_bound

    # PP-LCNet full int8 on 168 rotated photos: accuracy +2.98 points, but 27.4% of predictions changed
    assert drop_upper_bound(-0.0298, 0.274, 168) > 0.01
    assert drop_upper_bound(0.0, 0.0, 168) == 0.0  # nothing changed: the drop is exactly 0
    assert drop_upper_bound(0.002, 0.004, 5000) < 0.01


def test_the_ladder_grows_k_then_falls_back_by_objective() -> None:
    from converters.quantization.auto import ladder

    ops = [{"name": f"op{i}", "float_alone": {"error_share": 0.3 - i * 0.05}, "keep": [f"t{i}"]} for i in range(6)]
    names = [r.name for r in ladder({"ops": ops}, "size")]
    assert names == ["int8", "int8, 1 op float", "int8, 2 ops float", "int8, 4 ops float", "int8, 6 ops float",
                     "int16x8", "dynamic-range int8", "fp16", "float32"]
    assert [r.name for r in ladder(None, "latency")][1:3] == ["dynamic-range int8", "int16x8"]


def test_op_names_are_the_users_layer_names() -> None:
    from converters.quantization.calibrated import framework_name

    layers = frozenset({"conv2d", "conv2d_1", "dense", "dense_1"})
    # Keras 3 traces layer "conv2d" as scope "conv2d_1" and "conv2d_1" as "conv2d_1_2"; tf_keras does not
    assert framework_name("sequential_1/conv2d_1_2/Relu;sequential_1/conv2d_1_2/BiasAdd", "CONV_2D", layers, True) \
        == "conv2d_1"
    assert framework_name("sequential_1/conv2d_1/Relu;sequential_1/conv2d_1/convolution", "CONV_2D", layers, True) \
        == "conv2d"
    assert framework_name("model/conv2d_1/Relu;model/conv2d_1/BiasAdd", "CONV_2D", layers, False) == "conv2d_1"
    # onnx2tf: the fused location of the convolution, not of its bias add
    assert framework_name("model_2/tf.math.add_6/Add;model_2/tf.nn.convolution_3/convolution;Const_641",
                          "CONV_2D") == "tf.nn.convolution_3"
