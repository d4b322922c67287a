"""`record(path)`: record every graph run started inside a `with` block."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from engine.events import attach
from tracer.writer import TraceWriter


@contextmanager
def record(path: str | os.PathLike[str], *, append: bool = False) -> Iterator[TraceWriter]:
    """Record every run (sync or async, subgraphs included) into the trace at `path`."""
    writer = TraceWriter(path, append=append)
    try:
        with attach(writer):
            yield writer
    finally:
        writer.close()
