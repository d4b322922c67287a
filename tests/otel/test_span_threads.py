"""Threads as spans: each root run is a trace; a resume links to the run it goes on
from, a fork to the step it branched from; the runs of a thread share its id."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from opentelemetry.sdk.trace import ReadableSpan

import tracer
from engine.checkpoint.memory import InMemorySaver
from engine.types import Command
from tests.otel.graphs import exported
from tests.tracer.graphs import asking, linear, record_seeded_fork


def cfg(thread: str) -> dict[str, Any]:
    return {"configurable": {"thread_id": thread}}


def runs(spans: list[ReadableSpan]) -> list[ReadableSpan]:
    """The root run spans, in run order."""
    roots = [s for s in spans if s.parent is None]
    return sorted(roots, key=lambda s: int((s.attributes or {})["stepscope.run.number"]))  # type: ignore[arg-type]


def links(span: ReadableSpan) -> list[tuple[int, int, dict[str, Any]]]:
    return [(ln.context.trace_id, ln.context.span_id, dict(ln.attributes or {}))
            for ln in span.links]


def span_with(spans: list[ReadableSpan], trace_id: int, span_id: int) -> ReadableSpan:
    return next(s for s in spans if s.context is not None
                and (s.context.trace_id, s.context.span_id) == (trace_id, span_id))


class TestThreadLinks:
    """Runs of one checkpointer thread, recorded in one trace."""

    def test_interrupt_then_resume(self, tmp_path: Path) -> None:
        """Two traces; the resume's run span links to the interrupted run's; both carry
        the thread id as gen_ai.conversation.id and session.id."""
        graph = asking(checkpointer=InMemorySaver())
        path = tmp_path / "resume.stepscope"
        with tracer.record(path, otlp=False):
            graph.invoke({"topic": "x", "log": []}, cfg("t1"))
            graph.invoke(Command(resume="cats"), cfg("t1"))
        spans = exported(path)
        first, second = runs(spans)
        assert first.context.trace_id != second.context.trace_id
        assert links(first) == []
        assert links(second) == [(first.context.trace_id, first.context.span_id,
                                  {"stepscope.link": "resume"})]
        for run in (first, second):
            assert (run.attributes or {})["gen_ai.conversation.id"] == "t1"
            assert (run.attributes or {})["session.id"] == "t1"
        assert (first.attributes or {})["stepscope.run.status"] == "interrupted"
        (event,) = first.events
        assert event.name == "stepscope.interrupt"
        assert (event.attributes or {})["stepscope.interrupt.count"] == 1
        assert "stepscope.interrupt.values" not in (event.attributes or {})
        ask = next(s for s in spans if s.name == "ask" and s.context.trace_id
                   == first.context.trace_id)
        assert (ask.attributes or {})["stepscope.task.status"] == "interrupted"

    def test_a_fork_links_to_the_step_it_branched_from(self, tmp_path: Path) -> None:
        """Interrupt, resume, then a replay from the checkpoint before `ask`: the replay's
        run span links to that step's span in the first run's trace (a span the same
        export holds)."""
        graph = asking(checkpointer=InMemorySaver())
        path = tmp_path / "fork.stepscope"
        with tracer.record(path, otlp=False):
            graph.invoke({"topic": "x", "log": []}, cfg("t"))
            graph.invoke(Command(resume="cats"), cfg("t"))
            past = next(h for h in graph.get_state_history(cfg("t")) if h.next == ("ask",))
            graph.invoke(None, past.config)
        spans = exported(path)
        first, _, fork = runs(spans)
        ((trace_id, span_id, attributes),) = links(fork)
        assert attributes == {"stepscope.link": "fork", "stepscope.fork.step": 1}
        target = span_with(spans, trace_id, span_id)
        assert target.name == "step 1"
        assert target.context.trace_id == first.context.trace_id

    def test_a_debugger_fork_joins_its_source_thread(self, tmp_path: Path) -> None:
        """A fork seeded as the debugger does runs in a new thread id: its spans carry
        the source thread's id, it links to the source step, its resume links to it."""
        path = tmp_path / "seeded.stepscope"
        record_seeded_fork(path, otlp=False)
        spans = exported(path)
        _, fork, resume = runs(spans)
        assert [(r.attributes or {})["gen_ai.conversation.id"] for r in runs(spans)] == [
            "main"] * 3
        ((trace_id, span_id, _),) = links(fork)
        assert span_with(spans, trace_id, span_id).name == "step 1"
        assert links(resume) == [(fork.context.trace_id, fork.context.span_id,
                                  {"stepscope.link": "resume"})]

    def test_threads_apart_and_runs_without_one(self, tmp_path: Path) -> None:
        """Interleaved threads link within themselves; a run without a thread id has no
        conversation id and no link."""
        graph = asking(checkpointer=InMemorySaver())
        path = tmp_path / "two.stepscope"
        with tracer.record(path, otlp=False):
            graph.invoke({"topic": "a", "log": []}, cfg("a"))
            graph.invoke({"topic": "b", "log": []}, cfg("b"))
            linear().invoke({"topic": "alone", "joke": ""})
            graph.invoke(Command(resume="1"), cfg("b"))
            graph.invoke(Command(resume="2"), cfg("a"))
        spans = exported(path)
        a0, b0, lone, b1, a1 = runs(spans)
        assert links(b1)[0][:2] == (b0.context.trace_id, b0.context.span_id)
        assert links(a1)[0][:2] == (a0.context.trace_id, a0.context.span_id)
        assert links(lone) == [] and "gen_ai.conversation.id" not in (lone.attributes or {})
        assert (b1.attributes or {})["gen_ai.conversation.id"] == "b"

    def test_interrupt_values_only_with_content(self, tmp_path: Path) -> None:
        graph = asking(checkpointer=InMemorySaver())
        path = tmp_path / "values.stepscope"
        with tracer.record(path, otlp=False):
            graph.invoke({"topic": "x", "log": []}, cfg("t"))
        (run,) = runs(exported(path, content=True))
        (event,) = run.events
        assert "topic?" in str((event.attributes or {})["stepscope.interrupt.values"])
