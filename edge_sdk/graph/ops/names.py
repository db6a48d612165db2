"""Builtin operator code -> name (``CONV_2D``), from the schema bindings that ship with LiteRT."""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=1)
def _names() -> dict[int, str]:
    from ai_edge_litert import schema_py_generated as fb

    return {v: k for k, v in vars(fb.BuiltinOperator).items() if isinstance(v, int) and not k.startswith("_")}


CUSTOM_CODE = 32  # BuiltinOperator.CUSTOM
FLEX_PREFIX = "Flex"  # Select-TF ops are custom ops named "Flex<TF op name>"


def builtin_name(code: int) -> str:
    """``CONV_2D`` for 3; an unknown code (newer schema than ours) as ``BUILTIN_<code>``."""
    return _names().get(code, f"BUILTIN_{code}")
