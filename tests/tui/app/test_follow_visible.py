"""Following a trace that grows by thousands of steps, the selected (last) step stays in
view in the step list (it was scrolled to where the list ended before it grew)."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any, TypedDict

import tracer
from engine.graph import END, START, StateGraph
from tui.widgets.step_list import StepList

from .conftest import SIZE, app_for, main_screen, wait_for

STEPS = 2000


class S(TypedDict):
    n: int


def _write(path: Path, started: threading.Event) -> None:
    def tick(state: S) -> dict[str, Any]:
        if state["n"] % 100 == 0:
            time.sleep(0.02)  # grow in bursts, as a real run does
        return {"n": state["n"] + 1}

    graph = (StateGraph(S).add_node(tick).add_edge(START, "tick")
             .add_conditional_edges("tick", lambda s: "tick" if s["n"] < STEPS else END,
                                    ["tick", END])
             .compile())
    writer = tracer.TraceWriter(path)
    started.set()
    graph.invoke({"n": 0}, {"recursion_limit": STEPS + 10}, sinks=[writer])
    writer.close()


async def test_the_selected_step_stays_in_view(tmp_path: Path) -> None:
    path = tmp_path / "grow.stepscope"
    started = threading.Event()
    writer = threading.Thread(target=_write, args=(path, started), daemon=True)
    writer.start()
    started.wait(10)
    async with app_for(path, follow=True).run_test(size=SIZE) as pilot:
        screen = main_screen(pilot)
        await wait_for(pilot, lambda: screen.rows is not None and len(screen.rows) > STEPS,
                       timeout=60)
        writer.join(30)
        await pilot.pause(0.3)
        assert screen.selection is not None and screen.rows is not None
        assert screen.selection.step == screen.rows.place(len(screen.rows) - 1)[1]
        steps = screen.query_one(StepList)
        top = steps.scroll_offset.y
        assert top <= steps.cursor < top + steps.page_rows, (top, steps.cursor)


async def test_opening_a_long_trace_in_follow_mode_shows_its_last_step(tmp_path: Path) -> None:
    path = tmp_path / "done.stepscope"
    _write(path, threading.Event())
    async with app_for(path, follow=True).run_test(size=SIZE) as pilot:
        screen = main_screen(pilot)
        await wait_for(pilot, lambda: screen.rows is not None and len(screen.rows) > STEPS,
                       timeout=60)
        await pilot.pause(0.3)
        assert screen.selection is not None and screen.rows is not None
        steps = screen.query_one(StepList)
        top = steps.scroll_offset.y
        index = screen.rows.index_of(screen.selection.step)
        assert index is not None and top <= index < top + steps.page_rows, (top, index)
        assert steps.cursor == index
