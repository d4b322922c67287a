"""`python -m tracer.export.otel_follow PATH --endpoint URL`: follow a trace file while it
is written and send its spans over OTLP/HTTP as the runs go (live export's worker).

Live export runs here, in a process of its own that reads the trace as any follower
does (`tracer.open_trace`, then `Trace.refresh` and `Trace.read` as frames are appended),
rather than in the recorded program: turning
events into spans and encoding them is Python work (~0.2 ms a span), and in the
program's process it would take the GIL from the run (measured: 8% on a graph of 1 ms
nodes, where the target is 5%). The spans are the file export's own (`spans_of`'s
builder), batched by the SDK's BatchSpanProcessor; the program pays for starting this
process, nothing per event.

The recorder writes where its frames end (the trace's index frame) on this process's
stdin once the trace is closed, and closes it (stdin also closes if the recorder dies):
then the rest of the recording's frames are read (another recording may append to the
same file next), the spans of runs that never ended are closed at
their last event, what is queued is sent (at most `--timeout` seconds), and the number
of spans the endpoint accepted is printed. An endpoint that cannot be reached costs one
warning on stderr.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from collections.abc import Iterator

import tracer
from engine.events import Event
from tracer.export.otel import readable, resource_for
from tracer.export.otel_channel import Channel
from tracer.export.otel_model import SpanRecord
from tracer.export.otel_spans import SpanBuilder
from tracer.tracefile import warn

POLL = 0.05
"""How often the file is looked at for new frames (the writer flushes at step ends)."""
OPEN_TIMEOUT = 10.0
_SKIPPED = {"keyframe", "index"}


def _open(path: str, gone: threading.Event) -> tracer.Trace | None:
    """The trace, once its header is on disk (None if it never comes, or the recorder
    went away first)."""
    deadline = time.monotonic() + OPEN_TIMEOUT
    while True:
        try:
            return tracer.open_trace(path)
        except (tracer.TraceError, OSError) as exc:
            if gone.is_set() or time.monotonic() > deadline:
                warn(f"stepscope: live OTLP export: cannot read {path} ({exc})")
                return None
            time.sleep(POLL)


class Recorder:
    """What the recorder says on this process's stdin: at the end, where its frames end
    (then stdin closes; it closes without it if the recorder died)."""

    def __init__(self) -> None:
        self.gone = threading.Event()
        self.end: int | None = None

    def listen(self) -> None:
        try:
            for line in sys.stdin:
                if line.strip().isdigit():
                    self.end = int(line)
                    print("ack", flush=True)  # the recorder may let another one append
        finally:
            self.gone.set()


def events(trace: tracer.Trace, recorder: Recorder) -> Iterator[Event]:
    """The events already on disk, then those appended, until the recorder is gone and
    the last of its frames is read. Frames from where the recorder said its frames end
    are another recording's (one appending to the same file)."""
    offsets = [offset for offset, _ in trace.frame_kinds(trace.start)]
    while True:
        last_look = recorder.gone.is_set()
        for offset in offsets:
            if recorder.end is not None and offset >= recorder.end:
                return
            try:
                event = trace.read(offset)
            except tracer.TraceCorruptError:
                continue  # a damaged frame: as the file export, read around it
            if event.kind not in _SKIPPED:
                yield event
        if last_look and not offsets:
            return
        if not offsets:
            time.sleep(POLL)
        offsets = trace.refresh()


def follow(path: str, channel: Channel, *, content: bool, skip_runs: int,
           recorder: Recorder) -> None:
    trace = _open(path, recorder.gone)
    if trace is None:
        return
    with trace:
        source = str(trace.path.resolve())
        builder = SpanBuilder(source, content=content, fallback_wall_ns=time.time_ns())
        resource = resource_for(source)

        def send(records: list[SpanRecord]) -> None:
            for record in records:
                number = record.attributes.get("stepscope.run.number", skip_runs)
                if not isinstance(number, int) or number >= skip_runs:
                    channel.processor.on_end(readable(record, resource))

        try:
            for event in events(trace, recorder):
                send(builder.add(event))
                if event.kind == "run_end" and not event.ns and builder.idle:
                    # Every run so far has ended: start afresh, so that following a
                    # long-lived program's trace keeps no history but its threads.
                    builder = SpanBuilder(source, content=content, fallback_wall_ns=time.time_ns(),
                                          first_run=builder.runs_seen, book=builder.book)
        except tracer.TraceChangedError:
            warn(f"stepscope: live OTLP export: {path} was replaced; its export stops here")
        send(builder.finish())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tracer.export.otel_follow")
    parser.add_argument("path")
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--content", action="store_true")
    parser.add_argument("--skip-runs", type=int, default=0,
                        help="the runs the file held before this recording: not sent")
    parser.add_argument("--timeout", type=float, default=5.0)
    args = parser.parse_args(argv)
    recorder = Recorder()
    threading.Thread(target=recorder.listen, name="stepscope-otlp-stdin", daemon=True).start()
    channel = Channel(args.endpoint)
    try:
        follow(args.path, channel, content=args.content, skip_runs=args.skip_runs,
               recorder=recorder)
    finally:
        channel.shutdown(args.timeout)
    print(channel.exporter.sent, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
