"""`stepscope run TARGET [--input JSON|@file] [-o PATH]`: run a graph, record its trace.

Prints the trace's path and a one-line summary (status, duration, steps, tasks, LLM
calls and tokens, events, size). Exit status: 0 when the run ends done, interrupted
or stopped; 1 when the graph raised (the trace is still written); 130 on Ctrl-C;
2 for bad arguments or a TARGET that cannot be loaded.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
import uuid
from pathlib import Path
from types import ModuleType
from typing import Any

import tracer
from tui.commands import CommandError
from tui.commands.report import Report, build_report
from tui.commands.units import fmt_ns, fmt_size, plural
from tui.target import TargetError, resolve_target

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
    parser.set_defaults(func=run_run)


def add_target_arguments(parser: argparse.ArgumentParser) -> None:
    """TARGET and --input, as `run` and `debug` take them."""
    parser.add_argument("target", metavar="TARGET", help=TARGET_HELP)
    parser.add_argument("--input", metavar="JSON|@FILE",
                        help="the graph's input: JSON text, or @path to a JSON file "
                             "(default: the module's `inputs` attribute, else {})")


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
    return " · ".join([status, fmt_ns(report["duration_ns"]), plural(totals["steps"], "step"),
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


def run_run(args: argparse.Namespace) -> int:
    given = parse_input(args.input) if args.input is not None else None
    # The run is recorded to -o; STEPSCOPE_TRACE would record it a second time.
    os.environ.pop("STEPSCOPE_TRACE", None)
    try:
        target = resolve_target(args.target)
    except TargetError as exc:
        raise CommandError(f"cannot load TARGET {args.target!r}: {exc}", 2) from None
    inputs = given if args.input is not None else getattr(target.module, "inputs", {})
    out = Path(args.output) if args.output else default_output(target.stem)
    if out.is_dir():
        raise CommandError(f"run: -o {out}: is a directory", 2)
    failure: BaseException | None = None
    started = False
    try:
        with tracer.record(out):
            started = True
            config = module_config(target.graph, target.module)
            if getattr(target.graph, "has_async_nodes", False):
                asyncio.run(target.graph.ainvoke(inputs, config))
            else:
                target.graph.invoke(inputs, config)
    except KeyboardInterrupt as exc:
        failure = exc
    except Exception as exc:
        if not started:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
            raise CommandError(f"run: cannot write the trace {out}: {reason}", 2) from None
        failure = exc
    print(f"trace: {out}")
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
    if isinstance(failure, KeyboardInterrupt):
        return 130
    if failure is not None or (report is not None and report["status"] == "error"):
        print(f"details and traceback: stepscope inspect {out}")
        return 1
    return 0
