"""The debugger on real LangGraph: run, pause, resume and fork a LangGraph graph.

The pauses come from the loop observer (`Control.controller`): before a step (after
LangGraph planned it), before each of its tasks, after each task (its writes handed
in), after the step (its writes applied), and on tokens. What LangGraph's loop does not
let an observer do is not offered: a step's tasks start together once the step's
"before" pauses are passed (the engine starts each task as its pause is passed), and a
retry inside a task cannot be paused.

Resume and fork are LangGraph's own: `Command(resume=…)`, and `update_state` on the
checkpoint of the step forked from (values set with `Overwrite`, so reducers do not
add them again), then a run from the new checkpoint in the same thread: a fork is a run
of the thread it branches. A fork of a recorded trace starts from the checkpoint the
trace names, when the program's checkpointer still has it (a persistent one); else it
seeds a new thread with the step's state.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import uuid
from collections.abc import Mapping
from typing import Any, Protocol

from engine.clock import PausableClock
from engine.controller import Controller
from engine.events import Sink, attach
from engine.messages import BaseMessage as EngineMessage
from tracer.langgraph import check_version
from tracer.langgraph.observer import Control
from tracer.langgraph.topology import describe, needs_async


class ForkPoint(Protocol):
    """What a fork needs of the debugger's fork point (tui.debug.forking.ForkPoint)."""

    @property
    def step(self) -> int: ...
    @property
    def values(self) -> dict[str, Any]: ...
    @property
    def ran(self) -> tuple[str, ...]: ...
    @property
    def checkpoint_id(self) -> str | None: ...
    @property
    def thread_id(self) -> str | None: ...

LIMITS = ("a step's tasks start together once all its 'before' pauses are "
          "passed, and retries inside a task are not paused")


class LangGraphRuntime:
    name = "langgraph"
    limits = LIMITS

    def prepare(self, graph: Any) -> Any:
        check_version()
        from tracer.langgraph.patch import install

        install()
        if getattr(graph, "checkpointer", None):
            return graph
        from langgraph.checkpoint.memory import InMemorySaver

        twin = copy.copy(graph)  # interrupts, resume and forks need checkpoints
        twin.checkpointer = InMemorySaver()
        return twin

    def topology(self, graph: Any) -> dict[str, Any]:
        return describe(graph)

    def run(self, graph: Any, input: Any, config: dict[str, Any], sinks: tuple[Sink, ...],
            controller: Controller, fork: Mapping[str, Any] | None,
            clock: PausableClock) -> None:
        config = dict(config)
        if isinstance(config.get("run_id"), str):
            config["run_id"] = uuid.UUID(config["run_id"])
        Control.controller, Control.fork = controller, dict(fork) if fork else None
        Control.clock_ns = clock.monotonic_ns
        try:
            with contextlib.ExitStack() as stack:
                for sink in sinks:
                    stack.enter_context(attach(sink))
                if needs_async(graph):
                    asyncio.run(_drain(graph.astream(input, config)))
                else:
                    for _ in graph.stream(input, config):
                        pass
        finally:
            Control.controller = Control.fork = None
            Control.clock_ns = None

    def pending(self, graph: Any, config: dict[str, Any]) -> tuple[bool, tuple[Any, ...]]:
        snapshot = graph.get_state(_latest(config))
        return (bool(snapshot.next or snapshot.interrupts),
                tuple(i.value for i in snapshot.interrupts))

    def resume_input(self, value: Any) -> Any:
        from langgraph.types import Command

        return Command(resume=value)

    def fork_config(self, graph: Any, point: ForkPoint, values: dict[str, Any] | None,
                    thread: str | None, new_thread: str) -> dict[str, Any]:
        from langgraph.types import Overwrite

        source = _checkpoint_at(graph, thread, point.step) if thread else None
        if source is None and point.checkpoint_id and point.thread_id:
            source = _saved(graph, point.thread_id, point.checkpoint_id)
        if source is not None:
            if values is None:
                return dict(source.config)  # re-run from the step's own checkpoint
            channels = getattr(graph, "channels", {}) or {}
            edited = {k: _langchain(v) for k, v in values.items()
                      if k not in point.values or v is not point.values[k]}
            for key, value in edited.items():  # a reducer would add to the old value
                if type(channels.get(key)).__name__ == "BinaryOperatorAggregate":
                    edited[key] = Overwrite(value)
            return _update(graph, source.config, edited, None)
        # No checkpoint of that step here (a recorded trace): seed a new thread with it,
        # as written by the node that ran the step, so its edges plan the next step.
        nodes = point.ran
        if len(nodes) != 1:
            raise ValueError(
                f"step {point.step} ran {len(nodes)} nodes ({', '.join(nodes) or 'none'}); "
                "LangGraph can seed a fork only as one node's update: fork a step that "
                "ran one node, or fork in the session that made the run")
        state = point.values if values is None else values
        seeded = {"configurable": {"thread_id": new_thread}}
        return _update(graph, seeded, {k: _langchain(v) for k, v in state.items()}, nodes[0])

    def saver(self, graph: Any) -> Any:
        return None  # fork points on LangGraph come from its state history (fork_config)


def _update(graph: Any, config: dict[str, Any], values: dict[str, Any],
            as_node: str | None) -> dict[str, Any]:
    try:
        return dict(graph.update_state(config, values, as_node=as_node))
    except Exception as exc:  # LangGraph's own refusal, said as it is
        raise ValueError(f"LangGraph's update_state refused the state: "
                         f"{type(exc).__name__}: {exc}") from exc


def _latest(config: dict[str, Any]) -> dict[str, Any]:
    """The thread's latest checkpoint, not the one a fork started from."""
    configurable = {k: v for k, v in config.get("configurable", {}).items()
                    if k != "checkpoint_id"}
    return {**config, "configurable": configurable}


def _saved(graph: Any, thread: str, checkpoint_id: str) -> Any:
    """The checkpoint a trace recorded, if the graph's checkpointer still has it (a
    persistent one, or the same process)."""
    try:
        snapshot = graph.get_state({"configurable": {
            "thread_id": thread, "checkpoint_ns": "", "checkpoint_id": checkpoint_id}})
    except Exception:
        return None
    configurable = (snapshot.config or {}).get("configurable", {})
    return snapshot if configurable.get("checkpoint_id") == checkpoint_id else None


def _checkpoint_at(graph: Any, thread: str, step: int) -> Any:
    for snapshot in graph.get_state_history({"configurable": {"thread_id": thread}}):
        metadata = snapshot.metadata or {}
        if metadata.get("step") == step and metadata.get("source") in ("loop", "input",
                                                                       "update", "fork"):
            return snapshot
    return None


def _langchain(value: Any) -> Any:
    """A value read from a trace (or edited) with LangChain's message classes, which a
    LangGraph state holds, in place of the reader's."""
    if isinstance(value, list) and any(isinstance(v, EngineMessage) for v in value):
        from langchain_core.messages import convert_to_messages

        return convert_to_messages([_message_dict(v) for v in value])
    if isinstance(value, EngineMessage):
        return _langchain([value])[0]
    return value


def _message_dict(value: Any) -> Any:
    if not isinstance(value, EngineMessage):
        return value
    fields = {k: v for k, v in value.model_dump().items() if v not in (None, [], {})}
    fields["role"] = fields.pop("type", "human")
    return fields


async def _drain(stream: Any) -> None:
    async for _ in stream:
        pass
