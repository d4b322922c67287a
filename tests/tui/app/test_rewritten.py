"""The viewer and a trace file that changes under it: a new recording to the same path is
noticed and shown; a damaged step's later states are marked, and unknown keys said so."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.tracer.raw_frames import walk_frames
from tracer import TraceWriter, open_trace
from tui.step_rows import RowCache
from tui.widgets.state_tree import StateTree
from tui.widgets.step_list import StepList

from . import traces
from .conftest import SIZE, app_for, opened, wait_for


class TestRerecorded:
    """`stepscope view r.stepscope`, then a new `stepscope run … -o r.stepscope`."""

    async def test_replay_mode_reloads(self, counter_trace: Path, subgraph_trace: Path,
                                       tmp_path: Path) -> None:
        """Without --follow, the rewritten file is noticed, said, and shown afresh."""
        path = tmp_path / "r.stepscope"
        shutil.copyfile(counter_trace, path)
        app = app_for(path)
        async with app.run_test(size=SIZE) as pilot:
            screen = await opened(pilot)
            first = screen.trace
            assert first is not None and len(first.steps()) > 50
            await pilot.press("end")
            traces.record_subgraph(path)  # truncates the file and records another graph
            await wait_for(pilot, lambda: screen.trace is not None
                           and screen.trace is not first and screen.selection is not None,
                           timeout=10)
            assert screen.trace is not None and len(screen.trace.steps()) < 10
            assert any("reloading" in str(n.message) for n in app._notifications)

    async def test_follow_mode_reloads(self, counter_trace: Path, tmp_path: Path) -> None:
        """Following, a file truncated to nothing is not shown as if it still held data."""
        path = tmp_path / "f.stepscope"
        shutil.copyfile(counter_trace, path)
        app = app_for(path, follow=True)
        async with app.run_test(size=SIZE) as pilot:
            screen = await opened(pilot)
            first = screen.trace
            path.write_bytes(b"")
            await wait_for(pilot, lambda: screen.trace is not first, timeout=10)
            assert any("truncated" in str(n.message) for n in app._notifications)


class TestDamageMarks:
    """A crashed trace with a damaged task_end: the damaged step ⚠, the later ones ?. In a
    trace of batch frames (the default), the whole step goes with its frame: the step
    after it is marked ⚠ (its state before is unknown), and the later ones ?."""

    @pytest.mark.parametrize("bulk", [True, False], ids=["bulk", "one-by-one"])
    async def test_marks_and_unknown_keys(self, tmp_path: Path, bulk: bool) -> None:
        source = tmp_path / "counter.stepscope"
        writer = TraceWriter(source, bulk=bulk)
        traces.counter(60).invoke({"n": 0, "log": []}, {"recursion_limit": 70},
                                  sinks=[writer])
        writer.close()
        data = bytearray(source.read_bytes())
        frames = walk_frames(bytes(data))
        with open_trace(source) as trace:
            victim = trace.step_entry(5).task_ends[0]
            keyframes = sorted(k.step for k in trace.index.keyframes if k.step > 5)
        data[victim + 13] ^= 0x40
        path = tmp_path / "damaged.stepscope"
        path.write_bytes(bytes(data[: frames[-1].offset]))  # crashed: no index, no footer
        async with app_for(path).run_test(size=SIZE) as pilot:
            screen = await opened(pilot)
            rows = screen.rows
            assert isinstance(rows, RowCache)  # one run: no thread
            await wait_for(pilot, lambda: rows.bad_rows)
            marked = {rows.row(i).step: rows.row(i).marks for i in range(len(rows))}
            first = 6 if bulk else 5
            assert (5 not in marked) == bulk
            assert "⚠" in marked[first] and "?" in marked[first + 1]
            if keyframes:
                assert "?" not in marked[keyframes[0]]
            screen.go_to(first + 1)
            await pilot.press("2")  # the State tab
            tree = screen.query_one(StateTree)
            await wait_for(pilot, lambda: "not whole" in str(tree.root.label))
            labels = [str(node.label) for node in tree.root.children]
            assert any("log: ⚠ unknown" in label for label in labels), labels
            assert screen.query_one(StepList).rows is rows
