"""The step list's column heading: aligned with the rows, fixed while the rows scroll."""

from __future__ import annotations

from pathlib import Path

from tui.units import duration
from tui.widgets.step_list import StepList

from .conftest import SIZE, app_for, opened


def line(steps: StepList, y: int) -> str:
    """Line `y` of the list as drawn on screen (0: the heading)."""
    return steps.render_line(y).text


def selected_line(steps: StepList) -> int:
    """The screen line the cursor row is drawn on."""
    return steps.cursor + 1 - steps.scroll_offset.y


class TestHeading:
    """The first line names the columns and does not scroll."""

    async def test_names_the_columns_over_them(self, agent_trace: Path) -> None:
        """step, nodes, duration and marks, each over its column of the rows."""
        async with app_for(agent_trace).run_test(size=SIZE) as pilot:
            screen = await opened(pilot)
            steps = screen.query_one(StepList)
            head = line(steps, 0)
            assert head.split() == ["step", "nodes", "duration", "marks"]
            assert steps.rows is not None
            for index in range(len(steps.rows)):
                text, row = line(steps, index + 1), steps.rows.row(index)
                # right-aligned: the step number and the duration end under their names
                assert text[: head.index("step") + 4].strip() == str(row.step)
                assert text[head.index("nodes"):].startswith(", ".join(row.nodes) or "input")
                at = head.index("duration")
                assert text[at: at + 8].strip() == duration(row.duration_ns, compact=True)
                assert text[head.index("marks"):].strip() == row.marks

    async def test_stays_put_while_the_rows_scroll(self, counter_trace: Path) -> None:
        """At the end, a page up, and home: the heading is line 0 and the selected row
        is drawn below it, never under it."""
        async with app_for(counter_trace).run_test(size=SIZE) as pilot:
            screen = await opened(pilot)
            steps = screen.query_one(StepList)
            height = steps.scrollable_content_region.height
            head = line(steps, 0)
            await pilot.press("end")
            await pilot.pause()
            assert steps.scroll_offset.y > 0 and line(steps, 0) == head
            assert selected_line(steps) == height - 1
            assert line(steps, height - 1).split()[:2] == ["60", "tick"]
            await pilot.press("pageup")  # to the row just above the top visible one
            await pilot.pause()
            assert screen.selection is not None
            assert screen.selection.step == 60 - steps.page_rows
            assert line(steps, 0) == head and selected_line(steps) == 1
            assert line(steps, 1).split()[0] == str(screen.selection.step)
            await pilot.press("home")
            await pilot.pause()
            assert steps.scroll_offset.y == 0 and line(steps, 1).split()[:2] == ["0", "input"]

    async def test_clicking_the_heading_selects_nothing(self, agent_trace: Path) -> None:
        """A click on the heading leaves the selection; one on the line below picks step 0."""
        async with app_for(agent_trace).run_test(size=SIZE) as pilot:
            screen = await opened(pilot)
            await pilot.press("right", "right")
            await pilot.click(StepList, offset=(3, 0))
            await pilot.pause()
            assert screen.selection is not None and screen.selection.step == 2
            await pilot.click(StepList, offset=(3, 1))
            await pilot.pause()
            assert screen.selection.step == 0


async def test_a_selected_failed_step_is_readable(tmp_path: Path) -> None:
    """Selected, a failed step's row takes the cursor's colours (bold), not red on the
    cursor's background."""
    from tests.tui.app.traces import record_failing

    path = record_failing(tmp_path / "f.stepscope")
    async with app_for(path).run_test(size=SIZE) as pilot:
        screen = await opened(pilot)
        assert screen.rows is not None
        failed = next(i for i in range(len(screen.rows)) if screen.rows.row(i).errors)
        screen.select_index(failed)
        await pilot.pause()
        steps = screen.query_one(StepList)
        cursor = steps.get_component_rich_style("step-list--cursor")
        line = steps.render_line(failed + 1 - steps.scroll_offset.y)  # +1: the heading
        texts = [s for s in line if s.text.strip()]
        assert texts and all(s.style is not None and s.style.color == cursor.color
                             and s.style.bgcolor == cursor.bgcolor for s in texts)
        assert any(s.style is not None and s.style.bold for s in texts)
