"""`stream_events(version="v3")` on real graphs: projections, lifecycle, subgraph
handles, custom transformers, errors — and the raw event sequence compared with what
LangGraph 1.2.22 produces for the same graph (when langgraph is installed)."""

from __future__ import annotations

import asyncio
import importlib
import operator
import warnings
from types import SimpleNamespace
from typing import Annotated, Any

import pytest
from typing_extensions import TypedDict

from engine.checkpoint.memory import InMemorySaver
from engine.stream import (
    AsyncGraphRunStream,
    GraphRunStream,
    ProtocolEvent,
    StreamChannel,
    StreamTransformer,
    SubgraphRunStream,
    UpdatesTransformer,
)


class State(TypedDict):
    value: str
    items: Annotated[list[str], operator.add]


def _api(pkg: str) -> SimpleNamespace:
    """The names a graph needs, from `engine` or from `langgraph`."""
    graph = importlib.import_module(f"{pkg}.graph")
    types = importlib.import_module(f"{pkg}.types")
    memory = importlib.import_module(f"{pkg}.checkpoint.memory")
    return SimpleNamespace(StateGraph=graph.StateGraph, START=graph.START, END=graph.END,
                           interrupt=types.interrupt, InMemorySaver=memory.InMemorySaver)


def nested_graph(api: SimpleNamespace) -> Any:
    """router -> inner (a subgraph: process -> deep (a subgraph: leaf))."""

    def step(tag: str) -> Any:
        def node(state: State) -> dict[str, Any]:
            return {"value": state["value"] + tag, "items": [tag]}
        return node

    deep = api.StateGraph(State)
    deep.add_node("leaf", step("L"))
    deep.add_edge(api.START, "leaf")
    inner = api.StateGraph(State)
    inner.add_node("process", step("P"))
    inner.add_node("deep", deep.compile())
    inner.add_edge(api.START, "process")
    inner.add_edge("process", "deep")
    outer = api.StateGraph(State)
    outer.add_node("router", step("R"))
    outer.add_node("inner", inner.compile())
    outer.add_edge(api.START, "router")
    outer.add_edge("router", "inner")
    outer.add_edge("inner", api.END)
    return outer.compile()


def interrupt_graph(api: SimpleNamespace) -> Any:
    def ask(state: State) -> dict[str, Any]:
        answer = api.interrupt("approve?")
        return {"value": state["value"] + str(answer), "items": ["asked"]}

    builder = api.StateGraph(State)
    builder.add_node("first", lambda s: {"value": s["value"] + "1", "items": ["first"]})
    builder.add_node("ask", ask)
    builder.add_edge(api.START, "first")
    builder.add_edge("first", "ask")
    return builder.compile(checkpointer=api.InMemorySaver())


def interrupted_subgraph(api: SimpleNamespace) -> Any:
    """A subgraph whose only node interrupts."""

    def ask(state: State) -> dict[str, Any]:
        return {"value": str(api.interrupt("q?"))}

    sub = api.StateGraph(State)
    sub.add_node("ask", ask)
    sub.add_edge(api.START, "ask")
    outer = api.StateGraph(State)
    outer.add_node("sub", sub.compile())
    outer.add_edge(api.START, "sub")
    return outer.compile(checkpointer=api.InMemorySaver())


def _shape(events: list[ProtocolEvent]) -> list[tuple[Any, ...]]:
    """Events without what differs run to run: task ids in namespaces and lifecycle
    payloads, timestamps."""

    def names(ns: list[str]) -> tuple[str, ...]:
        return tuple(seg.split(":")[0] for seg in ns)

    out: list[tuple[Any, ...]] = []
    for e in events:
        data = e["params"]["data"]
        if e["method"] == "lifecycle":
            data = (data["event"], names(data["namespace"]), data.get("graph_name"))
        out.append((e["seq"], e["method"], names(e["params"]["namespace"]), data))
    return out


def _langgraph_run(builder: Any, *args: Any, **kwargs: Any) -> list[ProtocolEvent]:
    pytest.importorskip("langgraph.stream")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        graph = builder(_api("langgraph"))
        return list(graph.stream_events(*args, version="v3", **kwargs))


