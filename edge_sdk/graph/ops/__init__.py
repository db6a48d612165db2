"""Per-op knowledge: builtin op names, and the MAC and parameter formulas of each op family."""

from edge_sdk.graph.ops.macs import MacCount, count_macs, param_input_positions, zero_mac_reason
from edge_sdk.graph.ops.names import builtin_name

__all__ = ["MacCount", "builtin_name", "count_macs", "param_input_positions", "zero_mac_reason"]
