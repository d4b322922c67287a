"""StateTree in a running app: what it shows, and keys that open nodes and long text."""

from __future__ import annotations

from collections.abc import Callable

from tests.tui.views.harness import SIZE, ViewApp, settle
from tracer import Trace
from tui.selection import Selection
from tui.widgets.state_tree import StateTree


def labels(tree: StateTree) -> list[str]:
    return [str(node.label) for node in tree.root.children]


class TestStateTree:
    """show() renders the state; opened nodes survive step changes."""

    async def test_show_renders_top_level_keys(self, open_scenario: Callable[[str], Trace]) -> None:
        """The state's keys appear with summaries; the root names the step."""
        tree = StateTree()
        async with ViewApp(tree).run_test(size=SIZE) as pilot:
            tree.show(Selection(open_scenario("notes"), 0, 1))
            await settle(pilot)
            assert str(tree.root.label) == "state after step 1"
            assert labels(tree)[:2] == ["notes: [1 item]", "topic: 'cats!'"]
            assert labels(tree)[2].endswith("… (1,800 chars)'")

    async def test_enter_opens_messages(self, open_scenario: Callable[[str], Trace]) -> None:
        """Enter on the messages node lists messages by class and first line."""
        tree = StateTree()
        async with ViewApp(tree).run_test(size=SIZE) as pilot:
            tree.show(Selection(open_scenario("agent"), 0, 2))
            await settle(pilot)
            tree.focus()
            await pilot.press("down", "enter")
            await pilot.pause()
            node = tree.root.children[0]
            assert node.is_expanded
            assert str(node.children[1].label).startswith("[1]: AIMessage: Let me check")

    async def test_a_shows_the_whole_string(self, open_scenario: Callable[[str], Trace]) -> None:
        """`a` on a shortened string opens its whole text as lines."""
        tree = StateTree()
        async with ViewApp(tree).run_test(size=SIZE) as pilot:
            tree.show(Selection(open_scenario("notes"), 0, 1))
            await settle(pilot)
            tree.focus()
            await pilot.press("down", "down", "down", "a")
            await pilot.pause()
            text = tree.root.children[2]
            assert text.is_expanded and len(text.children) == 18
            assert str(text.children[-1].label).endswith("lazy dog. ")

    async def test_open_nodes_stay_open_across_steps(
            self, open_scenario: Callable[[str], Trace]) -> None:
        """A node opened at one step is open at the next, with the cursor kept on it."""
        tree = StateTree()
        trace = open_scenario("notes")
        async with ViewApp(tree).run_test(size=SIZE) as pilot:
            tree.show(Selection(trace, 0, 1))
            await settle(pilot)
            tree.focus()
            await pilot.press("down", "enter")
            await pilot.pause()
            tree.show(Selection(trace, 0, 2))
            await settle(pilot)
            notes = tree.find(("notes",))
            assert notes is not None and notes.is_expanded
            assert [str(n.label) for n in notes.children] == ["[0]: 'w'", "[1]: 'a1'",
                                                              "[2]: 'a2'", "[3]: 'b'"]
            assert tree.cursor_node is notes

    async def test_shift_c_collapses_everything(
            self, open_scenario: Callable[[str], Trace]) -> None:
        """`C` closes every node and forgets them for the next step."""
        tree = StateTree()
        async with ViewApp(tree).run_test(size=SIZE) as pilot:
            tree.show(Selection(open_scenario("notes"), 0, 1))
            await settle(pilot)
            tree.focus()
            await pilot.press("down", "enter", "C")
            await pilot.pause()
            assert tree.opened == set() and not tree.root.children[0].is_expanded
