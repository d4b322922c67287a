"""A LangChain tracer that keeps the finished root runs (their child runs inside), for
tests that check the run tree the engine reports to LangChain callbacks."""

from __future__ import annotations

from collections.abc import Iterator

from langchain_core.tracers.base import BaseTracer
from langchain_core.tracers.schemas import Run


class Tracer(BaseTracer):
    def __init__(self) -> None:
        super().__init__()
        self.runs: list[Run] = []

    def _persist_run(self, run: Run) -> None:
        self.runs.append(run)

    def walk(self) -> Iterator[Run]:
        """Every run, depth first from each root."""
        def under(run: Run) -> Iterator[Run]:
            yield run
            for child in run.child_runs:
                yield from under(child)

        for root in self.runs:
            yield from under(root)

    def node(self, name: str) -> Run:
        """The first run named `name`."""
        return next(r for r in self.walk() if r.name == name)
