"""Files that are not (whole) traces give a clear message in the app, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from textual.widgets import Static

import tracer
from tests.tracer.raw_frames import walk_frames
from tui.widgets.trace_header import TraceHeader

from .conftest import SIZE, app_for, main_screen, opened, wait_for


async def problem_text(path: Path) -> str:
    """Open `path` in the app; the message it shows instead of the views."""
    async with app_for(path).run_test(size=SIZE) as pilot:
        screen = main_screen(pilot)
        await wait_for(pilot, lambda: screen.problem is not None)
        assert screen.selection is None
        assert not screen.query_one("#body").display
        widget = screen.query_one("#problem", Static)
        assert widget.display
        return str(widget.render())


class TestUnreadableFiles:
    """Each kind of bad file names the file and the reason."""

    async def test_missing(self, tmp_path: Path) -> None:
        text = await problem_text(tmp_path / "nope.stepscope")
        assert "Cannot show this trace" in text and "no such file" in text

    async def test_empty(self, tmp_path: Path) -> None:
        path = tmp_path / "empty.stepscope"
        path.write_bytes(b"")
        assert "is empty" in await problem_text(path)

    async def test_json_is_not_a_trace(self, tmp_path: Path) -> None:
        path = tmp_path / "data.stepscope"
        path.write_text(json.dumps({"steps": [1, 2, 3]}))
        assert "not a stepscope trace" in await problem_text(path)

    async def test_random_bytes(self, tmp_path: Path) -> None:
        path = tmp_path / "noise.stepscope"
        path.write_bytes(bytes(range(256)) * 20)
        assert "not a stepscope trace" in await problem_text(path)

    async def test_directory(self, tmp_path: Path) -> None:
        assert "is a directory" in await problem_text(tmp_path)

    async def test_header_only(self, agent_trace: Path, tmp_path: Path) -> None:
        """A writer that died before its first event: no run to show."""
        with tracer.open_trace(agent_trace) as trace:
            start = trace.start
        path = tmp_path / "header.stepscope"
        path.write_bytes(agent_trace.read_bytes()[:start])
        assert "no graph run" in await problem_text(path)

    async def test_keys_do_nothing_on_a_bad_file(self, tmp_path: Path) -> None:
        """The step keys are harmless when nothing is open."""
        async with app_for(tmp_path / "nope.stepscope").run_test(size=SIZE) as pilot:
            screen = main_screen(pilot)
            await wait_for(pilot, lambda: screen.problem is not None)
            await pilot.press("right", "end", "e", "t", "space", "n", "u")
            assert screen.selection is None and not screen.playing


def _damage(src: Path, dst: Path, step: int, *, keep_footer: bool) -> int:
    """Copy `src` to `dst` with one payload byte of the frame holding `step`'s step_end
    flipped (a batch frame: the whole step); return that frame's offset."""
    with tracer.open_trace(src) as trace:
        address = trace.step_entry(step, 0).end
        assert address is not None
        end = trace.index.end
    data = bytearray(src.read_bytes())
    frame = next(f for f in walk_frames(bytes(data)) if f.offset <= address < f.end)
    data[frame.offset + 11 + 3] ^= 0x55
    dst.write_bytes(bytes(data if keep_footer else data[:end]))
    return frame.offset


class TestCorruptFrames:
    """A corrupt frame mid-file: what was read is shown, and the broken spot is marked."""

    @pytest.mark.parametrize("keep_footer", [False, True], ids=["unfinished", "finished"])
    async def test_banner_and_marked_step(self, counter_trace: Path, tmp_path: Path,
                                          keep_footer: bool) -> None:
        bad = tmp_path / "bad.stepscope"
        offset = _damage(counter_trace, bad, 30, keep_footer=keep_footer)
        async with app_for(bad).run_test(size=SIZE) as pilot:
            screen = await opened(pilot)
            await wait_for(pilot, lambda: screen.damage is not None)
            banner = screen.query_one("#damage", Static)
            assert banner.display
            assert f"byte offset {offset}" in str(banner.render())
            assert "corrupt" in screen.query_one("#header", TraceHeader).status
            # Steps on both sides of the damage are still listed and readable.
            assert screen.rows is not None and len(screen.rows) >= 59
            await pilot.press("e")
            row = screen.rows.row(screen.cursor_index())
            assert row.broken and "⚠" in row.marks
            assert screen.selection is not None and screen.selection.step in (30, 31)
            await pilot.press("end")
            assert screen.selection.step == 60
