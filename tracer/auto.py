"""STEPSCOPE_TRACE=path: record a program's runs with no code change.

The engine finds `sink_for_path` through the `stepscope.autotrace` entry point when
the variable is set, and attaches the writer to every run; the file is closed (index
and footer written) when the interpreter exits. Nothing here raises into the program:
a trace that cannot be written gives one warning and the program runs on unrecorded;
a path another process is writing is replaced by a new name beside it (one notice).
With an OTLP endpoint configured (`tracer.otlp`), the runs' spans are also sent live.
"""

from __future__ import annotations

import atexit

from engine.events import Event, Sink
from tracer.otlp import live_export
from tracer.writer import TraceWriter


def sink_for_path(path: str) -> Sink | None:
    writer = TraceWriter(path, strict=False)
    if writer.failed:
        return None
    live = live_export(str(writer.path))
    if live is None:
        atexit.register(writer.close)
        return writer
    send = live.sink

    def record_and_send(event: Event) -> None:
        writer(event)
        send(event)

    # atexit runs last-registered first: the trace is closed before the spans are flushed.
    atexit.register(live.close)
    atexit.register(writer.close)
    return record_and_send
