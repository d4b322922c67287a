"""The value codec: anything packs; natives come back equal, the rest degrade to named objects."""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import enum
from pathlib import Path
from typing import Any, NamedTuple

import pydantic
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tracer
from engine.messages import AIMessage, HumanMessage, ToolMessage
from tracer.codec import Encoder, ErrorValue, ObjectValue, same_value, unpack

from .graphs import linear


@dataclasses.dataclass
class Point:
    x: int
    label: str


@dataclasses.dataclass(frozen=True)
class Key:
    k: int


class Model(pydantic.BaseModel):
    n: int
    tags: list[str] = []


class Pair(NamedTuple):
    a: int
    b: str


class Color(enum.Enum):
    RED = 1
    BLUE = "b"


class Plain:
    """No special support: recorded as its repr."""


class BadRepr:
    def __repr__(self) -> str:
        raise RuntimeError("repr is broken")


class Hostile:
    """Every attribute lookup the codec might try raises."""

    def __getattr__(self, name: str) -> Any:
        raise RuntimeError(f"no {name}")


def _name(obj: Any) -> str:
    return f"{type(obj).__module__}.{type(obj).__qualname__}"


def roundtrip(value: Any) -> Any:
    return unpack(Encoder().pack(value))


def check(orig: Any, dec: Any) -> None:
    """`dec` is what decoding `orig` must give: equal for natives, named objects otherwise."""
    if isinstance(orig, BaseException):
        assert isinstance(dec, ErrorValue) and dec.cls == type(orig).__qualname__
        assert dec.message == str(orig)
    elif isinstance(orig, (Point, Model, Pair, Color, Plain, BadRepr, Hostile)):
        assert isinstance(dec, ObjectValue) and dec.cls == _name(orig), (orig, dec)
        if isinstance(orig, Point):
            assert dec.fields == dataclasses.asdict(orig)
        elif isinstance(orig, Model):
            assert dec.fields == orig.model_dump()
        elif isinstance(orig, Pair):
            assert dec.fields == orig._asdict()
        elif isinstance(orig, Color):
            assert dec.fields == {"name": orig.name, "value": orig.value}
        elif isinstance(orig, BadRepr):
            assert "unrepresentable" in dec.fields and "RuntimeError" in dec.fields
        else:
            assert type(orig).__qualname__ in dec.fields
    elif type(orig) in (list, tuple):
        assert type(dec) is type(orig) and len(dec) == len(orig)
        for a, b in zip(orig, dec, strict=True):
            check(a, b)
    elif isinstance(orig, dict):
        assert type(dec) is dict and list(dec) == list(orig)
        for k in orig:
            check(orig[k], dec[k])
    else:
        assert same_value(orig, dec), (orig, dec)


hashables = st.one_of(st.integers(), st.text(max_size=6), st.binary(max_size=6),
                      st.tuples(st.integers(), st.text(max_size=3)))
keys = st.one_of(hashables, st.sampled_from(["__t", "__ext", "type", "repr", "cls", "__v"]))
big = st.integers(min_value=2**64, max_value=2**300) | st.integers(max_value=-(2**63) - 1,
                                                                   min_value=-(2**300))
times = st.datetimes() | st.datetimes(timezones=st.just(dt.UTC))
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), big, st.floats(), st.text(), st.binary(),
    times, st.dates(),
)
messages = st.one_of(
    st.builds(AIMessage, st.text(max_size=10), id=st.text(min_size=1, max_size=5)),
    st.builds(HumanMessage, st.text(max_size=10)),
    st.builds(ToolMessage, st.text(max_size=10), tool_call_id=st.text(max_size=5)),
)
opaque = st.one_of(
    st.builds(Point, st.integers(), st.text(max_size=5)),
    st.builds(Model, n=st.integers(-5, 5), tags=st.lists(st.text(max_size=3), max_size=2)),
    st.builds(Pair, st.integers(), st.text(max_size=3)),
    st.sampled_from(list(Color)),
    st.builds(Plain), st.builds(BadRepr), st.builds(Hostile),
    st.builds(ValueError, st.text(max_size=8)), st.builds(KeyError, st.integers()),
)


def containers(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(keys, children, max_size=4),
        st.tuples(children, children),
        st.sets(hashables, max_size=4),
        st.frozensets(hashables, max_size=4),
    )


natives = st.recursive(scalars | messages, containers, max_leaves=20)
anything = st.recursive(scalars | messages | opaque, containers, max_leaves=20)


class TestRoundTrip:
    """Representable values decode to equal values (NaN equal to NaN)."""

    @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(natives)
    def test_natives(self, value: Any) -> None:
        check(value, roundtrip(value))

    @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(anything)
    def test_mixed_with_objects(self, value: Any) -> None:
        check(value, roundtrip(value))

    @given(st.dictionaries(keys, st.integers() | st.text(max_size=4), max_size=6))
    def test_any_dict_key(self, value: dict[Any, Any]) -> None:
        """No key is reserved: dicts that look like tagged values stay plain dicts."""
        assert roundtrip(value) == value and type(roundtrip(value)) is dict

    def test_reserved_looking_dicts(self) -> None:
        for value in ({"__t": "tuple", "v": [1, 2]}, {"type": "repr", "repr": "x"},
                      {"__ext": 12, "data": b"\x00"}, {"cls": "ValueError", "message": "m"}):
            assert roundtrip(value) == value

    def test_special_numbers_and_collections(self) -> None:
        for value in (2**64, 2**64 - 1, -(2**63), -(2**63) - 1, 10**40, float("inf"),
                      float("-inf"), -0.0, (1, (2, ())), {1, 2}, frozenset({"a"}), b"\x00\xff",
                      collections.OrderedDict(a=1), dt.date(2020, 2, 29)):
            assert same_value(roundtrip(value), value), value
        assert same_value(roundtrip([float("nan")]), [float("nan")])

    def test_messages_rebuilt(self) -> None:
        msg = AIMessage("hi", id="m1", tool_calls=[{"name": "f", "args": {"a": 1}, "id": "c"}])
        out = roundtrip(msg)
        assert type(out) is AIMessage and out == msg and out.tool_calls == msg.tool_calls


