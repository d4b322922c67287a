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

from tracer.otlp import live_export
from tracer.writer import TraceWriter


def sink_for_path(path: str) -> TraceWriter | None:
    writer = TraceWriter(path, strict=False)
    if writer.failed:
        return None
    # Live export's follower registers its own exit handler (it waits for the spans to
    # be sent) first; atexit runs the last registered first, so the trace is closed
    # before that wait.
    live_export(str(writer.path))
    atexit.register(writer.close)
    return writer
