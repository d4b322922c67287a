"""stepscope's tracer: record engine events to crash-safe msgpack traces, read them back.

- `record(path)`: every graph run inside the block is recorded (subgraphs included).
- `TraceWriter(path)`: a sink for one run (`graph.invoke(..., sinks=[writer])`).
- `STEPSCOPE_TRACE=path`: record a program's runs with no code change.
- `open_trace(path)` → `Trace`: runs, steps, events, `state_at`, `diff`, `llm_calls`,
  `follow`. The file format is specified in FORMAT.md.
"""

from tracer.frames import TraceCorruptError, TraceError
from tracer.reader import Trace, open_trace
from tracer.recording import record
from tracer.writer import TraceWriter

__all__ = ["Trace", "TraceCorruptError", "TraceError", "TraceWriter", "open_trace", "record"]
