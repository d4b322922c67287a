"""Benchmarks for stepscope: `python -m bench <suite>` from the repository root.

Each suite is a module `bench/<suite>.py` exposing `DESCRIPTION`, `add_arguments(parser)` and
`run(args) -> int`; `bench/__main__.py` lists them in `SUITES`. Nothing here is imported by the
product, and this package must stay importable by a bare interpreter (the LangGraph peer venv
runs `bench.engine_worker`), so this file imports nothing.
"""
