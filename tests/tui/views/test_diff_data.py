"""The diff view's model, from the diffs of real recorded steps."""

from __future__ import annotations

from collections.abc import Callable

from tracer import Trace
from tui.views.diff_data import DiffLine, input_block, reducer_label, task_blocks


def lines_of(trace: Trace, step: int) -> list[list[DiffLine]]:
    return [b.lines for b in task_blocks(trace.diff(step, 0))]


class TestReducers:
    """Reducer names as people say them."""

    def test_labels(self) -> None:
        """None is last value; the known reducers get short names; others keep theirs."""
        assert reducer_label(None) == "last value"
        assert reducer_label("operator.add") == "operator.add"
        assert reducer_label("engine.graph.message.add_messages") == "add_messages"
        assert reducer_label("my.merge") == "my.merge"


class TestWrites:
    """Sets, appends and message merges."""

    def test_set_and_append(self, open_scenario: Callable[[str], Trace]) -> None:
        """A last-value change is old → new (change); an append lists the items added."""
        (lines,) = lines_of(open_scenario("notes"), 1)
        assert DiffLine("note", "topic  (last value)") in lines
        assert DiffLine("change", "~ 'cats' → 'cats!'") in lines
        assert DiffLine("note", "notes  (operator.add)") in lines
        assert DiffLine("add", "+ 1 item: 'w'") in lines

    def test_parallel_appends_per_task(self, open_scenario: Callable[[str], Trace]) -> None:
        """Each parallel task shows its own append."""
        blocks = task_blocks(open_scenario("notes").diff(2, 0))
        assert [b.name for b in blocks] == ["a", "b"]
        assert DiffLine("add", "+ 2 items: 'a1', 'a2'") in blocks[0].lines

    def test_send_tasks(self, open_scenario: Callable[[str], Trace]) -> None:
        """Each Send task appends its own result."""
        adds = [line.text for lines in lines_of(open_scenario("send"), 1) for line in lines
                if line.kind == "add"]
        assert adds == ["+ 1 item: 10", "+ 1 item: 20", "+ 1 item: 30"]

    def test_messages_added_replaced_removed(self, open_scenario: Callable[[str], Trace]) -> None:
        """add_messages: new ids added, a known id replaced, RemoveMessage removes."""
        trace = open_scenario("chat")
        (first,) = lines_of(trace, 1)
        assert DiffLine("add", "+ AIMessage: hi  (id m1)") in first
        (second,) = lines_of(trace, 2)
        assert DiffLine("change", "~ AIMessage: hi → AIMessage: hello again  (id m1)") in second
        assert DiffLine("remove", "- HumanMessage: hey  (id h1)") in second

    def test_error_line(self, open_scenario: Callable[[str], Trace]) -> None:
        """A failed task shows its exception line as an error, and is marked failed."""
        (block,) = task_blocks(open_scenario("failing").diff(2, 0))
        assert block.failed
        assert block.lines == [DiffLine("error", "✗ ValueError: boom: the answer was 42")]

    def test_input_block(self, open_scenario: Callable[[str], Trace]) -> None:
        """Step 0 shows the input the run started with."""
        block = input_block(open_scenario("send").state_at(0))
        assert DiffLine("add", "+ items = [1, 2, 3]") in block.lines
