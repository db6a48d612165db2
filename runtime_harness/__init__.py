"""Where models run and how they are measured or predicted.

- ``runtime_harness.host``: measurement on this machine in an isolated child process (threads,
  affinity, memory cap and the device's runtime emulated);
- ``runtime_harness.adb``: measurement on real Android phones over the real adb client;
- ``runtime_harness.estimator``: latency, memory and energy predicted for device profiles;
- ``runtime_harness.stats``: statistics over raw samples.

Depends on ``edge_sdk``'s core only; ``edge_sdk.profiling`` composes these pieces.
"""
