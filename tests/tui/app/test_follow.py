"""Follow mode against a real writer process: new steps appear quickly, and the selection
moves with them only while it is at the end (as `less +F` does)."""

from __future__ import annotations

import gc
import subprocess
import threading
import time
from pathlib import Path

import pytest

from tests.tracer.child_process import PYTHON, child_env
from tui.screens.main import MainScreen
from tui.trace_tasks import FollowBatch
from tui.widgets.step_list import StepList
from tui.widgets.trace_header import TraceHeader

from .conftest import SIZE, app_for, main_screen, wait_for

STEPS = 60
LATENCY = 0.2

# A step every ~50 ms; prints "step monotonic-time" once each step_end reached the writer.
WRITER = r'''
import sys, time
from typing import TypedDict

import tracer
from engine.graph import END, START, StateGraph


class S(TypedDict):
    n: int


def tick(state: S) -> dict:
    time.sleep(0.05)
    return {"n": state["n"] + 1}


def stamp(event) -> None:
    if event.kind == "step_end":
        print(event.step, time.monotonic(), flush=True)


steps = int(sys.argv[2])
graph = (StateGraph(S).add_node(tick).add_edge(START, "tick")
         .add_conditional_edges("tick", lambda s: "tick" if s["n"] < steps else END,
                                ["tick", END])
         .compile())
time.sleep(float(sys.argv[3]))
writer = tracer.TraceWriter(sys.argv[1])
graph.invoke({"n": 0}, {"recursion_limit": steps + 10}, sinks=[writer, stamp])
writer.close()
'''


class Writer:
    """The writer subprocess and the times at which it finished each step."""

    def __init__(self, tmp_path: Path, path: Path, delay: float = 0.0) -> None:
        script = tmp_path / "writer.py"
        script.write_text(WRITER)
        self.proc = subprocess.Popen([PYTHON, str(script), str(path), str(STEPS), str(delay)],
                                     stdout=subprocess.PIPE, text=True, env=child_env())
        self.stamps: dict[int, float] = {}
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            step, when = line.split()
            self.stamps[int(step)] = float(when)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=10)


class TestFollowLive:
    """`stepscope view PATH --follow` while another process writes PATH."""

    async def test_steps_appear_and_selection_follows_only_at_end(
            self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        path = tmp_path / "live.stepscope"
        seen: dict[int, float] = {}

        def note(screen: MainScreen) -> None:
            """When each step reached the app's step list (its rows)."""
            if screen.rows is not None:
                now = time.monotonic()
                for step in screen.rows.steps():
                    seen.setdefault(step, now)

        handler = MainScreen.on_follow_batch

        def spy(screen: MainScreen, message: FollowBatch) -> None:
            handler(screen, message)
            note(screen)

        monkeypatch.setattr(MainScreen, "on_follow_batch", spy)
        # The app normally has a process to itself; after hundreds of tests this pytest
        # process has a large heap whose full collections pause it for tens of ms.
        # Freezing what exists now keeps those pauses out of the latency measured here.
        gc.collect()
        gc.freeze()
        writer = Writer(tmp_path, path, delay=0.5)  # the app starts before the file exists
        try:
            async with app_for(path, follow=True).run_test(size=SIZE) as pilot:
                screen = main_screen(pilot)
                await wait_for(pilot, lambda: screen.problem is not None, timeout=10)
                assert screen.following and screen.problem is not None
                assert "waiting for" in screen.problem
                await wait_for(pilot, lambda: screen.selection is not None, timeout=10)
                async def run_for(seconds: float, check_at_end: bool) -> None:
                    end = time.monotonic() + seconds
                    while time.monotonic() < end:
                        await pilot.pause(0.01)
                        if check_at_end and screen.rows is not None and len(screen.rows):
                            # At the end before a batch: still at the end after it.
                            assert screen.at_end()

                # Phase 1: at the end, the selection rides along with new steps.
                await wait_for(pilot, lambda: screen.rows is not None
                               and len(screen.rows) >= 5, timeout=15)
                assert screen.rows is not None
                first_shown = max(screen.rows.steps())
                await run_for(0.6, check_at_end=True)
                assert screen.selection is not None and screen.selection.step >= 10
                # Phase 2: the user moves back; new steps do not move the selection.
                await pilot.press("home")
                assert screen.selection.step == 0
                count = len(screen.rows)
                await run_for(0.6, check_at_end=False)
                assert len(screen.rows) > count + 3
                assert screen.selection.step == 0
                assert screen.query_one("#steps", StepList).cursor == 0
                # Phase 3: back at the end (end key), following resumes.
                await pilot.press("end")
                await run_for(0.4, check_at_end=True)
                deadline = time.monotonic() + 20
                while writer.proc.poll() is None and time.monotonic() < deadline:
                    await run_for(0.05, check_at_end=True)
                await run_for(0.3, check_at_end=True)
                assert screen.selection.step == STEPS
                assert "done" in screen.query_one("#header", TraceHeader).status
        finally:
            writer.stop()
            gc.unfreeze()
        assert writer.proc.returncode == 0
        # Steps written while following (not those already there at start-up) show up
        # within LATENCY of the writer having written them.
        late = {s: round(seen[s] - writer.stamps[s], 3) for s in writer.stamps
                if s > first_shown and seen[s] - writer.stamps[s] > LATENCY}
        assert set(writer.stamps) <= set(seen)
        assert late == {}, late
