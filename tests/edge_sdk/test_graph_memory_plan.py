"""The activation memory plan: lifetimes, non-overlapping offsets, and agreement with TFLite Micro."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from edge_sdk.graph import analyze
from edge_sdk.graph.memory_plan import Planner, plan_subgraph


def _assert_valid(plan) -> None:
    """No two tensors alive at the same step share a byte; every offset is aligned."""
    allocations = plan.allocations
    for a in allocations:
        assert a.offset % plan.alignment == 0 and a.offset + a.size <= plan.peak_bytes
    for i, a in enumerate(allocations):
        for b in allocations[i + 1:]:
            if a.first <= b.last and b.first <= a.last:
                assert a.offset + a.size <= b.offset or b.offset + b.size <= a.offset, (a, b)


def test_chain_reuses_memory_and_residual_keeps_its_input_alive():
    # t0 -op0-> t1 -op1-> t2 -op2(t2, t0)-> t3 : t0 (the residual) lives until op2
    sizes = {0: 100, 1: 200, 2: 300, 3: 100}
    unaligned = Planner("test", 1, "", whole_lifetime_first=False, ties="first_use")
    plan = plan_subgraph(0, 3, [(0,), (1,), (2, 0)], [(1,), (2,), (3,)], (0,), (3,), sizes, {}, {}, unaligned)
    spans = {a.tensor: (a.first, a.last) for a in plan.allocations}
    assert spans == {0: (0, 2), 1: (0, 1), 2: (1, 2), 3: (2, 2)}
    assert plan.timeline == [300, 600, 500]
    assert plan.lower_bound_bytes == 600
    assert plan.peak_bytes == 600  # greedy by size reaches the bound here
    _assert_valid(plan)


def test_greedy_plan_on_real_models_is_valid_and_above_the_bound(kws_tflite, resnet8_tflite, sine_tflite):
    for model in (kws_tflite, resnet8_tflite, sine_tflite):
        graph = analyze(model)
        for plan in graph.memory_plan.subgraphs:
            _assert_valid(plan)
        assert graph.peak_activation_bytes >= graph.activation_lower_bound_bytes
        assert max(graph.activation_timeline()) == graph.activation_lower_bound_bytes
        assert len(graph.activation_timeline()) == len(graph.ops)


_TFLM = r'''
import sys
from tflite_micro.python.tflite_micro import runtime as micro
micro.Interpreter.from_file(sys.argv[1], arena_size=1 << 24).print_allocations()
'''


@pytest.mark.slow
def test_plan_equals_the_arena_tflite_micro_allocates(kws_tflite, resnet8_tflite, vww_tflite, sine_tflite):
    """The real TFLM allocator (in a child: it can abort) plans the same non-persistent arena bytes."""
    pytest.importorskip("tflite_micro")
    for model in (kws_tflite, resnet8_tflite, vww_tflite, sine_tflite):
        run = subprocess.run([sys.executable, "-c", _TFLM, str(model)], capture_output=True, text=True, timeout=120)
        head = re.search(r"allocation head (\d+)", run.stdout + run.stderr)
        assert head, f"TFLM did not report its arena for {model.name}: rc={run.returncode}"
        assert analyze(model, planner="tflm").peak_activation_bytes == int(head.group(1)), model.name
