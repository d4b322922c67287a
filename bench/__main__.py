"""Command line: `python -m bench SUITE [options]`, run from the repository root.

Suites are modules `bench/<name>.py` with `DESCRIPTION`, `add_arguments(parser)` and
`run(args) -> int`. To add one (`tracer`, `llm`, `tui` are planned), write the module and add
its name to `SUITES`; modules are imported only when their suite is chosen.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from types import ModuleType

SUITES: dict[str, str] = {
    "engine": "bench.engine",
    "tracer": "bench.tracer",
    "llm": "bench.llm",
    "tui": "bench.tui",
    "fuzz": "bench.fuzz",
    "langgraph": "bench.langgraph",
    "otel": "bench.otel",
}
"""Suite name -> module implementing it."""


def _load(name: str) -> ModuleType:
    return importlib.import_module(SUITES[name])


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="stepscope benchmarks. Reports against targets; exits 0 even on a miss.",
    )
    sub = parser.add_subparsers(dest="suite", metavar="SUITE", required=True)
    for name in SUITES:
        module = _load(name)
        suite_parser = sub.add_parser(
            name, help=module.DESCRIPTION, description=module.DESCRIPTION
        )
        suite_parser.add_argument(
            "--quick", action="store_true", help="fewer samples: a smaller, faster run"
        )
        suite_parser.add_argument(
            "--json", metavar="PATH", default=None, help="also write the results as JSON to PATH"
        )
        module.add_arguments(suite_parser)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(_load(args.suite).run(args))


if __name__ == "__main__":
    sys.exit(main())
