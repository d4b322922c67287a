"""Prebuilt pieces for agents: `ToolNode` and `tools_condition`."""

from engine.prebuilt.tool_node import ToolNode, tools_condition

__all__ = ["ToolNode", "tools_condition"]
