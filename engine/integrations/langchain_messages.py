"""langchain-core's message classes and coercions, as `engine.messages` exports them when
langchain-core is installed (imported only then)."""

from __future__ import annotations

import functools
import operator
from collections.abc import Iterable, Sequence
from typing import Any

from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    AnyMessage,
    BaseMessage,
    HumanMessage,
    RemoveMessage,
    SystemMessage,
    ToolMessage,
    convert_to_openai_messages,
    message_chunk_to_message,
)
from langchain_core.messages import convert_to_messages as _lc_convert
from langchain_core.messages.tool import ToolOutputMixin


def is_message(value: Any) -> bool:
    """A langchain-core message (or another library's look-alike)."""
    if isinstance(value, BaseMessage):
        return True
    return (not isinstance(value, (dict, str, type)) and hasattr(value, "content")
            and hasattr(value, "type") and hasattr(value, "id"))


def convert_to_message(value: Any) -> Any:
    """One message from an object, a dict, a (role, content) tuple or a string."""
    if is_message(value):
        return value
    return _lc_convert([value])[0]


def convert_to_messages(values: Any) -> list[Any]:
    """A list of messages from one message-like value or an iterable of them."""
    if isinstance(values, (str, dict)) or is_message(values):
        return [convert_to_message(values)]
    if isinstance(values, tuple) and len(values) == 2 and isinstance(values[0], str):
        return [convert_to_message(values)]
    if hasattr(values, "to_messages"):  # a PromptValue (`prompt | model`)
        return list(values.to_messages())
    if isinstance(values, Iterable):
        return [convert_to_message(v) for v in values]
    return [convert_to_message(values)]


def merge_chunks(chunks: Sequence[Any]) -> Any:
    """Concatenate streamed chunks as LangChain does (`chunk + chunk`)."""
    return functools.reduce(operator.add, chunks)


def as_openai_format(messages: list[Any]) -> list[Any]:
    """`add_messages(format="langchain-openai")`: contents in OpenAI's block format."""
    return convert_to_messages(convert_to_openai_messages(messages))


__all__ = [
    "AIMessage", "AIMessageChunk", "AnyMessage", "BaseMessage", "HumanMessage",
    "RemoveMessage", "SystemMessage", "ToolMessage", "ToolOutputMixin", "as_openai_format",
    "convert_to_message", "convert_to_messages", "is_message", "merge_chunks",
    "message_chunk_to_message",
]
