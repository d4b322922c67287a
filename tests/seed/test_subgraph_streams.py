"""Seed blocks 7–9: streaming a parent graph and its subgraph with `subgraphs=True`.

Block 9 is the document's own ```text output for block 8; LangGraph's measured output for
the same graph is outputs/subgraph_updates_sub.repr.txt. Namespace ids change every run,
so they are compared as `<id>` plus an equality check.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from .doc_blocks import SeedDoc, StreamLog, mask_uuids, run

BLOCKS = (7, 8)
DOCUMENTED_OUTPUT = 9  # the ```text block, used as the expected output

# outputs/subgraph_updates_sub.repr.txt, namespace id masked
SUBGRAPH_UPDATES = [
    ((), {"node_1": {"foo": "hi! foo"}}),
    (("node_2:<id>",), {"subgraph_node_1": {"bar": "bar"}}),
    (("node_2:<id>",), {"subgraph_node_2": {"foo": "hi! foobar"}}),
    ((), {"node_2": {"foo": "hi! foobar"}}),
]
NAMESPACE = re.compile(r"node_2:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def masked(items: list[Any]) -> list[Any]:
    return [(tuple(mask_uuids(part) for part in ns), chunk) for ns, chunk in items]


class TestSubgraphOutputs:
    """Blocks 7 and 8 yield `(namespace, update)` pairs from both graphs."""

    def test_extended_example_prints_the_documented_output(
        self, doc: SeedDoc, ns: dict[str, Any], streams: StreamLog,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """Block 8 prints what block 9 shows, line for line, up to the namespace's task id."""
        run(doc.block(8, holds="subgraph = subgraph_builder.compile()").code, ns)
        printed = capsys.readouterr().out.splitlines()
        shown = doc.block(DOCUMENTED_OUTPUT, holds="subgraph_node_2").source.splitlines()
        assert doc[DOCUMENTED_OUTPUT].lang == "text"
        assert [mask_uuids(line) for line in printed] == [mask_uuids(line) for line in shown]
        assert streams.last.kwargs == {"stream_mode": "updates", "subgraphs": True}
        assert masked(streams.last.items) == SUBGRAPH_UPDATES

    def test_namespace_names_the_parent_task_running_the_subgraph(
        self, doc: SeedDoc, ns: dict[str, Any], streams: StreamLog,
    ) -> None:
        """Both subgraph chunks carry one namespace, `node_2:<task id>`, a 36-char id."""
        run(doc.block(8, holds="subgraph = subgraph_builder.compile()").code, ns)
        namespaces = {item[0] for item in streams.last.items if item[0]}
        assert len(namespaces) == 1
        (only,) = namespaces
        assert len(only) == 1 and NAMESPACE.fullmatch(only[0])

    def test_subgraphs_fragment_on_the_extended_example_graph(
        self, doc: SeedDoc, ns: dict[str, Any], streams: StreamLog,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """Block 7, given block 8's parent `graph` (the fragment's extended example)."""
        run(doc.block(8, holds="subgraph = subgraph_builder.compile()").code, ns)
        capsys.readouterr()
        run(doc.block(7, holds="subgraphs=True").code, ns)
        printed = capsys.readouterr().out.splitlines()
        assert streams.last.kwargs == {"subgraphs": True, "stream_mode": "updates"}
        assert masked(streams.last.items) == SUBGRAPH_UPDATES
        assert printed == [repr(item) for item in streams.last.items]

    def test_without_subgraphs_only_the_parent_updates_appear(
        self, doc: SeedDoc, ns: dict[str, Any],
    ) -> None:
        """Block 8's graph without `subgraphs=True` hides the subgraph and its private `bar`."""
        run(doc.block(8, holds="subgraph = subgraph_builder.compile()").code, ns)
        # outputs/subgraph_updates_nosub.repr.txt
        assert list(ns["graph"].stream({"foo": "foo"}, stream_mode="updates")) == [
            {"node_1": {"foo": "hi! foo"}},
            {"node_2": {"foo": "hi! foobar"}},
        ]
