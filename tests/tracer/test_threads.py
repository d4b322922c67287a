"""Threads: the runs of one checkpointer thread (invoke, resumes, forks) read back from
real traces as one timeline, each run saying how it follows from the ones before."""

from __future__ import annotations

import operator
from pathlib import Path
from typing import Annotated, Any, TypedDict

import pytest

import tracer
from engine.checkpoint.memory import InMemorySaver
from engine.types import Command
from tracer.summary import summarize
from tracer.threads import Link, Thread, threads_of
from tracer.trace_threads import trace_threads

from .graphs import asking, linear, record_seeded_fork


def shape(found: list[Thread]) -> list[Any]:
    return [(t.thread_id, [r.number for r in t.runs], t.links, t.status) for t in found]


def threads(path: Path) -> list[Thread]:
    """The trace's threads from the whole summary; the viewer's cheaper reading
    (`trace_threads`: a few frames per run) must find the same."""
    with tracer.open_trace(path) as trace:
        found = threads_of(summarize(trace.events()))
        assert shape(trace_threads(trace)) == shape(found)
    return found


def relations(thread: Thread) -> list[tuple[str, int | None, int | None]]:
    """(relation, run it follows, forked step) of each run."""
    return [(link.relation, link.previous, (link.fork or {}).get("step"))
            for link in thread.links]


def cfg(thread: str) -> dict[str, Any]:
    return {"configurable": {"thread_id": thread}}


class TestEngineThreads:
    """Runs of stepscope's engine with a checkpointer."""

    def test_interrupt_resume_and_forks(self, tmp_path: Path) -> None:
        """Invoke → interrupt → resume; a replay from a past checkpoint and an
        update_state there are forks of the first run at that step."""
        graph = asking(checkpointer=InMemorySaver())
        path = tmp_path / "thread.stepscope"
        with tracer.record(path):
            graph.invoke({"topic": "x", "log": []}, cfg("t1"))
            graph.invoke(Command(resume="cats"), cfg("t1"))
            past = next(h for h in graph.get_state_history(cfg("t1")) if h.next == ("ask",))
            graph.invoke(None, past.config)
            graph.invoke(None, graph.update_state(past.config, {"topic": "dogs"}))
        (thread,) = threads(path)
        assert thread.thread_id == "t1"
        assert [r.number for r in thread.runs] == [0, 1, 2, 3]
        assert [r.status for r in thread.runs] == ["interrupted", "done", "interrupted",
                                                  "interrupted"]
        assert relations(thread) == [("start", None, None), ("resume", 0, None),
                                     ("fork", 0, past.metadata["step"]),
                                     ("fork", 0, past.metadata["step"])]
        assert thread.links[2].fork == {"run_id": thread.runs[0].run_id, "step": 1, "run": 0}
        assert thread.status == "interrupted"

    def test_the_trace_is_where_its_threads_left_off(self, tmp_path: Path) -> None:
        """Paused, the trace is "interrupted"; once a resume finished the thread, it is
        "done" (the paused run itself still says "interrupted"); another thread still
        paused keeps it "interrupted"."""
        graph = asking(checkpointer=InMemorySaver())
        path = tmp_path / "status.stepscope"
        with tracer.record(path):
            graph.invoke({"topic": "x", "log": []}, cfg("t1"))

        def statuses() -> tuple[str, list[str]]:
            with tracer.open_trace(path) as trace:
                summary = summarize(trace.events())
            return summary.status, [r.status for r in summary.root_runs]

        assert statuses() == ("interrupted", ["interrupted"])
        with tracer.record(path, append=True):
            graph.invoke(Command(resume="cats"), cfg("t1"))
        assert statuses() == ("done", ["interrupted", "done"])
        with tracer.record(path, append=True):
            graph.invoke({"topic": "y", "log": []}, cfg("t2"))
        assert statuses() == ("interrupted", ["interrupted", "done", "interrupted"])

    def test_an_edit_at_the_interrupt_then_resume_is_a_resume(self, tmp_path: Path) -> None:
        """update_state on the checkpoint a run stopped at, then go on: not a fork."""
        graph = asking(checkpointer=InMemorySaver())
        path = tmp_path / "edit.stepscope"
        with tracer.record(path):
            graph.invoke({"topic": "x", "log": []}, cfg("t"))
            graph.update_state(cfg("t"), {"log": ["edited"]})
            graph.invoke(Command(resume="owls"), cfg("t"))
        (thread,) = threads(path)
        assert relations(thread) == [("start", None, None), ("resume", 0, None)]

    def test_threads_apart_and_runs_without_a_thread(self, tmp_path: Path) -> None:
        """Two interleaved threads stay apart; a run with no thread id is its own."""
        graph = asking(checkpointer=InMemorySaver())
        path = tmp_path / "two.stepscope"
        with tracer.record(path):
            graph.invoke({"topic": "a", "log": []}, cfg("a"))
            graph.invoke({"topic": "b", "log": []}, cfg("b"))
            linear().invoke({"topic": "no thread", "joke": ""})
            graph.invoke(Command(resume="1"), cfg("b"))
            graph.invoke(Command(resume="2"), cfg("a"))
            graph.invoke({"topic": "again", "log": []}, cfg("a"))  # a new turn of "a"
        a, b, lone = threads(path)
        assert (a.thread_id, b.thread_id, lone.thread_id) == ("a", "b", None)
        assert [r.number for r in a.runs] == [0, 4, 5]
        assert relations(a) == [("start", None, None), ("resume", 0, None),
                                ("start", 4, None)]
        assert [r.number for r in b.runs] == [1, 3] and relations(b)[1] == ("resume", 1, None)
        assert [r.number for r in lone.runs] == [2] and relations(lone) == [
            ("start", None, None)]

    def test_a_debugger_fork_joins_its_source_thread(self, tmp_path: Path) -> None:
        """A fork seeded as the debugger does (a new thread id, its source named in
        run_start) is part of the source run's thread, and so is its resume."""
        path = tmp_path / "seeded.stepscope"
        record_seeded_fork(path)
        (thread,) = threads(path)
        assert relations(thread) == [("start", None, None), ("fork", 0, 1), ("resume", 1, None)]
        assert [r.thread_id for r in thread.runs] == ["main", "main-fork", "main-fork"]


