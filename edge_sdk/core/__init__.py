"""The foundation every other package builds on, one small module per job:

- ``errors``: the exception tree and exit codes; ``version``: the tool version documents carry;
- ``units``: quantities with units (``"4 MB"``, ``"18 ms"``) and the one number formatter;
- ``documents/``: the typed, versioned JSON documents every verb writes and reads;
- ``atomic``, ``files``, ``arrays``, ``paths``, ``hashing``, ``cache_store``: atomic writes, input
  files, untrusted ``.npy``/``.npz`` reading, the overwrite guard, sha256, the signed measurement store;
- ``child`` (+ ``child_guard``): the one helper for isolated Python child processes; ``progress``:
  progress events;
- ``table``, ``markdown``, ``suggest``: terminal tables that fit 100 columns, escaped Markdown,
  did-you-mean.

It imports only the standard library (and numpy where a helper needs it), never ``edge_sdk``'s
upper layers, ``converters``, ``runtime_harness`` or ``devices``: they all import *it*. The import
contract is enforced by ``tests/test_import_layers.py``.
"""
