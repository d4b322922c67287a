"""`MessageGraph`, deprecated since LangGraph 1.0: a StateGraph whose whole state is one
list of messages. Reached as `engine.graph.message.MessageGraph`, as in LangGraph."""

from __future__ import annotations

from typing import Annotated

from engine.graph.message import add_messages
from engine.graph.state import StateGraph
from engine.messages import AnyMessage
from engine.warnings import LangGraphDeprecatedSinceV10, warn_deprecated


class MessageGraph(StateGraph):
    """A graph whose state is one list of messages merged by `add_messages`: each node
    takes the list and returns messages to add. Use a StateGraph with a `messages` key
    (`MessagesState`) instead."""

    def __init__(self) -> None:
        warn_deprecated("MessageGraph is deprecated in LangGraph v1.0.0, to be removed in "
                        "v2.0.0. Please use StateGraph with a `messages` key instead.",
                        LangGraphDeprecatedSinceV10)
        super().__init__(Annotated[list[AnyMessage], add_messages])
