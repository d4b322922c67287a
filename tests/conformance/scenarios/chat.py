"""Chat-model helpers shared by the messages scenarios.

`engine.chat_models` and `engine.messages` land later (issue 3), so they are imported inside
the helpers: their absence must make only the scenarios that need them fail (as expected
failures), never the import of the scenario registry.
"""

from __future__ import annotations

from typing import Any

try:
    # Node annotations are strings (postponed evaluation), resolved from module globals, so
    # the state class must be a global of every module whose nodes name it.
    from engine.graph import MessagesState
except ImportError:  # pragma: no cover - only while the engine lacks messages support
    MessagesState = None  # type: ignore[assignment,misc]  # stand-in when the import fails

__all__ = ["MessagesState", "fake_list", "fake_messages_list", "generic", "human_input"]


def human_input(message_id: str = "human-1", text: str = "hi") -> dict[str, Any]:
    """A MessagesState input holding one HumanMessage with a fixed id."""
    from engine.messages import HumanMessage

    return {"messages": [HumanMessage(content=text, id=message_id)]}


def generic(text: str = "Hello there friend") -> Any:
    """GenericFakeChatModel that answers `text` once (streamed word by word)."""
    from engine.chat_models import GenericFakeChatModel
    from engine.messages import AIMessage

    return GenericFakeChatModel(messages=iter([AIMessage(content=text)]))


def fake_list() -> Any:
    """FakeListChatModel answering 'fake list resp' (streamed character by character)."""
    from engine.chat_models import FakeListChatModel

    return FakeListChatModel(responses=["fake list resp"])


def fake_messages_list() -> Any:
    """FakeMessagesListChatModel answering AIMessage('fml resp') (no streaming)."""
    from engine.chat_models import FakeMessagesListChatModel
    from engine.messages import AIMessage

    return FakeMessagesListChatModel(responses=[AIMessage(content="fml resp")])