class TestAgainstLangGraph:
    """The same graph, the same raw protocol events (ids and timestamps aside)."""

    def test_nested_subgraphs(self) -> None:
        """Values at every depth and lifecycle for both subgraph levels, in order."""
        inp = {"value": "x", "items": []}
        ours = list(nested_graph(_api("engine")).stream_events(inp, version="v3"))
        assert _shape(ours) == _shape(_langgraph_run(nested_graph, inp))

    def test_interrupt(self) -> None:
        """The interrupted run's values event carries the interrupt."""
        inp = {"value": "x", "items": []}
        cfg = {"configurable": {"thread_id": "t"}}
        ours = list(interrupt_graph(_api("engine")).stream_events(inp, cfg, version="v3"))
        theirs = _langgraph_run(interrupt_graph, inp, cfg)
        assert _shape(ours) == _shape(theirs)
        assert [i.value for i in ours[-1]["params"]["interrupts"]] == ["approve?"]


    def test_interrupt_inside_a_subgraph(self) -> None:
        """The subgraph's `interrupted` comes after the root's interrupted values, as the
        interrupted task's result follows the interrupt in the graph's stream."""
        inp = {"value": "x", "items": []}
        cfg = {"configurable": {"thread_id": "t"}}
        ours = list(interrupted_subgraph(_api("engine")).stream_events(inp, cfg, version="v3"))
        theirs = _langgraph_run(interrupted_subgraph, inp, cfg)
        assert _shape(ours) == _shape(theirs)
        assert [e["method"] for e in ours[-2:]] == ["values", "lifecycle"]


def test_interrupted_task_result_follows_the_interrupt_in_v2_streams() -> None:
    """tasks/debug results of an interrupted task come after its updates and values."""
    graph = interrupted_subgraph(_api("engine"))
    parts = list(graph.stream({"value": "", "items": []}, {"configurable": {"thread_id": "o"}},
                              stream_mode=["updates", "values", "tasks", "debug"],
                              subgraphs=True, version="v2"))
    root = [(p["type"], p["data"].get("type")) for p in parts if not p["ns"]][-4:]
    assert root == [("updates", None), ("values", None), ("tasks", None),
                    ("debug", "task_result")]


class TestProjections:
    """run.values / output / interrupts / lifecycle / subgraphs."""

    def test_values_and_output(self) -> None:
        """values is every root snapshot; output is the last one."""
        graph = nested_graph(_api("engine"))
        snapshots = list(graph.stream_events({"value": "x", "items": []}, version="v3").values)
        assert snapshots[0] == {"value": "x", "items": []}
        # The subgraphs return their whole `items`, which the add reducer appends again
        # (LangGraph's semantics too).
        assert snapshots[-1] == {"value": "xRPL", "items": ["R", "R", "P", "R", "P", "L"]}
        run = graph.stream_events({"value": "x", "items": []}, version="v3")
        assert run.output == snapshots[-1]
        assert run.interrupted is False and run.interrupts == []

    def test_interrupt_flags(self) -> None:
        """interrupted / interrupts report the pause; output is the state at the pause."""
        run = interrupt_graph(_api("engine")).stream_events(
            {"value": "x", "items": []}, {"configurable": {"thread_id": "1"}}, version="v3")
        assert run.interrupted is True
        assert [i.value for i in run.interrupts] == ["approve?"]
        assert run.output == {"value": "x1", "items": ["first"]}

    def test_lifecycle_covers_every_depth(self) -> None:
        """started and completed for the subgraph and the sub-subgraph."""
        run = nested_graph(_api("engine")).stream_events({"value": "", "items": []},
                                                         version="v3")
        payloads = list(run.lifecycle)
        seen = [(p["event"], len(p["namespace"]), p.get("graph_name")) for p in payloads]
        assert seen == [("started", 1, "inner"), ("started", 2, "deep"),
                        ("completed", 2, None), ("completed", 1, None)]
        assert all(p["trigger_call_id"] == p["namespace"][-1].split(":")[1]
                   for p in payloads if p["event"] == "started")

    def test_subgraph_handles_drill_down(self) -> None:
        """A handle per direct child; grandchildren are on the child's handle."""
        run = nested_graph(_api("engine")).stream_events({"value": "", "items": []},
                                                         version="v3")
        found: list[tuple[str | None, list[Any], list[str | None]]] = []
        for handle in run.subgraphs:
            assert isinstance(handle, SubgraphRunStream)
            values = iter(handle.values)  # subscribe before reading on: no replay
            names = [g.graph_name for g in handle.subgraphs]
            found.append((handle.graph_name, list(values), names))
        assert len(found) == 1
        name, values, grand = found[0]
        assert name == "inner" and grand == ["deep"]
        assert values[-1] == {"value": "RPL", "items": ["R", "P", "R", "P", "L"]}
        assert run.output == {"value": "RPL", "items": ["R", "R", "P", "R", "P", "L"]}

    def test_interleave_orders_by_arrival(self) -> None:
        """values and lifecycle items come out in the order they were pushed."""
        run = nested_graph(_api("engine")).stream_events({"value": "", "items": []},
                                                         version="v3")
        names = [name for name, _ in run.interleave("values", "lifecycle")]
        assert names == ["values", "values", "lifecycle", "lifecycle", "lifecycle",
                         "lifecycle", "values"]
        with pytest.raises(KeyError):
            list(run.interleave("nope"))

    def test_extensions_are_read_only_and_native_keys_are_attributes(self) -> None:
        """run.values is run.extensions['values']; an unknown projection names the known."""
        run = nested_graph(_api("engine")).stream_events({"value": "", "items": []},
                                                         version="v3")
        assert run.values is run.extensions["values"]
        with pytest.raises(TypeError):
            run.extensions["x"] = 1
        with pytest.raises(AttributeError, match="registered projections: lifecycle"):
            _ = run.updates


