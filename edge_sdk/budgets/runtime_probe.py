"""Really load a model in a named runtime, in a child process, through the host harness.

Reuses :mod:`runtime_harness.host` (the same isolated child process ``profile`` measures in) with a
single timed inference: construction resolves every op and op version against the runtime's
registry, ``allocate_tensors`` prepares them, one ``invoke`` runs them. A refusal or a crash is the
answer the check wants ("an app shipping this runtime cannot run the model"), not an error.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from edge_sdk.budgets.runtimes import RuntimeSpec
from edge_sdk.core.errors import InputError, RuntimeCrash, UnsupportedModelError

PROBE_TIMEOUT_S = 120.0


def probe_load(path: Path, spec: RuntimeSpec, input_shapes: dict[str, list[int]] | None = None, *,
               timeout_s: float = PROBE_TIMEOUT_S) -> dict[str, Any]:
    """``{"loaded": True|False|None, "version", "problem", "detail"}``; None = could not try.

    ``input_shapes`` fixes dynamic input dimensions (the converter's recorded shapes). A load that
    takes longer than ``timeout_s`` is a hang: the runtime "cannot run it" (as in the app).
    """
    from edge_sdk.core.errors import InfrastructureError
    from runtime_harness.host import HostRequest, TimingPolicy, measure

    policy = TimingPolicy(runs=1, min_runs=1, warmup_s=0.0, max_warmup_runs=1, time_limit_s=30.0)
    request = HostRequest(model=str(path), runtime=spec.harness_id, threads=1, policy=policy,
                          input_shapes=dict(input_shapes or {}), timeout_s=timeout_s)
    version = spec.installed_version()
    try:
        measure(request)
    except UnsupportedModelError as exc:
        return {"loaded": False, "version": version, "problem": _first_line(exc.message, path), "detail": exc.hint}
    except RuntimeCrash as exc:
        return {"loaded": False, "version": version, "problem": _first_line(exc.message, path),
                "detail": "the runtime crashed or hung on this model; it will in the app too"}
    except InputError as exc:  # the model is not even a valid file for this runtime, or its inputs cannot be fed
        loaded = None if "shape" in exc.message else False
        return {"loaded": loaded, "version": version, "problem": _first_line(exc.message, path), "detail": exc.hint}
    except InfrastructureError as exc:
        return {"loaded": None, "version": version, "problem": _first_line(exc.message, path), "detail": exc.hint}
    return {"loaded": True, "version": version, "problem": None, "detail": None}


def _first_line(message: str, path: Path) -> str:
    text = message.splitlines()[0] if message else "failed"
    prefix = f"{path}: "
    return text[len(prefix):] if text.startswith(prefix) else text
