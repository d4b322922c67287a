"""`Runtime` in nodes and branches, `get_runtime()`, `context=`, `RunControl` drains:
expected values are what LangGraph 1.2.22 does in the same cases (observed with small
graphs; LangGraph is not imported here)."""

from __future__ import annotations

import asyncio
import dataclasses
from dataclasses import dataclass
from typing import Any, TypedDict

import pytest
from pydantic import BaseModel, ValidationError

from engine.checkpoint.memory import InMemorySaver
from engine.errors import GraphDrained, NodeCancelledError
from engine.events import capture_events
from engine.graph import END, START, StateGraph
from engine.runtime import (
    DEFAULT_RUNTIME,
    ExecutionInfo,
    RunControl,
    Runtime,
    ServerInfo,
    get_runtime,
)
from engine.types import RetryPolicy


@dataclass
class Ctx:
    user: str
    level: int = 1


class S(TypedDict, total=False):
    out: str
    second: str


def one_node(fn: Any, context_schema: Any = None, **compile_kw: Any) -> Any:
    return (StateGraph(S, context_schema=context_schema).add_node("n", fn)
            .add_edge(START, "n").add_edge("n", END).compile(**compile_kw))


def two_nodes(first: Any, second: Any, **compile_kw: Any) -> Any:
    return (StateGraph(S).add_node("first", first).add_node("second", second)
            .add_edge(START, "first").add_edge("first", "second").add_edge("second", END)
            .compile(**compile_kw))


class TestRuntimeValue:
    """The Runtime dataclass itself."""

    def test_defaults(self) -> None:
        """Every field defaults to None or a no-op, as DEFAULT_RUNTIME shows."""
        rt: Runtime[Any] = Runtime()
        assert rt == DEFAULT_RUNTIME
        assert (rt.context, rt.store, rt.execution_info, rt.server_info, rt.control) == (
            None, None, None, None, None)
        rt.stream_writer("x")  # no-ops: nothing to observe but that they do not raise
        rt.heartbeat()
        assert not rt.drain_requested and rt.drain_reason is None

    def test_frozen_and_keyword_only(self) -> None:
        """Fields cannot be reassigned nor given by position."""
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(Runtime(), "context", 1)  # noqa: B010
        with pytest.raises(TypeError):
            Runtime(Ctx("a"))  # type: ignore[call-arg]

    def test_merge_prefers_the_other_runtimes_truthy_values(self) -> None:
        """merge takes `other`'s values where it has them, this one's elsewhere."""
        control = RunControl()
        first: Runtime[Ctx] = Runtime(context=Ctx("a"), control=control, previous=0)
        assert first.merge(Runtime(context=Ctx("b"))).context == Ctx("b")
        merged = first.merge(Runtime())
        assert merged.context == Ctx("a") and merged.control is control
        assert merged.previous == 0

    def test_override_and_patch_execution_info(self) -> None:
        """override replaces fields; patch_execution_info needs an execution info."""
        rt: Runtime[Ctx] = Runtime(context=Ctx("a"))
        assert rt.override(context=Ctx("b")).context == Ctx("b")
        assert rt.context == Ctx("a")
        with pytest.raises(RuntimeError, match="before it has been set"):
            rt.patch_execution_info(node_attempt=2)
        info = ExecutionInfo(checkpoint_id="c", checkpoint_ns="n:t", task_id="t")
        patched = rt.override(execution_info=info).patch_execution_info(node_attempt=3)
        assert patched.execution_info is not None
        assert patched.execution_info.node_attempt == 3 and info.node_attempt == 1

    def test_server_info_is_frozen(self) -> None:
        """ServerInfo's user defaults to None; it cannot be changed."""
        info = ServerInfo(assistant_id="a", graph_id="g")
        assert info.user is None
        with pytest.raises(AttributeError):
            info.graph_id = "h"  # type: ignore[misc]


