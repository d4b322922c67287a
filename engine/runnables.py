"""A minimal Runnable protocol: what a node can be besides a plain function."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engine.config import RunnableConfig


class Runnable:
    """Something with `invoke` (and optionally `ainvoke`); compiled graphs are Runnables."""

    name: str | None = None

    def __or__(self, other: Any) -> Any:
        """`self | other`: a LangChain RunnableSequence of this and `other` (a LangChain
        Runnable, a callable or a dict); needs langchain-core."""
        return _as_langchain(self) | other

    def __ror__(self, other: Any) -> Any:
        return other | _as_langchain(self)

    def invoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Any:
        raise NotImplementedError

    async def ainvoke(self, input: Any, config: RunnableConfig | None = None,
                      **kwargs: Any) -> Any:
        return self.invoke(input, config, **kwargs)

    def get_name(self) -> str:
        return self.name or type(self).__name__

    def __call__(self, input: Any) -> Any:
        """Called as a function: `invoke`. LangChain composes what it can call, so
        `prompt | model` works with the engine's models too."""
        return self.invoke(input)


class ForeignRunnableNode:
    """Another library's Runnable (LangChain's `prompt | model`, a RunnableLambda…) as a
    node: called with the state and the task's config, as LangGraph calls it."""

    def __init__(self, runnable: Any) -> None:
        self.runnable = runnable
        get_name = getattr(runnable, "get_name", None)
        self.name = get_name() if callable(get_name) else type(runnable).__name__

    def __call__(self, input: Any, config: RunnableConfig) -> Any:
        # The engine's run id names the run, not this call: LangChain would reuse it.
        return self.runnable.invoke(input, {k: v for k, v in config.items() if k != "run_id"})

    def __repr__(self) -> str:
        return f"ForeignRunnableNode({self.runnable!r})"


def as_node_action(action: Any) -> Any:
    """`action` as something the engine can call: a non-callable object with `invoke`
    (a LangChain Runnable) is wrapped; anything else is returned as it is."""
    if not callable(action) and callable(getattr(action, "invoke", None)):
        return ForeignRunnableNode(action)
    return action


def _as_langchain(runnable: Runnable) -> Any:
    try:
        from engine.integrations.lc_runnable import as_langchain
    except ImportError as exc:
        raise ImportError("composing a graph with `|` needs langchain-core "
                          "(pip install langchain-core)") from exc
    return as_langchain(runnable)


class RunnableLambda(Runnable):
    """Wrap a function as a Runnable; it keeps the function's name."""

    def __init__(self, func: Callable[..., Any], name: str | None = None) -> None:
        self.func = func
        self.name = name or getattr(func, "__name__", None) or type(func).__name__

    def invoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Any:
        return self.func(input)

    def __call__(self, input: Any) -> Any:
        return self.func(input)

    def __repr__(self) -> str:
        return f"RunnableLambda({self.name})"
