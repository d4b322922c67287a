"""Recorded values as short text: shortening, summaries, children, inline forms."""

from __future__ import annotations

from engine.messages import AIMessage, ToolMessage
from tracer.codec import ErrorValue, ObjectValue
from tui.views.values import children, inline, is_long, shorten, summary, wrap


class TestShorten:
    """Long or multi-line strings are cut with their full length noted."""

    def test_short_text_is_kept(self) -> None:
        """A short one-line string comes back unchanged."""
        assert shorten("hello") == "hello"

    def test_long_text_is_cut_with_its_length(self) -> None:
        """80 characters are kept, then an ellipsis and the length with separators."""
        text = "x" * 1234
        assert shorten(text) == "x" * 80 + "… (1,234 chars)"
        assert is_long(text)

    def test_multiline_text_shows_its_first_line(self) -> None:
        """Only the first line is previewed."""
        assert shorten("one\ntwo") == "one… (7 chars)"


class TestSummary:
    """One line per value kind."""

    def test_containers_by_size(self) -> None:
        """Dicts, lists and tuples are summarised by their size."""
        assert summary({"a": 1, "b": 2}) == "{2 keys}"
        assert summary([1]) == "[1 item]"
        assert summary((1, 2)) == "(2 items)"

    def test_messages_by_class_and_first_line(self) -> None:
        """A message reads as its class and text, with its tool calls counted."""
        msg = AIMessage("Let me check.\nMore", tool_calls=[{"name": "f", "args": {}, "id": "1"}])
        assert summary(msg) == "AIMessage: Let me check.… (18 chars) [1 tool call]"

    def test_error_value(self) -> None:
        """A recorded exception reads as `Class: message`."""
        err = ErrorValue("builtins.ValueError", "bad", "ValueError('bad')", "tb")
        assert summary(err) == "ValueError: bad"

    def test_object_values(self) -> None:
        """Reprs, enums and dataclasses recorded as ObjectValue stay readable."""
        assert summary(ObjectValue("repr", "m.Thing", "<Thing 1>")) == "<Thing 1>"
        assert summary(ObjectValue("enum", "m.Color", {"name": "RED", "value": 1})) == "Color.RED"
        assert summary(ObjectValue("dataclass", "m.Point", {"x": 1})) == "Point(x=1)"


class TestChildren:
    """What a tree node opens to."""

    def test_message_fields_without_empty_ones(self) -> None:
        """A message opens to its non-empty fields, content first."""
        keys = [k for k, _ in children(ToolMessage("ok", tool_call_id="c1", id="t1")) or []]
        assert keys[0] == "content" and "tool_call_id" in keys and "additional_kwargs" not in keys

    def test_lists_and_leaves(self) -> None:
        """Lists open to indexed items; scalars are leaves."""
        assert children(["a", "b"]) == [("[0]", "a"), ("[1]", "b")]
        assert children(3) is None

    def test_error_opens_to_its_traceback(self) -> None:
        """An ErrorValue opens to class, message and traceback."""
        err = ErrorValue("builtins.ValueError", "bad", "", "Traceback…")
        assert [k for k, _ in children(err) or []] == ["class", "message", "traceback"]


class TestInlineAndHelpers:
    """Inline forms, wrapping and durations."""

    def test_inline_writes_small_lists_out(self) -> None:
        """Small lists are written out, big ones summarised."""
        assert inline([1, "a"]) == "[1, 'a']"
        assert inline(list(range(100))) == "[100 items]"

    def test_wrap_keeps_every_character(self) -> None:
        """Wrapped lines join back into the text (line breaks aside)."""
        text = "abc" * 70 + "\nend"
        lines = wrap(text, 100)
        assert all(len(line) <= 100 for line in lines)
        assert "".join(lines) == text.replace("\n", "")

