"""Editing and reading a thread's history: update_state, bulk_update_state, async twins.

The expected values were measured on LangGraph 1.2.22 with the same graph.
"""

from __future__ import annotations

import asyncio
import operator
from typing import Annotated, Any, TypedDict

import pytest

from engine.checkpoint.memory import InMemorySaver
from engine.errors import InvalidUpdateError
from engine.graph import START, StateGraph
from engine.types import Send, StateUpdate


class State(TypedDict):
    foo: str


def _graph() -> Any:
    return (StateGraph(State)
            .add_node("agent", lambda s: {"foo": "agent"})
            .add_node("tool", lambda s: {"foo": "tool"})
            .add_edge(START, "agent").add_edge("agent", "tool")
            .compile(checkpointer=InMemorySaver()))


CFG: Any = {"configurable": {"thread_id": "t"}}


def _rows(graph: Any) -> list[tuple[Any, ...]]:
    return [((s.metadata or {}).get("source"), (s.metadata or {}).get("step"), s.next, s.values)
            for s in graph.get_state_history(CFG)]


class TestUpdateState:
    """update_state writes one checkpoint a step after the one it edits."""

    def test_steps_count_on_from_the_edited_checkpoint(self) -> None:
        """Two updates after a run paused at step 1 are steps 2 and 3."""
        graph = _graph()
        graph.invoke({"foo": "input"}, CFG, interrupt_before=["tool"])
        graph.update_state(CFG, {"foo": "upd"})
        graph.update_state(CFG, {"foo": "upd2"}, as_node="tool")
        assert _rows(graph)[:3] == [
            ("update", 3, (), {"foo": "upd2"}),
            ("update", 2, ("tool",), {"foo": "upd"}),
            ("loop", 1, ("tool",), {"foo": "agent"}),
        ]


class TestBulkUpdateState:
    """bulk_update_state replays supersteps: as input, as __start__, as nodes."""

    def test_supersteps_rebuild_a_run_history(self) -> None:
        """Input, __start__ and a node update give the checkpoints a run would."""
        graph = _graph()
        graph.bulk_update_state(CFG, [
            [StateUpdate({"foo": "input"}, "__input__")],
            [StateUpdate({"foo": "input"}, "__start__")],
            [StateUpdate({"foo": "agent"}, "agent")],
        ])
        assert _rows(graph) == [
            ("update", 1, ("tool",), {"foo": "agent"}),
            ("update", 0, ("agent",), {"foo": "input"}),
            ("input", -1, ("__start__",), {}),
        ]

    def test_copy_is_a_sibling_fork_that_runs_on(self) -> None:
        """__copy__ keeps values, plan and parent; running it finishes the plan."""
        graph = _graph()
        graph.bulk_update_state(CFG, [[StateUpdate({"foo": "input"}, "__input__")],
                                      [StateUpdate({"foo": "input"}, "__start__")],
                                      [StateUpdate({"foo": "agent"}, "agent")]])
        current = graph.get_state(CFG)
        copied = graph.get_state(graph.update_state(current.config, None, as_node="__copy__"))
        assert copied.metadata == {"source": "fork", "step": 2, "parents": {}}
        assert copied.parent_config == current.parent_config
        assert (copied.values, copied.next) == ({"foo": "agent"}, ("tool",))
        assert graph.invoke(None, copied.config) == {"foo": "tool"}

    @pytest.mark.parametrize(("supersteps", "error", "message"), [
        ([], ValueError, "No supersteps provided"),
        ([[]], ValueError, "No updates provided"),
        ([[StateUpdate({"foo": "a"}), StateUpdate({"foo": "b"})]], InvalidUpdateError,
         "as_node is required when applying multiple updates"),
    ])
    def test_invalid_supersteps(self, supersteps: Any, error: type[Exception],
                                message: str) -> None:
        """Empty input and unnamed multiple updates raise LangGraph's errors."""
        with pytest.raises(error, match=message):
            _graph().bulk_update_state(CFG, supersteps)


class TestHistoryQueries:
    """get_state_history's limit, filter and before, and the async twins."""

    def test_filter_before_limit_and_async(self) -> None:
        """Each narrows the newest-first history as LangGraph's does."""
        graph = _graph()
        graph.invoke({"foo": "input"}, CFG)
        steps = [(s.metadata or {}).get("step") for s in graph.get_state_history(CFG)]
        assert steps == [2, 1, 0, -1]
        assert [(s.metadata or {}).get("step")
                for s in graph.get_state_history(CFG, filter={"source": "input"})] == [-1]
        middle = list(graph.get_state_history(CFG))[1]
        assert [(s.metadata or {}).get("step")
                for s in graph.get_state_history(CFG, before=middle.config)] == [0, -1]

        async def newest_two() -> list[Any]:
            await graph.abulk_update_state(CFG, [[StateUpdate({"foo": "x"}, "tool")]])
            return [(s.metadata or {}).get("step")
                    async for s in graph.aget_state_history(CFG, limit=2)]

        assert asyncio.run(newest_two()) == [3, 2]


