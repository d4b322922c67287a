"""`record(path)`: record every graph run started inside a `with` block."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from engine.events import attach
from tracer.langgraph import enable as record_langgraph
from tracer.writer import TraceWriter


@contextmanager
def record(path: str | os.PathLike[str], *, append: bool = False) -> Iterator[TraceWriter]:
    """Record every run (sync or async, subgraphs included) into the trace at `path`,
    on stepscope's engine or on real LangGraph.

    Never raises into the program for the trace's sake: if another process is writing
    `path`, the runs are recorded to a new file beside it (`writer.path`, announced on
    stderr); if the file cannot be written (a full disk, no permission), one warning
    is printed and the runs go on unrecorded (`writer.failed`, `writer.error`).
    """
    writer = TraceWriter(path, append=append, strict=False)
    # Runs on real LangGraph are recorded too (LangGraph is not imported for it).
    record_langgraph()
    try:
        with attach(writer):
            yield writer
    finally:
        writer.close()