class Log(TypedDict):
    topic: str
    log: Annotated[list, operator.add]


class TestLangGraphThreads:
    """The same timeline from runs of real LangGraph, recorded by its recorder."""

    def test_interrupt_resume_and_forks(self, tmp_path: Path) -> None:
        lg = pytest.importorskip("langgraph.graph")
        from langgraph.checkpoint.memory import InMemorySaver as LGSaver
        from langgraph.types import Command as LGCommand
        from langgraph.types import interrupt

        def pre(state: Log) -> dict[str, Any]:
            return {"log": ["pre"]}

        def ask(state: Log) -> dict[str, Any]:
            return {"topic": interrupt("topic?"), "log": ["asked"]}

        def fin(state: Log) -> dict[str, Any]:
            return {"log": ["fin:" + state["topic"]]}

        graph = (lg.StateGraph(Log).add_node(pre).add_node(ask).add_node(fin)
                 .add_edge(lg.START, "pre").add_edge("pre", "ask").add_edge("ask", "fin")
                 .compile(checkpointer=LGSaver()))
        path = tmp_path / "lg.stepscope"
        with tracer.record(path):
            graph.invoke({"topic": "x", "log": []}, cfg("t1"))
            graph.invoke(LGCommand(resume="cats"), cfg("t1"))
            past = [h for h in graph.get_state_history(cfg("t1")) if h.next == ("ask",)][-1]
            graph.invoke(None, past.config)
            graph.invoke(None, graph.update_state(past.config, {"topic": "dogs"}))
        (thread,) = threads(path)
        step = past.metadata["step"]
        assert relations(thread) == [("start", None, None), ("resume", 0, None),
                                     ("fork", 0, step), ("fork", 0, step)]
        assert thread.links[1] == Link("resume", 0)


class TestThreadsFromTheIndex:
    """`trace_threads` (the viewer's: run_start, run_end and checkpoint frames only)
    finds what `threads_of` finds from the whole summary."""

    def test_same_threads(self, tmp_path: Path) -> None:
        from .usage_models import priced_agent

        graph = asking(checkpointer=InMemorySaver())
        agent = priced_agent(checkpointer=InMemorySaver())
        path = tmp_path / "mixed.stepscope"
        with tracer.record(path):
            graph.invoke({"topic": "x", "log": []}, cfg("t1"))
            agent.invoke({"messages": []}, cfg("agent"))  # a subgraph run in between
            graph.invoke(Command(resume="cats"), cfg("t1"))
            past = next(h for h in graph.get_state_history(cfg("t1")) if h.next == ("ask",))
            graph.invoke(None, past.config)
            linear().invoke({"topic": "alone", "joke": ""})
            agent.invoke(Command(resume="ok"), cfg("agent"))
        cheap = threads(path)  # (and the cheap reading agrees)
        assert [t.thread_id for t in cheap] == ["t1", "agent", None]
        assert relations(cheap[0]) == [("start", None, None), ("resume", 0, None),
                                       ("fork", 0, 1)]
