"""Seed blocks 0–6 and 10: `updates`, `values`, several modes at once, and `debug`.

Expected outputs are what LangGraph 1.2.22 printed for these very graphs (the `updates`,
`values`, `invoke`, `debug` and `updates`+`custom` runs of the linear example).
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from .doc_blocks import SeedDoc, StreamLog, printed_values, run

BLOCKS = (0, 1, 2, 3, 4, 5, 6, 10)

TOPIC_INPUT = {"topic": "ice cream"}
# outputs/linear_updates.repr.txt
LINEAR_UPDATES = [
    {"refine_topic": {"topic": "ice cream and cats"}},
    {"generate_joke": {"joke": "This is a joke about ice cream and cats"}},
]
# outputs/linear_values.repr.txt
LINEAR_VALUES = [
    {"topic": "ice cream"},
    {"topic": "ice cream and cats"},
    {"topic": "ice cream and cats", "joke": "This is a joke about ice cream and cats"},
]
ID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
TIMESTAMP = r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}\+00:00"


def snake_case(name: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower()


class TestStreamingUpdates:
    """Blocks 0–2: the basic `updates` loop and its extended example."""

    def test_extended_example_prints_one_update_per_node(
        self, doc: SeedDoc, ns: dict[str, Any], streams: StreamLog,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """Block 1 prints `{node_name: update}` for refine_topic, then generate_joke."""
        run(doc.block(1, holds="def refine_topic").code, ns)
        assert printed_values(capsys.readouterr().out) == LINEAR_UPDATES
        assert streams.last.kwargs == {"stream_mode": "updates"}
        assert streams.last.items == LINEAR_UPDATES

    def test_basic_usage_loop_streams_updates(
        self, doc: SeedDoc, ns: dict[str, Any], streams: StreamLog,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """Block 0, given block 1's `graph` (its extended example) and that example's input."""
        run(doc.block(1, holds="def refine_topic").code, ns)
        capsys.readouterr()
        ns["inputs"] = TOPIC_INPUT
        run(doc.block(0, holds='graph.stream(inputs, stream_mode="updates")').code, ns)
        assert printed_values(capsys.readouterr().out) == LINEAR_UPDATES
        assert streams.last.items == LINEAR_UPDATES

    def test_documented_output_differs_only_by_camel_case_typo(
        self, doc: SeedDoc, ns: dict[str, Any], capsys: pytest.CaptureFixture[str],
    ) -> None:
        """Block 2 (block 1's shown output) runs, and matches block 1 up to node-name case.

        The document writes `refineTopic` / `generateJoke`; that is a typo: LangGraph keys
        updates by the node's real name, `refine_topic` (outputs/linear_updates.repr.txt),
        and so must stepscope.
        """
        shown = doc.block(2, holds="'refineTopic'")
        run(shown.code, ns)  # two dict displays: valid Python that does nothing
        documented = printed_values(shown.source)
        run(doc.block(1, holds="def refine_topic").code, ns)
        actual = printed_values(capsys.readouterr().out)
        assert [next(iter(c)) for c in actual] == ["refine_topic", "generate_joke"]
        assert [{snake_case(k): v for k, v in c.items()} for c in documented] == actual


class TestStreamMultipleModes:
    """Block 3: a list of modes yields `(mode, chunk)` tuples; the block prints the chunks."""

    def test_updates_and_custom_interleave_as_produced(
        self, doc: SeedDoc, ns: dict[str, Any], streams: StreamLog,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """Given block 16's `graph` and `inputs` (a node that writes custom data, then updates).

        As in outputs/linear_list_updates_custom.repr.txt, a node's custom items come out
        the moment they are written, so before that node's `updates` chunk.
        """
        run(doc.block(16, holds="def node(state: State)").code, ns)
        capsys.readouterr()
        run(doc.block(3, holds='stream_mode=["updates", "custom"]').code, ns)
        expected = [
            ("custom", {"custom_key": "Generating custom data inside node"}),
            ("updates", {"node": {"answer": "some data"}}),
        ]
        assert streams.last.items == expected
        assert printed_values(capsys.readouterr().out) == [chunk for _, chunk in expected]


class TestStreamGraphState:
    """Blocks 4–6: the topic graph streamed in `updates` and `values` mode."""

    def test_graph_definition_compiles_to_the_linear_graph(
        self, doc: SeedDoc, ns: dict[str, Any], capsys: pytest.CaptureFixture[str],
    ) -> None:
        """Block 4 builds START → refine_topic → generate_joke → END, and prints nothing."""
        run(doc.block(4, holds=".add_node(refine_topic)").code, ns)
        assert capsys.readouterr().out == ""
        graph = ns["graph"]
        assert list(graph.nodes) == ["__start__", "refine_topic", "generate_joke"]
        assert graph.invoke(TOPIC_INPUT) == LINEAR_VALUES[-1]  # outputs/linear_invoke

    def test_updates_mode(
        self, doc: SeedDoc, ns: dict[str, Any], streams: StreamLog,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """Block 5 on block 4's graph prints each node's update."""
        run(doc.block(4, holds=".add_node(refine_topic)").code, ns)
        run(doc.block(5, holds='stream_mode="updates"').code, ns)
        assert printed_values(capsys.readouterr().out) == LINEAR_UPDATES
        assert streams.last.items == LINEAR_UPDATES

    def test_values_mode(
        self, doc: SeedDoc, ns: dict[str, Any], streams: StreamLog,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """Block 6 on block 4's graph prints the input state, then the state after each step."""
        run(doc.block(4, holds=".add_node(refine_topic)").code, ns)
        run(doc.block(6, holds='stream_mode="values"').code, ns)
        assert printed_values(capsys.readouterr().out) == LINEAR_VALUES
        assert streams.last.items == LINEAR_VALUES


class TestDebugMode:
    """Block 10: `debug` mode without a checkpointer yields only task and task_result events."""

    def test_debug_events_match_langgraph(
        self, doc: SeedDoc, ns: dict[str, Any], streams: StreamLog,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """Block 10, given block 4's topic graph (it streams `{"topic": ...}`).

        In document order `graph` is block 8's subgraph example at this point, whose state has
        no `topic`; the section's text ("node names and full state") and the input show the
        topic graph is meant. Shapes follow outputs/linear_debug.repr.txt; ids and timestamps
        are compared by pattern.
        """
        run(doc.block(4, holds=".add_node(refine_topic)").code, ns)
        run(doc.block(10, holds='stream_mode="debug"').code, ns)
        printed = capsys.readouterr().out.splitlines()
        items = streams.last.items
        assert printed == [repr(item) for item in items]

        def task(step: int, name: str, input: dict[str, str]) -> str:
            return (f"{{'step': {step}, 'timestamp': '{TIMESTAMP}', 'type': 'task', 'payload': "
                    f"{{'id': '{ID}', 'name': '{name}', 'input': {re.escape(repr(input))}, "
                    f"'triggers': \\('branch:to:{name}',\\)}}}}")

        def result(step: int, name: str, update: dict[str, str]) -> str:
            return (f"{{'step': {step}, 'timestamp': '{TIMESTAMP}', 'type': 'task_result', "
                    f"'payload': {{'id': '{ID}', 'name': '{name}', 'error': None, "
                    f"'result': {re.escape(repr(update))}, 'interrupts': \\[\\]}}}}")

        patterns = [
            task(1, "refine_topic", TOPIC_INPUT),
            result(1, "refine_topic", LINEAR_UPDATES[0]["refine_topic"]),
            task(2, "generate_joke", LINEAR_VALUES[1]),
            result(2, "generate_joke", LINEAR_UPDATES[1]["generate_joke"]),
        ]
        assert len(printed) == len(patterns)
        for line, pattern in zip(printed, patterns, strict=True):
            assert re.fullmatch(pattern, line), line
        ids = [item["payload"]["id"] for item in items]
        assert ids[0] == ids[1] and ids[2] == ids[3] and ids[0] != ids[2]
        stamps = [item["timestamp"] for item in items]
        assert stamps == sorted(stamps)
