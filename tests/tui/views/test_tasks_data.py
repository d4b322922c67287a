"""The tasks view's model: triggers explained, inputs, writes and errors of real steps."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from tracer import Trace
from tui.views.event_source import step_events
from tui.views.tasks_data import explain_trigger, status, step_tasks


def tasks_of(trace: Trace, step: int) -> list:
    events = step_events(trace, 0, step)
    return step_tasks(events, trace.topology, trace.state_at(step - 1, 0))


class TestExplainTrigger:
    """Why a node ran, from its trigger channel and the topology."""

    TOPOLOGY: ClassVar[dict[str, Any]] = {"edges": [
        {"source": "__start__", "target": "a", "conditional": False, "label": None},
        {"source": "a", "target": "b", "conditional": True, "label": "go"},
        {"source": "c", "target": "b", "conditional": False, "label": None},
        {"source": "a", "target": "j", "conditional": False, "label": None, "join": True},
    ]}

    def test_branch_names_the_edges_into_the_node(self) -> None:
        """branch:to:X lists each edge that can write it."""
        assert explain_trigger("branch:to:b", "b", self.TOPOLOGY) == (
            "branch:to:b ← conditional edge from a [go] or edge from c")
        assert explain_trigger("branch:to:a", "a", self.TOPOLOGY) == (
            "branch:to:a ← the graph's input (edge from __start__)")

    def test_the_edge_that_fired(self) -> None:
        """Knowing which nodes ran in the step before, only their edges are named (the
        line listed every edge into the node)."""
        assert explain_trigger("branch:to:b", "b", self.TOPOLOGY, frozenset({"c"})) == (
            "branch:to:b ← edge from c")
        assert explain_trigger("branch:to:b", "b", self.TOPOLOGY, frozenset({"a", "x"})) == (
            "branch:to:b ← conditional edge from a [go]")
        # nothing of the step before leads here (a Command, say): every edge, as before
        assert explain_trigger("branch:to:b", "b", self.TOPOLOGY, frozenset({"x"})) == (
            "branch:to:b ← conditional edge from a [go] or edge from c")

    def test_join_and_push(self) -> None:
        """A join channel names what it waited for; a push names the Send."""
        assert explain_trigger("join:a+c:j", "j", self.TOPOLOGY) == (
            "join:a+c:j ← waiting edge: a, c → j (runs once all 2 have finished)")
        assert explain_trigger("branch:to:j", "j", self.TOPOLOGY) == (
            "branch:to:j ← the waiting edge from a")
        assert explain_trigger("__pregel_push", "b", self.TOPOLOGY).startswith(
            "__pregel_push ← Send('b', arg) (conditional edge from a)")

    def test_unknown_branch_and_plain_channel(self) -> None:
        """With no edge in, the writer must be a Command or Send; a channel is named."""
        assert "Command(goto='z')" in explain_trigger("branch:to:z", "z", self.TOPOLOGY)
        assert explain_trigger("topic", "b", self.TOPOLOGY) == (
            "topic ← the channel 'topic' was written")


class TestStepTasks:
    """Tasks gathered from real steps."""

    def test_pull_task_input_is_the_previous_state(
            self, open_scenario: Callable[[str], Trace]) -> None:
        """A PULL task gets the state before the step, and its reason names its edge."""
        (task,) = tasks_of(open_scenario("agent"), 2)
        assert task.name == "tools" and status(task) == "done"
        assert task.reasons == ["branch:to:tools ← conditional edge from agent"]
        assert len(task.input["messages"]) == 2 and not task.input_is_send
        assert task.custom == 2 and task.writes[0][0] == "messages"

    def test_send_tasks_get_their_argument(self, open_scenario: Callable[[str], Trace]) -> None:
        """PUSH tasks show their Send arg as input."""
        tasks = tasks_of(open_scenario("send"), 1)
        assert [t.input for t in tasks] == [{"x": 1}, {"x": 2}, {"x": 3}]
        assert all(t.input_is_send and t.triggers == ("__pregel_push",) for t in tasks)

    def test_join_task(self, open_scenario: Callable[[str], Trace]) -> None:
        """The join node explains its waiting edge."""
        (task,) = tasks_of(open_scenario("notes"), 3)
        assert any(r.startswith("join:a+b:join ← waiting edge: a, b → join") for r in task.reasons)

    def test_failed_task_keeps_its_traceback(self, open_scenario: Callable[[str], Trace]) -> None:
        """A failing node's error carries the whole traceback."""
        (task,) = tasks_of(open_scenario("failing"), 2)
        assert status(task) == "failed" and task.error.name == "ValueError"
        assert 'raise ValueError("boom: the answer was 42")' in task.error.traceback
