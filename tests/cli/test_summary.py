"""Pure pieces behind the CLI: `tracer.summary`, `to_jsonable`, and the unit formatters."""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any

from engine.events import Event
from tracer.codec import ErrorValue, ObjectValue
from tracer.export.jsonable import to_jsonable
from tracer.export.report import reported_status
from tracer.summary import summarize
from tui.units import duration, fmt_size

BOOM = ErrorValue("ValueError", "boom", "ValueError('boom')", "Traceback …\nValueError: boom")


def ev(kind: str, t: int, step: int = 1, ns: tuple[str, ...] = (), **data: Any) -> Event:
    return Event(kind, 0, t, ns, step, data)


def parallel_run(status: str | None = "done") -> list[Event]:
    """A root run: input step, then one step with tasks a (10 ns) and b (30 ns, LLM call)."""
    events = [
        ev("run_start", 0, -1, run_id="r", graph={"name": "g"}, wall_start_ns=1_000),
        ev("step_end", 5, 0),
        ev("step_start", 10, names=["a", "b"]),
        ev("task_start", 11, task_id="A", name="a"),
        ev("task_start", 12, task_id="B", name="b"),
        ev("llm_start", 13, n=0, name="b", task_id="B", model="m", provider="p"),
        ev("token", 20, n=0, x="hi"), ev("token", 22, n=0, x=" "), ev("token", 30, n=0, x="!"),
        ev("llm_end", 31, n=0, tokens=3, d=18, usage={"output_tokens": 3}),
        ev("task_end", 21, task_id="A", name="a", duration=10, writes=[("x", 1)]),
        ev("task_end", 42, task_id="B", name="b", duration=30, writes=[]),
        ev("step_end", 45),
    ]
    if status is not None:
        events.append(ev("run_end", 50, 2, status=status, duration=50))
    return events


class TestSummarize:
    """`summarize` folds events into runs, steps, tasks and LLM calls."""

    def test_steps_tasks_and_straggler(self) -> None:
        """Step spans, task durations, and the task the barrier waited for."""
        summary = summarize(parallel_run())
        (run,) = summary.runs
        assert (run.status, run.graph, run.duration, summary.status) == ("done", "g", 50, "done")
        input_step, step = run.steps
        assert (input_step.step, input_step.start, input_step.end) == (0, 0, 5)
        assert (step.start, step.end, step.duration, step.complete) == (10, 45, 35, True)
        assert [(t.name, t.duration, t.status, t.writes) for t in step.tasks] == [
            ("a", 10, "done", ["x"]), ("b", 30, "done", [])]
        # The report keeps its schema-1 words for the same statuses.
        assert [reported_status(t) for t in step.tasks] == ["ok", "ok"]
        lagging, lead = step.straggler() or (None, 0)
        assert lagging is not None and (lagging.name, lead) == ("b", 21)

    def test_llm_calls(self) -> None:
        """LLM calls come from tracer.analysis (TTFT, rate, gaps), tagged with their run."""
        summary = summarize(parallel_run())
        (call,) = summary.llm_calls
        assert (call.ttft, len(call.tokens), max(call.gaps), call.task_id) == (7, 3, 8, "B")
        assert math.isclose(call.tokens_per_second or 0, 2 / 10e-9)
        assert summary.call_runs == {0: 0}

    def test_crash_leaves_incomplete(self) -> None:
        """Without run_end the run is incomplete and open spans end at the last event."""
        events = parallel_run(status=None)[:-2]  # cut before b's task_end
        summary = summarize(events)
        run = summary.runs[0]
        assert summary.status == "incomplete" and run.duration == 31
        step = run.steps[1]
        assert not step.complete and step.end == 31
        assert [t.status for t in step.tasks] == ["done", "running"]

    def test_error_and_worst_status(self) -> None:
        """A failed task is 'error'; the trace takes its worst root run's status."""
        events = [
            *parallel_run("done"),
            ev("run_start", 0, -1, run_id="r2", graph={"name": "g"}, wall_start_ns=9_000),
            ev("step_start", 3, 1, names=["c"]),
            ev("task_start", 4, 1, task_id="C", name="c"),
            ev("task_end", 6, 1, task_id="C", name="c", duration=2, writes=[], error=BOOM),
            ev("run_end", 8, 1, status="error", duration=8, error=BOOM),
        ]
        summary = summarize(events)
        assert [r.status for r in summary.runs] == ["done", "error"]
        assert summary.status == "error"
        failed = summary.runs[1].steps[0].tasks[0]
        assert (failed.status, reported_status(failed)) == ("failed", "error")

    def test_subgraph_run_by_namespace(self) -> None:
        """Events of a subgraph namespace go to its own run, not to the root's."""
        sub = ("s:1",)
        events = [
            *parallel_run()[:4],
            ev("run_start", 12, -1, sub, run_id="r", graph={"name": "inner"}, parent="A"),
            ev("step_start", 13, 1, sub, names=["x"]),
            ev("task_start", 14, 1, sub, task_id="X", name="x"),
            ev("task_end", 15, 1, sub, task_id="X", name="x", duration=1, writes=[]),
        ]
        summary = summarize(events)
        assert [(r.ns, r.parent_task) for r in summary.runs] == [((), None), (sub, "A")]
        assert [t.name for t in summary.runs[1].steps[0].tasks] == ["x"]
        assert [t.name for t in summary.runs[0].steps[1].tasks] == ["a"]


