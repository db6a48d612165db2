"""The CLI shell: help, exit codes, no traceback for errors, no TensorFlow on the fast paths."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from edge_sdk.core.atomic import atomic_write_bytes, atomic_write_json
from edge_sdk.cli import VERBS, main
from edge_sdk.core.documents import envelope, load_document
from edge_sdk.core.errors import InputError


def run_cli(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "edge_sdk", *args], capture_output=True, text=True, timeout=120, **kw)


def test_help_lists_every_verb_and_exit_codes():
    result = run_cli("--help")
    assert result.returncode == 0
    for verb in VERBS:
        assert verb in result.stdout
    assert "exit codes" in result.stdout


def test_unknown_verb_is_usage_error():
    result = run_cli("frobnicate")
    assert result.returncode == 2
    assert "invalid choice" in result.stderr


def test_no_arguments_prints_help_and_exits_2(capsys):
    assert main([]) == 2
    assert "commands" in capsys.readouterr().out


def test_help_does_not_import_tensorflow():
    code = "import sys; from edge_sdk.cli import main; main(['--help']); " \
           "heavy={'tensorflow','keras','tf_keras','torch','litert_torch','jax'}; " \
           "bad=[m for m in sys.modules if m.split('.')[0] in heavy]; print(bad)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_every_verb_has_help():
    for verb in VERBS:
        result = run_cli(verb, "--help")
        assert result.returncode == 0, (verb, result.stderr)
        assert f"edge-sdk {verb}" in result.stdout


def test_atomic_write_leaves_no_partial_file_on_failure(tmp_path: Path):
    target = tmp_path / "out.json"
    atomic_write_json(target, {"a": 1})
    with pytest.raises(TypeError):
        atomic_write_json(target, {"bad": object()})
    assert json.loads(target.read_text()) == {"a": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]
    atomic_write_bytes(tmp_path / "sub" / "x.bin", b"123")
    assert (tmp_path / "sub" / "x.bin").read_bytes() == b"123"


def test_documents_refuse_other_kinds_versions_and_truncation(tmp_path: Path):
    good = tmp_path / "p.json"
    atomic_write_json(good, envelope("profile", {"results": []}))
    assert load_document(good, ("profile",))["results"] == []
    with pytest.raises(InputError, match="is an edge-sdk profile document; this needs a check"):
        load_document(good, ("check",))
    truncated = tmp_path / "t.json"
    truncated.write_text(good.read_text()[:30])
    with pytest.raises(InputError, match="truncated"):
        load_document(truncated)
    old = tmp_path / "old.json"
    old.write_text(json.dumps({**envelope("profile", {}), "version": 99}))
    with pytest.raises(InputError, match="version 99"):
        load_document(old)
    with pytest.raises(InputError, match="not an edge-sdk report"):
        (tmp_path / "x.json").write_text("[1, 2]")
        load_document(tmp_path / "x.json")
    with pytest.raises(InputError, match="no such file"):
        load_document(tmp_path / "missing.json")


def test_atomic_write_gives_normal_file_mode(tmp_path: Path):
    path = atomic_write_bytes(tmp_path / "r.json", b"{}")
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask
