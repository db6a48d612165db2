"""`edge-sdk profile` on the host: the document contract, outputs, and every bad input's exit code."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

import tflite_variants
from edge_sdk.cli import main
from edge_sdk.core.documents import load_document

RESULT_KEYS = {"device", "backend", "threads", "source", "latency_ms", "samples_ms", "error_band_pct", "memory",
               "energy_mj", "energy_source", "size_bytes", "provenance", "notes"}


def profile_json(capsys, *args: str) -> tuple[int, dict | None, str]:
    code = main(["profile", *args, "--json"])
    captured = capsys.readouterr()
    return code, (json.loads(captured.out) if captured.out.strip() else None), captured.err


def test_host_profile_document_follows_the_contract(capsys, resnet8_tflite, tmp_path):
    report = tmp_path / "out" / "report.json"
    code, document, _ = profile_json(capsys, str(resnet8_tflite), "--threads", "1", "-o", str(report))
    assert code == 0
    assert document["schema"] == "edge-sdk/profile" and document["version"] == 1
    assert document["model"]["size_bytes"] == resnet8_tflite.stat().st_size and len(document["model"]["sha256"]) == 64
    (host,) = document["results"]
    assert RESULT_KEYS <= set(host)
    assert host["device"] == "host" and host["source"] == "measured" and host["threads"] == 1
    latency = host["latency_ms"]
    assert latency["min"] <= latency["p50"] <= latency["p90"] <= latency["p99"] <= latency["max"]
    assert len(host["samples_ms"]) == document["host"]["runs"] >= 20
    assert host["memory"]["peak_bytes"] > 0 and host["memory"]["arena_bytes"] > 0
    assert host["provenance"]["runtime"] == "litert" and host["provenance"]["runtime_version"]
    assert document["host"]["init_ms"] > 0 and document["host"]["first_inference_ms"] > 0
    assert load_document(report, ("profile",))["results"][0]["latency_ms"] == latency  # -o wrote the same document


def test_terminal_table_names_the_run(capsys, sine_tflite):
    assert main(["profile", str(sine_tflite), "--runs", "30", "--threads", "1"]) == 0
    out = capsys.readouterr().out
    assert "host    measured        1" in out and "30 timed runs (fixed count" in out and "p99" in out


def test_host_and_device_rows_fit_100_columns(capsys, sine_tflite):
    devices = ["--device", "raspberry-pi-4", "--device", "stm32h747", "--device", "pixel-4"]
    assert main(["profile", str(sine_tflite), "--runs", "30", *devices]) == 0
    out = capsys.readouterr().out
    # host p90/p99 beside estimates on a long device id: 107 columns in `make demo` with a size column
    # repeating the model's size (the heading line gives it once)
    assert max(len(line) for line in out.splitlines() if str(sine_tflite) not in line) <= 100, out
    assert "raspberry-pi-4  estimated" in out and "host            measured" in out


def test_html_report_is_rendered_beside_the_json(capsys, kws_tflite, tmp_path):
    page, report = tmp_path / "kws.html", tmp_path / "kws.json"
    assert main(["profile", str(kws_tflite), "--runs", "10", "--html", str(page), "-o", str(report)]) == 0
    assert f"report written to {report} and {page}" in capsys.readouterr().out
    html = page.read_text(encoding="utf-8")
    assert html.lstrip().lower().startswith("<!doctype html") and kws_tflite.name in html


def test_output_may_not_overwrite_the_model(capsys, sine_tflite, tmp_path):
    model = tmp_path / "sine.tflite"
    model.write_bytes(sine_tflite.read_bytes())
    code, _, err = profile_json(capsys, str(model), "--runs", "5", "-o", str(model))
    assert code == 2 and "would overwrite an input" in err
    assert model.read_bytes() == sine_tflite.read_bytes()


@pytest.mark.parametrize("args, message", [
    (["--runs", "0"], "--runs must be 1 or more"),
    (["--input-shape", "x:one,two"], "expected [NAME:]DIM,DIM"),
    (["--memory-cap", "lots"], "cannot read 'lots' as a size"),
    (["--serial", "abc"], "--serial only apply to real phones"),
    (["--cpus", "4096"], "this process may only use CPUs"),
    (["--time-limit", "0"], "--time-limit must be a positive number of seconds"),
])
def test_bad_options_exit_2_with_the_reason(capsys, sine_tflite, args, message):
    code, _, err = profile_json(capsys, str(sine_tflite), *args)
    assert code == 2 and message in err and "Traceback" not in err


def test_missing_and_corrupt_models_exit_2(capsys, tmp_path):
    code, _, err = profile_json(capsys, str(tmp_path / "nope.tflite"))
    assert code == 2 and "no such file" in err
    junk = tmp_path / "junk.tflite"
    junk.write_bytes(b"\x00" * 64)
    code, payload, err = profile_json(capsys, str(junk))
    assert code == 2 and "junk.tflite" in err and payload["exit_code"] == 2


def test_wrong_input_data_shape_exits_2_naming_the_input(capsys, kws_tflite, tmp_path):
    np.save(tmp_path / "x.npy", np.zeros((1, 10, 50, 1), np.float32))
    code, _, err = profile_json(capsys, str(kws_tflite), "--input-data", str(tmp_path / "x.npy"))
    assert code == 2 and "'input_1' expects shape [?, 50, 10, 1]" in err


def test_unresolved_custom_op_exits_2_naming_it(capsys, sine_tflite, tmp_path):
    model = tflite_variants.with_custom_op(sine_tflite, tmp_path / "custom.tflite", "Frobnicate")
    code, _, err = profile_json(capsys, str(model))
    assert code == 2 and "Frobnicate" in err


def test_dynamic_shape_without_input_shape_exits_2_then_runs_with_it(capsys, sine_tflite, tmp_path):
    model = tflite_variants.with_dynamic_input_dim(sine_tflite, tmp_path / "dyn.tflite", axis=1)
    code, _, err = profile_json(capsys, str(model))
    assert code == 2 and "--input-shape" in err
    code, document, _ = profile_json(capsys, str(model), "--runs", "5",
                                     "--input-shape", "serving_default_dense_input:0:1,1")
    assert code == 0 and document["host"]["inputs"][0]["shape"] == [1, 1]
    code, document, _ = profile_json(capsys, str(model), "--runs", "5", "--input-shape", "1,1")  # the only input
    assert code == 0 and document["host"]["inputs"][0]["shape"] == [1, 1]


def test_tflite_runtime_incompatibility_exits_2_with_the_loader_message(capsys, sine_tflite, tmp_path):
    pytest.importorskip("tflite_runtime", reason="tflite-runtime 2.14 is an optional extra (legacy-runtime)")
    model = tflite_variants.with_op_version(sine_tflite, tmp_path / "v12.tflite", 12)
    code, _, err = profile_json(capsys, str(model), "--runtime", "tflite-runtime")
    assert code == 2 and "FULLY_CONNECTED version 12" in err


def test_tflite_runtime_measures_what_it_can_load(capsys, sine_tflite):
    pytest.importorskip("tflite_runtime", reason="tflite-runtime 2.14 is an optional extra (legacy-runtime)")
    code, document, _ = profile_json(capsys, str(sine_tflite), "--runtime", "tflite-runtime", "--runs", "10")
    assert code == 0 and document["host"]["runtime"] == {"name": "tflite-runtime", "version": "2.14.0"}


def test_host_memory_cap_exceeded_is_a_fact_with_exit_0(capsys, resnet8_tflite):
    code, document, _ = profile_json(capsys, str(resnet8_tflite), "--memory-cap", "4 kB", "--threads", "1")
    assert code == 0
    (host,) = document["results"]
    assert host["fits"] is False and host["latency_ms"] is None
    assert "does not run within the memory cap of 4.00 kB" in host["notes"][0]


def test_crashing_interpreter_exits_3_without_traceback(sine_tflite):
    # EDGE_SDK_HARNESS_FAULT=segv stands in for an interpreter segfault (the real CLI, in a subprocess)
    env = {**__import__("os").environ, "EDGE_SDK_HARNESS_FAULT": "segv"}
    result = subprocess.run([sys.executable, "-m", "edge_sdk", "profile", str(sine_tflite)],
                            capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 3 and "SIGSEGV" in result.stderr and "Traceback" not in result.stderr


def test_profile_does_not_import_tensorflow(sine_tflite):
    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "edge_sdk", "profile", str(sine_tflite),
                             "--runs", "5"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0
    imported = [line for line in result.stderr.splitlines() if line.startswith("import time:")]
    assert imported and not [line for line in imported if "tensorflow" in line or "keras" in line]


def test_more_threads_than_usable_cpus_are_capped_on_the_host_and_said(capsys, sine_tflite):
    import os

    usable = len(os.sched_getaffinity(0))
    code, document, _ = profile_json(capsys, str(sine_tflite), "--threads", "512", "--runs", "5")
    assert code == 0 and document["results"][0]["threads"] == usable
    assert f"512 requested, the host run used {usable}" in document["results"][0]["notes"][0]
