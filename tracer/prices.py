"""A price table the user writes, and what a model call cost by it. Never fetched.

The file (`--prices prices.json`) is JSON:

    {"unit": "per_million_tokens", "currency": "USD",
     "models": {"gpt-4o-mini": {"input": 0.15, "output": 0.60, "cache_read": 0.075},
                "claude-*-haiku*": {"input": 0.80, "output": 4.00, "cache_read": 0.08,
                                    "cache_write": 1.00}}}

`unit`: per_million_tokens (the default), per_thousand_tokens or per_token.
`currency`: a label for the amounts (default USD). Each model's prices: `input` and
`output` (required), `cache_read`, `cache_write`, `reasoning` (optional; a cache read
or write without its own price costs `input`, reasoning costs `output`).

A call's model (the name it recorded) is matched: exactly; else by a key holding
`*`/`?`/`[…]` as a glob (the longest first); else by a key the name extends with a
dated snapshot suffix (`gpt-4o-mini` prices `gpt-4o-mini-2024-07-18`, but `gpt-4o`
does not price `gpt-4o-mini`, nor `gpt-4` `gpt-4-32k`). Case is ignored. A call
whose model matches no key, or whose input or output count was not reported, has no
cost (None): an unknown, never 0.
"""

from __future__ import annotations

import fnmatch
import json
import math
import os
import re
from dataclasses import dataclass
from typing import Any

from tracer.usage import Usage

UNITS = {"per_million_tokens": 1e6, "per_thousand_tokens": 1e3, "per_token": 1.0}
FIELDS = ("input", "output", "cache_read", "cache_write", "reasoning")
REQUIRED = ("input", "output")
MAX_BYTES = 4 << 20
"""A price table is small; a bigger file is not one (and is not read into memory)."""
_SNAPSHOT = re.compile(r"[-@](?:\d{4}-\d{2}-\d{2}|\d{8}|\d{3,4}|latest)(?:-v\d+(?::\d+)?)?")
"""What may follow a key for a longer model name to be the same model: a date or a
snapshot number (`-2024-07-18`, `-20241022`, `-0613`, `@20240620`, `-20240307-v1:0`)
or `-latest`; not a variant (`-mini`, `-32k`, `-turbo`), which is priced apart."""


class PricesError(ValueError):
    """The prices file cannot be used; the message names the file and what is wrong."""


@dataclass(frozen=True)
class ModelPrice:
    """One model's prices, per token, in the table's currency."""

    input: float
    output: float
    cache_read: float | None = None
    cache_write: float | None = None
    reasoning: float | None = None

    def cost(self, usage: Usage) -> float | None:
        """What `usage` cost; None unless its input and output counts are known."""
        if usage.input is None or usage.output is None:
            return None
        read, written, reasoning = usage.cache_read or 0, usage.cache_write or 0, \
            usage.reasoning or 0
        fresh = max(0, usage.input - read - written)
        answer = max(0, usage.output - reasoning)
        return (fresh * self.input + read * _or(self.cache_read, self.input)
                + written * _or(self.cache_write, self.input)
                + answer * self.output + reasoning * _or(self.reasoning, self.output))


def _or(price: float | None, fallback: float) -> float:
    return fallback if price is None else price


@dataclass(frozen=True)
class Prices:
    """A price table: `cost(model, usage)`, `match(model)`."""

    models: dict[str, ModelPrice]
    """Keys as written, each model's prices per token."""
    currency: str = "USD"
    source: str = ""
    """The file it was read from."""

    def match(self, model: str | None) -> tuple[str, ModelPrice] | None:
        """The key that prices `model` and its prices (see the module doc), or None."""
        if not model:
            return None
        name = model.lower()
        keys = {k.lower(): k for k in self.models}
        if name in keys:
            return keys[name], self.models[keys[name]]
        globs = [k for k in keys if any(c in k for c in "*?[")]
        for key in sorted(globs, key=len, reverse=True):  # the most specific first
            if fnmatch.fnmatchcase(name, key):
                return keys[key], self.models[keys[key]]
        for key in sorted(keys, key=len, reverse=True):
            if name.startswith(key) and _SNAPSHOT.fullmatch(name[len(key):]) is not None:
                return keys[key], self.models[keys[key]]
        return None

    def cost(self, model: str | None, usage: Usage | None) -> float | None:
        """What a call of `model` that used `usage` cost; None when not known."""
        found = self.match(model)
        if found is None or usage is None:
            return None
        return found[1].cost(usage)


