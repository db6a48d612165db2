"""ModelGraph on real third-party models (tests/assets.py) against published or hand-derived figures."""

from __future__ import annotations

import pytest

from edge_sdk.graph import analyze


def test_tflm_sine_model_every_figure_by_hand(sine_tflite):
    graph = analyze(sine_tflite)
    # 1 -> 16 -> 16 -> 1 dense layers: weights 16 + 256 + 16, biases 16 + 16 + 1
    assert [op.type for op in graph.ops] == ["FULLY_CONNECTED"] * 3
    assert graph.params == 16 + 16 + 256 + 16 + 16 + 1
    assert graph.macs == 16 + 256 + 16
    assert graph.weight_bytes == {"float32": 4 * graph.params}
    assert graph.precision == "float32"
    assert [t.shape for t in graph.inputs] == [[1, 1]] and graph.inputs[0].dtype == "float32"
    # activations live one op each: the largest pair alive together is 16 + 16 floats
    assert graph.activation_lower_bound_bytes == 128
    assert graph.peak_activation_bytes >= graph.activation_lower_bound_bytes
    assert graph.activation_timeline() == [68, 128, 68]
    assert graph.compatibility["delegates"]["tflm"]["all_supported"]
    assert graph.compatibility["runtimes"]["tflite-runtime-2.14"]["loadable"]


def test_mlperf_tiny_resnet8_int8(resnet8_tflite):
    graph = analyze(resnet8_tflite)
    # MLPerf Tiny's ResNet-8 (CIFAR-10): 78 k parameters, 12.5 M MACs (EEMBC MLPerf Tiny paper)
    assert graph.params == pytest.approx(78_000, rel=0.02)
    assert graph.macs == pytest.approx(12.5e6, rel=0.01)
    assert graph.precision == "int8"
    assert graph.inputs[0].dtype == "int8" and graph.inputs[0].scale is not None
    assert graph.op_counts["CONV_2D"] == 9 and graph.op_counts["ADD"] == 3
    assert set(graph.weight_bytes) == {"int8", "int32"}
    assert graph.min_runtime_version == "1.5.0"
    assert not graph.custom_ops and not graph.flex_ops


def test_mlperf_tiny_kws_is_int8_with_float_io(kws_tflite):
    graph = analyze(kws_tflite)
    assert graph.precision == "int8-float-io"
    assert graph.ops[0].type == "QUANTIZE" and graph.ops[-1].type == "DEQUANTIZE"
    assert graph.macs == pytest.approx(2.66e6, rel=0.01)  # DS-CNN (S) figure of the MLPerf Tiny paper
    assert graph.compatibility["delegates"]["tflm"]["all_supported"]


def test_inspect_json_document_has_the_contract_keys(kws_tflite):
    document = analyze(kws_tflite).to_dict()
    required = {"size_bytes", "sha256", "params", "macs", "peak_activation_bytes", "precision", "inputs",
                "outputs", "op_counts", "ops", "min_runtime_version", "compatibility"}
    assert required <= set(document)
    assert document["schema"] == "edge-sdk/inspect"
    assert set(document["compatibility"]["runtimes"]) == {"litert-2.3", "tflite-runtime-2.14"}
    assert set(document["compatibility"]["delegates"]) == {"xnnpack", "gpu", "nnapi", "tflm"}
    op = document["ops"][1]
    assert {"index", "subgraph", "type", "version", "inputs", "outputs", "params", "macs"} <= set(op)
    assert len(document["activation_timeline"]) == len(document["ops"])


@pytest.mark.slow
def test_keras_mobilenet_v1_matches_published_figures():
    import assets

    graph = analyze(assets.keras_application_tflite("MobileNet", 224, "float32"))
    # Howard et al. 2017, Table 8: MobileNet 1.0-224 has 569 M mult-adds and 4.2 M parameters
    assert graph.macs == pytest.approx(569e6, rel=0.005)
    assert graph.params == pytest.approx(4.2e6, rel=0.01)
    assert graph.precision == "float32"


@pytest.mark.slow
def test_keras_mobilenet_v2_matches_published_figures(mobilenet_v2_float, mobilenet_v2_int8):
    graph = analyze(mobilenet_v2_float)
    # Sandler et al. 2018, Table 4: MobileNetV2 1.0-224 has 300 M MACs and 3.4-3.5 M parameters
    assert graph.macs == pytest.approx(300e6, rel=0.01)
    assert graph.params == pytest.approx(3.5e6, rel=0.01)
    assert graph.weight_bytes == {"float32": pytest.approx(4 * graph.params, rel=0.001)}
    # 112x112x96 float expansion tensor plus its input (112x112x16) are alive together
    assert graph.activation_lower_bound_bytes >= 112 * 112 * (96 + 16) * 4
    quantized = analyze(mobilenet_v2_int8)
    assert quantized.precision == "int8"
    assert quantized.macs == graph.macs
    assert quantized.peak_activation_bytes == pytest.approx(graph.peak_activation_bytes / 4, rel=0.02)


def test_per_op_weight_bytes_add_up_to_the_model_totals(resnet8_tflite, sine_tflite):
    for model in (resnet8_tflite, sine_tflite):
        graph = analyze(model)  # no weight is shared between ops in these models
        assert sum(op.weight_bytes for op in graph.ops) == sum(graph.weight_bytes.values())
