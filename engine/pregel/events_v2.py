"""`astream_events(version="v1" | "v2")`: LangChain's StreamEvent dicts for a graph run.

The event format is langchain-core's contract, so langchain-core makes the events: its
event-stream handler joins the run's callbacks, the graph runs through `astream`, and
every chain run the engine reports (`engine.integrations.lc_runs`: the graph, each node,
each subgraph, plus the models and tools a node calls) becomes on_*_start / _stream /
_end events, with names, tags, metadata (langgraph_* keys) and parent_ids. The graph's
own on_chain_stream chunks are its `astream` chunks (the graph's stream mode, `updates`
unless `stream_mode=` says otherwise).

Needs langchain-core; without it, asking for these events raises a clear ImportError.
Synchronous `stream_events` v1/v2 is not implemented by langchain-core either: it raises
NotImplementedError, as LangGraph's does.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engine.config import RunnableConfig
    from engine.pregel.compiled import CompiledStateGraph

FILTERS = ("include_names", "include_types", "include_tags",
           "exclude_names", "exclude_types", "exclude_tags")
"""The keywords that filter events; every other keyword goes to `astream`."""


def check_version(version: str) -> None:
    """v1 and v2 only ("v3" is dispatched before it gets here: `engine.stream`)."""
    if version not in ("v1", "v2"):
        raise NotImplementedError(
            f'Only versions "v1", "v2" and "v3" of the schema are supported, not {version!r}')


def astream_events(graph: CompiledStateGraph, input: Any, config: RunnableConfig | None,
                   version: str, kwargs: dict[str, Any]) -> AsyncIterator[Any]:
    """The StreamEvent dicts of one run of `graph` (see the module docstring)."""
    check_version(version)
    try:
        from engine.integrations import lc_events
    except ImportError as exc:
        raise ImportError(
            "astream_events needs langchain-core (pip install langchain-core)") from exc
    return lc_events.astream_events(graph, input, config, version, kwargs)


def stream_events(graph: CompiledStateGraph, input: Any, config: RunnableConfig | None,
                  version: str, kwargs: dict[str, Any]) -> Any:
    check_version(version)
    raise NotImplementedError(
        'stream_events(version="v1" / "v2") is not implemented (langchain-core has only '
        "the async astream_events for these versions)")