def _amount(value: Any, where: str) -> float:
    if type(value) not in (int, float) or not math.isfinite(value) or value < 0:
        raise PricesError(f"{where}: expected a number ≥ 0, got {json.dumps(value)[:40]}")
    return float(value)


def parse_prices(document: Any, source: str = "prices") -> Prices:
    """A `Prices` from a parsed JSON document; PricesError naming what is wrong."""
    if not isinstance(document, dict):
        raise PricesError(f"{source}: expected a JSON object with \"models\", "
                          f"got {type(document).__name__}")
    unknown = sorted(set(document) - {"models", "unit", "currency"})
    if unknown:
        raise PricesError(f"{source}: unknown key {unknown[0]!r} (expected models, unit, "
                          "currency)")
    unit = document.get("unit", "per_million_tokens")
    if unit not in UNITS:
        raise PricesError(f"{source}: unit: expected one of {', '.join(UNITS)}, "
                          f"got {json.dumps(unit)[:40]}")
    currency = document.get("currency", "USD")
    if not isinstance(currency, str) or not currency.strip() or len(currency) > 12:
        raise PricesError(f"{source}: currency: expected a short label such as \"USD\"")
    models = document.get("models")
    if not isinstance(models, dict) or not models:
        raise PricesError(f"{source}: models: expected an object of model name → prices, "
                          f"e.g. {{\"gpt-4o-mini\": {{\"input\": 0.15, \"output\": 0.6}}}}")
    per = UNITS[unit]
    table: dict[str, ModelPrice] = {}
    for name, entry in models.items():
        where = f"{source}: models[{json.dumps(name)}]"
        if not name.strip():
            raise PricesError(f"{where}: an empty model name")
        if not isinstance(entry, dict):
            raise PricesError(f"{where}: expected an object such as "
                              "{\"input\": 0.15, \"output\": 0.6}")
        extra = sorted(set(entry) - set(FIELDS))
        if extra:
            raise PricesError(f"{where}: unknown price {extra[0]!r} (expected "
                              f"{', '.join(FIELDS)})")
        missing = [f for f in REQUIRED if f not in entry]
        if missing:
            raise PricesError(f"{where}: no {missing[0]!r} price")
        amounts = {f: _amount(entry[f], f"{where}.{f}") / per for f in FIELDS if f in entry}
        table[name] = ModelPrice(**amounts)
    return Prices(table, currency.strip(), source)


def load_prices(path: str | os.PathLike[str]) -> Prices:
    """Read and check the price table at `path`; PricesError naming the file and what is
    wrong with it (unreadable, not JSON, a price that is not a number…)."""
    name = os.fspath(path)
    try:
        with open(name, "rb") as f:
            data = f.read(MAX_BYTES + 1)
    except OSError as exc:
        raise PricesError(f"{name}: {exc.strerror or exc}") from None
    if len(data) > MAX_BYTES:
        raise PricesError(f"{name}: over {MAX_BYTES >> 20} MB: not a price table")
    try:
        document = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise PricesError(f"{name}: not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise PricesError(f"{name}: not valid JSON: {exc.msg} at line {exc.lineno}, "
                          f"column {exc.colno}") from None
    except RecursionError:
        raise PricesError(f"{name}: nested too deep to be a price table") from None
    return parse_prices(document, name)