def test_v3_run_inside_a_node() -> None:
    """A graph streamed with v3 from inside a node sees its own values and output,
    whether or not the node passes its config on (LangGraph gives the same)."""
    api = _api("engine")
    inner = api.StateGraph(State)
    inner.add_node("a", lambda s: {"value": s["value"] + "a", "items": ["a"]})
    inner.add_edge(api.START, "a")
    inner_graph = inner.compile()
    seen: list[Any] = []

    def node(state: State, config: Any) -> dict[str, Any]:
        for cfg in (None, config):
            run = inner_graph.stream_events({"value": state["value"], "items": []}, cfg,
                                            version="v3")
            seen.append(list(run.values))
            seen.append(run.output)
        return {"value": seen[-1]["value"] + "!"}

    outer = api.StateGraph(State)
    outer.add_node("node", node)
    outer.add_edge(api.START, "node")
    result = outer.compile().invoke({"value": "x", "items": []})
    assert result["value"] == "xa!"
    snapshots = [{"value": "x", "items": []}, {"value": "xa", "items": ["a"]}]
    assert seen == [snapshots, snapshots[-1], snapshots, snapshots[-1]]


class _Counter(StreamTransformer):
    """Counts root values events on a named channel."""

    def __init__(self, scope: tuple[str, ...] = ()) -> None:
        super().__init__(scope)
        self._channel: StreamChannel[int] = StreamChannel("counter")
        self._n = 0

    def init(self) -> dict[str, Any]:
        return {"counter": self._channel}

    def process(self, event: ProtocolEvent) -> bool:
        if event["method"] == "values" and not event["params"]["namespace"]:
            self._n += 1
            self._channel.push(self._n)
        return True


class TestTransformers:
    """Compile-time and call-time transformers, and the stream modes they ask for."""

    def test_call_time_transformer_is_an_extension_and_forwarded(self) -> None:
        """A user channel shows in extensions and, as custom:<name>, in the main log."""
        graph = nested_graph(_api("engine"))
        run = graph.stream_events({"value": "", "items": []}, version="v3",
                                  transformers=[_Counter])
        methods = [e["method"] for e in run]
        assert methods.count("custom:counter") == 3
        assert "counter" in run.extensions and "counter" not in run._mux.native_keys

    def test_compile_time_transformers_and_opt_in_modes(self) -> None:
        """compile(transformers=...) registers for every run; updates is opt-in."""
        api = _api("engine")
        builder = api.StateGraph(State)
        builder.add_node("a", lambda s: {"value": "A", "items": ["a"]})
        builder.add_edge(api.START, "a")
        graph = builder.compile(transformers=[UpdatesTransformer])
        run = graph.stream_events({"value": "", "items": []}, version="v3")
        assert list(run.updates) == [{"a": {"value": "A", "items": ["a"]}}]
        plain = builder.compile()
        methods = {e["method"] for e in plain.stream_events({"value": "", "items": []},
                                                            version="v3")}
        assert methods == {"values"}  # tasks are folded into lifecycle; no updates asked

    def test_instances_and_owned_kwargs_are_refused(self) -> None:
        """Transformers must be factories; stream_mode and subgraphs belong to v3."""
        graph = nested_graph(_api("engine"))
        with pytest.raises(TypeError, match="pre-built instance _Counter"):
            graph.stream_events({}, version="v3", transformers=[_Counter()])
        with pytest.raises(TypeError, match="do not accept stream_mode"):
            graph.stream_events({}, version="v3", stream_mode="values")
        with pytest.raises(TypeError, match="subgraphs"):
            graph.stream_events({}, version="v3", subgraphs=True)

    def test_other_versions_are_not_this_module(self) -> None:
        """v1/v2 event streams are a separate feature."""
        with pytest.raises(NotImplementedError, match="v2"):
            nested_graph(_api("engine")).stream_events({}, version="v2")


