"""Offline tools that regenerate the data tables the packages read at run time (not installed).

Each is run from the repository root as ``python -m tools.NAME`` and rewrites committed data:

- ``version_probe``: builtin ops and op versions each runtime registers -> ``edge_sdk/data/runtime_ops.toml``
- ``reference_features``: graph features of the estimator's reference models ->
  ``runtime_harness/estimator/data/reference_features.json`` (needs TensorFlow)
- ``xnnpack_probe``: what LiteRT really delegates to XNNPACK, the check on ``edge_sdk/data/op_support.toml``
  (used by ``bench/bench_inspect.py`` and the tests)
- ``custom_op_models``: one-op models of the custom ops the stock runtimes register, the proof of
  ``edge_sdk/data/custom_ops.toml`` (used by the tests)

The runtime packages never import ``tools`` (``tests/test_import_layers.py`` enforces it): ``inspect``
reads the tables, it does not regenerate them.
"""
