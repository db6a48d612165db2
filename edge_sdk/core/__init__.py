"""The foundation every other package builds on: errors and exit codes, units, documents, atomic
writes, input files, hashing and tables.

It imports only the standard library (and numpy where a helper needs it), never ``edge_sdk``'s
upper layers, ``converters``, ``runtime_harness`` or ``devices``: they all import *it*. The import
contract is enforced by ``tests/test_import_layers.py``.
"""
