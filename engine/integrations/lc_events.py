"""LangChain's StreamEvent streams for an engine graph (the v1 and v2 schemas).

langchain-core's event-stream handler joins the run's callbacks, the graph runs through
its `astream`, and the chain runs the engine reports become the events; see
`engine.pregel.events_v2`.
"""

from __future__ import annotations

import warnings
from collections.abc import AsyncIterator
from typing import Any

from langchain_core._api import LangChainDeprecationWarning
from langchain_core.tracers import event_stream


def astream_events(graph: Any, input: Any, config: Any, version: str,
                   kwargs: dict[str, Any]) -> AsyncIterator[Any]:
    if version == "v2":
        implementation = event_stream._astream_events_implementation_v2
    else:
        warnings.warn("astream_events version='v1' is deprecated. Use version='v2' or "
                      "astream instead.", LangChainDeprecationWarning, stacklevel=3)
        implementation = event_stream._astream_events_implementation_v1
    # The graph is duck-typed to langchain-core: it calls only its `astream`.
    return implementation(graph, input, config, **kwargs)


def tracing_enabled() -> bool:
    """LangSmith tracing is on (`tracing_context(enabled=True)`, LANGSMITH_TRACING, or a
    `tracing_v2_enabled()` block): LangChain then traces a run without callbacks given."""
    from langchain_core.tracers.context import _tracing_v2_is_enabled

    return bool(_tracing_v2_is_enabled())
