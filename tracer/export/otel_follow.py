"""`python -m tracer.export.otel_follow --endpoint URL`: follow trace files while they are
written and send their spans over OTLP/HTTP as the runs go (live export's worker; the
program that records says on stdin which files, `serve` has the protocol).

Live export runs here, in a process of its own that reads the trace as any follower
does (`tracer.open_trace`, then `Trace.refresh` and `Trace.read` as frames are
appended), rather than in the recorded program: turning events into spans and encoding
them is Python work (~0.1 ms a span), and in the program's process it took the GIL from
the run (measured: 8% on a graph of 1 ms nodes, where the target is 5%). The spans are
the file export's own (`spans_of`'s builder), batched by the SDK's BatchSpanProcessor;
the program pays for starting this process once, nothing per event.

When a recording is closed the program says where its frames end (its index frame:
another recording may append to the same file next); the rest of its frames are read and
the spans of runs that never ended are closed at their last event. When the program
closes stdin (at its exit, or when it dies) what is queued is sent (at most `--timeout`
seconds) and the number of spans the endpoint accepted is printed. An endpoint that
cannot be reached costs one warning on stderr.
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


class Recording:
    """One recording the program said to follow: where its frames end, once it is over."""

    def __init__(self) -> None:
        self.gone = threading.Event()
        self.end: int | None = None

    def over(self, end: int | None) -> None:
        self.end = end
        self.gone.set()


def events(trace: tracer.Trace, recorder: Recording) -> Iterator[Event]:
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
           recorder: Recording) -> None:
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


def serve(channel: Channel) -> None:
    """Follow what the program says on stdin, until it closes: `follow ID SKIP CONTENT
    PATH` (a recording into PATH started; SKIP runs were there before it; CONTENT 0/1),
    `end ID OFFSET` (it was closed, its frames end at OFFSET: answered `ack ID`)."""
    recordings: dict[str, Recording] = {}
    threads: list[threading.Thread] = []
    for line in sys.stdin:
        parts = line.rstrip("\n").split(" ", 4)
        if parts[0] == "follow" and len(parts) == 5 and parts[2].isdigit():
            recording = recordings[parts[1]] = Recording()
            thread = threading.Thread(target=_follow_safely, args=(
                parts[4], channel, parts[3] == "1", int(parts[2]), recording), daemon=True)
            thread.start()
            threads.append(thread)
        elif parts[0] == "end" and len(parts) == 3 and parts[1] in recordings:
            recordings[parts[1]].over(int(parts[2]) if parts[2].isdigit() else None)
            print(f"ack {parts[1]}", flush=True)  # now another may append to the file
    for recording in recordings.values():  # the program is gone: read what is there
        if not recording.gone.is_set():
            recording.over(None)
    for thread in threads:
        thread.join()


def _follow_safely(path: str, channel: Channel, content: bool, skip_runs: int,
                   recording: Recording) -> None:
    try:
        follow(path, channel, content=content, skip_runs=skip_runs, recorder=recording)
    except Exception as exc:  # one recording's trouble must not end the others' export
        warn(f"stepscope: live OTLP export of {path} stopped ({type(exc).__name__}: {exc})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tracer.export.otel_follow")
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--timeout", type=float, default=5.0,
                        help="at the end, how long to keep sending what is left")
    args = parser.parse_args(argv)
    channel = Channel(args.endpoint)
    try:
        serve(channel)
    finally:
        channel.shutdown(args.timeout)
    print(f"sent {channel.exporter.sent}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
