"""What the debugger needs of the runtime a graph runs on: stepscope's engine or real
LangGraph (`tracer.langgraph.debugging`). The session calls only these.
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Mapping
from typing import Any, Protocol

from engine.checkpoint.memory import InMemorySaver
from engine.clock import PausableClock
from engine.controller import Controller
from engine.events import Sink
from engine.pregel.fork import seed_fork
from engine.types import Command
from tui.debug.forking import ForkPoint


class Runtime(Protocol):
    name: str
    limits: str
    """What this runtime's debugger cannot do, for the UI and the README ("" if nothing)."""

    def prepare(self, graph: Any) -> Any:
        """The graph to run: itself, or a copy with an in-memory checkpointer."""

    def topology(self, graph: Any) -> dict[str, Any]:
        """Nodes, edges, subgraphs and state keys (breakpoints are checked against it)."""

    def run(self, graph: Any, input: Any, config: dict[str, Any], sinks: tuple[Sink, ...],
            controller: Controller, fork: Mapping[str, Any] | None,
            clock: PausableClock) -> None:
        """One root run to its end, recorded into `sinks`, paused by `controller`, timed
        by `clock` (which leaves the pauses out)."""

    def pending(self, graph: Any, config: dict[str, Any]) -> tuple[bool, tuple[Any, ...]]:
        """After a run: (whether it waits to be resumed, its interrupts' values)."""

    def resume_input(self, value: Any) -> Any:
        """The input that answers interrupt() with `value`."""

    def fork_config(self, graph: Any, point: ForkPoint, values: dict[str, Any] | None,
                    thread: str | None, new_thread: str) -> dict[str, Any]:
        """The config a fork from `point` runs with (`values`: the edited state or None;
        `thread`: the thread `point`'s run ran in, when this session ran it)."""

    def saver(self, graph: Any) -> Any:
        """The checkpointer `fork_point` reads exact fork points from, or None."""


class EngineRuntime:
    name = "stepscope"
    limits = ""

    def prepare(self, graph: Any) -> Any:
        if getattr(graph, "checkpointer", None):
            return graph
        twin = copy.copy(graph)  # interrupts, resume and time travel need checkpoints
        twin.checkpointer = InMemorySaver()
        return twin

    def topology(self, graph: Any) -> dict[str, Any]:
        described: dict[str, Any] = graph.describe()
        return described

    def run(self, graph: Any, input: Any, config: dict[str, Any], sinks: tuple[Sink, ...],
            controller: Controller, fork: Mapping[str, Any] | None,
            clock: PausableClock) -> None:
        kwargs = {"sinks": sinks, "controller": controller, "clock": clock}
        if graph.has_async_nodes:
            asyncio.run(drain(graph.astream(input, config, **kwargs)))
        else:
            for _ in graph.stream(input, config, **kwargs):
                pass

    def pending(self, graph: Any, config: dict[str, Any]) -> tuple[bool, tuple[Any, ...]]:
        snapshot = graph.get_state(config)
        return (bool(snapshot.next or snapshot.interrupts),
                tuple(i.value for i in snapshot.interrupts))

    def resume_input(self, value: Any) -> Any:
        return Command(resume=value)

    def fork_config(self, graph: Any, point: ForkPoint, values: dict[str, Any] | None,
                    thread: str | None, new_thread: str) -> dict[str, Any]:
        config = seed_fork(
            graph, new_thread, point.values if values is None else values, step=point.step,
            triggered=point.triggered, sends=point.sends, barriers=point.barriers,
            checkpoint_id=None if values is not None else point.checkpoint_id,
            fork={"run_id": point.run_id, "step": point.step})
        return dict(config)

    def saver(self, graph: Any) -> Any:
        return graph.checkpointer


async def drain(stream: Any) -> None:
    async for _ in stream:
        pass


def runtime_for(graph: Any) -> Runtime:
    """LangGraph's for a graph LangGraph compiled, else the engine's."""
    if type(graph).__module__.startswith("langgraph."):
        from tracer.langgraph.debugging import LangGraphRuntime

        return LangGraphRuntime()
    return EngineRuntime()
