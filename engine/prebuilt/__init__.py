"""Prebuilt pieces for agents: `create_react_agent`, `ToolNode`, `tools_condition`,
injected tool arguments."""

from engine.prebuilt.injection import InjectedState, InjectedStore
from engine.prebuilt.react_agent import AgentState, create_react_agent
from engine.prebuilt.tool_node import ToolNode, tools_condition
from engine.prebuilt.tool_runtime import ToolRuntime

__all__ = ["AgentState", "InjectedState", "InjectedStore", "ToolNode", "ToolRuntime",
           "create_react_agent", "tools_condition"]
