"""`stepscope run TARGET [--input JSON|@file] [-o PATH]`: run a graph, record its trace.

Prints the trace's path and a one-line summary (status, duration, steps, tasks, LLM
calls and tokens, events, size). Exit status: 0 when the run ends done, interrupted
or stopped; 1 when the graph raised (the trace is still written), when another
process is writing PATH (the graph does not run), or when the trace could not be
written in full (a full disk: the graph runs to its end all the same); 130 on Ctrl-C;
2 for bad arguments, a TARGET that cannot be loaded or a PATH that cannot be created.
"""

from __future__ import annotations

import argparse
import asyncio
import errno
import json
import os
import sys
import time
import uuid
from contextlib import nullcontext
from pathlib import Path
from types import ModuleType
from typing import Any

import tracer
import tracer.langgraph
from engine.events import attach
from tracer.export.report import Report, build_report
from tracer.langgraph.topology import needs_async
from tracer.otlp import EndpointError, given_endpoint, live_export
from tracer.tracefile import reason
from tracer.writer import TraceBusyError, TraceWriter
from tui.cli.errors import CommandError
from tui.engine_alias import install_alias
from tui.target import Target, TargetError, resolve_target
from tui.units import duration, fmt_size, plural

DISK_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO}
"""Errors writing a trace that do not stop the graph: it runs, unrecorded or partly
recorded, and the exit status says the trace is missing or incomplete."""
TARGET_HELP = ("path/to/file.py[:attr] or package.module[:attr]; attr (default 'graph') "
               "is a compiled graph or a zero-argument function returning one")


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "run", help="run a graph and record its trace",
        description="Run a graph with the tracer on, write its trace, and print the "
                    "trace's path and a one-line summary. A graph with a checkpointer "
                    "gets a fresh thread_id. Exits 1 if the graph raises (the trace is "
                    "still written), 2 if TARGET cannot be loaded.")
    add_target_arguments(parser)
    parser.add_argument("-o", "--output", metavar="PATH",
                        help="where to write the trace (default: "
                             "./<target-stem>-<YYYYmmdd-HHMMSS>.stepscope)")
    add_engine_argument(parser)
    parser.add_argument("--otlp", metavar="URL",
                        help="also send the run's OpenTelemetry spans, as it goes, to this "
                             "OTLP/HTTP endpoint (default: OTEL_EXPORTER_OTLP_ENDPOINT when "
                             "set; STEPSCOPE_OTLP=off turns that off); needs the otel extra")
    parser.add_argument("--otlp-content", action="store_true",
                        help="with live OTLP export: send prompts and replies too")
    parser.set_defaults(func=run_run)


def add_engine_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--engine", choices=("langgraph", "stepscope"), default="langgraph",
                        help="what a program written against `langgraph` runs on: real "
                             "LangGraph (the default; needs it installed) or stepscope's "
                             "engine (`langgraph` imports are aliased to it, no file edited)")


def add_target_arguments(parser: argparse.ArgumentParser) -> None:
    """TARGET and --input, as `run` and `debug` take them."""
    parser.add_argument("target", metavar="TARGET", help=TARGET_HELP)
    parser.add_argument("--input", metavar="JSON|@FILE",
                        help="the graph's input: JSON text, or @path to a JSON file "
                             "(default: the module's `inputs` attribute, else {})")


def check_input(graph: Any, value: Any, command: str = "run") -> None:
    """CommandError (2) when a StateGraph whose state is a class with fields (a TypedDict,
    dataclass or model) is given an input that is not an object: say so plainly rather
    than let the run fail with an error about a node's return value."""
    schema = getattr(getattr(graph, "builder", None), "state_schema", None)
    fields = getattr(schema, "__annotations__", None) if isinstance(schema, type) else None
    if not fields or value is None or isinstance(value, dict):
        return
    keys = ", ".join(list(fields)[:8])
    raise CommandError(f"{command}: --input: the graph's input is an object of its state "
                       f"keys ({keys}), not {type(value).__name__} {json.dumps(value)[:60]}",
                       2)


