"""The `stepscope` command line: `run`, `inspect`, `export`, `view`, `demo`, `debug`.

Each command lives in `tui.cli.<name>` (`add_parser` + the function it runs).
Exit statuses: 0 success; 1 the graph raised (`run`) or PATH is not a readable trace;
2 bad arguments or a TARGET that cannot be loaded; 130 interrupted by Ctrl-C.
Failures the user can fix print one line, `stepscope: …`, and no traceback.
`view`, `demo` and `debug` open the TUI (`tui.app`).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from engine.version import VERSION
from tui.cli import debug, export, inspect, run, view
from tui.cli.errors import CommandError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="stepscope",
        description="A terminal debugger and tracer for graph (Pregel / superstep) execution.",
    )
    parser.add_argument("--version", action="version", version=f"stepscope {VERSION}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    run.add_parser(sub)
    inspect.add_parser(sub)
    export.add_parser(sub)
    view.add_parser(sub)
    debug.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "func"):
        parser.print_help()
        return 2
    output = getattr(args, "output", None)
    if output is not None and not output.strip():
        print(f"stepscope: {args.command}: -o: an empty path (leave -o out for the default)",
              file=sys.stderr)
        return 2
    try:
        return int(args.func(args))
    except CommandError as exc:
        print(f"stepscope: {exc}", file=sys.stderr)
        return exc.status
    except KeyboardInterrupt:
        print("stepscope: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`stepscope export … -o - | head`): not an error of ours.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    sys.exit(main())
