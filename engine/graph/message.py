"""`add_messages`, the reducer for chat histories, and `MessagesState`."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, TypedDict

from engine.messages import (
    AnyMessage,
    BaseMessage,
    RemoveMessage,
    convert_to_messages,
    message_chunk_to_message,
)

REMOVE_ALL_MESSAGES = "__remove_all__"


def add_messages(left: Any, right: Any) -> list[BaseMessage]:
    """Merge two message lists: same id replaces, new ids append, RemoveMessage deletes.

    Messages without an id get a fresh uuid4, so later updates can refer to them.
    """
    current = [message_chunk_to_message(m) for m in convert_to_messages(left or [])]
    incoming = [message_chunk_to_message(m) for m in convert_to_messages(right or [])]
    for m in current + incoming:
        if m.id is None:
            m.id = str(uuid.uuid4())
    for i, m in enumerate(incoming):
        if isinstance(m, RemoveMessage) and m.id == REMOVE_ALL_MESSAGES:
            return [x for x in incoming[i + 1 :] if not isinstance(x, RemoveMessage)]
    merged = list(current)
    index = {m.id: i for i, m in enumerate(merged)}
    removed: set[str] = set()
    for m in incoming:
        position = index.get(m.id)
        if isinstance(m, RemoveMessage):
            if position is None:
                raise ValueError(
                    f"Attempting to delete a message with an ID that doesn't exist ('{m.id}')"
                )
            removed.add(str(m.id))
        elif position is not None:
            merged[position] = m
        else:
            index[m.id] = len(merged)
            merged.append(m)
    return [m for m in merged if m.id not in removed]


class MessagesState(TypedDict):
    """A state holding just a `messages` list merged by `add_messages`."""

    messages: Annotated[list[AnyMessage], add_messages]
