"""Markdown output (``check --markdown``, ``$GITHUB_STEP_SUMMARY``, ``compare --markdown``) treats every
value from a budget, a file name or a model as text (issue 10): no HTML, no links, unbreakable code spans.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from edge_sdk.core import markdown as md

REPO = Path(__file__).resolve().parents[2]
HOSTILE = '<img src=x onerror=alert(1)> [approve](https://evil.example) & `tick` | *bold* ~~x~~'


def test_text_and_code_spans_are_inert() -> None:
    escaped = md.text(HOSTILE)
    assert "<" not in escaped and ">" not in escaped and "&lt;img" in escaped and "&amp;" in escaped
    assert "\\[approve\\]" in escaped and "\\`tick\\`" in escaped and "\\|" in escaped
    for name in ["a`b", "``x``", "`", "a ``` b", ""]:
        span = md.code(name)
        fence = re.match(r"`+", span).group(0)
        inner = span[len(fence):-len(fence)]
        assert max((len(r) for r in re.findall(r"`+", inner)), default=0) < len(fence), span
        assert inner.strip(" ") == name.replace("|", "\\|") or not name
    row = md.table(["a"], [[md.code("x|y")], [HOSTILE]])
    assert row[2] == "| `x\\|y` |" and "<img" not in row[3]


def test_check_markdown_and_step_summary_escape_budget_and_file_names(tmp_path: Path, sine_tflite: Path) -> None:
    build = tmp_path / "build"
    build.mkdir()
    hostile_file = "m`<b>x.tflite"
    shutil.copy(sine_tflite, build / hostile_file)
    (tmp_path / ".git").mkdir()
    budget = ('[[check]]\nname = "<script>alert(1)</script> [ok](https://evil.example)"\n'
              'models = ["build/*.tflite"]\nsize = "1 kB"\n'
              'message = "<img src=x> & [approve](https://evil.example)"\n')
    (tmp_path / "edge-budget.toml").write_text(budget)
    summary = tmp_path / "summary.md"
    env = {k: v for k, v in os.environ.items() if k != "GITHUB_STEP_SUMMARY"}
    env.update(PYTHONPATH=str(REPO), GITHUB_STEP_SUMMARY=str(summary))
    done = subprocess.run([sys.executable, "-m", "edge_sdk", "check", "--estimate-only", "--markdown", "pr.md"],
                          check=False, cwd=tmp_path, capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 1, done.stderr  # the size limit fails: the failure block shows the message
    for text in ((tmp_path / "pr.md").read_text(), summary.read_text()):
        assert "``build/m`<b>x.tflite``" in text, text  # the name intact, in a span it cannot close
        outside_code = re.sub(r"(`+).*?\1", "", text)
        tags = set(re.findall(r"</?[a-z]+", outside_code))
        assert tags <= {"<details", "</details", "<summary", "</summary"}, tags
        assert not re.search(r"(?<!\\)\]\(", text) and "\\[approve\\](https://" in text  # no live link
        assert "&lt;script&gt;" in text and "&lt;img src=x&gt; &amp;" in text


def test_compare_markdown_escapes_labels(tmp_path: Path) -> None:
    doc = {"schema": "edge-sdk/inspect", "version": 1, "path": "<img src=x>`.tflite", "sha256": "ab" * 32,
           "size_bytes": 10}
    (tmp_path / "a.json").write_text(json.dumps(doc))
    (tmp_path / "b.json").write_text(json.dumps({**doc, "size_bytes": 12}))
    done = subprocess.run([sys.executable, "-m", "edge_sdk", "compare", "a.json", "b.json", "--markdown"],
                          check=False, cwd=tmp_path, capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    assert done.returncode == 0, done.stderr
    outside_code = re.sub(r"(`+).*?\1", "", done.stdout)
    assert "<img" not in outside_code


def test_custom_op_names_read_from_a_model_are_text(tmp_path: Path) -> None:
    from edge_sdk.graph.synth import Tensor, single_op

    op = "<img src=x onerror=alert(1)>[approve](https://evil.example)"
    (tmp_path / "m.tflite").write_bytes(single_op(op, [Tensor([1, 4])], [Tensor([1, 4])], custom=True))
    (tmp_path / ".git").mkdir()
    (tmp_path / "edge-budget.toml").write_text('[[check]]\nname = "ops"\nmodels = ["m.tflite"]\n'
                                               'no_custom_ops = true\n')
    done = subprocess.run([sys.executable, "-m", "edge_sdk", "check", "--estimate-only", "--markdown", "pr.md"],
                          check=False, cwd=tmp_path, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(REPO), "GITHUB_STEP_SUMMARY": ""})
    assert done.returncode == 1, done.stderr
    text = (tmp_path / "pr.md").read_text()
    assert "&lt;img src=x onerror=alert(1)&gt;\\[approve\\](https://evil.example)" in text, text
    assert "<img" not in re.sub(r"(`+).*?\1", "", text)
