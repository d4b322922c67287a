"""A step is in the index from its step_start on: live traces show the step in progress."""

from __future__ import annotations

from pathlib import Path

import pytest

import tracer
from engine.events import Event
from tracer import replay
from tracer.entries import StepEntry

from . import graphs
from .live_writer import LiveWriter, record_events


def _fan_out() -> list[Event]:
    """start → b0 ∥ b1 ∥ b2 (step 2, three tasks) → join."""
    return record_events(lambda clock: graphs.fan_out().invoke(
        {"topic": "t", "log": []}, clock=clock))


def _first(entry: StepEntry) -> int:
    """Where a step's index entry was opened: its step_start, else (step 0) its step_end."""
    first = entry.start if entry.start is not None else entry.end
    assert first is not None
    return first


class TestLiveIndex:
    """The writer's and the scanner's step entries, while the run is being written."""

    def test_step_listed_from_its_step_start(self, tmp_path: Path) -> None:
        """The open step is listed with no step_end; the same entry fills in as frames come."""
        path = tmp_path / "live.stepscope"
        live = LiveWriter(path, _fan_out())
        live.feed_until("step_start", step=2)
        with tracer.open_trace(path) as trace:
            assert trace.steps() == [0, 1, 2]
            entry = trace.step_entry(2)
            assert entry.start is not None and entry.end is None and entry.task_ends == []
            live.feed_until("task_end", step=2)
            list(trace.follow(stop=lambda: True))
            assert trace.step_entry(2) is entry and len(entry.task_ends) == 1
            live.feed_until("step_end", step=2)
            list(trace.follow(stop=lambda: True))
            assert entry.end is not None and len(entry.task_ends) == 3
            assert trace.steps() == [0, 1, 2]  # filled in, not listed again
            scanned = [e.as_list() for e in trace.index.steps]
        live.finish()
        with tracer.open_trace(path) as final:
            assert final.finished and final.steps() == [0, 1, 2, 3]
            assert [e.as_list() for e in final.index.steps[:3]] == scanned

    def test_footer_and_scan_agree_in_step_start_order(self, tmp_path: Path) -> None:
        """The writer's index and a scan of the same file list the same entries, in the
        order the steps opened: the parent's step before the subgraph steps it ran."""
        path = tmp_path / "sub.stepscope"
        with tracer.record(path):
            graphs.with_subgraph().invoke({"topic": "x", "log": []})
        data = path.read_bytes()
        unfinished = tmp_path / "unfinished.stepscope"
        unfinished.write_bytes(data[:-16])  # no footer: the reader scans
        with tracer.open_trace(path) as footer, tracer.open_trace(unfinished) as scan:
            assert footer.finished and not scan.finished
            assert footer.index.steps == scan.index.steps
            steps = footer.index.steps
        assert [_first(e) for e in steps] == sorted(_first(e) for e in steps)
        parent = next(i for i, e in enumerate(steps) if e.run == 0 and e.step == 2)
        sub = [i for i, e in enumerate(steps) if e.run == 1]
        assert sub and parent < min(sub)
        end = steps[parent].end
        assert end is not None
        assert all(_first(steps[i]) <= _first(steps[j]) <= end for i in [parent] for j in sub)

    def test_writer_closed_mid_step(self, tmp_path: Path) -> None:
        """A file closed while a step ran lists that step once, without a step_end."""
        path = tmp_path / "cut.stepscope"
        live = LiveWriter(path, _fan_out())
        live.feed_until("task_end", step=2)
        live.writer.close()
        with tracer.open_trace(path) as trace:
            assert trace.finished
            assert [(e.step, e.end is None, len(e.task_ends)) for e in trace.index.steps] == [
                (0, False, 0), (1, False, 1), (2, True, 1)]

    def test_new_run_in_the_namespace_leaves_the_open_step(self, tmp_path: Path) -> None:
        """A run that stopped writing mid-step, then another run in the same file: the new
        run's frames are not filed under the old run's open step."""
        path = tmp_path / "two.stepscope"
        live = LiveWriter(path, _fan_out())
        live.feed_until("step_start", step=2)
        live.feed(record_events(lambda clock: graphs.linear().invoke({"topic": "t"},
                                                                     clock=clock)))
        live.writer.close()
        data = path.read_bytes()
        (tmp_path / "scan.stepscope").write_bytes(data[:-16])
        for name in ("two", "scan"):
            with tracer.open_trace(tmp_path / f"{name}.stepscope") as trace:
                assert trace.steps(0) == [0, 1, 2] and trace.steps(1) == [0, 1, 2]
                assert trace.step_entry(2, 0).end is None
                assert all(trace.step_entry(s, 1).end is not None for s in (0, 1, 2))
                assert trace.state_at(2, 1)["joke"] == "a joke about t and cats"


class TestLiveReplay:
    """state_at, diff and step_events of a step that has not ended yet."""

    def test_running_step_state_diff_and_events(self, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
        """State: as before the step (writes land at the barrier); diff: the tasks done so
        far; after step_end the step's writes are in (no memo kept the state before)."""
        monkeypatch.setattr(replay, "MEMO_EVERY", 1)  # memoise every step
        path = tmp_path / "live.stepscope"
        live = LiveWriter(path, _fan_out())
        done = live.feed_until("task_end", step=2)
        with tracer.open_trace(path) as trace:
            before = trace.state_at(1)
            assert trace.state_at(2) == before == {"topic": "T", "log": ["start"]}
            (task,) = trace.diff(2)
            assert task.name == done.data["name"]
            assert [(w.key, w.value, w.old, w.new) for w in task.writes] == [
                ("log", list(done.data["writes"][0][1]), ["start"], ["start"])]
            kinds = [e.kind for e in trace.step_events(2)]
            assert kinds[0] == "step_start" and kinds[-1] == "task_end"
            live.feed_until("step_end", step=2)
            list(trace.follow(stop=lambda: True))
            after = trace.state_at(2)
            assert len(trace.diff(2)) == 3
        live.finish()
        with tracer.open_trace(path) as final:
            assert after == final.state_at(2)
            assert len(after["log"]) == 7