class TestDegrades:
    """What cannot be rebuilt becomes ObjectValue / ErrorValue naming its class; never raises."""

    @settings(max_examples=100, deadline=None)
    @given(opaque)
    def test_objects(self, value: Any) -> None:
        check(value, roundtrip(value))

    def test_cyclic_list_and_dict(self) -> None:
        cyc: list[Any] = [1]
        cyc.append(cyc)
        out = roundtrip(cyc)
        depth = 0
        while isinstance(out, list):
            assert out[0] == 1
            out, depth = out[1], depth + 1
        # The first item survives; the cycle itself is a placeholder saying why.
        assert isinstance(out, ObjectValue) and out.kind == "unencodable" and depth == 1
        assert out.cls == "list" and "cycl" in str(out.fields).lower()
        loop: dict[str, Any] = {"a": 1}
        loop["self"] = loop
        assert roundtrip(loop)["a"] == 1

    def test_deep_nesting(self) -> None:
        deep: Any = "leaf"
        for _ in range(2000):
            deep = [deep]
        roundtrip(deep)
        nested: Any = "leaf"
        for _ in range(200):
            nested = (nested,)
        out = roundtrip(nested)
        while isinstance(out, tuple):
            out = out[0]
        assert out == "leaf" or isinstance(out, ObjectValue)

    def test_functions_and_classes(self) -> None:
        for value in (lambda: 1, print, Plain, object()):
            out = roundtrip(value)
            assert isinstance(out, ObjectValue) and out.kind == "repr"

    def test_hashable_object_keys(self) -> None:
        """Dicts keyed by enums, frozen dataclasses or namedtuples decode without raising."""
        value = {Color.RED: 1, Key(2): 2, Pair(3, "c"): 3, (Color.BLUE, 4): 4, "plain": 5}
        out = roundtrip(value)
        assert len(out) == 5 and out["plain"] == 5
        names = sorted(k.cls for k in out if isinstance(k, ObjectValue))
        assert names == sorted(_name(k) for k in (Color.RED, Key(2), Pair(3, "c")))
        assert sorted(out.values()) == [1, 2, 3, 4, 5]
        assert roundtrip({Key(1): {Color.RED}}) is not None

    def test_exception_with_traceback(self) -> None:
        try:
            raise KeyError("missing")
        except KeyError as exc:
            exc.add_note("while testing")
            out = roundtrip(exc)
        assert isinstance(out, ErrorValue) and out.name == "KeyError"
        assert "raise KeyError" in out.traceback and out.notes == ("while testing",)


class TestInTraces:
    """Values through a real trace: custom payloads and state keep odd keys and types."""

    def test_payloads_survive_the_file(self, tmp_path: Path) -> None:
        from engine.config import get_stream_writer
        from engine.graph import START, StateGraph

        payload = {"__t": (1, 2), "__ext": {3}, 7: b"x", (1, "a"): Color.RED, "p": Point(1, "q")}

        def node(state: dict[str, Any]) -> dict[str, Any]:
            get_stream_writer()(payload)
            return {"blob": {"__t": "not a tag", "n": 2**70}}

        from typing import TypedDict

        class S(TypedDict):
            blob: dict[str, Any]

        graph = StateGraph(S).add_node(node).add_edge(START, "node").compile()
        with tracer.record(tmp_path / "t.stepscope"):
            graph.invoke({"blob": {}})
            linear().invoke({"topic": "x"})
        with tracer.open_trace(tmp_path / "t.stepscope") as trace:
            (custom,) = list(trace.events({"custom"}))
            check(payload, custom.data["payload"])
            assert trace.state_at(1) == {"blob": {"__t": "not a tag", "n": 2**70}}


@dataclasses.dataclass
class Interrupt:
    """A user's own class that happens to share a name with the engine's."""

    value: int


class TestGraphTypes:
    """Send, Interrupt and Command have their own ext type (14), dataclasses or not."""

    def test_engine_types(self) -> None:
        from engine.types import Command, Send
        from engine.types import Interrupt as EngineInterrupt

        interrupt = roundtrip(EngineInterrupt(value={"ask": 1}, id="i1"))
        assert isinstance(interrupt, ObjectValue) and interrupt.kind == "graph"
        assert interrupt.cls == "Interrupt" and interrupt.fields["value"] == {"ask": 1}
        command = roundtrip(Command(goto="b", update={"x": 1}))
        assert command.kind == "graph" and command.fields["goto"] == "b"
        send = roundtrip(Send("worker", {"n": 3}))
        assert send.kind == "graph" and send.fields == {"node": "worker", "arg": {"n": 3}}

    def test_a_users_class_of_the_same_name(self) -> None:
        mine = roundtrip(Interrupt(5))
        assert mine.kind == "dataclass" and mine.cls.endswith("test_codec.Interrupt")
