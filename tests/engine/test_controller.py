"""The Controller hook: consulted between phases; it can pause (block) or stop a run."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from engine import Controller
from engine.errors import RunStopped
from engine.pregel.task import Task

from .graphs import linear, sleepers


class Recorder(Controller):
    """Writes down every call it gets."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, object]] = []

    def before_step(self, ns: tuple[str, ...], step: int, tasks: list[Task], state: Any) -> None:
        self.calls.append(("before_step", (step, [t.name for t in tasks], dict(state))))

    def before_task(self, task: Task) -> None:
        self.calls.append(("before_task", task.name))

    def after_task(self, task: Task) -> None:
        self.calls.append(("after_task", (task.name, task.result)))

    def after_step(self, ns: tuple[str, ...], step: int, state: Any) -> None:
        self.calls.append(("after_step", step))


class TestHooks:
    """Where and with what the loop consults its controller."""

    def test_order_of_calls(self) -> None:
        """before_step → before_task → after_task → after_step, per step, with state."""
        rec = Recorder()
        linear().invoke({"topic": "t"}, controller=rec)
        assert rec.calls == [
            ("after_step", 0),
            ("before_step", (1, ["refine_topic"], {"topic": "t"})),
            ("before_task", "refine_topic"),
            ("after_task", ("refine_topic", {"topic": "t and cats"})),
            ("after_step", 1),
            ("before_step", (2, ["generate_joke"], {"topic": "t and cats"})),
            ("before_task", "generate_joke"),
            ("after_task", ("generate_joke", {"joke": "This is a joke about t and cats"})),
            ("after_step", 2),
        ]

    def test_stop_before_a_task(self) -> None:
        """Raising RunStopped in before_task ends the run before that node runs."""

        class StopAtJoke(Controller):
            def before_task(self, task: Task) -> None:
                if task.name == "generate_joke":
                    raise RunStopped("user pressed stop")

        with pytest.raises(RunStopped):
            linear().invoke({"topic": "t"}, controller=StopAtJoke())

    def test_pause_blocks_until_released(self) -> None:
        """A controller that blocks pauses the run; releasing it lets the run finish."""
        gate = threading.Event()
        reached = threading.Event()

        class Gate(Controller):
            def before_step(
                self, ns: tuple[str, ...], step: int, tasks: list[Task], state: Any
            ) -> None:
                if step == 2:
                    reached.set()
                    gate.wait(5)

        result: dict[str, object] = {}
        worker = threading.Thread(
            target=lambda: result.update(linear().invoke({"topic": "t"}, controller=Gate()))
        )
        worker.start()
        assert reached.wait(5)
        time.sleep(0.05)
        assert worker.is_alive() and result == {}
        gate.set()
        worker.join(5)
        assert result["joke"] == "This is a joke about t and cats"

    def test_parallel_tasks_start_one_by_one(self) -> None:
        """Under a controller each parallel task is offered to before_task separately."""
        rec = Recorder()
        sleepers(0.0, 0.0, 0.0).invoke({"log": []}, controller=rec)
        assert [c for c in rec.calls if c[0] == "before_task"] == [
            ("before_task", "s0"), ("before_task", "s1"), ("before_task", "s2")]
