"""langchain-core's tools, as `engine.tools` exports them when langchain-core is installed."""

from __future__ import annotations

from langchain_core.tools import (
    BaseTool,
    InjectedToolArg,
    InjectedToolCallId,
    StructuredTool,
    tool,
)

from engine.tool_classes import tool_content

__all__ = ["BaseTool", "InjectedToolArg", "InjectedToolCallId", "StructuredTool", "tool",
           "tool_content"]
