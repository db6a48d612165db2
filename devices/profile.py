"""DeviceProfile: one real device as the estimator, the budget gate and the adb matcher see it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from devices.cores import CoreType, core_type


@dataclass(frozen=True)
class Cluster:
    name: str
    core: str
    count: int
    ghz: float
    active_mw: float | None = None

    @property
    def core_type(self) -> CoreType:
        return core_type(self.core)


@dataclass(frozen=True)
class CalibrationPoint:
    """A published on-device latency: the ground truth the estimator is fitted and judged on."""

    model: str
    precision: str
    threads: int
    latency_ms: float
    runtime: str
    source: str
    notes: str | None = None
    kernels: str = "xnnpack"
    dataset: str | None = None  # the publication; validation leaves a whole dataset out at once
    engine: str | None = None   # another engine than the profile's runtime: a ratio, not a fitted point

    @property
    def feature_key(self) -> str:
        return f"{self.model}:{self.precision}"


@dataclass(frozen=True)
class EnergyPoint:
    """A published measured energy per inference: the ground truth the power model is judged on."""

    model: str
    precision: str
    latency_ms: float
    energy_mj: float
    supply_v: float
    runtime: str
    source: str
    dataset: str | None = None

    @property
    def power_mw(self) -> float:
        return self.energy_mj / self.latency_ms * 1000.0


@dataclass(frozen=True)
class DeviceProfile:
    id: str
    name: str
    kind: str
    soc: str
    clusters: tuple[Cluster, ...]
    threads_default: int
    ram_bytes: int
    app_memory_bytes: int
    bandwidth_gbps: float
    runtime: str
    runtime_version: str
    delegates: tuple[str, ...]
    runtime_overhead_bytes: int
    power_base_mw: float
    power_scope: str
    flash_bytes: int | None = None
    code_flash_bytes: int | None = None
    big_core_mask: str | None = None
    isa: dict[str, Any] = field(default_factory=dict)
    compute: dict[str, Any] = field(default_factory=dict)
    adb_match: dict[str, list[str]] = field(default_factory=dict)
    calibration: tuple[CalibrationPoint, ...] = ()
    raw: dict[str, Any] = field(default_factory=dict, repr=False)  # the validated file, for show/--json
    path: str | None = None
    energy: tuple[EnergyPoint, ...] = ()
    supply_v: float | None = None     # supply the power numbers assume (MCU boards)
    engine: str | None = None         # selected with ID@ENGINE: another engine than the runtime's
    supply_override_v: float | None = None  # selected with ID@3.3V: rescale power to this supply

    @classmethod
    def from_validated(cls, data: dict[str, Any], path: str | None = None) -> DeviceProfile:
        """Build from the output of :func:`devices.schema.validate_profile`."""
        cpu, mem, run, power = data["cpu"], data["memory"], data["runtime"], data["power"]
        clusters = tuple(Cluster(c["name"], c["core"], c["count"], c["ghz"], c.get("active_mw"))
                         for c in cpu["clusters"])
        points = tuple(CalibrationPoint(p["model"], p["precision"], p["threads"], p["latency_ms"],
                                        p["runtime"], p["source"], p.get("notes"),
                                        p.get("kernels", "xnnpack"), p.get("dataset"), p.get("engine"))
                       for p in data.get("calibration", []))
        return cls(
            id=data["id"], name=data["name"], kind=data["kind"], soc=data["soc"], clusters=clusters,
            threads_default=cpu["threads_default"], big_core_mask=cpu.get("big_core_mask"),
            ram_bytes=mem["ram_bytes"], app_memory_bytes=mem["app_memory_bytes"],
            flash_bytes=mem.get("flash_bytes"), bandwidth_gbps=mem["bandwidth_gbps"],
            runtime=run["name"], runtime_version=run["version"], delegates=tuple(run["delegates"]),
            runtime_overhead_bytes=run["overhead_bytes"], code_flash_bytes=run.get("code_flash_bytes"),
            power_base_mw=power["base_mw"], power_scope=power["scope"],
            isa={k: v for k, v in data["isa"].items() if k != "source"},
            compute={k: v for k, v in data["compute"].items() if k not in ("source", "estimates")},
            adb_match=dict(data.get("adb", {})), calibration=points, raw=data, path=path,
            energy=tuple(EnergyPoint(e["model"], e["precision"], e["latency_ms"], e["energy_mj"], e["supply_v"],
                                     e["runtime"], e["source"], e.get("dataset")) for e in data.get("energy", [])),
            supply_v=power.get("supply_v"),
        )

    @property
    def base_id(self) -> str:
        """The catalog id without ``@ENGINE``/``@SUPPLY`` qualifiers (what fitted corrections are keyed by)."""
        return str(self.raw.get("id", self.id))

    @property
    def engines(self) -> list[str]:
        """Engines besides the runtime with published points on this device (selectable as ID@ENGINE)."""
        return sorted({p.engine for p in self.calibration if p.engine})

    @property
    def cores(self) -> int:
        return sum(c.count for c in self.clusters)

    @property
    def family(self) -> str:
        """The big core's family: a-profile, m-profile or x86 (selects the estimator's parameters)."""
        return self.clusters[0].core_type.family

    def cores_by_speed(self) -> list[Cluster]:
        """One entry per core, fastest first: the order a scheduler fills threads (big cores first)."""
        per_core = [c for c in self.clusters for _ in range(c.count)]
        return sorted(per_core, key=lambda c: c.ghz * c.core_type.efficiency, reverse=True)

    def derived_peak_gmacs(self, precision: str = "fp32") -> float:
        """Peak GMAC/s over all cores from the core table: cores x clock x MACs/cycle."""
        return sum(c.count * c.ghz * getattr(c.core_type, precision) for c in self.clusters)

    def to_dict(self) -> dict[str, Any]:
        """The profile as JSON: the validated file content plus the derived figures."""
        out = dict(self.raw)
        out["derived"] = {
            "cores": self.cores,
            "family": self.family,
            "peak_gmacs_fp32_from_core_table": round(self.derived_peak_gmacs("fp32"), 1),
            "peak_gmacs_int8_from_core_table": round(self.derived_peak_gmacs("int8"), 1),
        }
        if self.path:
            out["path"] = self.path
        return out
