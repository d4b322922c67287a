"""Names with a fixed meaning inside a graph: the virtual endpoints and reserved channels."""

from __future__ import annotations

from typing import Any, Final

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


_PRIVATE: Final = {"PREVIOUS": "__previous__", "RETURN": "__return__"}


def __getattr__(name: str) -> Any:
    """LangGraph's deprecated names here: `Send` and `Interrupt` moved to `engine.types`;
    a few private constants still answer, with a warning."""
    from engine.warnings import LangGraphDeprecatedSinceV10, warn_deprecated

    if name in ("Send", "Interrupt"):
        warn_deprecated(f"Importing {name} from langgraph.constants is deprecated. Please use "
                        f"'from langgraph.types import {name}' instead.",
                        LangGraphDeprecatedSinceV10)
        import engine.types

        return getattr(engine.types, name)
    if name in _PRIVATE:
        warn_deprecated(f"Importing {name} from langgraph.constants is deprecated. This "
                        "constant is now private and should not be used directly. Please let "
                        "the LangGraph team know if you need this value.",
                        LangGraphDeprecatedSinceV10)
        return _PRIVATE[name]
    raise AttributeError(f"module has no attribute '{name}'")
