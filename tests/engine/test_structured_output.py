"""`with_structured_output` on the engine's chat models: a forced tool call, parsed."""

from __future__ import annotations

from typing import TypedDict

import pytest
from pydantic import BaseModel

from engine.chat_models import ScriptedChatModel
from engine.messages import AIMessage

from .fake_openai import FakeOpenAI, chunk, model, sse, tool_delta


class Weather(BaseModel):
    """The weather in a city."""

    city: str
    temp: int


class Place(TypedDict):
    city: str


def calling(name: str, args: dict[str, object]) -> ScriptedChatModel:
    return ScriptedChatModel([AIMessage("", tool_calls=[{"name": name, "args": args,
                                                         "id": "1"}])], cycle=True)


class TestStructuredOutput:
    """Pydantic schemas give instances, TypedDicts and JSON schemas give dicts."""

    def test_pydantic_schema_gives_an_instance(self) -> None:
        out = calling("Weather", {"city": "Paris", "temp": 20}).with_structured_output(
            Weather).invoke("weather?")
        assert out == Weather(city="Paris", temp=20)

    def test_typeddict_and_json_schema_give_dicts(self) -> None:
        assert calling("Place", {"city": "Rome"}).with_structured_output(Place).invoke(
            "x") == {"city": "Rome"}
        schema = {"title": "Place", "type": "object",
                  "properties": {"city": {"type": "string"}}}
        assert calling("Place", {"city": "Oslo"}).with_structured_output(schema).invoke(
            "x") == {"city": "Oslo"}

    def test_include_raw_reports_a_parsing_error(self) -> None:
        out = calling("Other", {}).with_structured_output(Weather, include_raw=True).invoke("x")
        assert out["parsed"] is None and isinstance(out["raw"], AIMessage)
        assert "did not call 'Weather'" in str(out["parsing_error"])
        with pytest.raises(ValueError, match="did not call 'Weather'"):
            calling("Other", {}).with_structured_output(Weather).invoke("x")

    def test_the_server_is_made_to_call_the_schema(self, server: FakeOpenAI) -> None:
        """ChatOpenAI sends the schema as the one function and forces it."""
        server.script(sse([chunk(tool_calls=[tool_delta(0, id="c", name="Weather",
                                                        arguments='{"city": "Lima", '
                                                                  '"temp": 25}')])]))
        out = model(server).with_structured_output(Weather).invoke("weather in Lima?")
        assert out == Weather(city="Lima", temp=25)
        body = server.requests[0].body
        assert body["tool_choice"] == {"type": "function", "function": {"name": "Weather"}}
        assert [t["function"]["name"] for t in body["tools"]] == ["Weather"]
        assert body["tools"][0]["function"]["description"] == "The weather in a city."
