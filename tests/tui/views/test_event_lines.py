"""EventLines' pure parts: what a sideways-scrolled line shows."""

from __future__ import annotations

from tui.widgets.event_lines import visible


class TestVisible:
    """The part of a line a sideways-scrolled view shows."""

    def test_ascii_and_wide(self) -> None:
        """Cut and padded by cells; a wide character cut in half becomes a space."""
        assert visible("abcdef", 2, 3) == "cde"
        assert visible("ab", 0, 4) == "ab  "
        assert visible("a漢字b", 2, 4) == " 字b"
