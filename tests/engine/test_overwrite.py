"""`Overwrite`: a write that bypasses a key's reducer; results as in LangGraph 1.2.22."""

from __future__ import annotations

import operator
from typing import Annotated, Any, TypedDict

import pytest

from engine.errors import InvalidUpdateError
from engine.graph import END, START, StateGraph
from engine.types import Overwrite


class S(TypedDict):
    items: Annotated[list[str], operator.add]


def fan(b_write: Any, c_write: Any) -> Any:
    builder = StateGraph(S)
    builder.add_node("a", lambda s: {"items": ["a"]})
    builder.add_node("b", lambda s: {"items": b_write})
    builder.add_node("c", lambda s: {"items": c_write})
    builder.add_edge(START, "a").add_edge("a", "b").add_edge("a", "c")
    builder.add_edge("b", END).add_edge("c", END)
    return builder.compile()


class TestOverwrite:
    @pytest.mark.parametrize("write", [Overwrite(["b"]), {"__overwrite__": ["b"]},
                                       {"type": "__overwrite__", "value": ["b"]}])
    def test_replaces_the_value_in_any_form(self, write: Any) -> None:
        builder = StateGraph(S).add_node("b", lambda s: {"items": write})
        graph = builder.add_edge(START, "b").compile()
        assert graph.invoke({"items": ["start"]}) == {"items": ["b"]}

    def test_drops_the_other_writes_of_its_step(self) -> None:
        assert fan(Overwrite(["b"]), ["c"]).invoke({"items": []}) == {"items": ["b"]}

    def test_two_in_one_step_is_an_error(self) -> None:
        with pytest.raises(InvalidUpdateError,
                           match=r"Can receive only one Overwrite value per super-step\."):
            fan(Overwrite(["b"]), Overwrite(["c"])).invoke({"items": []})

    def test_a_plain_dict_write_is_not_an_overwrite(self) -> None:
        class D(TypedDict):
            maps: Annotated[list[dict[str, int]], operator.add]

        builder = StateGraph(D).add_node("n", lambda s: {"maps": [{"k": 1}]})
        graph = builder.add_edge(START, "n").compile()
        assert graph.invoke({"maps": []}) == {"maps": [{"k": 1}]}

    def test_a_dict_as_a_reducer_key_s_first_value_is_kept(self) -> None:
        """A key with a reducer and no default takes its first write whole, a plain dict
        too (it was taken for an Overwrite and became None)."""
        class K(TypedDict):
            last: Annotated[dict[str, int] | None, lambda old, new: new]
            n: int

        builder = StateGraph(K).add_node("n", lambda s: {"n": s["n"] + 1})
        graph = builder.add_edge(START, "n").compile()
        assert graph.invoke({"last": {"k": 1}, "n": 0}) == {"last": {"k": 1}, "n": 1}
