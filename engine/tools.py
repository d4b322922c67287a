"""Tools: langchain-core's when it is installed (as with messages, see `engine.messages`),
else the engine's own (`engine.tool_classes`).

Programs written for LangGraph decorate their tools with `langchain_core.tools.tool`;
the engine's `ToolNode` and chat models take either kind. Choosing langchain-core's here
too means a program that imports `engine.tools` gets the very same validation, error
texts, content formatting and injected arguments as one that imports langchain-core.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.messages import USES_LANGCHAIN

if TYPE_CHECKING or not USES_LANGCHAIN:
    from engine.tool_classes import (
        BaseTool,
        InjectedToolArg,
        InjectedToolCallId,
        StructuredTool,
        tool,
        tool_content,
    )
else:
    from engine.integrations.langchain_tools import (
        BaseTool,
        InjectedToolArg,
        InjectedToolCallId,
        StructuredTool,
        tool,
        tool_content,
    )

__all__ = ["BaseTool", "InjectedToolArg", "InjectedToolCallId", "StructuredTool", "tool",
           "tool_content"]
