"""Another inference engine on the same device (``ID@ENGINE``): a measured speed ratio, not a guess.

On microcontrollers the engine matters as much as the chip: on the same NUCLEO-U575ZI-Q, X-CUBE-AI
9.0 ran the MLPerf Tiny models 1.3-2.2x faster than 7.3.0, and on a NUCLEO-L4R5ZI microTVM took
1.1-1.9x the time of X-CUBE-AI 7.3.0. A profile is fitted on one engine (its ``runtime``); points
measured with another (``engine = ...``) give that engine's ratio on this device: the geometric
mean of (engine latency / own-engine latency) over the models measured with both. The spread of
those ratios across models widens the band, since a new model may sit anywhere in it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from devices.profile import DeviceProfile


@dataclass(frozen=True)
class EngineRatio:
    engine: str
    ratio: float          # engine latency / the profile's own engine latency (geometric mean)
    spread_pct: float     # largest deviation of one model's ratio from the mean, percent
    models: int
    runtime: str          # how the engine's points describe it

    def note(self, own: str) -> str:
        return (f"engine: {self.engine} ({self.runtime}) costed at {self.ratio:.2f}x {own}, the geometric mean over "
                f"{self.models} model{'s' if self.models != 1 else ''} measured with both on this device "
                f"(spread +-{self.spread_pct:.0f}%, added to the band)")


def engine_ratio(profile: DeviceProfile) -> EngineRatio | None:
    """The selected engine's ratio on ``profile`` (None when the profile's own engine is selected)."""
    if not profile.engine:
        return None
    own = {(p.model, p.precision, p.threads): p.latency_ms for p in profile.calibration if not p.engine}
    logs = [math.log(p.latency_ms / own[(p.model, p.precision, p.threads)]) for p in profile.calibration
            if p.engine == profile.engine and (p.model, p.precision, p.threads) in own]
    runtime = next(p.runtime for p in profile.calibration if p.engine == profile.engine)
    if not logs:  # the engine was measured on models the own engine was not: no ratio can be formed
        return EngineRatio(profile.engine, 1.0, 100.0, 0, runtime)
    mean = sum(logs) / len(logs)
    spread = max(abs(x - mean) for x in logs)
    return EngineRatio(profile.engine, math.exp(mean), (math.exp(spread) - 1) * 100, len(logs), runtime)


def combine_bands(*bands_pct: float) -> float:
    """Independent multiplicative errors: add their log bands in quadrature."""
    total = math.sqrt(sum(math.log1p(b / 100.0) ** 2 for b in bands_pct))
    return round((math.exp(total) - 1.0) * 100.0, 1)
