"""Error handlers (`add_node(error_handler=...)`) and `set_node_defaults`: expected values
are what LangGraph 1.2.22 does in the same cases (observed with small graphs;
LangGraph is not imported here)."""

from __future__ import annotations

import asyncio
import operator
from typing import Annotated, Any, TypedDict

import pytest

from engine.checkpoint.memory import InMemorySaver
from engine.config import RunnableConfig
from engine.errors import NodeError
from engine.events import capture_events
from engine.graph import END, START, StateGraph
from engine.types import Command, RetryPolicy, interrupt

NO_WAIT = RetryPolicy(initial_interval=0.0, jitter=False, max_attempts=2, retry_on=RuntimeError)


class S(TypedDict, total=False):
    log: Annotated[list[str], operator.add]


def fails(message: str, runs: list[str] | None = None) -> Any:
    def node(state: S) -> dict[str, Any]:
        if runs is not None:
            runs.append(message)
        raise RuntimeError(message)
    return node


def writes(value: str) -> Any:
    return lambda state: {"log": [value]}


class TestNodeErrorHandler:
    """A node's own error handler runs in its place when it fails for good."""

    def test_handler_update_and_goto_stand_for_the_node(self) -> None:
        """The handler sees the node's input and its NodeError; its Command routes,
        the failed node's own edge does not fire."""
        seen: list[Any] = []

        def handler(state: S, error: NodeError) -> Command[Any]:
            seen.append((dict(state), error.node, str(error.error)))
            return Command(update={"log": ["handled"]}, goto="rescue")

        graph = (StateGraph(S).add_node("bad", fails("boom"), error_handler=handler)
                 .add_node("after", writes("after")).add_node("rescue", writes("rescue"))
                 .add_edge(START, "bad").add_edge("bad", "after").compile())
        assert graph.invoke({"log": ["in"]}) == {"log": ["in", "handled", "rescue"]}
        assert seen == [({"log": ["in"]}, "bad", "boom")]

    def test_handler_runs_after_retries_are_spent(self) -> None:
        """Retries first (max_attempts runs), then the handler, once."""
        runs: list[str] = []
        graph = (StateGraph(S)
                 .add_node("bad", fails("boom", runs), retry_policy=NO_WAIT,
                           error_handler=lambda s: {"log": ["handled"]})
                 .add_edge(START, "bad").compile())
        assert graph.invoke({}) == {"log": ["handled"]}
        assert runs == ["boom", "boom"]

    def test_failing_handler_fails_the_run(self) -> None:
        """A handler's own error is final."""
        graph = (StateGraph(S).add_node("bad", fails("boom"), error_handler=fails("worse"))
                 .add_edge(START, "bad").compile())
        with pytest.raises(RuntimeError, match="worse"):
            graph.invoke({})

    def test_sibling_results_and_events(self) -> None:
        """The sibling's writes merge with the handler's; the failed task ends with its
        error, then the handler task starts and ends (named __error_handler__bad); the
        tasks stream shows the handler's result only."""
        graph = (StateGraph(S).add_node("bad", fails("boom"),
                                        error_handler=lambda s: {"log": ["handled"]})
                 .add_node("ok", writes("ok")).add_edge(START, "bad").add_edge(START, "ok")
                 .compile())
        with capture_events() as events:
            chunks = list(graph.stream({}, stream_mode=["updates", "tasks"]))
        assert sorted(graph.invoke({})["log"]) == ["handled", "ok"]
        kinds = [(e.kind, e.data.get("name")) for e in events
                 if e.kind in ("task_start", "task_end")]
        assert kinds.index(("task_end", "bad")) < kinds.index(
            ("task_start", "__error_handler__bad")) < kinds.index(
            ("task_end", "__error_handler__bad"))
        names = [(mode, c.get("name"), "error" in c) for mode, c in chunks if mode == "tasks"]
        assert ("tasks", "__error_handler__bad", False) not in names
        assert ("tasks", "__error_handler__bad", True) in names
        assert ("updates", {"__error_handler__bad": {"log": ["handled"]}}) in chunks

    def test_interrupt_is_not_an_error(self) -> None:
        """interrupt() in a node with a handler still pauses the run."""

        def asks(state: S) -> dict[str, Any]:
            return {"log": [interrupt("q")]}

        graph = (StateGraph(S).add_node("asks", asks, error_handler=writes("handled"))
                 .add_edge(START, "asks").compile(checkpointer=InMemorySaver()))
        config: RunnableConfig = {"configurable": {"thread_id": "i"}}
        assert "__interrupt__" in graph.invoke({}, config)
        assert graph.invoke(Command(resume="a"), config) == {"log": ["a"]}

    def test_async_handler(self) -> None:
        """Async nodes and handlers work alike."""

        async def bad(state: S) -> dict[str, Any]:
            raise ValueError("async boom")

        async def handler(state: S, error: NodeError) -> dict[str, Any]:
            return {"log": [f"handled {error.error}"]}

        graph = (StateGraph(S).add_node("bad", bad, error_handler=handler)
                 .add_node("ok", writes("ok")).add_edge(START, "bad").add_edge(START, "ok")
                 .compile())
        result = asyncio.run(graph.ainvoke({}))
        assert sorted(result["log"]) == ["handled async boom", "ok"]

    def test_resume_reruns_the_handler_not_the_node(self) -> None:
        """After a handler crash, a resume runs the handler again with the node's
        error; the node itself does not run again."""
        runs: list[str] = []
        crash = [True]

        def handler(state: S, error: NodeError) -> dict[str, Any]:
            runs.append(f"handler:{error.error}")
            if crash[0]:
                raise RuntimeError("handler crash")
            return {"log": ["recovered"]}

        graph = (StateGraph(S).add_node("bad", fails("boom", runs), error_handler=handler)
                 .add_edge(START, "bad").compile(checkpointer=InMemorySaver()))
        config: RunnableConfig = {"configurable": {"thread_id": "r"}}
        with pytest.raises(RuntimeError, match="handler crash"):
            graph.invoke({}, config)
        crash[0] = False
        assert graph.invoke(None, config) == {"log": ["recovered"]}
        assert runs == ["boom", "handler:boom", "handler:boom"]

    def test_handler_node_is_in_the_graph(self) -> None:
        """The handler is a node of its own (listed before the node it handles)."""
        graph = (StateGraph(S).add_node("bad", fails("x"), error_handler=writes("h"))
                 .add_edge(START, "bad").compile())
        assert list(graph.get_graph().nodes) == [
            "__start__", "__error_handler__bad", "bad", "__end__"]

    def test_name_collision(self) -> None:
        """A node already named like the handler is refused."""
        builder = StateGraph(S).add_node("__error_handler__bad", writes("x"))
        with pytest.raises(ValueError, match="already exists"):
            builder.add_node("bad", fails("x"), error_handler=writes("h"))