def parse_input(text: str, command: str = "run") -> Any:
    """--input's value: JSON text, or `@path` to a JSON file (CommandError, status 2)."""
    where = "--input"
    if text.startswith("@"):
        path = Path(text[1:])
        where = f"--input {text}"
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise CommandError(f"{command}: {where}: no such file", 2) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"{command}: {where}: cannot read it ({exc})", 2) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise CommandError(f"{command}: {where}: invalid JSON: {exc}", 2) from None


def default_output(stem: str) -> Path:
    """`./<stem>-<YYYYmmdd-HHMMSS>.stepscope`, with `-2`, `-3`… if it already exists."""
    base = f"{stem}-{time.strftime('%Y%m%d-%H%M%S')}"
    path, n = Path(f"{base}.stepscope"), 1
    while path.exists():
        n += 1
        path = Path(f"{base}-{n}.stepscope")
    return path


def summary_line(report: Report) -> str:
    """`done · 197.7 ms · 1 step · 2 tasks · 0 LLM calls · 35 events · 3.7 KB`."""
    totals = report["totals"]
    status = report["status"]
    if status == "error" and report["errors"]:
        error = report["errors"][0]
        message = (error["message"].splitlines() or [""])[0][:200]
        status = f"error: {error['class']}: {message}"
    elif status == "interrupted":
        status = f"interrupted ({plural(totals['interrupts'], 'interrupt')})"
    llm = plural(totals["llm_calls"], "LLM call")
    if totals["llm_calls"]:
        llm += f" ({plural(totals['tokens'], 'token')})"
    return " · ".join([status, duration(report["duration_ns"]), plural(totals["steps"], "step"),
                       plural(totals["tasks"], "task"), llm, plural(report["events"], "event"),
                       fmt_size(report["size_bytes"])])


def module_config(graph: object, module: ModuleType | None = None) -> dict[str, Any] | None:
    """The module's `config` (if it has one), plus a fresh thread_id for a graph with a
    checkpointer (it refuses to run without one)."""
    given = getattr(module, "config", None)
    config: dict[str, Any] = dict(given) if isinstance(given, dict) else {}
    if getattr(graph, "checkpointer", None) is not None:
        configurable = dict(config.get("configurable", {}))
        configurable.setdefault("thread_id", f"stepscope-{uuid.uuid4().hex[:12]}")
        config["configurable"] = configurable
    return config or None


def open_writer(out: Path) -> tuple[TraceWriter | None, OSError | None]:
    """The trace's writer; or None and why, for a disk that is full from the start (the
    graph still runs). Refusals before the graph runs: CommandError."""
    try:
        return TraceWriter(out), None
    except TraceBusyError:
        raise CommandError(f"run: -o {out}: another process is writing this trace; "
                           "wait for it to finish or choose another path", 1) from None
    except OSError as exc:
        if exc.errno not in DISK_FULL:
            raise CommandError(f"run: cannot write the trace {out}: {reason(exc)}", 2) from None
        print(f"stepscope: run: cannot write the trace {out} ({reason(exc)}); "
              "running the graph without recording", file=sys.stderr, flush=True)
        return None, exc


def load_with_engine(spec: str, engine: str) -> Target:
    """Import TARGET with its `langgraph` imports served by `engine`; CommandError (2)
    if it cannot be loaded, saying how to get LangGraph when the program needs it."""
    if engine == "stepscope":
        install_alias()
    else:
        tracer.langgraph.enable()  # installs its hook when the program imports LangGraph
    try:
        target = resolve_target(spec)
    except TargetError as exc:
        cause = exc.__cause__
        if (engine != "stepscope" and isinstance(cause, ModuleNotFoundError)
                and (cause.name or "").split(".")[0] == "langgraph"):
            raise CommandError(
                f"cannot load TARGET {spec!r}: it uses LangGraph, which is not installed: "
                f"install it with {tracer.langgraph.INSTALL_HINT}, or run the program on "
                "stepscope's engine with --engine stepscope", 2) from None
        raise CommandError(f"cannot load TARGET {spec!r}: {exc}", 2) from None
    if engine != "stepscope" and "langgraph" in sys.modules:
        try:
            tracer.langgraph.check_version()
        except tracer.langgraph.LangGraphVersionError as exc:
            raise CommandError(f"run: {exc}", 2) from None
    return target


