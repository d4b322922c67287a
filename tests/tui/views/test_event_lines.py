"""EventLines without a running app: what a sideways-scrolled line shows, and when the
decoded lines are kept."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from engine.events import Event
from tracer import Trace, open_trace
from tui.views.custom_data import CustomColumns, custom_list
from tui.views.raw_data import event_line
from tui.widgets.event_lines import EventLines, LineFormat, visible


class TestVisible:
    """The part of a line a sideways-scrolled view shows."""

    def test_ascii_and_wide(self) -> None:
        """Cut and padded by cells; a wide character cut in half becomes a space."""
        assert visible("abcdef", 2, 3) == "cde"
        assert visible("ab", 0, 4) == "ab  "
        assert visible("a漢字b", 2, 4) == " 字b"


def custom_format(columns: CustomColumns) -> LineFormat:
    """The format the Custom tab gives its list for `columns`."""
    return LineFormat(columns.line, columns.header, columns.width)


class TestLineFormat:
    """Formats are equal when they draw every event alike."""

    def test_equal_columns(self) -> None:
        """Two equal columns objects' formats are equal (a bound method alone compares its
        object by identity), and hash alike."""
        a, b = custom_format(CustomColumns(9, 4, 5, 20)), custom_format(CustomColumns(9, 4, 5, 20))
        assert a == b and hash(a) == hash(b)

    def test_different_formats(self) -> None:
        """Other widths, another header or another line function: not equal."""
        base = custom_format(CustomColumns(9, 4, 5, 20))
        assert base != custom_format(CustomColumns(9, 4, 6, 20))
        assert base != LineFormat(base.line, "other", base.width)
        assert LineFormat() != base and LineFormat() == LineFormat(event_line)


def count_reads(source: Trace, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The offsets of the events read from `source` from now on."""
    read: list[int] = []
    event = source.read

    def counting(offset: int) -> Event:
        read.append(offset)
        return event(offset)

    monkeypatch.setattr(source, "read", counting)
    return read


class TestLineCache:
    """set_rows keeps the decoded lines unless the source or the format changed."""

    def test_equal_custom_format_keeps_lines(
            self, open_scenario: Callable[[str], Trace], monkeypatch: pytest.MonkeyPatch) -> None:
        """Rows set again with equal columns (a new object) are not decoded again."""
        source = open_scenario("agent")
        lines, found = EventLines(), custom_list(source, 0, 2)
        lines.set_rows(source, found.offsets, custom_format(found.columns))
        first = [lines.line(i) for i in range(len(found.offsets))]
        again = custom_list(source, 0, 2)
        read = count_reads(source, monkeypatch)
        lines.set_rows(source, again.offsets, custom_format(again.columns))
        assert again.columns is not found.columns
        assert [lines.line(i) for i in range(len(again.offsets))] == first and read == []

    def test_changed_format_or_source_clears_lines(
            self, open_scenario: Callable[[str], Trace], monkeypatch: pytest.MonkeyPatch) -> None:
        """Other columns, or another trace, decode the lines again."""
        source = open_scenario("agent")
        lines, found = EventLines(), custom_list(source, 0, 2)
        lines.set_rows(source, found.offsets, custom_format(found.columns))
        lines.line(0)
        read = count_reads(source, monkeypatch)
        columns = found.columns
        wider = CustomColumns(columns.time + 1, columns.step, columns.node, columns.payload)
        lines.set_rows(source, found.offsets, custom_format(wider))
        lines.line(0)
        assert read == [found.offsets[0]]
        other = open_trace(source.path)
        read_other = count_reads(other, monkeypatch)
        lines.set_rows(other, found.offsets)
        lines.line(0)
        assert read_other == [found.offsets[0]]

    def test_default_format_kept(
            self, open_scenario: Callable[[str], Trace], monkeypatch: pytest.MonkeyPatch) -> None:
        """The Events tab's way: rows set again without a format, or with the default one,
        keep the lines."""
        source = open_scenario("agent")
        lines, offsets = EventLines(), custom_list(source, 0, 2).offsets
        lines.set_rows(source, offsets)
        lines.line(0)
        read = count_reads(source, monkeypatch)
        lines.set_rows(source, offsets[:1])
        lines.set_rows(source, offsets, LineFormat())
        lines.line(0)
        assert read == []
