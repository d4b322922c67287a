"""`stepscope view PATH [--follow]` and `stepscope demo`: open a trace in the TUI."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from pathlib import Path

import tracer
from tracer.reader import read_trace_header
from tui.cli.errors import CommandError
from tui.cli.inspect import add_prices_argument, prices_of, run_inspect
from tui.target import TargetError, resolve_target

DEMO = Path(__file__).resolve().parents[2] / "sample_graphs" / "joke_poem.py"


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "view", help="open a trace in the terminal UI (--follow: tail a growing one)",
        description="Open a trace in the terminal UI: steps, graph, state, diffs, tasks, "
                    "tokens, lanes, custom and raw events. With --follow, tail a trace "
                    "another process is still writing (press ? in the app for the keys).")
    parser.add_argument("path", metavar="PATH", help="a .stepscope trace file")
    parser.add_argument("--follow", action="store_true",
                        help="follow the file as it grows (waits for it to appear)")
    parser.add_argument("--run", type=int, metavar="N",
                        help="open run N (its number in `stepscope inspect`; default 0)")
    parser.add_argument("--step", type=int, metavar="S",
                        help="select step S (an exported span's stepscope.step)")
    add_prices_argument(parser)
    parser.set_defaults(func=run_view)
    demo = sub.add_parser(
        "demo", help="record the joke ∥ poem sample and open it in the UI",
        description="Record sample_graphs/joke_poem.py into a trace and open it in the "
                    "terminal UI; without a terminal, print `stepscope inspect` instead.")
    demo.add_argument("-o", "--output", metavar="PATH",
                      help="where to write the trace (default: a temporary file)")
    demo.set_defaults(func=run_demo)


def run_view(args: argparse.Namespace) -> int:
    from tui.app import make_app  # Textual loads only for the commands that need it

    prices = prices_of(args, "view")
    if args.run is not None and args.run < 0:
        raise CommandError(f"view: --run {args.run}: run numbers start at 0", 2)
    check_trace(args.path, "view", following=args.follow)
    need_terminal("view", f"`stepscope inspect {args.path}` prints a summary instead")
    make_app(args.path, follow=args.follow, prices=prices,
             at=(args.run, args.step)).run()
    return 0


def need_terminal(command: str, instead: str) -> None:
    """CommandError (2) unless stdin and stdout are a terminal: the UI would write escape
    codes into a file or a pipe, and wait for keys that never come."""
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise CommandError(f"{command}: the terminal UI needs a terminal (stdin and stdout "
                           f"are not one); {instead}", 2)


def check_trace(path: str, command: str, *, following: bool = False) -> None:
    """CommandError (1) saying why `path` cannot be shown, before any UI opens. Following,
    a file that does not exist yet or is still empty is fine: it is waited for."""
    file = Path(path)
    if following and (not file.exists() or (file.is_file() and file.stat().st_size == 0)):
        return
    try:
        read_trace_header(file)  # the app opens it (and scans it, if it must) once
    except tracer.TraceError as exc:
        raise CommandError(f"{command}: {exc}", 1) from None
    except OSError as exc:
        raise CommandError(f"{command}: {path}: {exc.strerror or exc}", 1) from None


def record_demo(out: Path) -> None:
    """Run the joke ∥ poem sample (its `graph` and `inputs`) with the tracer on."""
    try:
        target = resolve_target(f"{DEMO}:graph")
    except TargetError as exc:
        raise CommandError(f"demo: cannot load {DEMO}: {exc}", 2) from None
    inputs = getattr(target.module, "inputs", {})
    os.environ.pop("STEPSCOPE_TRACE", None)  # recorded here; not a second time
    with tracer.record(out):
        if getattr(target.graph, "has_async_nodes", False):
            asyncio.run(target.graph.ainvoke(inputs))
        else:
            target.graph.invoke(inputs)


def run_demo(args: argparse.Namespace) -> int:
    if args.output:
        out = Path(args.output)
    else:
        fd, name = tempfile.mkstemp(prefix="stepscope-demo-", suffix=".stepscope")
        os.close(fd)
        out = Path(name)
    print(f"stepscope demo: recording joke ∥ poem into {out} …", flush=True)
    record_demo(out)
    if not (sys.stdout.isatty() and sys.stdin.isatty()):
        return run_inspect(argparse.Namespace(path=str(out), json=False, prices=None))
    return run_view(argparse.Namespace(path=str(out), follow=False, prices=None))