class TestNodeDefaults:
    """set_node_defaults: per-node values win; applied at compile time."""

    def test_default_handler_catches_every_node(self) -> None:
        """Any failing node without its own handler goes to the default one."""
        seen: list[str] = []

        def default(state: S, error: NodeError) -> dict[str, Any]:
            seen.append(error.node)
            return {"log": [f"default:{error.node}"]}

        graph = (StateGraph(S).add_node("a", fails("a"))
                 .add_node("b", fails("b"), error_handler=writes("own:b"))
                 .add_edge(START, "a").add_edge(START, "b")
                 .set_node_defaults(error_handler=default).compile())
        assert sorted(graph.invoke({})["log"]) == ["default:a", "own:b"]
        assert seen == ["a"]

    def test_default_handler_does_not_handle_handlers(self) -> None:
        """A node's handler that fails is not caught by the default handler."""
        graph = (StateGraph(S).set_node_defaults(error_handler=writes("default"))
                 .add_node("a", fails("a"), error_handler=fails("own failed"))
                 .add_edge(START, "a").compile())
        with pytest.raises(RuntimeError, match="own failed"):
            graph.invoke({})

    def test_default_retry_policy_and_per_node_override(self) -> None:
        """The default retry policy applies where a node has none of its own."""
        runs: list[str] = []
        once = RetryPolicy(max_attempts=1)
        graph = (StateGraph(S).set_node_defaults(retry_policy=NO_WAIT)
                 .add_node("a", fails("a", runs)).add_node("b", fails("b", runs),
                                                          retry_policy=once)
                 .add_edge(START, "a").add_edge(START, "b")
                 .set_node_defaults(error_handler=writes("h")).compile())
        graph.invoke({})
        assert sorted(runs) == ["a", "a", "b"]

    def test_default_handler_name_collision(self) -> None:
        """A user node named __default_error_handler__ is refused at compile time."""
        builder = (StateGraph(S).set_node_defaults(error_handler=writes("h"))
                   .add_node("__default_error_handler__", writes("x"))
                   .add_edge(START, "__default_error_handler__"))
        with pytest.raises(ValueError, match="__default_error_handler__"):
            builder.compile()

    def test_compiling_twice(self) -> None:
        """The default handler node is added once, however often the graph compiles."""
        builder = (StateGraph(S).set_node_defaults(error_handler=writes("h"))
                   .add_node("a", fails("a")).add_edge(START, "a").add_edge("a", END))
        builder.compile()
        assert builder.compile().invoke({}) == {"log": ["h"]}
