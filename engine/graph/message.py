"""`add_messages`, the reducer for chat histories, and `MessagesState`."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from typing import Annotated, Any, Literal, TypedDict

from engine.messages import (
    USES_LANGCHAIN,
    AIMessageChunk,
    AnyMessage,
    BaseMessage,
    RemoveMessage,
    convert_to_messages,
    message_chunk_to_message,
)

REMOVE_ALL_MESSAGES = "__remove_all__"

Format = Literal["langchain-openai"] | None


def add_messages(left: Any = None, right: Any = None, *, format: Format = None) -> Any:
    """Merge two message lists: same id replaces, new ids append, RemoveMessage deletes.

    Messages without an id get a fresh uuid4, so later updates can refer to them. Called
    with neither list (`add_messages(format="langchain-openai")`) it returns the reducer
    with that option bound, as LangGraph's does.
    """
    if left is None and right is None:
        return functools.partial(_merge, format=format)
    if left is None or right is None:
        raise ValueError(
            "Must specify non-null arguments for both 'left' and 'right'. Only received: "
            f"'{'left' if left is not None else 'right'}'."
        )
    return _merge(left, right, format=format)


def _coerce(values: Any) -> list[BaseMessage]:
    items = values if isinstance(values, list) else [values]
    # A long history is all whole messages: check the few distinct types, not each item.
    if all(issubclass(t, BaseMessage) and not issubclass(t, AIMessageChunk)
           for t in set(map(type, items))):
        return items
    return [message_chunk_to_message(m) for m in convert_to_messages(items)]


def _merge(left: Any, right: Any, *, format: Format = None) -> list[BaseMessage]:
    current = _coerce(left)
    incoming = _coerce(right)
    # Phase 1: ids for messages that have none; a remove-all marker cuts the history.
    for m in current:
        if m.id is None:
            m.id = str(uuid.uuid4())
    cut = None
    for i, m in enumerate(incoming):
        if m.id is None:
            m.id = str(uuid.uuid4())
        if isinstance(m, RemoveMessage) and m.id == REMOVE_ALL_MESSAGES:
            cut = i
    if cut is not None:
        return incoming[cut + 1:]
    # Phase 2: replace by id, append new ids, collect removals (a later write of the same
    # id in this update takes a removal back).
    merged = list(current)
    index = {m.id: i for i, m in enumerate(merged)}
    removed: set[Any] = set()
    for m in incoming:
        position = index.get(m.id)
        if position is not None:
            if isinstance(m, RemoveMessage):
                removed.add(m.id)
            else:
                removed.discard(m.id)
                merged[position] = m
        elif isinstance(m, RemoveMessage):
            raise ValueError(
                f"Attempting to delete a message with an ID that doesn't exist ('{m.id}')")
        else:
            index[m.id] = len(merged)
            merged.append(m)
    if removed:
        merged = [m for m in merged if m.id not in removed]
    return _formatted(merged, format)


def _formatted(messages: list[BaseMessage], format: Format) -> list[BaseMessage]:
    if format is None:
        return messages
    if format != "langchain-openai":
        raise ValueError(f"Unrecognized {format=}. Expected one of 'langchain-openai', None.")
    if not USES_LANGCHAIN:
        raise ValueError("add_messages(format='langchain-openai') needs langchain-core "
                         "installed")
    from engine.integrations.langchain_messages import as_openai_format

    return as_openai_format(messages)


def is_add_messages(reducer: Callable[..., Any] | None) -> bool:
    """Whether `reducer` is add_messages (bare, or with its `format` bound)."""
    return reducer is add_messages or (
        isinstance(reducer, functools.partial) and reducer.func is _merge)


class MessagesState(TypedDict):
    """A state holding just a `messages` list merged by `add_messages`."""

    messages: Annotated[list[AnyMessage], add_messages]


def __getattr__(name: str) -> Any:
    if name == "MessageGraph":  # deprecated; a module of its own (it needs StateGraph)
        from engine.graph.message_graph import MessageGraph

        return MessageGraph
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
