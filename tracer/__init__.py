"""stepscope's tracer: record engine events to crash-safe msgpack traces, read them back.

- `record(path)`: every graph run inside the block is recorded (subgraphs included).
- `TraceWriter(path)`: a sink for one run (`graph.invoke(..., sinks=[writer])`).
- `STEPSCOPE_TRACE=path`: record a program's runs with no code change.
- `open_trace(path)` → `Trace`: runs, steps, events, `state_at`, `diff`, `llm_calls`,
  `follow`. The file format is specified in FORMAT.md.

A damaged or hostile file never yields a wrong answer silently: reads raise
`TraceCorruptError` (with the offset), a state that depends on a damaged frame raises
`DamagedStateError` (`Trace.replayer.known_state` says which keys are unknown), and a
file truncated or replaced while it is followed raises `TraceChangedError`.
"""

from tracer.frames import TraceCorruptError, TraceError
from tracer.reader import Trace, TraceChangedError, open_trace
from tracer.recording import record
from tracer.replay import DamagedStateError, KnownState
from tracer.writer import TraceWriter

__all__ = ["DamagedStateError", "KnownState", "Trace", "TraceChangedError", "TraceCorruptError",
           "TraceError", "TraceWriter", "open_trace", "record"]
