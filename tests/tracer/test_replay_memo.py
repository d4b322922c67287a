"""state_at's memos: replays go only as far as asked, and memos share the replay's lists."""

from __future__ import annotations

import operator
from pathlib import Path
from typing import Annotated, TypedDict

import pytest

import tracer
from engine.checkpoint.memory import InMemorySaver
from engine.config import RunnableConfig
from engine.graph import END, START, MessagesState, StateGraph
from engine.messages import AIMessage, HumanMessage, RemoveMessage
from tracer import replay

STEPS = 40


class Grow(TypedDict):
    items: Annotated[list, operator.add]
    n: int


def _grow(state: Grow) -> dict[str, object]:
    return {"items": [len(state["items"])], "n": len(state["items"]) + 1}


@pytest.fixture()
def trace_path(tmp_path: Path) -> Path:
    graph = (StateGraph(Grow).add_node("grow", _grow).add_edge(START, "grow")
             .add_conditional_edges("grow", lambda s: "grow" if s["n"] < STEPS else END)
             .compile())
    path = tmp_path / "grow.stepscope"
    with tracer.record(path):
        graph.invoke({"items": [], "n": 0})
    return path


def expected(step: int) -> dict[str, object]:
    """Step 0 is the input; step s ran the node s times."""
    return {"items": list(range(step)), "n": step}


class TestMemo:
    def test_any_order_with_callers_changing_what_they_got(
            self, trace_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """A caller appending to or clearing a returned list changes no later answer."""
        monkeypatch.setattr(replay, "MEMO_EVERY", 4)
        with tracer.open_trace(trace_path) as trace:
            steps = trace.steps()
            assert steps[-1] == STEPS
            order = [25, 3, STEPS, 0, 17, 24, 8, 33, 1, STEPS, 12]
            for step in order:
                got = trace.state_at(step)
                assert got == expected(step), step
                got["items"].append("caller's")
                got["items"][:1] = ["changed"]
            for step in steps:
                assert trace.state_at(step) == expected(step), step

    def test_first_call_replays_only_up_to_the_step(
            self, trace_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(replay, "MEMO_EVERY", 4)
        with tracer.open_trace(trace_path) as trace:
            trace.state_at(10)
            memo = trace.replayer._memo
            assert sorted(s for _, s in memo) == [0, 4, 8]
            trace.state_at(STEPS)
            assert max(s for _, s in memo) == STEPS

    def test_memos_share_the_replayed_list(
            self, trace_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """Memory grows with the state, not with the state times the memos."""
        monkeypatch.setattr(replay, "MEMO_EVERY", 4)
        with tracer.open_trace(trace_path) as trace:
            trace.state_at(STEPS)
            lists = {id(memo.state["items"].items) for memo in trace.replayer._memo.values()}
            assert len(lists) == 1


class TestMessages:
    """add_messages channels: appends go in place, replacements and removals still merge."""

    def test_states_match_the_checkpoints(self, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(replay, "MEMO_EVERY", 3)

        calls: list[int] = []

        def talk(state: MessagesState) -> dict[str, object]:
            calls.append(1)
            n = len(calls)
            if n == 4:  # replace the first reply, by id
                first = state["messages"][1]
                return {"messages": [AIMessage("edited", id=first.id)]}
            if n == 6:  # remove the second message
                second = state["messages"][2].id
                assert second is not None
                return {"messages": [RemoveMessage(id=second)]}
            return {"messages": [AIMessage(f"reply {n}"), HumanMessage(f"more {n}")]}

        graph = (StateGraph(MessagesState).add_node("talk", talk).add_edge(START, "talk")
                 .add_conditional_edges("talk", lambda s: "talk" if len(calls) < 12 else END)
                 .compile(checkpointer=InMemorySaver()))
        config: RunnableConfig = {"configurable": {"thread_id": "t"}}
        path = tmp_path / "chat.stepscope"
        with tracer.record(path):
            graph.invoke({"messages": [HumanMessage("hi")]}, config)
        expected = {}
        for s in graph.get_state_history(config):
            assert s.metadata is not None
            expected[s.metadata["step"]] = s.values
        with tracer.open_trace(path) as trace:
            steps = trace.steps()
            assert len(steps) > 8
            for step in [steps[-1], *steps]:  # the whole run first: memos on the way
                got = trace.state_at(step)["messages"]
                want = expected[step]["messages"]
                assert [(m.id, m.content) for m in got] == [(m.id, m.content) for m in want]
                got.clear()  # a caller's change reaches no later answer
            contents = [m.content for m in trace.state_at(steps[-1])["messages"]]
            assert contents[:3] == ["hi", "edited", "reply 2"]  # "more 1" was removed
