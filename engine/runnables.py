"""A minimal Runnable protocol: what a node can be besides a plain function."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engine.config import RunnableConfig


class Runnable:
    """Something with `invoke` (and optionally `ainvoke`); compiled graphs are Runnables."""

    name: str | None = None

    def invoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Any:
        raise NotImplementedError

    async def ainvoke(self, input: Any, config: RunnableConfig | None = None,
                      **kwargs: Any) -> Any:
        return self.invoke(input, config, **kwargs)

    def get_name(self) -> str:
        return self.name or type(self).__name__


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
