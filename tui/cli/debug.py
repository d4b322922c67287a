"""`stepscope debug TARGET [--input …] [--break BP]… [-o PATH] [--replay PATH]`.

Runs the graph in-process under the debugger (paused before its first superstep),
recording every run — the first, resumes after interrupts, forks — into one trace,
and opens the views on it. With --replay, opens a recorded trace of the same graph
instead, to fork from any of its steps; the branches are appended to that trace (or,
with -o, to a copy of it). Exit status 2 for bad arguments, a TARGET that cannot be
loaded, or a breakpoint that names nothing; 1 for a --replay file that is not a trace.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path
from typing import Any

from tracer import TraceError, open_trace
from tui.cli.errors import CommandError
from tui.cli.run import (
    add_engine_argument,
    add_target_arguments,
    check_input,
    default_output,
    load_with_engine,
    module_config,
    parse_input,
)
from tui.cli.view import need_terminal
from tui.debug.breakpoints import SYNTAX, BreakpointError, BreakpointSet, parse
from tui.debug.runtime import runtime_for


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "debug", help="run a graph step by step under the debugger",
        description="Run a graph in the terminal UI under the debugger: pause at every "
                    "superstep (or run to breakpoints), step into tasks and subgraphs, "
                    "answer interrupt(), and fork any step with an edited state. Every "
                    "run is recorded into one trace (press ? in the app for the keys).")
    add_target_arguments(parser)
    add_engine_argument(parser)
    parser.add_argument("--break", dest="breaks", action="append", default=[], metavar="BP",
                        help=f"a breakpoint (repeatable): {SYNTAX}")
    parser.add_argument("--continue", dest="go", action="store_true",
                        help="run to the first breakpoint instead of pausing at step 1")
    parser.add_argument("-o", "--output", metavar="PATH",
                        help="where to write the trace (default: ./<target-stem>-<time>."
                             "stepscope; with --replay: the recorded trace itself)")
    parser.add_argument("--replay", metavar="PATH",
                        help="open this recorded trace of TARGET to fork from its steps "
                             "instead of starting a new run")
    parser.set_defaults(func=run_debug)


def breakpoints_for(topology: dict[str, Any], texts: list[str]) -> BreakpointSet:
    points = BreakpointSet()
    for text in texts:
        try:
            points.add(parse(text, topology, topology.get("state_keys")))
        except BreakpointError as exc:
            raise CommandError(f"debug: --break {text!r}: {exc}", 2) from None
    return points


def replay_path(replay: str, output: str | None,
                topology: dict[str, Any] | None = None) -> Path:
    """The trace forks are appended to: --replay's file, or a copy of it at -o. With
    `topology` (TARGET's graph), a trace of another graph is refused now, not at fork."""
    source = Path(replay)
    try:
        with open_trace(source) as trace:
            if not trace.index.runs:
                raise CommandError(f"debug: --replay {replay}: holds no graph run", 1)
            if topology is not None:
                same_graph(trace.run_start.data.get("graph"), topology, replay)
    except TraceError as exc:
        raise CommandError(f"debug: --replay {replay}: {exc}", 1) from None
    except OSError as exc:
        raise CommandError(f"debug: --replay {replay}: {exc.strerror or exc}", 1) from None
    if output is None:
        return source
    out = Path(output)
    if out.exists() and out.resolve() == source.resolve():
        return source
    if out.is_dir():
        raise CommandError(f"debug: -o {out}: is a directory", 2)
    shutil.copyfile(source, out)
    return out


def same_graph(recorded: Any, topology: dict[str, Any], replay: str) -> None:
    """CommandError (2) if the trace's root graph has other nodes than TARGET's."""
    def nodes(graph: Any) -> list[str]:
        found = graph.get("nodes", []) if isinstance(graph, dict) else []
        return sorted(str(n.get("name")) for n in found if isinstance(n, dict)
                      and not str(n.get("name")).startswith("__"))

    have, want = nodes(recorded), nodes(topology)
    if have and want and have != want:
        raise CommandError(
            f"debug: --replay {replay}: recorded from another graph (nodes "
            f"{', '.join(have)}), not TARGET's (nodes {', '.join(want)}); forks need the "
            "graph that made the trace", 2)


def run_debug(args: argparse.Namespace) -> int:
    from tui.app import DebugApp  # Textual loads only for the commands that need it
    from tui.debug.session import DebugSession

    given = parse_input(args.input, "debug") if args.input is not None else None
    os.environ.pop("STEPSCOPE_TRACE", None)  # recorded here; not a second time
    target = load_with_engine(args.target, args.engine)
    runtime = runtime_for(target.graph)
    try:
        topology = runtime.topology(target.graph)
    except Exception as exc:
        raise CommandError(f"debug: cannot read the graph of {args.target!r}: {exc}", 2) from None
    points = breakpoints_for(topology, args.breaks)
    inputs = given if args.input is not None else getattr(target.module, "inputs", {})
    check_input(target.graph, inputs, "debug")
    if args.replay:
        path = replay_path(args.replay, args.output, topology)
    else:
        path = Path(args.output) if args.output else default_output(target.stem)
        if path.is_dir():
            raise CommandError(f"debug: -o {path}: is a directory", 2)
    config = module_config(target.graph, target.module) or {}
    need_terminal("debug", "`stepscope run TARGET` records it without the UI")
    try:
        session = DebugSession(target.graph, path, breakpoints=points, config=config,
                               append=bool(args.replay))
    except OSError as exc:
        raise CommandError(f"debug: cannot write the trace {path}: "
                           f"{exc.strerror or exc}", 2) from None
    app = DebugApp(session, input=inputs, start=not args.replay,
                   mode="continue" if args.go else "step")
    try:
        app.run()
    finally:
        session.close()
    if session.abandoned:
        print(f"stopped: {', '.join(session.abandoned)} did not return and was abandoned "
              "(the trace is closed; it ends before that task)", file=sys.stderr)
    print(f"trace: {path}")
    if session.active:
        # The abandoned task's thread may never end, and Python waits for its worker
        # threads at exit: leave now, the trace being closed.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)
    return 0
