"""Device profiles: real phones, boards and microcontrollers as validated TOML data files.

Public API (used by ``profile``, ``check``, the adb matcher and the estimator)::

    load_profile(id) -> DeviceProfile     # UsageError with the closest ids when unknown
    list_profiles() -> list[DeviceProfile]
    host_profile() -> DeviceProfile       # this machine, detected at run time
    read_profile(path) -> DeviceProfile   # one file, validated (ConfigError when it does not)
"""

from __future__ import annotations

from devices.catalog import device_ids, list_profiles, load_profile, read_profile
from devices.host import host_profile
from devices.profile import CalibrationPoint, Cluster, DeviceProfile

__all__ = ["CalibrationPoint", "Cluster", "DeviceProfile", "device_ids", "host_profile", "list_profiles",
           "load_profile", "read_profile"]
