"""``profile``: the composition behind ``edge-sdk profile`` (and the measurements ``check`` and ``sweep``
reuse), putting together static analysis, the host backend, phones over adb and the estimator.

- :mod:`edge_sdk.profiling.host`: :func:`profile`: measure on this host in a child process and
  estimate on device profiles -> one profile document;
- :mod:`edge_sdk.profiling.adb`: :func:`~edge_sdk.profiling.adb.profile_on_adb`: real phones over the
  real adb client (imported only when used);
- :mod:`edge_sdk.profiling.ops`: per-op times lined up op by op: host, phone and estimates.

The CLI verb is :mod:`edge_sdk.cli.profile_cmd`; the public API is :func:`edge_sdk.profile`.
"""

from __future__ import annotations

from edge_sdk.profiling.host import RUNTIME_CHOICES, parse_input_shapes, profile

__all__ = ["RUNTIME_CHOICES", "parse_input_shapes", "profile"]