class TestErrorsAndAbort:
    """A failing node fails every projection; abort stops the run."""

    def _failing(self) -> Any:
        api = _api("engine")

        def boom(state: State) -> dict[str, Any]:
            raise ValueError("subgraph explosion")

        inner = api.StateGraph(State)
        inner.add_node("fail", boom)
        inner.add_edge(api.START, "fail")
        outer = api.StateGraph(State)
        outer.add_node("inner", inner.compile())
        outer.add_edge(api.START, "inner")
        return outer.compile()

    def test_error_reaches_output_values_and_handles(self) -> None:
        """The node's exception surfaces wherever the caller reads; the handle failed."""
        run = self._failing().stream_events({"value": "", "items": []}, version="v3")
        handles = []
        with pytest.raises(ValueError, match="subgraph explosion"):
            for handle in run.subgraphs:
                handles.append(handle)
        assert [h.status for h in handles] == ["failed"]
        with pytest.raises(ValueError, match="subgraph explosion"):
            _ = run.output
        run2 = self._failing().stream_events({"value": "", "items": []}, version="v3")
        with pytest.raises(ValueError, match="subgraph explosion"):
            list(run2.values)

    def test_a_node_attribute_error_is_not_a_missing_projection(self) -> None:
        """run.output re-raises the node's AttributeError, not 'no attribute output'."""
        api = _api("engine")

        def broken(state: State) -> dict[str, Any]:
            return {"value": None.value}  # type: ignore[attr-defined]

        builder = api.StateGraph(State)
        builder.add_node("broken", broken)
        builder.add_edge(api.START, "broken")
        run = builder.compile().stream_events({"value": "", "items": []}, version="v3")
        with pytest.raises(AttributeError, match="'NoneType' object has no attribute"):
            _ = run.output

    def test_context_manager_aborts(self) -> None:
        """Leaving the with block stops the run where the reader left it."""
        with nested_graph(_api("engine")).stream_events({"value": "", "items": []},
                                                        version="v3") as run:
            first = next(iter(run.values))
        assert first == {"value": "", "items": []}
        assert run._exhausted is True

    def test_async_run(self) -> None:
        """The async lane: awaitable output, async projections, checkpointed interrupt."""

        async def main() -> tuple[Any, list[Any], bool]:
            graph = nested_graph(_api("engine"))
            run = await graph.astream_events({"value": "", "items": []}, version="v3")
            assert isinstance(run, AsyncGraphRunStream)
            values = [v async for v in run.values]
            paused = await interrupt_graph(_api("engine")).astream_events(
                {"value": "", "items": []}, {"configurable": {"thread_id": "a"}},
                version="v3")
            return await run.output(), values, await paused.interrupted()

        output, values, interrupted = asyncio.run(main())
        assert output == values[-1] == {"value": "RPL", "items": ["R", "R", "P", "R", "P", "L"]}
        assert interrupted is True

    def test_async_abort_cancels_the_running_subgraph(self) -> None:
        """abort() cancels the in-flight node, so a looping subgraph stops looping."""
        api = _api("engine")
        runs: list[int] = []

        class Count(TypedDict):
            count: int

        async def tick(state: Count) -> dict[str, Any]:
            runs.append(state["count"])
            await asyncio.sleep(0.02)
            return {"count": state["count"] + 1}

        sub = api.StateGraph(Count)
        sub.add_node("tick", tick)
        sub.add_edge(api.START, "tick")
        sub.add_conditional_edges("tick", lambda s: api.END if s["count"] >= 50 else "tick")
        sub_graph = sub.compile()

        async def outer_node(state: Count) -> dict[str, Any]:
            await sub_graph.ainvoke({"count": 0})
            return {}

        outer = api.StateGraph(Count)
        outer.add_node("outer", outer_node)
        outer.add_edge(api.START, "outer")
        graph = outer.compile()

        async def main() -> tuple[int, int]:
            run = await graph.astream_events({"count": 0}, version="v3")
            async for event in run:
                if event["params"]["namespace"] and event["params"]["data"]["count"] >= 2:
                    break
            await run.abort()
            at_abort = len(runs)
            await asyncio.sleep(0.1)
            return at_abort, len(runs)

        at_abort, later = asyncio.run(main())
        assert at_abort == later < 50


def test_run_stream_types_are_exported() -> None:
    """The public names mirror langgraph.stream's."""
    assert GraphRunStream.__name__ == "GraphRunStream"
    assert InMemorySaver is not None