class TestToJsonable:
    """`to_jsonable` turns any decoded value into data json.dumps accepts."""

    def test_special_values(self) -> None:
        """Bytes, errors, objects, sets, tuples, odd keys, NaN and dates all convert."""
        value = {
            "b": b"\x00\xff", "e": BOOM, "o": ObjectValue("repr", "m.C", "<C>"),
            "d": ObjectValue("dataclass", "m.D", {"x": (1, 2)}), "s": {3, 1},
            (1, 2): "tuple key", "nan": float("nan"), "when": dt.date(2024, 1, 2),
        }
        out = to_jsonable(value)
        json.dumps(out, allow_nan=False)
        assert out["b"] == {"$bytes": "AP8="}
        assert out["e"] == {"class": "ValueError", "message": "boom",
                            "traceback": BOOM.traceback}
        assert out["o"] == {"$object": "m.C", "repr": "<C>"}
        assert out["d"] == {"$object": "m.D", "fields": {"x": [1, 2]}}
        assert (out["s"], out["(1, 2)"], out["nan"], out["when"]) == (
            [1, 3], "tuple key", "nan", "2024-01-02")

    def test_unknown_object_by_repr(self) -> None:
        """Anything else is its repr, even when that repr raises."""

        class Odd:
            def __repr__(self) -> str:
                raise RuntimeError("no repr")

        assert to_jsonable([object.__new__(Odd)]) == ["<unrepresentable Odd: RuntimeError>"]


class TestUnits:
    """Durations and sizes read well at every scale."""

    def test_durations(self) -> None:
        """ns, µs, ms, s and minutes; None is a dash."""
        assert [duration(v) for v in (850, 12_300, 197_700_000, 1_090_000_000, 125e9, None)] == [
            "850 ns", "12.3 µs", "197.7 ms", "1.09 s", "2m05s", "—"]

    def test_compact_durations(self) -> None:
        """For narrow columns (the step list, lanes): no space, fewer digits."""
        assert [duration(v, compact=True) for v in (
            850_000, 12_300_000, 1_250_000_000, 184_000_000_000, None)] == [
            "850µs", "12ms", "1.25s", "3m04s", "—"]

    def test_sizes(self) -> None:
        """Bytes, then KB and MB with one decimal."""
        assert [fmt_size(v) for v in (812, 3_790, 12 << 20)] == ["812 B", "3.7 KB", "12.0 MB"]
