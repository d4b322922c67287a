"""A failed node's frames and their local variables, read from the live exception.

At an `error` pause (or after a run failed) the exception is still in memory, with its
traceback: every frame from where the run called the node down to where it raised, each
with the variables it held. `frames_of` reads them into plain text once; nothing is
evaluated. The frame the debugger opens on is the innermost of the program's own frames
(not a library's, not the engine's), as the trimmed traceback shows them.
"""

from __future__ import annotations

import linecache
import reprlib
from dataclasses import dataclass

from tui.views.traceback_text import is_library

_REPR = reprlib.Repr()
_REPR.maxstring = 400
_REPR.maxother = 400
_REPR.maxlist = _REPR.maxtuple = _REPR.maxset = _REPR.maxdict = 20
_REPR.maxlevel = 4


@dataclass(frozen=True)
class Local:
    name: str
    type: str
    value: str
    """Its repr, shortened (reprlib); a repr that raised says so."""


@dataclass(frozen=True)
class FrameView:
    file: str
    line: int
    function: str
    library: bool
    """A frame of an installed library, the standard library or the engine."""
    source: str
    """The frame's current line of source, stripped ("" when unknown)."""
    locals: tuple[Local, ...]

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line} in {self.function}"


def _value(value: object) -> str:
    try:
        return _REPR.repr(value)
    except Exception as exc:  # a user's __repr__ may raise: say so, don't fail
        return f"<repr raised {type(exc).__name__}: {exc}>"


def frames_of(error: BaseException) -> tuple[FrameView, ...]:
    """The exception's frames, outermost first, with their locals (see the module doc)."""
    frames: list[FrameView] = []
    tb = error.__traceback__
    while tb is not None:
        frame = tb.tb_frame
        code = frame.f_code
        file = code.co_filename
        line = tb.tb_lineno
        names = sorted(frame.f_locals.items(), key=lambda kv: kv[0])
        frames.append(FrameView(
            file, line, code.co_name, is_library(file),
            linecache.getline(file, line).strip(),
            tuple(Local(name, type(value).__name__, _value(value))
                  for name, value in names if not (name.startswith("__") and name.endswith("__")))))
        tb = tb.tb_next
    return tuple(frames)


def start_frame(frames: tuple[FrameView, ...]) -> int:
    """The index of the innermost program frame (else the innermost frame)."""
    for i in range(len(frames) - 1, -1, -1):
        if not frames[i].library:
            return i
    return max(len(frames) - 1, 0)
