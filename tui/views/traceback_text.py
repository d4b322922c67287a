"""A recorded traceback trimmed to the program's own frames.

Frames of installed libraries (site-packages, the standard library) and of stepscope's
engine are dropped and counted; the last frame and the exception line always stay. The
whole traceback is kept in the trace and shown on demand.
"""

from __future__ import annotations

import re
from pathlib import Path

import engine

_FRAME = re.compile(r'^  File "(?P<path>[^"]+)", line \d+')
_LIBRARY = re.compile(r"[/\\](site-packages|dist-packages)[/\\]|[/\\]lib[/\\]python3\.\d+[/\\]"
                      r"|^<frozen ")
_ENGINE = str(Path(engine.__file__).resolve().parent)


def is_library(path: str) -> bool:
    return bool(_LIBRARY.search(path)) or path.startswith(_ENGINE)


def trim(text: str) -> tuple[str, int]:
    """(`text` without library frames, how many frames were dropped). A frame is its
    `File` line and the indented lines under it; everything else (exception lines,
    "During handling of…" between chained tracebacks) is kept. The last frame of each
    traceback is kept even when it is a library's: it is where the exception rose."""
    lines = text.rstrip("\n").splitlines()
    keep = [True] * len(lines)
    dropped = 0
    i = 0
    while i < len(lines):
        match = _FRAME.match(lines[i])
        if not match:
            i += 1
            continue
        end = i + 1
        while end < len(lines) and lines[end].startswith("    "):
            end += 1
        last = end >= len(lines) or not _FRAME.match(lines[end])
        if is_library(match.group("path")) and not last:
            for j in range(i, end):
                keep[j] = False
            dropped += 1
        i = end
    if not dropped:
        return text, 0
    return "\n".join(line for line, k in zip(lines, keep, strict=True) if k), dropped
