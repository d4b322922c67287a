"""Text from a trace, made safe to show: control characters as visible escapes.

A trace holds whatever the program's values held. Rich's `Text` keeps markup from being
interpreted, but not terminal control sequences: an ESC in a state string would reach
the terminal and could recolour, retitle or rewrite the screen. Everything a trace
supplies goes through `visible` (or `plain`) before it is drawn or printed.
"""

from __future__ import annotations

import re
from typing import Any

from rich.text import Text

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
"""C0 controls but tab and newline, DEL, and C1 controls (CSI among them)."""


def visible(text: str) -> str:
    """`text` with each control character written as its escape (`\\x1b`)."""
    if not _CONTROL.search(text):
        return text
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def plain(value: Any, style: str = "") -> Text:
    """A value from a trace as Rich text: never markup, never a control sequence."""
    return Text(visible(str(value)), style=style)
