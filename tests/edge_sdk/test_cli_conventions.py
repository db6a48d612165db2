"""One convention on every verb (issue 11): ``--json`` prints the document, ``-o`` writes it, tables fit
100 columns, progress only on a terminal; and the one copy of each small helper the verbs share."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest

from edge_sdk.cli import VERBS, main
from edge_sdk.cli.progress import TerminalProgress, terminal_progress
from edge_sdk.core import markdown
from edge_sdk.core.progress import ProgressEvent
from edge_sdk.core.suggest import did_you_mean
from edge_sdk.core.table import render_table
from edge_sdk.core.units import format_quantity
from edge_sdk.graph.reader import is_tflite

REPO = Path(__file__).resolve().parents[2]


def _check(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    env.pop("GITHUB_STEP_SUMMARY", None)
    return subprocess.run([sys.executable, "-m", "edge_sdk", "check", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=180, env=env, check=False)


@pytest.fixture()
def model(tmp_path: Path, kws_tflite: Path) -> Path:
    target = tmp_path / "a-model-with-a-rather-long-name-to-make-the-table-wide" / "keyword_spotting.tflite"
    target.parent.mkdir()
    target.write_bytes(kws_tflite.read_bytes())
    return target


@pytest.mark.slow  # four check runs (estimates only), ~3 s each on 2 cores
def test_check_json_prints_o_writes_and_the_old_spelling_still_writes(tmp_path: Path, model: Path) -> None:
    common = ["--device", "pixel-4", "--device", "raspberry-pi-4", "--estimate-only", "--no-cache"]
    printed = _check(tmp_path, str(model), *common, "--json")
    assert printed.returncode == 0, printed.stderr
    assert json.loads(printed.stdout)["schema"] == "edge-sdk/check"
    assert "PASSED" in printed.stderr  # the table moves out of the way of the document
    table = [line for line in printed.stderr.splitlines() if line.strip()]
    assert max(len(line) for line in table if "edge-budget.toml" not in line) <= 100, printed.stderr
    assert any(line.strip().startswith("how: estimated for Google Pixel 4") for line in table)

    written = _check(tmp_path, str(model), *common, "-o", "out/report.json")
    assert written.returncode == 0 and written.stderr == "", written.stderr
    assert json.loads((tmp_path / "out/report.json").read_text())["schema"] == "edge-sdk/check"

    old = _check(tmp_path, str(model), *common, "--json", "old.json")
    assert old.returncode == 0 and "old spelling of `check -o old.json`" in old.stderr
    assert json.loads((tmp_path / "old.json").read_text())["schema"] == "edge-sdk/check"
    assert "PASSED" in old.stdout

    # a model right after --json is a model, not an output path
    flag_then_model = _check(tmp_path, *common, "--json", str(model))
    assert flag_then_model.returncode == 0, flag_then_model.stderr
    assert json.loads(flag_then_model.stdout)["summary"]["checks"] == 2


def test_an_error_follows_json_on_stdout(tmp_path: Path) -> None:
    result = _check(tmp_path, "missing.tflite", "--device", "pixel-4", "--json")
    assert result.returncode == 2
    error = json.loads(result.stdout)
    assert error["error"] == "InputError" and error["exit_code"] == 2 and "missing.tflite" in error["message"]
    assert "missing.tflite" in result.stderr


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_sequential_stages_tick_and_end_with_their_elapsed_time() -> None:
    stream = _Tty()
    with TerminalProgress(stream, tick_s=0.01) as display:
        display(ProgressEvent("convert", "onnx2tf", "start", detail="onnx"))
        time.sleep(0.05)  # the ticker redraws the running stage while the child is silent
        display(ProgressEvent("convert", "onnx2tf", "end", elapsed_s=31.24, detail="onnx"))
        display(ProgressEvent("convert", "validate", "start"))
    text = stream.getvalue()
    assert text.count("onnx2tf (onnx) ...") >= 2
    finished = [line for line in text.split("\r") if "31.2 s" in line]
    assert finished and finished[0].strip().startswith("onnx2tf (onnx)")
    assert text.endswith("\r"), "close() clears the unfinished stage's live line"
    assert terminal_progress(stream=io.StringIO()) is None  # not a terminal: the library runs silent
    assert terminal_progress(quiet=True, stream=_Tty()) is None


def test_the_shared_helpers() -> None:
    assert did_you_mean("latncy_p90", ["latency_p90", "size"]) == "did you mean 'latency_p90'?"
    assert did_you_mean("sizee", ["size", "sizes"], n=2, parens=True) == " (did you mean 'size' or 'sizes'?)"
    assert did_you_mean("pixel", ["pixel-4", "moto-g"], n=3, cutoff=0.9, substrings=True) == "did you mean 'pixel-4'?"
    assert did_you_mean("zzz", ["size"]) == ""

    lines = markdown.table(["name", "n"], [["a|b", 3], ["two\nlines", None]], right_align=[1])
    assert lines == ["| name | n |", "|---|---:|", "| a\\|b | 3 |", "| two lines |  |"]
    assert render_table(["a", "b"], [["x", 1]], right_align=[1]).splitlines() == ["a  b", "-  -", "x  1"]

    assert format_quantity(1_234_567, "bytes") == "1.23 MB" == format_quantity(1_234_567, "size")
    assert format_quantity(-0.5, "ms") == "-500.0 us"  # the unit is picked on the magnitude
    assert format_quantity(0.005, "fraction") == "0.50%" and format_quantity(0.5, "count") == "0.5"
    assert format_quantity(None, "ms") == "-" and format_quantity(3.0, "furlongs") == "3 furlongs"

    assert is_tflite(b"\x18\x00\x00\x00TFL3rest") and not is_tflite(b"PK\x03\x04ABCD") and not is_tflite(b"TFL3")


def test_profiles_written_as_toml_round_trip_control_characters() -> None:
    import tomli_w

    tricky = {"notes": "DEL \x7f NUL \x00 tab \t quote \" backslash \\"}
    assert tomllib.loads(tomli_w.dumps(tricky)) == tricky


@pytest.mark.parametrize("verb", [*VERBS, None])
def test_help_fits_100_columns(verb: str | None, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([verb, "--help"] if verb else ["--help"]) == 0
    usage, _, body = capsys.readouterr().out.partition("\n\n")  # usage: argparse lays a verb's flags out itself
    assert usage.startswith("usage:") and body
    wide = [line for line in body.splitlines() if len(line) > 100]
    assert not wide, wide


@pytest.mark.parametrize("argv", [["devices"], ["devices", "show", "pixel-4"], ["devices", "show", "stm32h747"]])
def test_device_listings_fit_100_columns(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert argv[-1] in text or argv == ["devices"]
    assert max(len(line) for line in text.splitlines()) <= 100


def test_long_cells_are_shortened_in_the_middle_and_numbers_never() -> None:
    rows = [["checks[Google Pixel 4 app constraints].verdicts[pixel-4/peak_memory/kws.tflite].actual", "8.11 MB"],
            ["short", "123456789.123"]]
    lines = render_table(["value", "before"], rows, right_align=[1], max_width=40).splitlines()
    assert max(len(line) for line in lines) <= 40
    assert lines[2].startswith("checks[") and "..." in lines[2] and lines[2].rstrip().endswith("8.11 MB")
    assert "123456789.123" in lines[3]
