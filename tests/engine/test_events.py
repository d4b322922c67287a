"""The event bus: every transition of a run is one event, and stream modes project them."""

from __future__ import annotations

from engine import capture_events
from engine.clock import FixedClock
from engine.events import Event, attach

from .graphs import linear, sleepers


class TestEventSequence:
    """What a run emits, in what order, with what fields."""

    def test_linear_run_kinds(self) -> None:
        """A two-node chain emits run_start, input step_end, then per step start/task/end."""
        with capture_events() as events:
            linear().invoke({"topic": "ice cream"})
        assert events.kinds() == [
            "run_start", "step_end",
            "step_start", "task_start", "task_end", "step_end",
            "step_start", "task_start", "task_end", "step_end",
            "run_end",
        ]

    def test_seq_is_gap_free_and_t_monotonic(self) -> None:
        """seq counts 0..n-1 and t never goes backwards on one thread."""
        with capture_events() as events:
            linear().invoke({"topic": "x"})
        assert [e.seq for e in events] == list(range(len(events)))
        ts = [e.t for e in events]
        assert ts == sorted(ts)

    def test_task_end_carries_writes_and_duration(self) -> None:
        """task_end has the known writes, the result dict and a positive duration."""
        with capture_events() as events:
            linear().invoke({"topic": "ice cream"})
        end = events.of("task_end")[0]
        assert end.data["name"] == "refine_topic"
        assert end.data["writes"] == [("topic", "ice cream and cats")]
        assert end.data["result"] == {"topic": "ice cream and cats"}
        assert end.data["duration"] > 0
        assert end.step == 1

    def test_step_end_carries_changes(self) -> None:
        """step_end lists the channels the step changed, with their new values."""
        with capture_events() as events:
            linear().invoke({"topic": "ice cream"})
        changes = [e.data["changes"] for e in events.of("step_end")]
        assert changes == [
            {"topic": "ice cream"},
            {"topic": "ice cream and cats"},
            {"joke": "This is a joke about ice cream and cats"},
        ]

    def test_run_end_reports_output(self) -> None:
        """run_end says done and carries the output state."""
        with capture_events() as events:
            linear().invoke({"topic": "t"})
        end = events.of("run_end")[0]
        assert end.data["status"] == "done"
        assert end.data["output"]["joke"] == "This is a joke about t and cats"

    def test_failed_run_reports_error(self) -> None:
        """A node exception ends the run with status error and the exception."""
        from engine.graph import START, StateGraph

        from .graphs import Joke

        def boom(state: Joke) -> dict[str, str]:
            raise ValueError("nope")

        graph = StateGraph(Joke).add_node(boom).add_edge(START, "boom").compile()
        with capture_events() as events:
            try:
                graph.invoke({"topic": "t"})
            except ValueError:
                pass
        end = events.of("run_end")[0]
        assert end.data["status"] == "error"
        assert isinstance(end.data["error"], ValueError)
        assert isinstance(events.of("task_end")[0].data["error"], ValueError)


class TestSinks:
    """Sinks attach per run or process-wide and see the same events."""

    def test_per_run_sink(self) -> None:
        """A sink passed to one call sees that run only."""
        seen: list[Event] = []
        graph = linear()
        graph.invoke({"topic": "a"}, sinks=[seen.append])
        graph.invoke({"topic": "b"})
        assert len({e.data.get("run_id") for e in seen if e.kind == "run_start"}) == 1
        assert seen[0].kind == "run_start"

    def test_attach_is_scoped(self) -> None:
        """`attach` stops delivering once its block ends."""
        seen: list[Event] = []
        graph = linear()
        with attach(seen.append):
            graph.invoke({"topic": "a"})
        count = len(seen)
        graph.invoke({"topic": "b"})
        assert count > 0 and len(seen) == count

    def test_stream_and_sink_agree(self) -> None:
        """The updates a sink sees in task_end are exactly what stream(updates) yields."""
        seen: list[Event] = []
        chunks = list(linear().stream({"topic": "x"}, stream_mode="updates", sinks=[seen.append]))
        from_events = [{e.data["name"]: e.data["result"]} for e in seen if e.kind == "task_end"]
        assert chunks == from_events

    def test_parallel_custom_events_all_arrive(self) -> None:
        """Events from worker threads are all delivered with unique seq numbers."""
        with capture_events() as events:
            sleepers(0.01, 0.01, 0.01, 0.01).invoke({"log": []})
        seqs = sorted(e.seq for e in events)
        assert seqs == list(range(len(events)))
        assert len(events.of("task_end")) == 4


class TestDeterminism:
    """Same graph, input, run id and fixed clock give the same ids and times."""

    def test_task_ids_and_times_repeat(self) -> None:
        """Two runs with FixedClock and the same run_id produce identical events."""

        def run() -> list[tuple[object, ...]]:
            with capture_events() as events:
                linear().invoke({"topic": "x"}, {"run_id": "r1"}, clock=FixedClock())
            return [(e.kind, e.seq, e.t, e.step, e.data.get("task_id")) for e in events]

        first, second = run(), run()
        assert first == second
        assert any(row[4] for row in first)

    def test_task_id_shape(self) -> None:
        """Task ids look like UUIDs (8-4-4-4-12 lowercase hex)."""
        import re

        with capture_events() as events:
            linear().invoke({"topic": "x"})
        ids = [e.data["task_id"] for e in events.of("task_start")]
        assert all(re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", i)
                   for i in ids)
        assert len(set(ids)) == 2
