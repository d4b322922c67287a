"""Chat messages: langchain-core's classes when it is installed, else the engine's own.

Programs written for LangGraph import their messages from `langchain_core.messages` and
mix them with the ones the graph makes (`add_messages` coercions, `ToolNode` results, a
chat model's replies). For one program to behave the same on both, the two must be the
same classes: `isinstance(m, HumanMessage)`, equality, pydantic states holding them,
handing them to a LangChain chat model. So when langchain-core is importable the names
below ARE langchain-core's (and so are the coercions, `convert_to_messages` and
`message_chunk_to_message`); without it, `engine.message_classes` provides look-alikes
with the same field names. `STEPSCOPE_MESSAGES=engine` forces the engine's own (tests
of the standalone engine use it). README "Messages and tools" gives the reasoning.
"""

from __future__ import annotations

import os
from importlib.util import find_spec
from typing import TYPE_CHECKING


def _wants_langchain() -> bool:
    choice = os.environ.get("STEPSCOPE_MESSAGES", "").strip().lower()
    if choice == "engine":
        return False
    return find_spec("langchain_core") is not None


USES_LANGCHAIN: bool = _wants_langchain()
"""True when the message classes below are langchain-core's."""

if TYPE_CHECKING or not USES_LANGCHAIN:
    from engine.message_classes import (
        AIMessage,
        AIMessageChunk,
        AnyMessage,
        BaseMessage,
        HumanMessage,
        RemoveMessage,
        SystemMessage,
        ToolMessage,
        ToolOutputMixin,
        convert_to_message,
        convert_to_messages,
        is_message,
        merge_chunks,
        merge_tool_call_chunks,
        message_chunk_to_message,
        parse_tool_call_chunks,
    )
else:
    from engine.integrations.langchain_messages import (
        AIMessage,
        AIMessageChunk,
        AnyMessage,
        BaseMessage,
        HumanMessage,
        RemoveMessage,
        SystemMessage,
        ToolMessage,
        ToolOutputMixin,
        convert_to_message,
        convert_to_messages,
        is_message,
        merge_chunks,
        message_chunk_to_message,
    )
    from engine.message_classes import merge_tool_call_chunks, parse_tool_call_chunks


def message_fields(cls: type) -> tuple[str, ...]:
    """The field names of a message class (either kind), in declaration order."""
    model_fields = getattr(cls, "model_fields", None)
    if isinstance(model_fields, dict) and not hasattr(cls, "_fields"):
        return tuple(model_fields)
    return tuple(getattr(cls, "_fields", ()))


__all__ = [
    "USES_LANGCHAIN",
    "AIMessage",
    "AIMessageChunk",
    "AnyMessage",
    "BaseMessage",
    "HumanMessage",
    "RemoveMessage",
    "SystemMessage",
    "ToolMessage",
    "ToolOutputMixin",
    "convert_to_message",
    "convert_to_messages",
    "is_message",
    "merge_chunks",
    "merge_tool_call_chunks",
    "message_chunk_to_message",
    "message_fields",
    "parse_tool_call_chunks",
]
