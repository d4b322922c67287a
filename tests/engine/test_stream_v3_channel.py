"""StreamChannel and StreamMux: the v3 streaming plumbing, without a graph."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from engine.stream import (
    ProtocolEvent,
    StreamChannel,
    StreamMux,
    StreamTransformer,
    ValuesTransformer,
)
from engine.stream.protocol import make_event, to_protocol_event


def _bound(is_async: bool = False, name: str | None = None) -> StreamChannel[Any]:
    ch: StreamChannel[Any] = StreamChannel(name)
    ch._bind(is_async=is_async)
    return ch


class _Echo(StreamTransformer):
    """Pushes every event's method onto a named native channel `seen`."""

    _native = True

    def __init__(self, scope: tuple[str, ...] = ()) -> None:
        super().__init__(scope)
        self._channel: StreamChannel[str] = StreamChannel("seen")

    def init(self) -> dict[str, Any]:
        return {"seen": self._channel}

    def process(self, event: ProtocolEvent) -> bool:
        self._channel.push(event["method"])
        return event["method"] != "hidden"


class TestStreamChannel:
    """A single-subscriber, drain-on-read queue."""

    def test_items_pushed_before_subscribing_are_dropped(self) -> None:
        """Nobody reading means nothing is kept."""
        ch = _bound()
        ch.push(1)
        it = iter(ch)
        ch.push(2)
        ch.close()
        assert list(it) == [2]
        assert not ch._items

    def test_second_subscriber_is_refused(self) -> None:
        """One consumer per channel; tee() is the fan-out."""
        ch = _bound()
        iter(ch)
        with pytest.raises(RuntimeError, match="already has a subscriber"):
            iter(ch)

    def test_fail_delivers_queued_items_then_the_error(self) -> None:
        """The subscriber sees what was pushed before the failure."""
        ch = _bound()
        it = iter(ch)
        ch.push("a")
        ch.fail(ValueError("boom"))
        assert next(it) == "a"
        with pytest.raises(ValueError, match="boom"):
            next(it)

    def test_push_after_close_raises_for_a_subscribed_channel(self) -> None:
        """A closed channel takes no more items."""
        ch = _bound()
        iter(ch)
        ch.close()
        with pytest.raises(RuntimeError, match="closed StreamChannel"):
            ch.push(1)

    def test_binding_decides_the_iteration_protocol(self) -> None:
        """Unbound channels refuse both; a sync one refuses async iteration."""
        with pytest.raises(TypeError, match="has not been bound"):
            iter(StreamChannel())
        with pytest.raises(TypeError, match="bound to sync mode"):
            _bound().__aiter__()
        with pytest.raises(TypeError, match="bound to async mode"):
            iter(_bound(is_async=True))
        ch = _bound()
        with pytest.raises(RuntimeError, match="already bound"):
            ch._bind(is_async=False)

    def test_cursor_asks_for_more_when_empty(self) -> None:
        """The pump callback fills the channel while the reader reads."""
        ch = _bound()
        supply = iter([1, 2, 3])

        def pump() -> bool:
            item = next(supply, None)
            if item is None:
                ch.close()
                return False
            ch.push(item)
            return True

        ch._request_more = pump
        assert list(ch) == [1, 2, 3]

    def test_tee_gives_every_branch_every_item(self) -> None:
        """tee(n) subscribes once and copies each item to n branches."""
        ch = _bound()
        a, b = ch.tee(2)
        for i in range(3):
            ch.push(i)
        ch.close()
        assert list(a) == [0, 1, 2]
        assert list(b) == [0, 1, 2]

    def test_async_cursor_and_atee(self) -> None:
        """The async lane: async for, and atee fan-out with the error at the end."""

        async def main() -> tuple[list[int], list[int], list[int]]:
            ch = _bound(is_async=True)
            it = ch.__aiter__()
            ch.push(1)
            ch.push(2)
            ch.close()
            plain = [x async for x in it]
            ch2 = _bound(is_async=True)
            a, b = ch2.atee(2)
            ch2.push(7)
            ch2.close()
            return plain, [x async for x in a], [x async for x in b]

        assert asyncio.run(main()) == ([1, 2], [7], [7])

    def test_invalid_maxlen(self) -> None:
        """maxlen must be positive."""
        with pytest.raises(ValueError, match="positive"):
            StreamChannel(maxlen=0)


