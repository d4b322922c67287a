"""Tracebacks trimmed to the program's own frames; the whole one on demand."""

from __future__ import annotations

from pathlib import Path

from tests.tui.app.conftest import SIZE, app_for, opened, wait_for
from tests.tui.app.traces import record_failing
from tui.views.traceback_text import trim
from tui.widgets.tasks_view import TasksView

CHAINED = '''Traceback (most recent call last):
  File "/venv/lib/python3.11/site-packages/lib/a.py", line 3, in f
    g()
  File "/home/me/app.py", line 9, in g
    raise KeyError(1)
KeyError: 1

During handling of the above exception, another exception occurred:

Traceback (most recent call last):
  File "/venv/lib/python3.11/site-packages/langgraph/b.py", line 3, in run
    node()
    ^^^^^^
  File "/home/me/app.py", line 12, in node
    h()
  File "/venv/lib/python3.11/site-packages/lib/c.py", line 5, in h
    raise ValueError(2)
ValueError: 2'''


def test_library_frames_go_the_rest_stays() -> None:
    shown, hidden = trim(CHAINED)
    assert hidden == 2
    assert "a.py" not in shown and "langgraph/b.py" not in shown
    # the user's frames, both exception lines, the chaining line, and the frame where
    # the last exception rose (a library's, kept)
    for kept in ('File "/home/me/app.py", line 9', "KeyError: 1", "During handling",
                 'File "/home/me/app.py", line 12', "lib/c.py", "ValueError: 2"):
        assert kept in shown


def test_nothing_to_trim() -> None:
    text = 'Traceback (most recent call last):\n  File "/a.py", line 1, in f\nE: x'
    assert trim(text) == (text, 0)


async def test_the_tasks_view_trims_and_shows_all_on_a(tmp_path: Path) -> None:
    path = record_failing(tmp_path / "f.stepscope")
    async with app_for(path).run_test(size=SIZE) as pilot:
        screen = await opened(pilot)
        screen.go_to(2)
        await pilot.press("4")
        view = screen.query_one(TasksView)
        await wait_for(pilot, lambda: "boom" in view.text.plain)
        trimmed = view.text.plain
        assert "library frames hidden · a: the whole traceback" in trimmed
        assert "pregel/loop.py" not in trimmed and "graphs.py" in trimmed
        await pilot.press("a")
        await pilot.pause()
        assert "pregel/loop.py" in view.text.plain