class TestContext:
    """`context=` reaches nodes, branches and subgraphs, coerced to `context_schema`."""

    def test_dataclass_context_from_a_dict(self) -> None:
        """A dict becomes the dataclass, defaults filled in."""
        graph = one_node(lambda s, runtime: {"out": f"{runtime.context}"}, Ctx)
        assert graph.invoke({}, context={"user": "ann"}) == {"out": "Ctx(user='ann', level=1)"}
        assert graph.invoke({}, context=Ctx("bo", 2)) == {"out": "Ctx(user='bo', level=2)"}
        assert graph.invoke({}) == {"out": "None"}

    def test_bad_dataclass_keys_raise_type_error(self) -> None:
        """A missing or unknown key fails before any node runs."""
        graph = one_node(lambda s, runtime: {"out": "ran"}, Ctx)
        with pytest.raises(TypeError):
            graph.invoke({}, context={"level": 3})
        with pytest.raises(TypeError):
            graph.invoke({}, context={"user": "a", "nope": 1})

    def test_pydantic_context_validates(self) -> None:
        """A pydantic schema validates the dict (its ValidationError propagates)."""

        class P(BaseModel):
            user: str
            level: int = 1

        graph = one_node(lambda s, runtime: {"out": repr(runtime.context)}, P)
        assert graph.invoke({}, context={"user": "a", "level": "2"}) == {
            "out": "P(user='a', level=2)"}
        with pytest.raises(ValidationError):
            graph.invoke({}, context={"user": "a", "level": "x"})

    def test_typeddict_context_stays_a_dict(self) -> None:
        """A TypedDict schema leaves the dict as it is."""

        class T(TypedDict):
            user: str

        graph = one_node(lambda s, runtime: {"out": type(runtime.context).__name__}, T)
        assert graph.invoke({}, context={"user": "a"}) == {"out": "dict"}

    def test_get_runtime_branch_and_subgraph_see_the_context(self) -> None:
        """get_runtime() in a node, a branch's runtime and a subgraph's nodes all see
        the root run's context (async run)."""
        seen: list[str] = []

        async def sub_node(state: S, runtime: Runtime[Ctx]) -> dict[str, Any]:
            return {"second": runtime.context.user}

        sub = (StateGraph(S).add_node("sub_node", sub_node).add_edge(START, "sub_node")
               .compile())

        def main(state: S) -> dict[str, Any]:
            return {"out": get_runtime(Ctx).context.user}

        def route(state: S, runtime: Runtime[Ctx]) -> str:
            seen.append(runtime.context.user)
            return "sub"

        graph = (StateGraph(S, context_schema=Ctx).add_node("main", main)
                 .add_node("sub", sub).add_edge(START, "main")
                 .add_conditional_edges("main", route, ["sub"]).compile())
        result = asyncio.run(graph.ainvoke({}, context={"user": "zoe"}))
        assert result == {"out": "zoe", "second": "zoe"} and seen == ["zoe"]

    def test_get_runtime_outside_a_run(self) -> None:
        """Outside a node there is no runtime to get."""
        with pytest.raises(RuntimeError):
            get_runtime()

    def test_store_is_the_graphs(self) -> None:
        """runtime.store and an injected `store` are the graph's store."""
        store = object()
        graph = one_node(lambda s, runtime, store: {"out": str(runtime.store is store)},
                         store=store)
        assert graph.invoke({}) == {"out": "True"}


class TestExecutionInfo:
    """runtime.execution_info names the task, its checkpoint and the attempt."""

    def test_fields_in_a_checkpointed_run(self) -> None:
        """thread_id from configurable, ns and task id of the task, first attempt."""
        infos: list[ExecutionInfo] = []

        def n(state: S, runtime: Runtime) -> dict[str, Any]:
            assert runtime.execution_info is not None
            infos.append(runtime.execution_info)
            return {"out": "x"}

        graph = one_node(n, checkpointer=InMemorySaver())
        config: Any = {"configurable": {"thread_id": "t-1"}}
        graph.invoke({}, config)
        (info,) = infos
        assert info.thread_id == "t-1" and info.run_id is None
        assert info.checkpoint_ns == f"n:{info.task_id}"
        assert info.node_attempt == 1 and isinstance(info.node_first_attempt_time, float)
        # The task was planned from the checkpoint saved after the input step.
        history = list(graph.get_state_history(config))
        assert info.checkpoint_id == history[-2].config["configurable"]["checkpoint_id"]

    def test_attempt_counts_retries_and_first_time_stays(self) -> None:
        """A retried node sees attempts 1, 2, 3 with one first-attempt time."""
        infos: list[ExecutionInfo] = []

        def n(state: S, runtime: Runtime) -> dict[str, Any]:
            assert runtime.execution_info is not None
            infos.append(runtime.execution_info)
            if len(infos) < 3:
                raise ConnectionError("flaky")
            return {"out": "ok"}

        graph = (StateGraph(S).add_node("n", n, retry_policy=RetryPolicy(
            initial_interval=0.001, jitter=False)).add_edge(START, "n").compile())
        assert graph.invoke({}, {"run_id": "r-1"}) == {"out": "ok"}
        assert [i.node_attempt for i in infos] == [1, 2, 3]
        assert len({i.node_first_attempt_time for i in infos}) == 1
        assert {i.run_id for i in infos} == {"r-1"} and infos[0].thread_id is None

    def test_subgraph_namespace_is_nested(self) -> None:
        """A subgraph node's checkpoint_ns is `parent:<id>|child:<id>`."""
        infos: list[ExecutionInfo] = []

        def inner(state: S, runtime: Runtime) -> dict[str, Any]:
            assert runtime.execution_info is not None
            infos.append(runtime.execution_info)
            return {"out": "in"}

        sub = StateGraph(S).add_node("inner", inner).add_edge(START, "inner").compile()
        graph = StateGraph(S).add_node("outer", sub).add_edge(START, "outer").compile()
        graph.invoke({})
        outer, rest = infos[0].checkpoint_ns.split("|")
        assert outer.startswith("outer:") and rest == f"inner:{infos[0].task_id}"

    def test_server_info_from_configurable(self) -> None:
        """assistant_id / graph_id / an auth user with an identity make a ServerInfo."""
        seen: list[Any] = []

        def n(state: S, runtime: Runtime) -> dict[str, Any]:
            seen.append(runtime.server_info)
            return {}

        class User:
            identity = "u1"

        graph = one_node(n)
        graph.invoke({})
        graph.invoke({}, {"configurable": {"graph_id": "g", "langgraph_auth_user": User()}})
        graph.invoke({}, {"configurable": {"langgraph_auth_user": {"no": "identity"}}})
        assert seen[0] is None and seen[2] is None
        assert (seen[1].assistant_id, seen[1].graph_id, seen[1].user.identity) == (
            "", "g", "u1")


