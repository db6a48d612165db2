"""Per-op host timing (runtime_harness.host.op_timing): the one-op models compute what the op computes
in the full model, and every op gets a time or a note.

Run in a child process: LiteRT is loaded in-process here only where the suite already does so.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from edge_sdk.graph import analyze

_CUT_AND_COMPARE = r"""
import json, sys
import numpy as np
from ai_edge_litert import interpreter as litert
from runtime_harness.host.op_timing import capture_tensors, cut_single_op

path = sys.argv[1]
model = open(path, "rb").read()
probe = litert.Interpreter(model_path=path)
detail = probe.get_input_details()[0]
rng = np.random.default_rng(0)
if np.issubdtype(detail["dtype"], np.floating):
    x = rng.uniform(-1, 1, detail["shape"]).astype(detail["dtype"])
else:
    x = rng.integers(-100, 100, detail["shape"]).astype(detail["dtype"])
values = capture_tensors(litert, path, {detail["index"]: x})
resolver = litert.OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES
worst = 0.0
ops = 0
for position in range(len(json.loads(sys.argv[2]))):
    single, sources = cut_single_op(model, position)
    one = litert.Interpreter(model_content=single, experimental_op_resolver_type=resolver)
    one.allocate_tensors()
    for d, source in zip(one.get_input_details(), sources):
        one.set_tensor(d["index"], values[source])
    one.invoke()
    outputs = json.loads(sys.argv[2])[position]
    for d, source in zip(one.get_output_details(), outputs):
        got, want = one.get_tensor(d["index"]).astype(np.float64), values[source].astype(np.float64)
        worst = max(worst, float(np.max(np.abs(got - want))) if got.size else 0.0)
    ops += 1
print(json.dumps({"ops": ops, "worst": worst, "size": len(single)}))
"""


@pytest.mark.parametrize("model", ["keyword_spotting", "image_classification"])
def test_each_one_op_model_reproduces_the_op_in_the_full_model(model: str) -> None:
    """Cutting is exact: fed the activations the full model gives the op, the one-op model returns
    bit-identical outputs (reference kernels on both sides), for every op of real MLPerf Tiny models."""
    import assets

    path = assets.mltk_model(model)
    graph = analyze(path)
    outputs = [[r.index for r in op.outputs if r is not None] for op in graph.ops]
    done = subprocess.run([sys.executable, "-c", _CUT_AND_COMPARE, str(path), json.dumps(outputs)],
                          capture_output=True, text=True, timeout=120, cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["ops"] == len(graph.ops)
    assert result["worst"] == 0.0


def test_a_one_op_model_keeps_only_the_weights_it_uses() -> None:
    import assets

    from runtime_harness.host.op_timing import cut_single_op

    path = assets.mltk_model("keyword_spotting")
    graph = analyze(path)
    model = path.read_bytes()
    for op in graph.ops:
        single, sources = cut_single_op(model, op.position)
        alone = analyze_bytes(single)
        assert [o.type for o in alone.ops] == [op.type]
        assert alone.params == op.params and len(single) < 2048 + 2 * op.weight_bytes + 4096
        assert sources == list(dict.fromkeys(r.index for r in op.inputs if r is not None and not r.constant))


def analyze_bytes(content: bytes):
    import tempfile

    with tempfile.NamedTemporaryFile(suffix=".tflite") as handle:
        handle.write(content)
        handle.flush()
        return analyze(handle.name)


def test_estimated_per_op_rows_add_up_to_the_estimate_and_name_layers() -> None:
    import assets

    from devices import load_profile
    from runtime_harness.estimator import estimate
    from runtime_harness.estimator.per_op import per_op_breakdown

    graph = analyze(assets.mltk_model("keyword_spotting"))
    device = load_profile("pixel-7")
    total = estimate(graph, device)["latency_ms"]["p50"]
    rows = per_op_breakdown(graph, device, total, delegated={1, 2})
    assert [r["index"] for r in rows] == [op.index for op in graph.ops]
    assert sum(r["ms"] for r in rows) == pytest.approx(total, rel=1e-4)
    assert sum(r["share"] for r in rows) == pytest.approx(1.0, rel=1e-4)
    conv = next(r for r in rows if r["type"] == "CONV_2D")
    assert conv["kernel"] == "conv (GEMM)" and conv["layer"] == "conv2d" and conv["macs"] > 0
    assert [r["delegated"] for r in rows[:3]] == [False, True, True]
    # the dense convs cost more than the cheap QUANTIZE at the input, on the model's own terms
    quantize = next(r for r in rows if r["type"] == "QUANTIZE")
    assert max(r["ms"] for r in rows if r["type"] == "CONV_2D") > quantize["ms"]
    assert np.isfinite([r["ms"] for r in rows]).all()
