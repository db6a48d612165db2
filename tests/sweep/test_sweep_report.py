"""The sweep report in a real headless browser: a real (serial, small) sweep with eval data and a
budget, rendered by `edge-sdk report DIR/sweep.json`, loaded from file:// in Chromium: no console
errors, one chart per device with the Pareto front and the budget lines, and the table sorts."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "edge_sdk")]

from sweep_helpers import cli, eval_data, tiny_model  # noqa: E402
from test_report_browser import BROWSER, browse, console_messages  # noqa: E402

from edge_sdk.reporting.sweep_data import SweepPoint, pareto_front  # noqa: E402
from edge_sdk.sweep import sweep  # noqa: E402

SORT_PROBE = """<script>
(function(){
  var table=document.querySelector('table.sweep-cells'), th=table.tHead.rows[0].cells[4];
  function first(){  // the first row with a size (cells without one sort as the smallest)
    var rows=table.tBodies[0].rows;
    for(var i=0;i<rows.length;i++){var v=rows[i].cells[4].getAttribute('data-v'); if(v){return v;}}
  }
  th.click(); var asc=first();
  th.click(); var desc=table.tBodies[0].rows[0].cells[4].getAttribute('data-v');
  document.documentElement.setAttribute('data-sort-probe', asc + '|' + desc);
})();
</script></body>"""


def test_pareto_front_on_three_objectives() -> None:
    def point(size: float, latency: float, drop: float | None) -> SweepPoint:
        return SweepPoint("m", f"r{size}-{latency}", "d", "passed", size, latency, drop, "estimated")

    marked = pareto_front([point(100, 10, 0.0), point(50, 12, 0.01), point(120, 11, 0.0), point(50, 12, 0.02),
                           point(130, 30, None)])
    assert [p.on_front for p in marked] == [True, True, False, False, False]  # unknown accuracy is worst
    two_d = pareto_front([point(100, 10, None), point(50, 12, None), point(120, 11, None)])
    assert [p.on_front for p in two_d] == [True, True, False]


@pytest.mark.slow
@pytest.mark.skipif(BROWSER is None, reason="chromium is not installed (make setup installs it)")
def test_sweep_page_in_a_browser(tmp_path: Path) -> None:
    for index, outputs in enumerate((4, 16, 64)):   # three sizes; labels 0..3 fit every output width
        tiny_model(tmp_path / "models" / f"m{index}.tflite", 8, outputs, seed=index)
    eval_data(tmp_path / "eval.npz")
    (tmp_path / "edge-budget.toml").write_text('[[check]]\nname = "gate"\nlatency_p50 = "1 ms"\nsize = "10 kB"\n')
    (tmp_path / "SWEEP.toml").write_text(
        'models = ["models/*.tflite"]\nrecipes = ["float32", "int8"]\ndevices = ["pixel-7", "raspberry-pi-4"]\n'
        'eval_data = "eval.npz"\nbudget = "edge-budget.toml"\nhost = false\n')
    result = sweep(tmp_path / "SWEEP.toml", tmp_path / "out", shard="1/1")
    assert result.exit_code == 0, [c.get("error") for c in result.cells]
    done = cli("report", "out/sweep.json", "-o", "sweep.html", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    page = tmp_path / "sweep.html"
    page.write_text(page.read_text().replace("</body>", SORT_PROBE))
    shown = browse(page.as_uri(), tmp_path / "profile", "--dump-dom", "--virtual-time-budget=3000")
    assert console_messages(shown.stderr) == []
    dom = shown.stdout
    assert 'data-js-ready="1"' in dom and 'data-js-errors="0"' in dom
    for device in ("pixel-7", "raspberry-pi-4"):
        block = dom.split(f'data-chart="sweep-pareto-{device}"', 1)[1].split("</figure>", 1)[0]
        assert block.count('class="mark front"') >= 1 and block.count("<circle") == 3, device
        assert "size budget 10.00 kB" in block and "latency budget 1.00 ms" in block
        assert "accuracy drop 0.00 pt" in block    # every artifact re-validated on the labelled eval data
    probe = re.search(r'data-sort-probe="([^"]*)"', dom)
    assert probe, "the sort probe did not run"
    ascending, descending = (float(v) for v in probe.group(1).split("|"))
    sizes = sorted(c["metrics"]["size_bytes"] for c in result.cells if c["metrics"].get("size_bytes"))
    assert (ascending, descending) == (sizes[0], sizes[-1])
