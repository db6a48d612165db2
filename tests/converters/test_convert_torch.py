"""`edge-sdk convert` on PyTorch sources: factories, torch.export programs, TorchScript, bad input.

Real litert-torch, real torch.onnx.export + onnx2tf, real LiteRT; parity against eager PyTorch.
Models are tests/torch_models.py (tiny, random weights: parity only) except the MNIST net,
trained here on real digits for the accuracy figure. Conversions run through the CLI (the child
process with its timeout) unless the test is about the library.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import assets
import numpy as np
import pytest
from assets import fetch

from edge_sdk.core.hashing import file_sha256

TESTS = Path(__file__).resolve().parents[1]
torch = pytest.importorskip("torch", reason="the edge-sdk[torch] extra is not installed")


def cli(*args: object, tmp: Path, env: dict[str, str] | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    """``edge-sdk convert ...`` with tests/ importable (factories are torch_models:NAME) and a private cache/TMPDIR."""
    full = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", EDGE_SDK_CACHE_DIR=str(tmp / "cache"),
                PYTHONPATH=os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")]))
    full.update(env or {})
    return subprocess.run([sys.executable, "-m", "edge_sdk", "convert", *map(str, args)], capture_output=True,
                          text=True, env=full, timeout=timeout, check=False)


def manifest_of(output: Path) -> dict:
    return json.loads(Path(str(output) + ".json").read_text())


def test_pytorch_flags_are_checked_before_any_child(tmp_path: Path) -> None:
    out = tmp_path / "m.tflite"
    done = cli("--torch", "torch_models:kws_conv1d", "-o", out, tmp=tmp_path)
    assert done.returncode == 2 and "--example-input SHAPE[:DTYPE]" in done.stderr
    done = cli("--torch", "torch_models:kws_conv1d", "--example-input", "1,forty", "-o", out, tmp=tmp_path)
    assert done.returncode == 2 and "--example-input 1,forty" in done.stderr
    done = cli("--torch", "no_such_pkg.models:make", "--example-input", "1,3", "-o", out, tmp=tmp_path)
    assert done.returncode == 2 and "'no_such_pkg.models' is not on the Python path" in done.stderr
    done = cli("--torch", "torch_models:kws_conv1d", "--example-input", "1,40,49", "--input-shape", "x:1,2",
               "-o", out, tmp=tmp_path)
    assert done.returncode == 2 and "--input-shape fixes dynamic sizes of ONNX inputs" in done.stderr
    assert "Traceback" not in done.stderr and not out.exists()


def test_files_that_are_not_torch_export_programs_exit_2(tmp_path: Path) -> None:
    garbage = tmp_path / "model.pt2"
    garbage.write_bytes(b"not a zip at all" * 10)
    done = cli(garbage, "-o", tmp_path / "o.tflite", tmp=tmp_path)
    assert done.returncode == 2 and "not a torch.export program" in done.stderr
    other = tmp_path / "other.pt2"
    with zipfile.ZipFile(other, "w") as archive:
        archive.writestr("other/readme.txt", "hello")
    done = cli(other, "-o", tmp_path / "o.tflite", tmp=tmp_path)
    assert done.returncode == 2 and "not a torch.export program" in done.stderr and "Traceback" not in done.stderr


def test_torchscript_and_pickles_are_refused_unless_allowed(tmp_path: Path) -> None:
    from torch_models import kws_conv1d

    model = kws_conv1d()
    torch.jit.save(torch.jit.trace(model, torch.zeros(1, 40, 49)), tmp_path / "kws_script.pt")
    torch.save(model, tmp_path / "kws_pickle.pt")
    for name, kind in (("kws_script.pt", "TorchScript"), ("kws_pickle.pt", "pickled PyTorch")):
        done = cli(tmp_path / name, "--example-input", "1,40,49", "-o", tmp_path / "o.tflite", tmp=tmp_path)
        assert done.returncode == 2, done.stderr
        assert f"a {kind} file is unpickled to load" in done.stderr and "--allow-unsafe-deserialization" in done.stderr


def test_help_dry_run_inspect_profile_check_import_neither_torch_nor_tensorflow(tmp_path: Path, sine_tflite: Path) -> None:
    sine, out = str(sine_tflite), str(tmp_path / "o.tflite")
    calls = [["convert", "--help"], ["convert", "--torch", "torch_models:kws_conv1d", "--example-input", "1,40,49",
                                     "-o", out, "--dry-run"],
             ["inspect", sine], ["profile", sine, "--estimate-only", "--device", "pixel-4"],
             ["check", sine, "--estimate-only", "--device", "pixel-4"]]
    code = ("import sys, contextlib, io; from edge_sdk.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            f"    main(['--help']); codes = [main(args) for args in {calls!r}]\n"
            "heavy = ('torch', 'litert_torch', 'jax', 'tensorflow', 'keras', 'onnx2tf')\n"
            "print(codes, sorted({m.split('.')[0] for m in sys.modules} & set(heavy)))")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")]))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120,
                          check=False)
    assert done.stdout.strip().splitlines()[-1] == "[0, 0, 0, 0, 0] []", done.stdout + done.stderr


@pytest.mark.slow
def test_factory_converts_with_litert_torch_nchw_kept_parity_against_eager(tmp_path: Path) -> None:
    factory_file = TESTS / "torch_models.py"
    before = file_sha256(factory_file)
    x = np.random.default_rng(0).uniform(-1, 1, (6, 3, 32, 32)).astype(np.float32)
    np.savez(tmp_path / "eval.npz", x=x)
    out = tmp_path / "mobilenet.tflite"
    done = cli("--torch", "torch_models:mobilenet_tiny", "--example-input", "1,3,32,32", "-o", out,
               "--eval-data", tmp_path / "eval.npz", tmp=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "converted via litert-torch" in done.stdout
    manifest = manifest_of(out)
    load = manifest["steps"][0]
    assert load["settings"]["factory"] == "torch_models:mobilenet_tiny"
    assert load["report"]["path"] == "litert-torch" and load["report"]["reference"] == "eager PyTorch"
    assert manifest["source"]["format"] == "torch-factory" and manifest["source"]["sha256"] == before
    assert manifest["source"]["inputs"] == [{"name": "image", "shape": [1, 3, 32, 32], "dtype": "float32"}]
    assert manifest["output"]["inputs"][0]["shape"] == [1, 3, 32, 32]  # litert-torch keeps NCHW
    assert any("NCHW stays NCHW" in note for note in manifest["layout"])
    parity = manifest["validation"]["outputs"][0]
    assert parity["max_abs_error"] < 1e-4 and parity["top1_agreement"] == 1.0
    assert manifest["versions"]["torch"].startswith("2.13.0") and "litert_torch" in manifest["versions"]
    assert file_sha256(factory_file) == before


@pytest.mark.slow
def test_every_quantize_mode_on_the_litert_torch_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """fp16, dynamic, int8 (int8 I/O) and int16x8 (float I/O), applied to litert-torch's float model."""
    from converters import convert

    monkeypatch.syspath_prepend(str(TESTS))
    rng = np.random.default_rng(1)
    np.savez(tmp_path / "calib.npz", x=rng.normal(0, 1, (24, 40, 49)).astype(np.float32))
    np.savez(tmp_path / "eval.npz", x=rng.normal(0, 1, (8, 40, 49)).astype(np.float32))
    common = {"torch": "torch_models:kws_conv1d", "example_input": ["1,40,49"], "eval_data": str(tmp_path / "eval.npz")}
    expected = {"fp16": ("float32", 40), "dynamic": ("float32", 25), "int8": ("int8", 15), "int16x8": ("float32", 30)}
    sizes = {}
    for mode, (io_dtype, min_sqnr) in expected.items():
        calibration = {"calibration_data": str(tmp_path / "calib.npz")} if mode in ("int8", "int16x8") else {}
        manifest = convert(None, tmp_path / f"kws_{mode}.tflite", quantize=mode, **calibration, **common)
        assert manifest["steps"][0]["report"]["path"] == "litert-torch", mode
        assert manifest["output"]["inputs"][0]["dtype"] == io_dtype, mode
        assert manifest["validation"]["outputs"][0]["sqnr_db"] > min_sqnr, (mode, manifest["validation"])
        sizes[mode] = manifest["output"]["size_bytes"]
    assert sizes["int8"] < sizes["fp16"] and sizes["dynamic"] < sizes["fp16"]


