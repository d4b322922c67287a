"""The state tree's model, built from the state of real recorded runs."""

from __future__ import annotations

from collections.abc import Callable

from tests.tui.views.traces import LONG
from tracer import Trace
from tui.views.state_data import child_nodes, expanded_paths_after, state_nodes


class TestStateNodes:
    """Top-level nodes, children and long strings."""

    def test_messages_read_as_class_and_text(self, open_scenario: Callable[[str], Trace]) -> None:
        """The agent's messages list opens to one node per message, labelled by class."""
        state = open_scenario("agent").state_at(2)
        (messages,) = state_nodes(state)
        assert messages.label == "messages: [4 items]" and messages.expandable
        labels = [n.label for n in child_nodes(messages)]
        assert labels[0].startswith("[0]: HumanMessage: Which is warmer")
        assert labels[1] == "[1]: AIMessage: Let me check both cities. [2 tool calls]"
        assert labels[2] == "[2]: ToolMessage: It is 18°C in Paris."

    def test_message_fields_are_children(self, open_scenario: Callable[[str], Trace]) -> None:
        """A message opens to its fields; its tool calls open further."""
        (messages,) = state_nodes(open_scenario("agent").state_at(1))
        ai = child_nodes(messages)[1]
        fields = {n.key: n for n in child_nodes(ai)}
        assert fields["content"].label == "content: 'Let me check both cities.'"
        assert fields["tool_calls"].path == ("messages", "[1]", "tool_calls")
        assert child_nodes(fields["tool_calls"])[0].label == "[0]: {4 keys}"

    def test_long_string_is_shortened_and_opens_whole(
            self, open_scenario: Callable[[str], Trace]) -> None:
        """A long string's label is cut; its children are its whole text, wrapped."""
        nodes = {n.key: n for n in state_nodes(open_scenario("notes").state_at(1))}
        text = nodes["text"]
        assert text.is_text and text.label.endswith("… (1,800 chars)'")
        lines = [n.label for n in child_nodes(text)]
        assert "".join(lines) == LONG and len(lines) == 18


class TestExpandedPaths:
    """Which paths stay open."""

    def test_opening_adds_and_closing_forgets_below(self) -> None:
        """Closing a node forgets the nodes opened under it, not its siblings."""
        opened = expanded_paths_after(set(), ("a",), True)
        opened = expanded_paths_after(opened, ("a", "[0]"), True)
        opened = expanded_paths_after(opened, ("b",), True)
        assert expanded_paths_after(opened, ("a",), False) == {("b",)}


class TestWidth:
    """With the columns a label has, strings are cut to fit (and open to their whole
    text) instead of running off the edge; what fits is left whole."""

    def test_a_string_that_does_not_fit_is_cut_with_its_length(self) -> None:
        text = "This sentence is seventy-five characters long, give or take a handful or so."
        (node,) = state_nodes({"note": text}, width=60)
        assert node.expandable and node.is_text
        assert len(node.label) <= 60 and node.label.endswith(f"… ({len(text)} chars)'")
        (wide,) = state_nodes({"note": text}, width=100)
        assert not wide.expandable and wide.label == f"note: {text!r}"

    def test_nested_values_and_wrapped_text_follow_the_width(self) -> None:
        text = "word " * 40
        (top,) = state_nodes({"d": {"inner": text}}, width=50)
        (inner,) = child_nodes(top, width=46)
        assert inner.expandable and len(inner.label) <= 46
        lines = child_nodes(inner, width=30)
        assert lines and all(len(line.label) <= 30 for line in lines)
        assert "".join(line.label for line in lines).replace(" ", "") == text.replace(" ", "")
