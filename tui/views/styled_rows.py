"""Rows of styled text as plain data: `[(text, role), ...]`, merged by role.

The visual views build rows cell by cell; a widget maps each role to a style.
"""

from __future__ import annotations

from collections.abc import Sequence

Row = list[tuple[str, str]]


def merge_cells(cells: Sequence[tuple[str, str]]) -> Row:
    """Join neighbouring cells of the same role into one run."""
    out: Row = []
    for ch, role in cells:
        if out and out[-1][1] == role:
            out[-1] = (out[-1][0] + ch, role)
        else:
            out.append((ch, role))
    return out


def row_text(row: Row) -> str:
    """A row's characters without roles."""
    return "".join(text for text, _ in row)
