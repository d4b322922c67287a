"""`record(path)`: record every graph run started inside a `with` block."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from engine.events import attach
from tracer.langgraph import enable as record_langgraph
from tracer.otlp import live_export
from tracer.reader import open_trace
from tracer.writer import TraceWriter


@contextmanager
def record(path: str | os.PathLike[str], *, append: bool = False,
           otlp: str | bool | None = None) -> Iterator[TraceWriter]:
    """Record every run (sync or async, subgraphs included) into the trace at `path`,
    on stepscope's engine or on real LangGraph.

    Never raises into the program for the trace's sake: if another process is writing
    `path`, the runs are recorded to a new file beside it (`writer.path`, announced on
    stderr); if the file cannot be written (a full disk, no permission), one warning
    is printed and the runs go on unrecorded (`writer.failed`, `writer.error`).

    Live OpenTelemetry export (`tracer.otlp`): `otlp=None` follows the environment
    (`OTEL_EXPORTER_OTLP_ENDPOINT`, `STEPSCOPE_OTLP`), a URL sends the runs' spans there,
    False keeps them local. A follower process reads the trace as it grows and sends
    them; the block's end does not wait for the network (the interpreter's exit does, at
    most a few seconds). It needs the `otel` extra; without it, one warning.
    """
    writer = TraceWriter(path, append=append, strict=False)
    # Runs on real LangGraph are recorded too (LangGraph is not imported for it).
    record_langgraph()
    live = None
    if otlp is not False and not writer.failed:
        live = live_export(str(writer.path), otlp if isinstance(otlp, str) else None,
                           first_run=runs_before(writer) if append else 0)
    try:
        with attach(writer):
            yield writer
    finally:
        writer.close()
        if live is not None:
            live.close()


def runs_before(writer: TraceWriter) -> int:
    """How many runs the file held before this recording appended to it (the spans' run
    numbers go on from there)."""
    try:
        with open_trace(writer.path) as trace:
            return len(trace.runs)
    except Exception:  # a new or unreadable file: numbering starts at 0
        return 0
