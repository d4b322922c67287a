"""`stepscope export PATH --format jsonl|chrome|otlp|otlp-json [-o OUT]`: a trace in other
tools' formats.

- `jsonl`: one JSON object per event, in file order: `kind`, `seq`, `t` (ns since the
  root run started), `ns` (namespace list), `step`, `run` (run number in the file),
  `data` (made JSON-safe by `tracer.export.jsonable.to_jsonable`).
- `chrome`: Trace Event Format JSON for Perfetto and chrome://tracing
  (`tracer.export.chrome` describes the tracks).

- `otlp`, `otlp-json`: OpenTelemetry spans, sent over OTLP/HTTP or written as OTLP JSON
  (`tui.cli.export_otel`).

OUT defaults to PATH with the format's suffix (`.jsonl`, `.json`, `.otlp.json`); `-o -` writes to
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
from tui.cli import export_otel
from tui.cli.errors import CommandError

SUFFIXES = {"jsonl": ".jsonl", "chrome": ".json", "otlp-json": ".otlp.json"}
FORMATS = ("chrome", "jsonl", "otlp", "otlp-json")


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
        "export", help="convert a trace to JSON Lines, Chrome/Perfetto JSON or OpenTelemetry",
        description="Convert a trace: 'jsonl' writes one JSON object per event; 'chrome' "
                    "writes Trace Event Format JSON that ui.perfetto.dev and "
                    "chrome://tracing open (a track per namespace, slices for runs, "
                    "steps, tasks and LLM calls, instants for tokens and custom events); "
                    "'otlp' sends OpenTelemetry spans (GenAI semantic conventions v1.41.0) "
                    "over OTLP/HTTP; 'otlp-json' writes them as OTLP JSON. Prompts and "
                    "replies leave only with --content.")
    parser.add_argument("path", metavar="PATH", help="a .stepscope trace file")
    parser.add_argument("-f", "--format", required=True, choices=FORMATS,
                        help="jsonl (one event per line), chrome (Trace Event Format), otlp "
                             "(send spans over OTLP/HTTP) or otlp-json (OTLP JSON file)")
    parser.add_argument("-o", "--output", metavar="OUT",
                        help="output file (default: PATH with suffix .jsonl, .json or "
                             ".otlp.json; '-' for stdout)")
    parser.add_argument("--endpoint", metavar="URL",
                        help="otlp: the OTLP/HTTP traces URL (default: "
                             "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, or "
                             "OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces); a bare "
                             "http://host:port gets /v1/traces")
    parser.add_argument("--content", action="store_true",
                        help="otlp, otlp-json: also export prompts, replies, tool arguments "
                             "and results, interrupt values (left out by default)")
    parser.add_argument("--timeout", type=float, metavar="SECONDS",
                        help="otlp: how long to keep trying the endpoint (default: "
                             "OTEL_EXPORTER_OTLP_TIMEOUT, else 10)")
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


def _write(trace: Trace, form: str, f: TextIO, args: argparse.Namespace) -> int:
    """Write the trace in a file format; how many records (events, trace events, spans)."""
    if form == "otlp-json":
        return export_otel.write_json(trace, args, f)
    if form == "jsonl":
        count = 0
        for record in jsonl_records(trace):
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
            count += 1
        return count
    document = chrome_trace(trace.events(), str(trace.path))
    json.dump(document, f, ensure_ascii=False)
    f.write("\n")
    return len(document["traceEvents"])


def run_export(args: argparse.Namespace) -> int:
    export_otel.check_arguments(args)
    source = Path(args.path)
    out = args.output or str(source.with_suffix(SUFFIXES.get(args.format, "")))
    if args.format != "otlp" and out != "-" and Path(out).resolve() == source.resolve():
        raise CommandError(f"export: {out} is the trace itself; choose another -o", 2)
    try:
        trace = open_trace(source)
    except TraceError as exc:
        raise CommandError(f"export: {exc}") from exc
    with trace:
        if not trace.runs:
            raise CommandError(f"export: {source} holds no readable run")
        count, sent = 0, None
        if args.format == "otlp":
            sent = export_otel.send_trace(trace, args)
        else:
            with _open_output(out) as f:
                count = _write(trace, args.format, f, args)
        errors = trace.errors
    if sent is not None:
        print(sent)
    elif out != "-":
        unit = {"jsonl": "events", "otlp-json": "spans"}.get(args.format, "trace events")
        print(f"wrote {count} {unit} to {out}")
    if errors:
        # What could be read was written; a script must still learn it is not all.
        regions = "; ".join(f"byte offset {e.offset}: {e.reason}" for e in errors[:5])
        more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
        raise CommandError(f"export: {source} is damaged, its damaged frames were left "
                           f"out: {regions}{more}")
    return 0
