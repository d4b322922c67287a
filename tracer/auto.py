"""STEPSCOPE_TRACE=path: record a program's runs with no code change.

The engine finds `sink_for_path` through the `stepscope.autotrace` entry point when
the variable is set, and attaches the writer to every run; the file is closed (index
and footer written) when the interpreter exits. A trace that cannot be created gives
one warning and the program runs on unrecorded.
"""

from __future__ import annotations

import atexit
import sys

from tracer.writer import TraceWriter


def sink_for_path(path: str) -> TraceWriter | None:
    try:
        writer = TraceWriter(path)
    except OSError as exc:
        print(f"stepscope: STEPSCOPE_TRACE={path}: cannot create the trace ({exc.strerror});"
              " running without recording", file=sys.stderr)
        return None
    atexit.register(writer.close)
    return writer