def runs_async(graph: Any) -> bool:
    """Whether the graph must run with `ainvoke`: the engine says so; a LangGraph graph
    does when one of its nodes has only an async function."""
    known = getattr(graph, "has_async_nodes", None)
    if known is not None:
        return bool(known)
    return needs_async(graph)


def run_run(args: argparse.Namespace) -> int:
    given = parse_input(args.input) if args.input is not None else None
    if args.otlp is not None:
        try:
            given_endpoint(args.otlp)
        except EndpointError as exc:
            raise CommandError(f"run: --otlp: {exc}", 2) from None
    # The run is recorded to -o; STEPSCOPE_TRACE would record it a second time.
    os.environ.pop("STEPSCOPE_TRACE", None)
    target = load_with_engine(args.target, getattr(args, "engine", "langgraph"))
    inputs = given if args.input is not None else getattr(target.module, "inputs", {})
    check_input(target.graph, inputs)
    out = Path(args.output) if args.output else default_output(target.stem)
    if out.is_dir():
        raise CommandError(f"run: -o {out}: is a directory", 2)
    writer, lost = open_writer(out)
    live = None
    if writer is not None:
        live = live_export(str(writer.path), args.otlp,
                           content=True if args.otlp_content else None)
    failure: BaseException | None = None
    try:
        with attach(writer) if writer is not None else nullcontext():
            config = module_config(target.graph, target.module)
            if runs_async(target.graph):
                asyncio.run(target.graph.ainvoke(inputs, config))
            else:
                target.graph.invoke(inputs, config)
    except (Exception, KeyboardInterrupt) as exc:
        failure = exc
    finally:
        if writer is not None:
            writer.close()
            lost = lost or _write_error(writer)
        if live is not None:
            live.finish_sending()
    if lost is not None and (writer is None or not out.exists()):  # nothing recorded
        if failure is not None:
            print(f"error: {type(failure).__name__}: {failure}")
        print(f"stepscope: run: could not write the trace {out}: {reason(lost)}; the graph "
              "ran, nothing was recorded", file=sys.stderr)
        return 130 if isinstance(failure, KeyboardInterrupt) else 1
    print(f"trace: {out}")
    if live is not None and live.sent:
        print(f"otlp: sent {plural(live.sent, 'span')} to {live.endpoint}")
    report: Report | None
    try:
        with tracer.open_trace(out) as trace:
            report = build_report(trace)
        line = summary_line(report)
    except tracer.TraceError as exc:
        report, line = None, f"the trace cannot be read back: {exc}"
    if failure is not None and (report is None or report["status"] != "error"):
        # The graph raised outside a recorded run (or the trace lost it): say so anyway.
        line = f"error: {type(failure).__name__}: {failure} · {line}"
    print(line)
    if lost is not None:
        print(f"stepscope: run: the trace {out} is incomplete: it could not be written past "
              f"byte {out.stat().st_size} ({reason(lost)})", file=sys.stderr)
    if isinstance(failure, KeyboardInterrupt):
        return 130
    if failure is not None or (report is not None and report["status"] == "error"):
        print(f"details and traceback: stepscope inspect {out}")
        return 1
    return 1 if lost is not None else 0


def _write_error(writer: TraceWriter) -> OSError | None:
    error = writer.error
    if error is None or isinstance(error, OSError):
        return error
    return OSError(errno.EIO, reason(error))
