"""Profiling on Android devices over adb: a client around the real adb binary, device discovery,
the benchmark_model output parser, and the run orchestration (push, affinity, provenance, energy).
"""
