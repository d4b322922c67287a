"""Replay every LangGraph behaviour vector against the engine and compare the normalised output."""

from __future__ import annotations

import importlib
import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from .comparison import (
    StreamShape,
    drop_langchain_version_stamp,
    outputs_match,
    render_diff,
    unversion_pydantic_links,
)
from .drawing import drawing_mismatches
from .normalize import jsonify, normalize, to_vector_form
from .scenarios import FAMILY_OF_SCRIPT, IMPORT_ERRORS, execute, load_registry
from .scenarios.capture import last_call, reset_calls

VECTOR_DIR = Path(__file__).parent / "vectors"
VECTOR_NAMES = sorted(p.stem for p in VECTOR_DIR.glob("*.json") if p.name != "INDEX.json")
REGISTRY = load_registry()
LATER_MODULES_REASON = "chat models/tools land with issue 3"


@cache
def load_vector(name: str) -> dict[str, Any]:
    """The parsed vector file `vectors/<name>.json`."""
    return json.loads((VECTOR_DIR / f"{name}.json").read_text())


def missing_modules(modules: tuple[str, ...]) -> list[str]:
    """The modules among `modules` that cannot be imported now."""
    missing = []
    for module in modules:
        try:
            importlib.import_module(module)
        except Exception:
            missing.append(module)
    return missing


def vector_params() -> list[Any]:
    """One param per vector; xfail only where a chat-model/tool module is not importable yet."""
    params = []
    for name in VECTOR_NAMES:
        entry = REGISTRY.get(name)
        marks = []
        if entry is not None and missing_modules(entry.needs):
            marks.append(pytest.mark.xfail(reason=LATER_MODULES_REASON, strict=False))
        params.append(pytest.param(name, id=name, marks=marks))
    return params


def no_builder_message(name: str) -> str:
    """Why `name` has no scenario, naming the family modules that failed to import."""
    script = load_vector(name)["script"]
    failures = {
        family: IMPORT_ERRORS[family]
        for family in FAMILY_OF_SCRIPT.get(script, ())
        if family in IMPORT_ERRORS
    }
    detail = f"; family import errors: {failures}" if failures else ""
    return f"no scenario builder registered for vector {name!r} ({script}){detail}"


class TestVectors:
    """Each vector file replayed through its scenario builder."""

    @pytest.mark.parametrize("name", vector_params())
    def test_vector(self, name: str) -> None:
        """The engine's normalised output equals the vector's `expected_numbered`."""
        vector = load_vector(name)
        entry = REGISTRY.get(name)
        if entry is None:
            pytest.fail(no_builder_message(name))
        stream_kwargs = vector["stream_kwargs"]
        reset_calls()
        outcome = execute(entry)
        recorded = last_call()
        if "method" not in stream_kwargs and recorded is not None:
            assert jsonify(recorded) == stream_kwargs, "harness bug: scenario used other kwargs"
        # pydantic's error text links to docs of its own version: not engine behaviour.
        expected = unversion_pydantic_links(vector["expected_numbered"])
        actual = unversion_pydantic_links(to_vector_form(outcome.items))
        # LangChain's version stamp in token metadata: see drop_langchain_version_stamp.
        expected = drop_langchain_version_stamp(expected)
        if name.startswith("draw_"):
            problems = drawing_mismatches(expected[0], actual[0])
            assert not problems, "\n\n".join(problems)
            return
        if "extra" in vector:
            assert normalize(jsonify(outcome.extra)) == vector["extra"], "extra facts differ"
        shape = StreamShape.of(stream_kwargs)
        if not outputs_match(expected, actual, shape, entry.racy):
            pytest.fail(render_diff(expected, actual), pytrace=False)


class TestRegistry:
    """The registry and the vector directory describe the same set of scenarios."""

    def test_every_builder_has_a_vector(self) -> None:
        """No scenario is registered under a name that has no vector file."""
        assert sorted(set(REGISTRY) - set(VECTOR_NAMES)) == []

    def test_every_family_imports(self) -> None:
        """Every scenario family module imports (else its vectors have no builder)."""
        assert IMPORT_ERRORS == {}

    def test_index_lists_every_vector(self) -> None:
        """INDEX.json and the vector files name the same vectors."""
        index = json.loads((VECTOR_DIR / "INDEX.json").read_text())
        assert sorted(row["name"] for row in index) == VECTOR_NAMES
