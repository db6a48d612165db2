"""`edge-sdk devices new`: a phone described by its clusters becomes a valid profile that estimates."""

from __future__ import annotations

import tomllib

import pytest

from devices import read_profile
from devices.cores import core_type
from edge_sdk.cli import main
from edge_sdk.graph import analyze
from runtime_harness.estimator import estimate

CORES = "2x cortex-x1@2.8,2x cortex-a76@2.25,4x cortex-a55@1.8"


def test_new_profile_validates_derives_and_estimates_with_the_wider_band(tmp_path, monkeypatch, capsys,
                                                                          kws_tflite):
    args = ["devices", "new", "my-phone", "--soc", "Exynos 2100", "--cores", CORES, "--ram", "8GiB",
            "--like", "pixel-4", "-o", str(tmp_path)]
    assert main(args) == 0
    out = capsys.readouterr().out
    path = tmp_path / "my-phone.toml"
    assert str(path) in out and "EDGE_SDK_DEVICE_PATH" in out and "borrow" in out
    profile = read_profile(path)  # the catalog's own validating reader
    data = tomllib.loads(path.read_text())
    assert [c.core for c in profile.clusters] == ["cortex-x1", "cortex-a76", "cortex-a55"]
    expected = 2 * 2.8 * core_type("cortex-x1").fp32 + 2 * 2.25 * 8 + 4 * 1.8 * 4
    assert data["compute"]["peak_gmacs_fp32"] == pytest.approx(expected, abs=0.1)
    assert all(c.active_mw and c.active_mw > 0 for c in profile.clusters)  # from the core power table
    assert all("active_mw" in c["estimates"] for c in data["cpu"]["clusters"])
    assert data["isa"]["dotprod"] is True and profile.big_core_mask == "0xf0" and profile.threads_default == 4
    assert data["like"] == "pixel-4" and profile.bandwidth_gbps == 17.0  # borrowed from the like profile
    assert main(args) == 2  # never overwrites without --force
    assert "exists" in capsys.readouterr().err

    monkeypatch.setenv("EDGE_SDK_DEVICE_PATH", str(tmp_path))
    assert main(["devices", "show", "my-phone"]) == 0
    from devices import load_profile

    result = estimate(analyze(kws_tflite), load_profile("my-phone"))
    catalog = estimate(analyze(kws_tflite), load_profile("pixel-4"))
    calibration = result["provenance"]["calibration"]
    assert calibration["device_points"] == 0 and "pixel-4" in calibration["correction_from"]
    assert result["error_band_pct"] >= catalog["error_band_pct"]
    assert any("borrows" in n for n in result["notes"])
    assert result["latency_ms"]["p50"] < catalog["latency_ms"]["p50"]  # an X1-class phone is faster


@pytest.mark.parametrize("flag, value, needle", [
    ("--cores", "2x cortex-a99@2.8", "unknown core type"),
    ("--cores", "2 cortex-x1@2.8", "COUNTx CORE@GHZ"),
    ("--cores", "2x cortex-x1,4x cortex-a55@1.8", "no clock"),
    ("--ram", "lots", "--ram"),
])
def test_bad_input_exits_2_naming_the_field_with_an_example(tmp_path, capsys, flag, value, needle):
    args = {"--soc": "X", "--cores": CORES, "--ram": "8GiB", flag: value}
    argv = ["devices", "new", "bad-phone", "-o", str(tmp_path)] + [x for kv in args.items() for x in kv]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert needle in err and f"{flag}:" in err and "example" in err
    assert f"example: {flag} " in err and f"{flag} {flag}" not in err  # the hint names the flag once
    assert err.count("error:") == 1
    assert not (tmp_path / "bad-phone.toml").exists()


def test_the_next_step_names_the_profile_folder_absolutely(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("EDGE_SDK_DEVICE_PATH", raising=False)
    assert main(["devices", "new", "p", "--soc", "X", "--cores", CORES, "--ram", "8GiB", "-o", "my profiles"]) == 0
    # was `export EDGE_SDK_DEVICE_PATH=my profiles`: relative (wrong from any other folder) and unquoted
    assert f"export EDGE_SDK_DEVICE_PATH='{tmp_path / 'my profiles'}' &&" in capsys.readouterr().out


def test_missing_flag_and_bad_like(tmp_path, capsys):
    assert main(["devices", "new", "p", "--soc", "X", "--ram", "8GiB", "-o", str(tmp_path)]) == 2
    assert "--cores is required" in capsys.readouterr().err
    assert main(["devices", "new", "p", "--soc", "X", "--cores", CORES, "--ram", "8GiB", "--like", "pixle-4",
                 "-o", str(tmp_path)]) == 2
    assert "pixel-4" in capsys.readouterr().err
