"""The functions behind ``import edge_sdk``: one small module per group, real signatures, lazy bodies.

``edge_sdk/__init__.py`` maps each public name to the module here that defines it and imports
that module only on first access (httpx's ``__init__``/``_api`` split). These modules import
nothing heavy at their top (typing only); each function imports the package that does the work
inside its body, so ``help(edge_sdk.profile)`` and ``inspect.signature`` see the real parameters
while ``import edge_sdk`` stays as cheap as ``edge-sdk --help`` needs.

- :mod:`edge_sdk._api.models`: ``inspect``, ``convert``
- :mod:`edge_sdk._api.measure`: ``profile`` (host), ``estimate`` (device profiles only), ``profile_adb`` (phones)
- :mod:`edge_sdk._api.gate`: ``check``, ``compare``, ``report``
- :mod:`edge_sdk._api.devices`: ``list_devices``, ``load_device``, ``read_device``, ``host_device``, ``calibrate``

Every long call takes ``on_progress`` (:mod:`edge_sdk.core.progress`); nothing here prints.
Errors are :mod:`edge_sdk.core.errors` exceptions whose messages name these parameters.
"""
