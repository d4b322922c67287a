"""Price tables: the file format checked with messages that say what is wrong, model
names matched to keys, and a call's cost from its usage."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tracer.prices import ModelPrice, PricesError, load_prices, parse_prices
from tracer.usage import Usage

TABLE = {"unit": "per_million_tokens", "models": {
    "gpt-4o-mini": {"input": 0.15, "output": 0.60, "cache_read": 0.075},
    "gpt-4o": {"input": 2.5, "output": 10},
    "gpt-4": {"input": 30, "output": 60},
    "claude-*-haiku*": {"input": 0.8, "output": 4, "cache_read": 0.08, "cache_write": 1},
    "claude-3-5-haiku*": {"input": 1, "output": 5},
    "o3-mini": {"input": 1.1, "output": 4.4, "reasoning": 2.0},
}}


class TestMatch:
    """Which key prices a recorded model name."""

    @pytest.mark.parametrize("model, key", [
        ("gpt-4o-mini", "gpt-4o-mini"),
        ("GPT-4o-Mini", "gpt-4o-mini"),  # case is ignored
        ("gpt-4o-mini-2024-07-18", "gpt-4o-mini"),  # a dated snapshot
        ("gpt-4o-2024-08-06", "gpt-4o"),
        ("gpt-4-0613", "gpt-4"),
        ("claude-3-5-haiku-20241022", "claude-3-5-haiku*"),  # the longer glob wins
        ("claude-3-haiku-20240307", "claude-*-haiku*"),
    ])
    def test_matches(self, model: str, key: str) -> None:
        found = parse_prices(TABLE).match(model)
        assert found is not None and found[0] == key

    @pytest.mark.parametrize("model", ["gpt-4-32k", "gpt-4-turbo", "gpt-4o-audio",
                                       "llama3", "", None])
    def test_variants_and_unknown_models_do_not_match(self, model: str | None) -> None:
        """`gpt-4` does not price `gpt-4-32k`: a variant is another model, another price."""
        assert parse_prices(TABLE).match(model) is None


class TestCost:
    """What a call cost by its usage."""

    def test_plain_cost(self) -> None:
        prices = parse_prices(TABLE)
        cost = prices.cost("gpt-4o", Usage(1_000_000, 100_000))
        assert cost == pytest.approx(2.5 + 1.0)

    def test_cache_reads_and_writes_at_their_prices(self) -> None:
        price = parse_prices(TABLE).models["claude-*-haiku*"]
        usage = Usage(input=1000, output=100, cache_read=600, cache_write=300)
        assert price.cost(usage) == pytest.approx(
            (100 * 0.8 + 600 * 0.08 + 300 * 1 + 100 * 4) / 1e6)

    def test_reasoning_price_and_fallbacks(self) -> None:
        """Reasoning at its own price; a cache read with no price of its own at input's."""
        assert parse_prices(TABLE).models["o3-mini"].cost(Usage(10, 50, reasoning=40)) == \
            pytest.approx((10 * 1.1 + 10 * 4.4 + 40 * 2.0) / 1e6)
        assert ModelPrice(1.0, 2.0).cost(Usage(10, 1, cache_read=4)) == pytest.approx(12.0)

    def test_unknown_is_none_never_zero(self) -> None:
        prices = parse_prices(TABLE)
        assert prices.cost("llama3", Usage(10, 10)) is None  # no price for the model
        assert prices.cost("gpt-4o", None) is None  # no usage reported
        assert prices.cost("gpt-4o", Usage(output=10)) is None  # half of it reported

    def test_units(self) -> None:
        per_thousand = parse_prices({"unit": "per_thousand_tokens",
                                     "models": {"m": {"input": 1, "output": 2}}})
        per_token = parse_prices({"unit": "per_token",
                                  "models": {"m": {"input": 0.001, "output": 0.002}}})
        usage = Usage(1000, 1000)
        assert per_thousand.cost("m", usage) == pytest.approx(3.0)
        assert per_token.cost("m", usage) == pytest.approx(3.0)
        assert parse_prices({"models": {"m": {"input": 1, "output": 2}}}).currency == "USD"


class TestMalformed:
    """A table that cannot be used is refused with a message naming what is wrong."""

    @pytest.mark.parametrize("document, says", [
        ([1, 2], "expected a JSON object"),
        ({}, "models: expected an object"),
        ({"models": {}}, "models: expected an object"),
        ({"models": {"m": {"input": 1}}}, "models[\"m\"]: no 'output' price"),
        ({"models": {"m": {"input": "0.15", "output": 1}}}, "models[\"m\"].input: expected "
                                                             "a number ≥ 0, got \"0.15\""),
        ({"models": {"m": {"input": -1, "output": 1}}}, ".input: expected a number ≥ 0"),
        ({"models": {"m": {"input": True, "output": 1}}}, ".input: expected a number"),
        ({"models": {"m": {"input": 1, "ouput": 1}}}, "unknown price 'ouput'"),
        ({"models": {"m": [1, 2]}}, "models[\"m\"]: expected an object"),
        ({"models": {" ": {"input": 1, "output": 1}}}, "an empty model name"),
        ({"unit": "per_gallon", "models": {"m": {"input": 1, "output": 1}}},
         "unit: expected one of per_million_tokens"),
        ({"currency": 5, "models": {"m": {"input": 1, "output": 1}}}, "currency:"),
        ({"model": {}}, "unknown key 'model'"),
    ])
    def test_refused(self, document: Any, says: str) -> None:
        with pytest.raises(PricesError, match=r"^p\.json: ") as caught:
            parse_prices(document, "p.json")
        assert says in str(caught.value)

    @pytest.mark.parametrize("content, says", [
        (b"{\"models\": {", "not valid JSON: Expecting property name"),
        (b"\xff\xfe", "not UTF-8 text"),
        (b"{\"models\": {\"m\": {\"input\": NaN, \"output\": 1}}}", "expected a number"),
        (b"[" * 100_000, "nested too deep"),
    ])
    def test_unreadable_files(self, tmp_path: Path, content: bytes, says: str) -> None:
        path = tmp_path / "prices.json"
        path.write_bytes(content)
        with pytest.raises(PricesError) as caught:
            load_prices(path)
        assert str(caught.value).startswith(str(path)) and says in str(caught.value)

    def test_missing_file(self, tmp_path: Path) -> None:
        with pytest.raises(PricesError, match="No such file"):
            load_prices(tmp_path / "none.json")

    def test_a_good_file(self, tmp_path: Path) -> None:
        path = tmp_path / "prices.json"
        path.write_text(json.dumps(TABLE))
        prices = load_prices(path)
        assert prices.source == str(path) and len(prices.models) == len(TABLE["models"])
