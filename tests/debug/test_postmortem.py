"""Post-mortem at a failed task: the frames and locals of the live exception, on screen
(Pilot) and in pdb (a real terminal)."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import DataTable, OptionList

from tests.debug.conftest import ROOT, sample
from tests.debug.test_app import SIZE, _app, until
from tests.tui.app.test_terminal import TMUX, Tmux
from tui.debug.postmortem import frames_of, start_frame
from tui.debug.session import DebugSession
from tui.screens.postmortem import PostMortemScreen


def _explode(items: list[int]) -> int:
    total = sum(items)
    secret = "\x1b[31mred[/b]"  # a control sequence and markup: shown, never obeyed
    return total // (len(secret) - len(secret))


def test_frames_open_on_the_innermost_frame_of_the_program() -> None:
    try:
        _explode([1, 2])
    except ZeroDivisionError as exc:
        frames = frames_of(exc)
    assert [f.function for f in frames][-1] == "_explode"
    inner = frames[start_frame(frames)]
    assert inner.function == "_explode" and not inner.library
    assert "return total //" in inner.source
    values = {local.name: (local.type, local.value) for local in inner.locals}
    assert values["items"] == ("list", "[1, 2]")
    assert values["total"] == ("int", "3")
    assert values["secret"][1] == repr("\x1b[31mred[/b]")


def test_a_repr_that_raises_is_reported_not_fatal() -> None:
    class Awkward:
        def __repr__(self) -> str:
            raise RuntimeError("no repr today")

    def fail(thing: Any) -> None:
        raise KeyError(thing is None)

    try:
        fail(Awkward())
    except KeyError as exc:
        frames = frames_of(exc)
    thing = next(local for local in frames[-1].locals if local.name == "thing")
    assert thing.type == "Awkward" and thing.value.startswith("<Awkward instance at 0x")


def test_the_session_keeps_the_failure_at_the_pause_and_after_the_run(
        session: Any) -> None:
    s: DebugSession = session(sample("failing"), "error")
    assert s.post_mortem() is None
    s.start({"x": 0, "log": []}, mode="continue")
    pause = s.wait_paused()
    assert pause is not None and isinstance(pause.error, ValueError)
    error = s.post_mortem()
    assert error is pause.error
    frames = frames_of(error)
    inner = frames[start_frame(frames)]
    assert inner.function == "parse"
    assert {"raw": "{'count': 'twelve'}"}.items() <= {
        local.name: local.value for local in inner.locals}.items()
    s.cont()
    assert s.wait_paused() is None and s.wait(5)
    assert s.status().state == "error"
    failed = s.post_mortem()
    assert isinstance(failed, ValueError)
    assert any(f.function == "parse" for f in frames_of(failed))


async def test_L_at_an_error_pause_shows_the_node_s_locals(tmp_path: Path) -> None:
    app = _app(sample("failing"), tmp_path / "t.stepscope", {"x": 0, "log": []}, "error",
               mode="continue")
    async with app.run_test(size=SIZE) as pilot:
        s = app.session
        await until(pilot, lambda: (p := s.status().pause) is not None and p.error is not None)
        await pilot.press("L")
        await until(pilot, lambda: isinstance(app.screen, PostMortemScreen))
        screen = app.screen
        assert isinstance(screen, PostMortemScreen)
        frames = screen.query_one(OptionList)
        assert frames.highlighted is not None
        assert screen.frames[frames.highlighted].function == "parse"
        table = screen.query_one(DataTable)
        await until(pilot, lambda: table.row_count > 0)
        rows = {str(table.get_row_at(i)[0]): str(table.get_row_at(i)[2])
                for i in range(table.row_count)}
        assert rows["raw"] == "{'count': 'twelve'}"
        assert "'x': 0" in rows["state"]
        await pilot.press("up")  # an outer frame (the engine's): other locals
        await pilot.pause()
        assert screen.frames[frames.highlighted or 0].function != "parse"
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, PostMortemScreen))
        await pilot.press("c")
        await until(pilot, lambda: s.status().state == "error")
        await pilot.press("L")  # after the run failed: the run's exception
        await until(pilot, lambda: isinstance(app.screen, PostMortemScreen))
        await pilot.press("escape")


async def test_L_without_a_failure_says_when_it_works(tmp_path: Path) -> None:
    app = _app(sample("topic_joke"), tmp_path / "t.stepscope", {"topic": "cats"})
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.session.status().state == "paused")
        await pilot.press("L")
        await pilot.pause()
        assert not isinstance(app.screen, PostMortemScreen)
        assert any("only after a task failed" in str(n.message)
                   for n in app._notifications)


@pytest.mark.skipif(TMUX is None, reason="tmux is not installed")
def test_d_suspends_into_pdb_on_the_failed_node_and_comes_back(tmp_path: Path) -> None:
    out = tmp_path / "f.stepscope"
    command = (f"{sys.executable} -m tui.cli debug {ROOT / 'sample_graphs' / 'failing.py'} "
               f"--break error -o {out}")
    session = Tmux(command, tmp_path)
    try:
        session.wait_for("c continue", timeout=60)
        session.keys("c")
        session.wait_for("breakpoint error")
        session.keys("L")
        session.wait_for("post-mortem")
        session.wait_for("{'count': 'twelve'}")  # raw, in the locals of parse
        session.keys("d")
        session.wait_for("(Pdb)")
        session.keys("p raw['count'] * 2", "Enter")
        session.wait_for("'twelvetwelve'")
        session.keys("q", "Enter")
        session.wait_for("post-mortem")  # back in the app, on the same screen
        session.keys("Escape")
        time.sleep(0.3)  # a lone Escape, not the start of an escape sequence
        deadline = time.monotonic() + 15
        while "post-mortem" in session.screen():
            assert time.monotonic() < deadline, "escape did not close the post-mortem"
            time.sleep(0.05)
        session.quit()
    finally:
        session.close()
