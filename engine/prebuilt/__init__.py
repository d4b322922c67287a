"""Prebuilt pieces for agents: `ToolNode`, `tools_condition`, injected tool arguments."""

from engine.prebuilt.injection import InjectedState, InjectedStore
from engine.prebuilt.tool_node import ToolNode, tools_condition

__all__ = ["InjectedState", "InjectedStore", "ToolNode", "tools_condition"]
