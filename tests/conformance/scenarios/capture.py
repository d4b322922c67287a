"""Collect what a stream yields, a raised exception included, as the vectors were recorded."""

from __future__ import annotations

from typing import Any

from engine.config import RunnableConfig

# The keyword arguments of the most recent recorded stream call, so the test can check that a
# scenario really used the vector's `stream_kwargs` (a guard against harness typos).
_LAST_CALL: list[dict[str, Any]] = []


def reset_calls() -> None:
    """Forget the previously recorded stream call."""
    _LAST_CALL.clear()


def last_call() -> dict[str, Any] | None:
    """The kwargs (plus `config` when given) of the last recorded stream call, if any."""
    return _LAST_CALL[-1] if _LAST_CALL else None


def _remember(config: Any, kwargs: dict[str, Any]) -> None:
    _LAST_CALL.append(dict(kwargs) if config is None else {**kwargs, "config": config})


def stream_items(graph: Any, inp: Any, config: Any = None, **kwargs: Any) -> list[Any]:
    """Run `graph.stream` to the end; a raised exception becomes a final {"__raised__": exc}."""
    _remember(config, kwargs)
    items: list[Any] = []
    try:
        for item in graph.stream(inp, config, **kwargs):
            items.append(item)
    except Exception as exc:
        items.append({"__raised__": exc})
    return items


async def astream_items(graph: Any, inp: Any, config: Any = None, **kwargs: Any) -> list[Any]:
    """Async twin of `stream_items`, over `graph.astream`."""
    _remember(config, kwargs)
    items: list[Any] = []
    try:
        async for item in graph.astream(inp, config, **kwargs):
            items.append(item)
    except Exception as exc:
        items.append({"__raised__": exc})
    return items


def drain(graph: Any, inp: Any, config: Any = None, **kwargs: Any) -> list[Any]:
    """Run a preparatory stream (not the recorded one) and return its raw items."""
    return list(graph.stream(inp, config, **kwargs))


def thread(thread_id: str) -> RunnableConfig:
    """A config naming a checkpointer thread."""
    return {"configurable": {"thread_id": thread_id}}
