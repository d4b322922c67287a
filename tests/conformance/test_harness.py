"""Pure tests of the conformance harness itself: jsonify, normalisation, racy canonical form."""

from __future__ import annotations

import dataclasses
from typing import Any, NamedTuple

from .comparison import StreamShape, outputs_match, unversion_pydantic_links
from .normalize import jsonify, normalize, renumber, to_vector_form

UUID_A = "65d7a3e1-3563-faf9-b90a-9aa3e3e84456"
UUID_B = "af33d190-0000-4000-8000-000000000001"
HEX = "fd8ea80d835846e962a68cd6720229fa"


class Pair(NamedTuple):
    left: Any
    right: Any


@dataclasses.dataclass
class Point:
    x: int
    y: tuple[int, ...]


class Dumpable:
    """Stands for a message: jsonified through its own model_dump()."""

    def model_dump(self) -> dict[str, Any]:
        return {"content": "hi", "id": None}


class TestJsonify:
    """jsonify follows the vector encoding conventions."""

    def test_containers(self) -> None:
        """Tuples and sets become lists; non-string keys become their repr."""
        assert jsonify({"a": (1, [2, (3,)]), 4: {5}}) == {"a": [1, [2, [3]]], "4": [5]}

    def test_records(self) -> None:
        """Namedtuples, dataclasses and model_dump() objects carry their class name."""
        assert jsonify(Pair(1, (2,))) == {"__type__": "Pair", "left": 1, "right": [2]}
        assert jsonify(Point(1, (2,))) == {"__type__": "Point", "x": 1, "y": [2]}
        assert jsonify(Dumpable()) == {"__type__": "Dumpable", "content": "hi", "id": None}

    def test_exceptions_and_others(self) -> None:
        """Exceptions keep str and repr; unknown objects keep their repr."""
        assert jsonify(KeyError("k")) == {
            "__type__": "KeyError",
            "str": "'k'",
            "repr": "KeyError('k')",
        }
        assert jsonify(b"x") == {"__type__": "bytes", "repr": "b'x'"}


class TestNormalize:
    """Ids and timestamps are replaced, numbered by first appearance."""

    def test_plain(self) -> None:
        """Without numbering every id is the same placeholder."""
        data = [f"node:{UUID_A}", HEX, "2026-11-23T22:08:34.968443+00:00"]
        assert normalize(data) == ["node:<uuid>", "<hex32>", "<ts>"]

    def test_numbered_shares_one_counter(self) -> None:
        """uuids and 32-hex ids share one counter; keys are numbered before their values."""
        data = {f"n:{UUID_B}": [UUID_A, HEX, UUID_B.upper()]}
        assert normalize(data, numbered=True) == {
            "n:<uuid#1>": ["<uuid#2>", "<hex32#3>", "<uuid#1>"]
        }

    def test_to_vector_form_round_trips_json(self) -> None:
        """Items are jsonified, JSON round-tripped and numbered."""
        assert to_vector_form([(UUID_A, {"k": (UUID_A,)})]) == [["<uuid#1>", {"k": ["<uuid#1>"]}]]

    def test_renumber(self) -> None:
        """Renumbering follows the new order of appearance."""
        assert renumber(["<uuid#2>", "<hex32#1>", "<uuid#2>"]) == [
            "<uuid#1>",
            "<hex32#2>",
            "<uuid#1>",
        ]


class TestRacyComparison:
    """Racy steps compare equal up to the order of per-task items, and only that."""

    SHAPE = StreamShape.of({"stream_mode": ["tasks", "updates", "values"]})

    def _step(self, first: str, second: str) -> list[Any]:
        ids = {"a": "<uuid#1>", "b": "<uuid#2>"}
        items: list[Any] = [["tasks", {"id": ids[n], "name": n, "input": {}}] for n in "ab"]
        for name in (first, second):
            items.append(["updates", {name: {"log": [name]}}])
            items.append(["tasks", {"id": ids[name], "name": name, "error": None, "result": {}}])
        return [*items, ["values", {"log": ["a", "b"]}]]

    def test_swapped_completion_matches_only_when_racy(self) -> None:
        """Completion order may differ for racy scenarios, never for the others."""
        expected, actual = self._step("a", "b"), self._step("b", "a")
        assert outputs_match(expected, actual, self.SHAPE, racy=True)
        assert not outputs_match(expected, actual, self.SHAPE, racy=False)

    def test_values_still_exact(self) -> None:
        """A different values chunk is never excused."""
        expected, actual = self._step("a", "b"), self._step("b", "a")
        actual[-1] = ["values", {"log": ["b", "a"]}]
        assert not outputs_match(expected, actual, self.SHAPE, racy=True)

    def test_pydantic_links_lose_their_version(self) -> None:
        """The pydantic docs link is compared without pydantic's version."""
        text = "visit https://errors.pydantic.dev/2.14/v/missing"
        assert unversion_pydantic_links([text]) == [
            "visit https://errors.pydantic.dev/<version>/v/missing"
        ]
