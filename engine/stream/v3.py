"""`stream_events(version="v3")`: a graph run seen through a mux of transformers.

The run is the graph's own `stream(version="v2", subgraphs=True)`, asking for exactly
the stream modes the registered transformers declare; its parts are the mux's input.
The built-in transformers come first, then the graph's compile-time
`stream_transformers` (`compile(transformers=...)`), then the call's `transformers=`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from engine.config import RunnableConfig
from engine.stream.lifecycle import LifecycleTransformer, SubgraphTransformer
from engine.stream.message_events import MESSAGES_V2_KEY
from engine.stream.messages import MessagesTransformer
from engine.stream.mux import StreamMux, TransformerFactory
from engine.stream.protocol import StreamTransformer
from engine.stream.run_stream import AsyncGraphRunStream, GraphRunStream
from engine.stream.transformers import ValuesTransformer

if TYPE_CHECKING:
    from engine.pregel.compiled import CompiledStateGraph

OWNED_KWARGS = ("stream_mode", "subgraphs")
BUILTINS: tuple[TransformerFactory, ...] = (
    ValuesTransformer, MessagesTransformer, LifecycleTransformer, SubgraphTransformer)


def reject_owned_kwargs(kwargs: dict[str, Any]) -> None:
    """v3 decides the stream modes and always streams subgraphs: refuse both."""
    clash = [k for k in OWNED_KWARGS if k in kwargs]
    if clash:
        raise TypeError(
            "stream_events(version='v3') / astream_events(version='v3') do not accept "
            f"{', '.join(clash)}; v3 owns these (stream_mode is built from the transformer "
            "mux, subgraphs is forced True so nested namespaces flow through scoped muxes).")


def as_factories(specs: Sequence[Callable[[tuple[str, ...]], Any]] | None,
                 ) -> list[TransformerFactory]:
    """Transformer classes or `scope -> transformer` callables; an instance is refused,
    since a subgraph's scope needs a fresh one."""
    factories: list[TransformerFactory] = []
    for spec in specs or ():
        if isinstance(spec, StreamTransformer):
            raise TypeError(
                "stream_events(version='v3') transformers must be scope-aware callables, "
                f"got pre-built instance {type(spec).__name__}. Pass the transformer class "
                "or a factory like `lambda scope: MyTransformer(scope, ...)`.")
        if not callable(spec):
            raise TypeError("stream_events(version='v3') transformers must be scope-aware "
                            f"callables, got {type(spec).__name__}.")
        factories.append(spec)
    return factories


def stream_modes(mux: StreamMux) -> list[str]:
    modes: list[str] = []
    for t in mux._transformers:
        for mode in getattr(t, "required_stream_modes", ()):
            if mode not in modes:
                modes.append(mode)
    return modes


def parent_scope(config: RunnableConfig | None) -> tuple[str, ...]:
    """The namespace this run's own events carry.

    Inside a node it is () whatever the config says: the engine reports a graph streamed
    from a node relative to that node's task (LangGraph reports it under the task's
    namespace and scopes the run to that). At the root, a `checkpoint_ns` in the config
    scopes the run to it, as in LangGraph.
    """
    from engine.pregel.task import peek_current

    if peek_current() is not None:
        return ()
    ns = ((config or {}).get("configurable") or {}).get("checkpoint_ns")
    return tuple(str(ns).split("|")) if ns else ()


def _build(graph: CompiledStateGraph, config: RunnableConfig | None,
           transformers: Sequence[Callable[[tuple[str, ...]], Any]] | None,
           is_async: bool) -> tuple[StreamMux, dict[str, Any], list[str]]:
    factories = [*BUILTINS, *as_factories(getattr(graph, "stream_transformers", ())),
                 *as_factories(transformers)]
    mux = StreamMux(factories=factories, scope=parent_scope(config), is_async=is_async)
    run_config: dict[str, Any] = dict(config or {})
    run_config["configurable"] = {**(run_config.get("configurable") or {}),
                                  MESSAGES_V2_KEY: True}
    return mux, run_config, stream_modes(mux)


def open_run(graph: CompiledStateGraph, input: Any, config: RunnableConfig | None,
             transformers: Sequence[Callable[[tuple[str, ...]], Any]] | None,
             kwargs: dict[str, Any]) -> GraphRunStream:
    reject_owned_kwargs(kwargs)
    mux, run_config, modes = _build(graph, config, transformers, is_async=False)
    parts = graph.stream(input, run_config, stream_mode=modes,  # type: ignore[arg-type]
                         subgraphs=True, version="v2", **kwargs)
    return GraphRunStream(iter(parts), mux)


async def aopen_run(graph: CompiledStateGraph, input: Any, config: RunnableConfig | None,
                    transformers: Sequence[Callable[[tuple[str, ...]], Any]] | None,
                    kwargs: dict[str, Any]) -> AsyncGraphRunStream:
    mux, run_config, modes = _build(graph, config, transformers, is_async=True)
    parts = graph.astream(input, run_config, stream_mode=modes,  # type: ignore[arg-type]
                          subgraphs=True, version="v2", **kwargs)
    return AsyncGraphRunStream(parts.__aiter__(), mux)
