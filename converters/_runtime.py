"""Lazy TensorFlow import and containment of the converter's console noise.

TensorFlow costs seconds and hundreds of MB to import, so only conversion pays for it, here.
TFLiteConverter and Keras print from C++ straight to file descriptors 1 and 2; ``captured_output``
redirects those descriptors to a temporary file so a user sees one clear summary, and the text is
kept for error messages.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import tempfile
from collections.abc import Iterator
from typing import Any


def import_tensorflow() -> Any:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("ABSL_MIN_LOG_LEVEL", "3")
    if "tensorflow" in sys.modules:
        return sys.modules["tensorflow"]
    with captured_output():  # its C++ start-up banner (oneDNN, CUDA) is noise for a user
        import tensorflow as tf  # noqa: PLC0415 - lazy on purpose

    tf.get_logger().setLevel("ERROR")
    return tf


class Captured:
    """The text a block printed, available after the block ends."""

    text: str = ""


@contextlib.contextmanager
def captured_output() -> Iterator[Captured]:
    """Redirect fds 1 and 2 (C++ logs included) into a temp file for the duration of the block."""
    result = Captured()
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with tempfile.TemporaryFile(mode="w+b") as sink:
        os.dup2(sink.fileno(), 1)
        os.dup2(sink.fileno(), 2)
        try:
            yield result
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])
            sink.seek(0)
            result.text = sink.read().decode("utf-8", "replace")


_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_RAISED = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Exit)\b: ")
_NOISE = ("oneDNN", "cudart_stub", "absl::InitializeLog", "Could not find cuda", "TF_ENABLE_ONEDNN_OPTS",
          "rebuild TensorFlow", "cpu_feature_guard", "WARNING: All log messages")


def summarize_failure(text: str, max_lines: int = 4) -> str:
    """The few lines of a tool's output that say why it failed (errors first, then the tail)."""
    lines = [_ANSI.sub("", line).strip() for line in text.splitlines()]
    lines = [line for line in lines if line and not any(n in line for n in _NOISE)]
    raised = [line for line in lines if _RAISED.match(line)]
    if raised:  # a Python exception: its last line is the cause; a tool's "where" line is context
        where = [line for line in lines if "onnx_op_name" in line or "op_name:" in line][:1]
        return " | ".join([raised[-1][:300]] + [w.replace("ERROR:", "").strip()[:200] for w in where])
    keys = ("error", "exception", "failed", "not supported", "not yet supported", "unsupported", "must be", "invalid")
    picked: list[str] = []
    seen: set[str] = set()
    for line in lines:
        low = line.lower()
        key = re.sub(r"^\S*:\d+(:\d+)?:\s*", "", low)  # "loc:12:3: error: ..." -> "error: ..."
        if any(k in low for k in keys) and not low.startswith(("traceback", "file \"")) and key not in seen:
            seen.add(key)
            picked.append(line[:300])
    if not picked:
        picked = [line[:300] for line in lines[-max_lines:]]
    return " | ".join(picked[:max_lines]) if picked else "(the tool printed nothing)"
