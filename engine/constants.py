"""Names with a fixed meaning inside a graph: the virtual endpoints and reserved channels."""

from __future__ import annotations

from typing import Final

START: Final = "__start__"
END: Final = "__end__"
INTERRUPT: Final = "__interrupt__"

# Task paths begin with one of these, and writes are applied sorted by path, so a
# PULL task ("...pull") always sorts before a PUSH task ("...push").
PULL: Final = "__pregel_pull"
PUSH: Final = "__pregel_push"

RESERVED_CHARS: Final = ("|", ":")

DEFAULT_RECURSION_LIMIT: Final = 10007

TROUBLESHOOTING: Final = "https://docs.langchain.com/oss/python/langgraph/errors/"


def branch_channel(node: str) -> str:
    """The trigger channel an edge, branch or goto writes to wake `node` next step."""
    return f"branch:to:{node}"


def join_channel(sources: tuple[str, ...], target: str) -> str:
    """The barrier channel of a waiting edge `add_edge([a, b], target)`."""
    return f"join:{'+'.join(sources)}:{target}"