class TestDurabilityExit:
    """durability="exit" stores only the last checkpoint of each run."""

    def test_history_keeps_each_runs_last_checkpoint(self) -> None:
        """A paused run stores its pause point; the resumed run its end, after it."""
        from engine.types import Command, interrupt

        def ask(state: State) -> dict[str, Any]:
            return {"foo": interrupt("q")}

        graph = (StateGraph(State)
                 .add_node("agent", lambda s: {"foo": "agent"}).add_node("ask", ask)
                 .add_edge(START, "agent").add_edge("agent", "ask")
                 .compile(checkpointer=InMemorySaver()))
        graph.invoke({"foo": "in"}, CFG, durability="exit")
        history = list(graph.get_state_history(CFG))
        assert [s.metadata and s.metadata["step"] for s in history] == [1]
        assert history[0].next == ("ask",) and history[0].parent_config is None
        assert graph.invoke(Command(resume="r"), CFG, durability="exit") == {"foo": "r"}
        latest, paused = list(graph.get_state_history(CFG))
        assert latest.metadata is not None and latest.metadata["step"] == 2
        assert latest.parent_config == paused.config


class TestCopyOfInput:
    """Copying an input checkpoint plans __start__ again, for an update as __start__."""

    def test_copy_then_start_update_records_the_start_result(self) -> None:
        """The copy's __start__ task shows what the update wrote as its result."""
        graph = _graph()
        graph.invoke({"foo": "input"}, CFG)
        first = list(graph.get_state_history(CFG))[-1]
        assert first.next == ("__start__",)
        forked = graph.update_state(first.config, [StateUpdate({"foo": "x"}, "__start__")],
                                    as_node="__copy__")
        copy = graph.get_state(forked).parent_config
        copied = graph.get_state(copy)
        assert copied.metadata is not None and copied.metadata["source"] == "fork"
        assert [(t.name, t.result) for t in copied.tasks] == [("__start__", {"foo": "x"})]
        assert graph.invoke(None, forked) == {"foo": "tool"}

    def test_empty_input_update_is_accepted(self) -> None:
        """An empty dict is an input too (None is not)."""
        graph = _graph()
        graph.bulk_update_state(CFG, [[StateUpdate({}, "__input__")]])
        assert graph.get_state(CFG).next == ("__start__",)
        with pytest.raises(InvalidUpdateError):
            graph.bulk_update_state(CFG, [[StateUpdate(None, "__input__")]])


class TestUpdateWithoutAsNode:
    """Without as_node, an update comes from the node that wrote last."""

    def test_routes_on_from_the_last_writer(self) -> None:
        """After agent ran, the update is agent's: tool runs next; then past the
        breakpoint it paused at, invoke(None) goes on."""
        graph = _graph()
        graph.invoke({"foo": "input"}, CFG, interrupt_before=["tool"])
        graph.update_state(CFG, {"foo": "edited"})
        state = graph.get_state(CFG)
        assert (state.next, state.values) == (("tool",), {"foo": "edited"})
        assert graph.invoke(None, CFG, interrupt_before=["tool"]) == {"foo": "tool"}

    def test_fresh_thread_updates_as_start(self) -> None:
        """On a thread without checkpoints it is the input: START's edge runs next."""
        graph = _graph()
        graph.update_state(CFG, {"foo": "seed"})
        assert graph.get_state(CFG).next == ("agent",)

    def test_two_writers_are_ambiguous(self) -> None:
        """Two nodes wrote the checkpoint: the update must name one."""
        class Two(TypedDict):
            a: str
            b: str

        graph = (StateGraph(Two).add_node("x", lambda s: {"a": "x"})
                 .add_node("y", lambda s: {"b": "y"})
                 .add_edge(START, "x").add_edge(START, "y")
                 .compile(checkpointer=InMemorySaver()))
        graph.invoke({"a": "", "b": ""}, CFG)
        with pytest.raises(InvalidUpdateError, match="Ambiguous update, specify as_node"):
            graph.update_state(CFG, {"a": "z"})


class Overall(TypedDict):
    subjects: list[str]
    jokes: Annotated[list[str], operator.add]


class Joke(TypedDict):
    subject: str


def test_an_edit_of_a_sent_subgraph_paused_at_its_breakpoint_goes_on_from_there() -> None:
    """Two Sends to a subgraph that stops before "generate": editing one's state and
    resuming runs both past the breakpoint, the edited one with the edit (measured on
    LangGraph 1.2.22: the same two updates)."""
    sub = (StateGraph(Joke, output_schema=Overall)
           .add_node("edit", lambda s: {"subject": f"{s['subject']} - hohoho"})
           .add_node("generate", lambda s: {"jokes": [f"Joke about {s['subject']}"]})
           .add_edge(START, "edit").add_edge("edit", "generate"))
    graph = (StateGraph(Overall)
             .add_node("generate_joke", sub.compile(interrupt_before=["generate"]))
             .add_conditional_edges(START, lambda s: [Send("generate_joke", {"subject": x})
                                                      for x in s["subjects"]])
             .compile(checkpointer=InMemorySaver()))
    assert graph.invoke({"subjects": ["cats", "dogs"]}, CFG) == {
        "subjects": ["cats", "dogs"], "jokes": []}
    dogs = graph.get_state(CFG).tasks[1].state  # the subgraph's config (not fetched)
    assert isinstance(dogs, dict)
    graph.update_state(dogs, {"subject": "turtles - hohoho"})
    chunks = sorted(graph.stream(None, CFG), key=str)
    assert chunks == [{"generate_joke": {"jokes": ["Joke about cats - hohoho"]}},
                      {"generate_joke": {"jokes": ["Joke about turtles - hohoho"]}}]