def test_the_conversion_path_is_chosen_and_explained(tmp_path: Path) -> None:
    """litert-torch first; ONNX when asked, for TorchScript, and for options that need TFLiteConverter."""
    from converters import resolve_options
    from converters.sources.torch_source import choose_path

    program = tmp_path / "m.pt2"
    with zipfile.ZipFile(program, "w") as archive:  # recognised by its members; nothing is loaded here
        archive.writestr("m/models/model.json", "{}")
    out = tmp_path / "o.tflite"
    assert choose_path(resolve_options(program, out)) == (None, "litert-torch is the primary path")
    assert choose_path(resolve_options(program, out, via="onnx")) == ("onnx", "via='onnx' was asked")
    assert choose_path(resolve_options(program, out, via="litert-torch"))[0] == "litert-torch"
    forced, why = choose_path(resolve_options(program, out, quantize="int8", calibration_data="random", quant_report=""))
    assert forced == "onnx" and "quant_report need(s) TFLiteConverter's calibrated model" in why


@pytest.mark.slow
def test_litert_torch_refusal_falls_back_to_onnx_and_says_why(tmp_path: Path) -> None:
    """A .pt2 whose op litert-torch cannot lower: torch.onnx.export (of the program) + onnx2tf take over."""
    from torch_models import adaptive_max_model

    torch.export.save(torch.export.export(adaptive_max_model(), (torch.zeros(1, 3, 16, 16),)), tmp_path / "amp.pt2")
    out = tmp_path / "amp.tflite"
    done = cli(tmp_path / "amp.pt2", "-o", out, tmp=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "converted via onnx: litert-torch refused the model" in done.stdout
    manifest = manifest_of(out)
    report = manifest["steps"][0]["report"]
    assert report["path"] == "onnx" and "aten.adaptive_max_pool2d" in report["why"]
    assert report["exporter"] in ("dynamo", "legacy") and manifest["source"]["format"] == "torch-export"
    assert manifest["output"]["inputs"][0]["shape"] == [1, 16, 16, 3]  # NCHW -> NHWC, as for ONNX
    assert any("NCHW -> NHWC" in note for note in manifest["layout"])
    assert manifest["validation"]["outputs"][0]["max_abs_error"] < 1e-4


@pytest.mark.slow
def test_trained_mnist_net_int8_accuracy_against_eager(tmp_path: Path) -> None:
    """Real digits: train 2 epochs, export, full int8 with int8 I/O, accuracy drop gated at 2 points."""
    from torch_models import shuffled_digits, trained_mnist_net

    x, y = shuffled_digits(*fetch(assets.mnist_5k))
    model = trained_mnist_net(x, y)
    torch.export.save(torch.export.export(model.eval(), (torch.zeros(1, 1, 28, 28),)), tmp_path / "mnist.pt2")
    np.savez(tmp_path / "calib.npz", x=x[:4000:40])
    np.savez(tmp_path / "test.npz", x=x[4000:4600], y=y[4000:4600])
    out = tmp_path / "mnist_int8.tflite"
    done = cli(tmp_path / "mnist.pt2", "-o", out, "--recipe", "int8", "--calibration-data", tmp_path / "calib.npz",
               "--eval-data", tmp_path / "test.npz", "--max-accuracy-drop", "2%", tmp=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    accuracy = manifest_of(out)["validation"]["accuracy"]
    assert accuracy["source"] > 0.85 and accuracy["drop"] <= 0.02, accuracy


@pytest.mark.slow
def test_bad_pytorch_inputs_exit_2_naming_the_cause(tmp_path: Path) -> None:
    (tmp_path / "broken_models.py").write_text("import torch\nimport not_installed_anywhere\n\ndef make():\n"
                                               "    return torch.nn.Linear(2, 2)\n")
    out = tmp_path / "o.tflite"
    env = {"PYTHONPATH": os.pathsep.join([str(tmp_path), str(TESTS)])}
    done = cli("--torch", "broken_models:make", "--example-input", "1,2", "-o", out, tmp=tmp_path, env=env)
    assert done.returncode == 2, done.stderr
    assert "importing broken_models" in done.stderr and "not_installed_anywhere" in done.stderr
    assert str(tmp_path / "broken_models.py") in done.stderr
    done = cli("--torch", "torch_models:kws_conv1d", "--example-input", "1,3,49", "-o", out, tmp=tmp_path)
    assert done.returncode == 2 and "forward() failed on the example input(s) [1, 3, 49]" in done.stderr
    done = cli("--torch", "torch_models:not_a_module", "--example-input", "1,3", "-o", out, tmp=tmp_path)
    assert done.returncode == 2 and "not a torch.nn.Module" in done.stderr
    done = cli("--torch", "torch_models:erfinv_model", "--example-input", "1,8", "-o", out, tmp=tmp_path)
    assert done.returncode == 2 and "aten.erfinv" in done.stderr and "no conversion path worked" in done.stderr
    from torch_models import kws_conv1d

    torch.save(kws_conv1d().state_dict(), tmp_path / "weights.pt")
    done = cli(tmp_path / "weights.pt", "--example-input", "1,40,49", "--allow-unsafe-deserialization", "-o", out,
               tmp=tmp_path)
    assert done.returncode == 2 and "weights only (a state_dict" in done.stderr
    assert "Traceback" not in done.stderr and not out.exists() and not Path(str(out) + ".json").exists()


@pytest.mark.slow
@pytest.mark.parametrize("factory, timeout, fragment", [("hangs_when_exported", "8", "did not finish within 8 s"),
                                                        ("crashes_when_exported", "300", "crashed (SIGSEGV)")])
def test_a_hang_or_crash_in_the_conversion_child_exits_3(tmp_path: Path, factory: str, timeout: str,
                                                         fragment: str) -> None:
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    out = tmp_path / "o.tflite"
    done = cli("--torch", f"torch_models:{factory}", "--example-input", "1,4", "--timeout", timeout, "-o", out,
               tmp=tmp_path, env={"TMPDIR": str(scratch)}, timeout=300)
    assert done.returncode == 3, done.stderr
    assert fragment in done.stderr and "litert-torch" in done.stderr and "Traceback" not in done.stderr
    assert not out.exists() and not Path(str(out) + ".json").exists()
    assert not list(scratch.iterdir())  # work folders of both children are gone


@pytest.mark.slow
def test_torchscript_allowed_converts_via_onnx(tmp_path: Path) -> None:
    from torch_models import kws_conv1d

    torch.jit.save(torch.jit.trace(kws_conv1d(), torch.zeros(1, 40, 49)), tmp_path / "kws.pt")
    out = tmp_path / "kws_ts.tflite"
    done = cli(tmp_path / "kws.pt", "--example-input", "1,40,49", "--allow-unsafe-deserialization", "-o", out,
               tmp=tmp_path)
    assert done.returncode == 0, done.stderr
    report = manifest_of(out)["steps"][0]["report"]
    assert report["path"] == "onnx" and "TorchScript" in report["why"] and report["exporter"] == "legacy"
    assert manifest_of(out)["validation"]["outputs"][0]["max_abs_error"] < 1e-4


@pytest.mark.slow
def test_without_torch_a_pytorch_source_exits_2_with_the_install_command(tmp_path: Path) -> None:
    fake = tmp_path / "fake" / "torch"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("raise ImportError('No module named torch (simulated)')\n")
    done = cli("--torch", "torch_models:kws_conv1d", "--example-input", "1,40,49", "-o", tmp_path / "o.tflite",
               tmp=tmp_path, env={"PYTHONPATH": os.pathsep.join([str(tmp_path / "fake"), str(TESTS)])})
    assert done.returncode == 2, done.stderr
    assert "pip install 'edge-sdk[torch]'" in done.stderr and "Traceback" not in done.stderr
