"""The `stepscope` command line.

Only `demo` exists so far: it runs a sample graph and prints its streamed output.
`run`, `view`, `debug`, `inspect` and `export` arrive with the tracer and TUI issues.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path


def _demo(_: argparse.Namespace) -> int:
    from tui.target import load_target

    path = Path(__file__).resolve().parent.parent / "sample_graphs" / "joke_poem.py"
    graph = load_target(f"{path}:graph")
    inputs = {"topic": "ice cream"}
    print("stepscope demo: joke ∥ poem, streamed with stream_mode=['updates', 'custom']\n")
    for mode, chunk in graph.stream(inputs, stream_mode=["updates", "custom"]):
        print(f"  {mode:8} {chunk}")
    print("\nfinal state:", graph.invoke(inputs))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="stepscope",
        description="A terminal debugger and tracer for graph (Pregel / superstep) execution.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    demo = sub.add_parser("demo", help="run a sample graph and show its streamed output")
    demo.set_defaults(func=_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "func"):
        parser.print_help()
        return 2
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
