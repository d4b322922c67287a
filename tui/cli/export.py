"""`stepscope export PATH --format jsonl|chrome [-o OUT]`: a trace in other tools' formats.

- `jsonl`: one JSON object per event, in file order: `kind`, `seq`, `t` (ns since the
  root run started), `ns` (namespace list), `step`, `run` (run number in the file),
  `data` (made JSON-safe by `tracer.export.jsonable.to_jsonable`).
- `chrome`: Trace Event Format JSON for Perfetto and chrome://tracing
  (`tracer.export.chrome` describes the tracks).

OUT defaults to PATH with the format's suffix (`.jsonl`, `.json`); `-o -` writes to
stdout. A file that is not a readable trace exits 1 with a one-line message; so does a
damaged one, after writing what could be read (the message names each damaged frame's
byte offset and what is wrong with it).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO, TypedDict

from tracer import Trace, TraceError, open_trace
from tracer.export.chrome import chrome_trace
from tracer.export.jsonable import to_jsonable
from tui.cli.errors import CommandError

SUFFIXES = {"jsonl": ".jsonl", "chrome": ".json"}


class JsonlRecord(TypedDict):
    """One line of a `jsonl` export (see the module doc)."""

    kind: str
    seq: int
    t: int
    ns: list[str]
    step: int
    run: int
    data: Any
    """The event's data, made JSON-safe by `to_jsonable`."""


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "export", help="convert a trace to JSON Lines or Chrome/Perfetto trace JSON",
        description="Convert a trace: 'jsonl' writes one JSON object per event; 'chrome' "
                    "writes Trace Event Format JSON that ui.perfetto.dev and "
                    "chrome://tracing open (a track per namespace, slices for runs, "
                    "steps, tasks and LLM calls, instants for tokens and custom events).")
    parser.add_argument("path", metavar="PATH", help="a .stepscope trace file")
    parser.add_argument("-f", "--format", required=True, choices=sorted(SUFFIXES),
                        help="jsonl (one event per line) or chrome (Trace Event Format)")
    parser.add_argument("-o", "--output", metavar="OUT",
                        help="output file (default: PATH with suffix .jsonl or .json; "
                             "'-' for stdout)")
    parser.set_defaults(func=run_export)


def jsonl_records(trace: Trace) -> Iterator[JsonlRecord]:
    """One JSON-safe dict per event of `trace`, in file order."""
    run_of: dict[tuple[str, ...], int] = {}
    runs = 0
    for event in trace.events():
        if event.kind == "run_start":
            run_of[event.ns], runs = runs, runs + 1
        yield {"kind": event.kind, "seq": event.seq, "t": event.t, "ns": list(event.ns),
               "step": event.step, "run": run_of.get(event.ns, -1),
               "data": to_jsonable(event.data)}


@contextmanager
def _open_output(out: str) -> Iterator[TextIO]:
    if out == "-":
        yield sys.stdout
        sys.stdout.flush()
        return
    try:
        f = open(out, "w", encoding="utf-8")
    except OSError as exc:
        raise CommandError(f"export: cannot write {out}: {exc.strerror or exc}", 2) from None
    with f:
        yield f


def run_export(args: argparse.Namespace) -> int:
    source = Path(args.path)
    out = args.output or str(source.with_suffix(SUFFIXES[args.format]))
    if out != "-" and Path(out).resolve() == source.resolve():
        raise CommandError(f"export: {out} is the trace itself; choose another -o", 2)
    try:
        trace = open_trace(source)
    except TraceError as exc:
        raise CommandError(f"export: {exc}") from exc
    with trace:
        if not trace.runs:
            raise CommandError(f"export: {source} holds no readable run")
        count = 0
        with _open_output(out) as f:
            if args.format == "jsonl":
                for record in jsonl_records(trace):
                    f.write(json.dumps(record, ensure_ascii=False) + "\n")
                    count += 1
            else:
                document = chrome_trace(trace.events(), str(source))
                json.dump(document, f, ensure_ascii=False)
                f.write("\n")
                count = len(document["traceEvents"])
        errors = trace.errors
    if out != "-":
        unit = "events" if args.format == "jsonl" else "trace events"
        print(f"wrote {count} {unit} to {out}")
    if errors:
        # What could be read was written; a script must still learn it is not all.
        regions = "; ".join(f"byte offset {e.offset}: {e.reason}" for e in errors[:5])
        more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
        raise CommandError(f"export: {source} is damaged, its damaged frames were left "
                           f"out: {regions}{more}")
    return 0
