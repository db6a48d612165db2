"""Delegate partitions (edge_sdk.graph.partition) against the partitions the real LiteRT builds.

LiteRT applies XNNPACK by default and replaces each partition it takes with one ``DELEGATE`` node;
counting those nodes in a real interpreter (in a child process) is the ground truth for the
partition count we predict without running anything.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from edge_sdk.graph import analyze
from edge_sdk.graph.partition import delegate_plan
from edge_sdk.graph.synth import ModelSpec, Op, Subgraph, Tensor, build

_COUNT_DELEGATE_NODES = """
import json, sys
from ai_edge_litert.interpreter import Interpreter
counts = {}
for path in sys.argv[1:]:
    interpreter = Interpreter(model_path=path)
    interpreter.allocate_tensors()
    counts[path] = sum(op["op_name"] == "DELEGATE" for op in interpreter._get_ops_details())
print(json.dumps(counts))
"""


def _real_xnnpack_partitions(paths: list[Path]) -> dict[str, int]:
    result = subprocess.run([sys.executable, "-c", _COUNT_DELEGATE_NODES, *map(str, paths)],
                            capture_output=True, text=True, timeout=120, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def _elementwise(tmp_path: Path, name: str, ops: list[tuple[str, list[int], list[int]]], tensors: int,
                 outputs: list[int], constants: dict[int, np.ndarray] | None = None) -> Path:
    constants = constants or {}
    spec = ModelSpec([Subgraph(
        tensors=[Tensor([1, 8], "int32" if i in constants else "float32", data=constants.get(i))
                 for i in range(tensors)],
        ops=[Op(op, inputs, outs) for op, inputs, outs in ops],
        inputs=[0], outputs=outputs)])
    path = tmp_path / f"{name}.tflite"
    path.write_bytes(build(spec))
    return path


@pytest.fixture(scope="module")
def branching(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """ABS, SIGN, ABS, ADD with SIGN (no XNNPACK kernel) on a side branch: the two ABS ops are not
    adjacent but form ONE XNNPACK partition, as TFLite's dependency-driven partitioner builds it."""
    return _elementwise(tmp_path_factory.mktemp("branching"), "branching",
                        [("ABS", [0], [1]), ("SIGN", [0], [2]), ("ABS", [1], [3]), ("ADD", [3, 2], [4])],
                        tensors=5, outputs=[4])


def test_branching_graph_partitions_follow_dependencies_not_adjacency(branching: Path) -> None:
    plan = delegate_plan(analyze(branching), "xnnpack")
    assert [(p.delegated, p.ops) for p in plan.partitions] == [(True, [0, 2]), (False, [1]), (True, [3])]
    assert [f["op"] for f in plan.fallback_ops] == ["SIGN"]
    assert plan.boundary_bytes == 0  # XNNPACK works on the CPU tensors in place
    assert _real_xnnpack_partitions([branching]) == {str(branching): 2}


def test_gpu_keeps_only_its_largest_partition_and_counts_copies(tmp_path: Path) -> None:
    # ABS | REVERSE_V2 (not a GPU op) | ABS, ABS: the GPU delegate keeps the 2-op partition only
    path = _elementwise(tmp_path, "gpu", [("ABS", [0], [1]), ("REVERSE_V2", [1, 5], [2]),
                                          ("ABS", [2], [3]), ("ABS", [3], [4])],
                        tensors=6, outputs=[4], constants={5: np.array([1], dtype=np.int32)})
    graph = analyze(path)
    plan = delegate_plan(graph, "gpu")
    assert [(p.delegated, p.ops) for p in plan.partitions] == [(False, [0]), (False, [1]), (True, [2, 3])]
    reasons = {f["index"]: f["reason"] for f in plan.fallback_ops}
    assert "max_delegated_partitions" in reasons[0] and "GPU" in reasons[1] or "gpu" in reasons[1].lower()
    # the REVERSE_V2 output goes to the GPU, the final output comes back: 32 bytes each way
    assert [(b.direction, b.bytes) for b in plan.boundaries] == [("to-delegate", 32), ("to-cpu", 32)]
    unlimited = delegate_plan(graph, "gpu", max_partitions=None)
    assert sum(p.delegated for p in unlimited.partitions) == 2
    assert unlimited.boundary_bytes == 4 * 32  # input in, ABS out, REVERSE_V2 out in, final out


@pytest.mark.slow
def test_partition_count_matches_real_litert_on_third_party_models() -> None:
    import assets

    paths = [assets.mltk_model(name) for name in
             ("keyword_spotting", "image_classification", "visual_wake_words", "anomaly_detection")]
    paths.append(assets.sine_model())
    real = _real_xnnpack_partitions(paths)
    predicted = {str(p): sum(part.delegated for part in delegate_plan(analyze(p), "xnnpack").partitions)
                 for p in paths}
    assert predicted == real
    assert max(real.values()) > 1  # at least one model really is split by CPU fallbacks


def test_inspect_json_and_text_show_partitions(branching: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from edge_sdk.cli import main

    assert main(["inspect", str(branching), "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    xnnpack = document["delegate_partitions"]["xnnpack"]
    assert xnnpack["delegated_partitions"] == 2 and xnnpack["fallback_ops"][0]["op"] == "SIGN"
    assert main(["inspect", str(branching)]) == 0
    assert "xnnpack  2 delegated partition(s), 3 ops; 1 ops on the CPU" in capsys.readouterr().out


@pytest.mark.parametrize("ops", [["ABS", "SIGN", "COS", "SIN"], ["EXP", "LOG", "TANH", "FLOOR"]])
def test_xnnpack_table_agrees_with_real_delegation_of_unary_float_ops(tmp_path: Path, ops: list[str]) -> None:
    """One-op float32 models: what the table says XNNPACK takes is what LiteRT 2.3 delegates."""
    paths = [_elementwise(tmp_path, op, [(op, [0], [1])], tensors=2, outputs=[1]) for op in ops]
    real = _real_xnnpack_partitions(paths)
    table = {str(p): int(analyze(p).compatibility["delegates"]["xnnpack"]["all_supported"]) for p in paths}
    assert table == real


def test_report_shows_the_partitions_of_an_inspected_model(branching: Path, tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    from edge_sdk.cli import main

    inspected = tmp_path / "inspect.json"
    assert main(["inspect", str(branching), "--json", "-o", str(inspected)]) == 0
    capsys.readouterr()
    assert main(["report", str(inspected), "-o", str(tmp_path / "r.html")]) == 0
    html = (tmp_path / "r.html").read_text()
    assert "Delegate partitions" in html and "#1 SIGN: not in the XNNPACK op list" in html