class TestDrain:
    """RunControl.request_drain stops the run at the next step boundary."""

    def test_drain_stops_before_the_next_step(self) -> None:
        """A drain asked in step 1 stops the run before step 2, with GraphDrained;
        the run_end event says "stopped"."""
        control = RunControl()
        ran: list[str] = []

        def first(state: S) -> dict[str, Any]:
            control.request_drain("sigterm")
            return {"out": "1"}

        def second(state: S) -> dict[str, Any]:
            ran.append("second")
            return {"second": "2"}

        graph = two_nodes(first, second)
        with capture_events() as events, pytest.raises(GraphDrained, match="sigterm") as info:
            graph.invoke({}, control=control)
        assert info.value.reason == "sigterm" and ran == []
        assert [e.data["status"] for e in events if e.kind == "run_end"] == ["stopped"]

    def test_drained_run_resumes_from_its_checkpoint(self) -> None:
        """The checkpoint saved before the drain resumes the run with None."""
        control = RunControl()

        def first(state: S) -> dict[str, Any]:
            control.request_drain()
            return {"out": "1"}

        graph = two_nodes(first, lambda s: {"second": "2"}, checkpointer=InMemorySaver())
        config: Any = {"configurable": {"thread_id": "d"}}
        with pytest.raises(GraphDrained, match="shutdown"):
            graph.invoke({}, config, control=control)
        assert graph.invoke(None, config) == {"out": "1", "second": "2"}

    def test_drain_in_the_last_step_finishes_normally(self) -> None:
        """Nothing left to run: the run ends as usual."""
        control = RunControl()
        def n(state: S) -> dict[str, Any]:
            control.request_drain()
            return {"out": "done"}

        graph = one_node(n)
        assert graph.invoke({}, control=control) == {"out": "done"}

    def test_pre_drained_control_runs_nothing(self) -> None:
        """A control drained before the run stops it before its first task (async)."""
        control = RunControl()
        control.request_drain("early")
        ran: list[str] = []

        async def n(state: S) -> dict[str, Any]:
            ran.append("n")
            return {}

        with pytest.raises(GraphDrained, match="early"):
            asyncio.run(one_node(n).ainvoke({}, control=control))
        assert ran == []


class TestCancellation:
    """Cancelling an async run cancels its running nodes; a node's own
    CancelledError is a failure."""

    def test_cancelled_run_cancels_its_async_node(self) -> None:
        """The node gets CancelledError at its await; the next node never runs."""
        log: list[str] = []

        async def slow(state: S) -> dict[str, Any]:
            try:
                await asyncio.sleep(30)
            except asyncio.CancelledError:
                log.append("cancelled")
                raise
            return {}

        def second(state: S) -> dict[str, Any]:
            log.append("second")
            return {}

        async def main() -> None:
            graph = two_nodes(slow, second)
            job = asyncio.ensure_future(graph.ainvoke({}))
            await asyncio.sleep(0.05)
            job.cancel()
            with pytest.raises(asyncio.CancelledError):
                await job

        asyncio.run(main())
        assert log == ["cancelled"]

    def test_node_raising_cancelled_error_fails_the_run(self) -> None:
        """A node's own CancelledError surfaces as NodeCancelledError naming it."""

        async def boom(state: S) -> dict[str, Any]:
            raise asyncio.CancelledError("mine")

        with pytest.raises(NodeCancelledError) as info:
            asyncio.run(one_node(boom).ainvoke({}))
        assert info.value.node == "n" and "raised asyncio.CancelledError" in str(info.value)
