"""What every view shows: one step of one run of one trace.

The main screen owns the current `Selection` and hands it down to each view's
`show(selection)`; views never query their siblings.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from tracer import Trace
from tracer.entries import StepEntry


@dataclass(frozen=True)
class Selection:
    """The selected step: `trace` (open reader), `run` (index into `trace.runs`), `step`."""

    trace: Trace
    run: int
    step: int

    @property
    def ns(self) -> tuple[str, ...]:
        """The namespace of the selected run (() for the root graph)."""
        runs = self.trace.index.runs
        return runs[self.run].ns if 0 <= self.run < len(runs) else ()

    @property
    def entry(self) -> StepEntry | None:
        """The index entry of the step, or None."""
        try:
            return self.trace.step_entry(self.step, self.run)
        except KeyError:
            return None

    def with_step(self, step: int) -> Selection:
        return replace(self, step=step)

    def with_run(self, run: int, step: int = 0) -> Selection:
        return replace(self, run=run, step=step)
