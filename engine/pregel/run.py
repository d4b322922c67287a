"""What every graph in one root run shares: the bus, the clock, the controller, the outlet."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from engine.clock import DEFAULT_CLOCK, Clock, SystemClock
from engine.controller import Controller
from engine.events import EventBus, Sink
from engine.runtime import RunControl

if TYPE_CHECKING:
    from engine.pregel.run_callbacks import RunCallbacks
    from engine.pregel.tool_stream import ToolsOut


class RunContext:
    """Shared by the root graph and every subgraph run inside it."""

    __slots__ = (
        "bus",
        "callbacks",
        "checkpointer",
        "clock",
        "context",
        "control",
        "controller",
        "durability",
        "live",
        "outlet",
        "recursion_limit",
        "run_id",
        "tools_out",
        "wall_start_ns",
    )

    def __init__(
        self,
        sinks: tuple[Sink, ...],
        *,
        clock: Clock | None = None,
        controller: Controller | None = None,
        checkpointer: Any = None,
        outlet: Callable[[Any], None] | None = None,
        live: bool = False,
        recursion_limit: int,
        run_id: Any = None,
        durability: str | None = None,
        context: Any = None,
        control: RunControl | None = None,
    ) -> None:
        self.clock: Clock = clock or DEFAULT_CLOCK
        # The system clock's reading is taken straight from time (no Python frame).
        clock_ns = (time.perf_counter_ns if type(self.clock) is SystemClock
                    else self.clock.monotonic_ns)
        self.bus = EventBus(sinks, clock_ns)
        self.wall_start_ns = self.clock.unix_ns()
        self.controller = controller
        self.checkpointer = checkpointer
        self.outlet = outlet
        self.live = live
        """Chunks produced inside a task must reach the consumer while it runs."""
        self.recursion_limit = recursion_limit
        self.durability = durability
        """"exit": checkpoints reach the saver only when each graph's run ends."""
        self.run_id = str(run_id) if run_id is not None else os.urandom(16).hex()
        self.tools_out: ToolsOut | None = None
        """Where `tools`-mode chunks go (None: the run does not stream `tools`)."""
        self.callbacks: RunCallbacks | None = None
        """What the run does for `config["callbacks"]` (None: no callbacks given)."""
        """Given (with `config["run_id"]`) and with a FixedClock, ids are reproducible."""
        self.context = context
        """`context=` of the run, coerced to the root graph's `context_schema`; every
        subgraph sees it too."""
        self.control = control
        """The run's `RunControl`: given with `control=`, or made when a node first asks
        for its runtime (see `engine.pregel.task`)."""