class TestStreamMux:
    """Dispatch through transformers into a seq-stamped main log."""

    def test_named_native_channel_is_forwarded_before_its_cause(self) -> None:
        """A channel push made while processing an event is logged first, with a lower seq."""
        mux = StreamMux(factories=[_Echo])
        log = iter(mux._events)
        mux.push(make_event("values", {"a": 1}))
        mux.close()
        events = list(log)
        assert [(e["method"], e["seq"]) for e in events] == [("seen", 1), ("values", 2)]
        assert events[0]["params"]["data"] == "values"

    def test_process_false_keeps_an_event_out_of_the_log(self) -> None:
        """Suppressed events still reach every transformer."""
        mux = StreamMux(factories=[_Echo])
        seen = iter(mux.extensions["seen"])
        log = iter(mux._events)
        mux.push(make_event("hidden", None))
        mux.close()
        assert [e["method"] for e in log] == ["seen"]
        assert list(seen) == ["hidden"]

    def test_user_channels_get_the_custom_prefix(self) -> None:
        """Only native transformers publish under the bare channel name."""

        class Plain(_Echo):
            _native = False

        mux = StreamMux(factories=[Plain])
        log = iter(mux._events)
        mux.push(make_event("values", None))
        mux.close()
        assert [e["method"] for e in log] == ["custom:seen", "values"]
        assert "seen" not in mux.native_keys

    def test_conflicting_projection_keys(self) -> None:
        """Two transformers cannot both own `values`."""
        with pytest.raises(ValueError, match="'values' \\(owned by ValuesTransformer\\)"):
            StreamMux(factories=[ValuesTransformer, ValuesTransformer])

    def test_init_must_return_a_dict(self) -> None:
        """A projection is a dict of names."""

        class Bad(StreamTransformer):
            def init(self) -> Any:
                return []

            def process(self, event: ProtocolEvent) -> bool:
                return True

        with pytest.raises(TypeError, match="must return a dict"):
            StreamMux(transformers=[Bad()])

    def test_async_only_transformer_is_refused_on_the_sync_lane(self) -> None:
        """Overriding aprocess means astream_events only."""

        class AsyncOnly(StreamTransformer):
            def init(self) -> dict[str, Any]:
                return {}

            async def aprocess(self, event: ProtocolEvent) -> bool:
                return True

        with pytest.raises(RuntimeError, match="requires an async run"):
            StreamMux(transformers=[AsyncOnly()])
        StreamMux(transformers=[AsyncOnly()], is_async=True)

    def test_before_builtins_registers_first(self) -> None:
        """The before_builtins lane comes ahead of the rest."""

        class Early(_Echo):
            before_builtins = True

            def init(self) -> dict[str, Any]:
                return {}

        mux = StreamMux(factories=[ValuesTransformer, Early])
        assert [type(t).__name__ for t in mux._transformers] == ["Early", "ValuesTransformer"]

    def test_close_finalizes_all_and_raises_the_first_error(self) -> None:
        """One failing finalize does not leave the others' channels open."""

        class Broken(_Echo):
            def finalize(self) -> None:
                raise RuntimeError("finalize broke")

        mux = StreamMux(factories=[Broken, ValuesTransformer])
        with pytest.raises(RuntimeError, match="finalize broke"):
            mux.close()
        assert mux.extensions["values"]._closed
        assert mux._events._closed

    def test_schedule_needs_an_event_loop(self) -> None:
        """Scheduled async work is an astream_events feature."""

        async def work() -> None:
            return None

        with pytest.raises(RuntimeError, match="requires a running event loop"):
            _Echo().schedule(work())

    def test_aclose_joins_scheduled_work_before_finalizing(self) -> None:
        """A scheduled task's result lands before the channels close."""

        class Later(_Echo):
            requires_async = True

            def process(self, event: ProtocolEvent) -> bool:
                async def late() -> None:
                    await asyncio.sleep(0)
                    self._channel.push("late")

                self.schedule(late())
                return True

        async def main() -> list[str]:
            mux = StreamMux(factories=[Later], is_async=True)
            seen = mux.extensions["seen"].__aiter__()
            await mux.apush(make_event("values", None))
            await mux.aclose()
            return [x async for x in seen]

        assert asyncio.run(main()) == ["late"]


class TestProtocolEvent:
    """The envelope around a v2 stream part."""

    def test_to_protocol_event(self) -> None:
        """ns becomes a list namespace; interrupts ride along when present."""
        event = to_protocol_event({"type": "values", "ns": ("a:1",), "data": {"x": 1},
                                   "interrupts": ()})
        assert event["type"] == "event"
        assert event["method"] == "values"
        assert event["params"]["namespace"] == ["a:1"]
        assert event["params"]["interrupts"] == ()
        assert isinstance(event["params"]["timestamp"], int)
        assert "interrupts" not in to_protocol_event(
            {"type": "custom", "ns": (), "data": 1})["params"]
