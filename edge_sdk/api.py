"""The public Python API in one import: ``from edge_sdk.api import profile, check, ...``.

The composition root's functions live in :mod:`edge_sdk._api` (one small module per group);
``import edge_sdk`` exposes the same names lazily. This module imports them eagerly, which is
still cheap: each function imports the package that does its work only when called.
"""

from __future__ import annotations

from edge_sdk._api.devices import Calibration, calibrate, host_device, list_devices, load_device, read_device
from edge_sdk._api.gate import check, compare, report
from edge_sdk._api.measure import estimate, profile, profile_adb
from edge_sdk._api.models import convert, inspect

__all__ = ["Calibration", "calibrate", "check", "compare", "convert", "estimate", "host_device", "inspect",
           "list_devices", "load_device", "profile", "profile_adb", "read_device", "report"]
