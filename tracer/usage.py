"""Token usage of a model call, whatever shape its provider reported it in.

`usage_of(raw)` reads what an `llm_end` event recorded as `usage` and returns a
`Usage` with the counts it could read (None for each count the provider did not
report), or None when it reported nothing readable. Shapes read:

- LangChain's `usage_metadata`: input_tokens, output_tokens, total_tokens,
  input_token_details{cache_read, cache_creation}, output_token_details{reasoning}
  (service-tier keys such as `flex_cache_read` are counted as cache reads too);
- OpenAI's `usage`: prompt_tokens, completion_tokens, total_tokens,
  prompt_tokens_details.cached_tokens, completion_tokens_details.reasoning_tokens;
- Anthropic's `usage`: input_tokens, output_tokens, cache_read_input_tokens,
  cache_creation_input_tokens;
- Gemini's `usage_metadata` (promptTokenCount, candidatesTokenCount, totalTokenCount,
  cachedContentTokenCount, thoughtsTokenCount, camelCase or snake_case) and Bedrock's
  (inputTokens, outputTokens, totalTokens).

One convention whatever the shape (LangChain's and OpenTelemetry GenAI's): `input`
counts every input token, cached ones included, and `output` every output token,
reasoning included. Anthropic's and Gemini's own counts leave those out, so they are
added in. A trace may hold anything where usage belongs: `usage_of` never raises.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, ClassVar


def _plus(a: int | None, b: int | None) -> int | None:
    """None + n = n; None + None = None (an unreported count stays unreported)."""
    if a is None:
        return b
    return a if b is None else a + b


@dataclass(frozen=True)
class Usage:
    """The token counts of one model call, or a sum of calls; None = not reported."""

    input: int | None = None
    """Input (prompt) tokens, cached ones included."""
    output: int | None = None
    """Output (completion) tokens, reasoning included."""
    total: int | None = None
    cache_read: int | None = None
    """Input tokens read from the provider's prompt cache (part of `input`)."""
    cache_write: int | None = None
    """Input tokens written to the provider's prompt cache (part of `input`)."""
    reasoning: int | None = None
    """Output tokens spent reasoning (part of `output`)."""

    EMPTY: ClassVar[Usage]
    """No count reported: the sum of no calls, and the identity of `+`."""

    def __add__(self, other: Usage) -> Usage:
        if not isinstance(other, Usage):
            return NotImplemented
        return Usage(*(_plus(getattr(self, f.name), getattr(other, f.name))
                       for f in fields(self)))

    def __bool__(self) -> bool:
        """Whether any count is known."""
        return any(getattr(self, f.name) is not None for f in fields(self))

    def as_dict(self) -> dict[str, int]:
        """The known counts by field name (for JSON output)."""
        return {f.name: value for f in fields(self)
                if (value := getattr(self, f.name)) is not None}


Usage.EMPTY = Usage()


def _count(value: Any) -> int | None:
    """A token count: a non-negative int (an integral float is taken too)."""
    if type(value) is int:
        return value if value >= 0 else None
    if type(value) is float and value.is_integer() and 0 <= value < 2**63:
        return int(value)
    return None


def _first(raw: Mapping[Any, Any], *keys: str) -> int | None:
    for key in keys:
        count = _count(raw.get(key))
        if count is not None:
            return count
    return None


def _details(raw: Mapping[Any, Any], *keys: str) -> Mapping[Any, Any]:
    for key in keys:
        value = raw.get(key)
        if isinstance(value, Mapping):
            return value
    return {}


def _suffixed(details: Mapping[Any, Any], name: str) -> int | None:
    """The sum of `name` and its service-tier forms (`flex_<name>`, `priority_<name>`)."""
    total: int | None = None
    for key, value in details.items():
        if isinstance(key, str) and (key == name or key.endswith("_" + name)):
            total = _plus(total, _count(value))
    return total


def _langchain(raw: Mapping[Any, Any]) -> Usage:
    inputs = _details(raw, "input_token_details")
    outputs = _details(raw, "output_token_details")
    cache_read = _suffixed(inputs, "cache_read")
    cache_write = _suffixed(inputs, "cache_creation")
    # Anthropic's own usage: its input_tokens leave out what the cache served or took.
    anthropic_read = _count(raw.get("cache_read_input_tokens"))
    anthropic_write = _count(raw.get("cache_creation_input_tokens"))
    base = _count(raw.get("input_tokens"))
    if not inputs and (anthropic_read is not None or anthropic_write is not None):
        cache_read, cache_write = anthropic_read, anthropic_write
        base = _plus(base, _plus(anthropic_read, anthropic_write))
    return Usage(base, _count(raw.get("output_tokens")), _count(raw.get("total_tokens")),
                 cache_read, cache_write, _suffixed(outputs, "reasoning"))


def _openai(raw: Mapping[Any, Any]) -> Usage:
    prompt = _details(raw, "prompt_tokens_details", "input_tokens_details")
    completion = _details(raw, "completion_tokens_details", "output_tokens_details")
    return Usage(_count(raw.get("prompt_tokens")), _count(raw.get("completion_tokens")),
                 _count(raw.get("total_tokens")), _count(prompt.get("cached_tokens")),
                 _count(prompt.get("cache_write_tokens")),
                 _count(completion.get("reasoning_tokens")))


def _gemini(raw: Mapping[Any, Any]) -> Usage:
    reasoning = _first(raw, "thoughtsTokenCount", "thoughts_token_count")
    candidates = _first(raw, "candidatesTokenCount", "candidates_token_count")
    return Usage(_first(raw, "promptTokenCount", "prompt_token_count"),
                 _plus(candidates, reasoning) if candidates is not None else None,
                 _first(raw, "totalTokenCount", "total_token_count"),
                 _first(raw, "cachedContentTokenCount", "cached_content_token_count"),
                 None, reasoning)


def _bedrock(raw: Mapping[Any, Any]) -> Usage:
    return Usage(_count(raw.get("inputTokens")), _count(raw.get("outputTokens")),
                 _count(raw.get("totalTokens")),
                 _first(raw, "cacheReadInputTokens", "cacheReadInputTokenCount"),
                 _first(raw, "cacheWriteInputTokens", "cacheWriteInputTokenCount"), None)


def usage_of(raw: Any) -> Usage | None:
    """The `Usage` in what an llm_end recorded as `usage` (any provider's shape, see the
    module doc); None when it holds no count this reads. Never raises."""
    if isinstance(raw, Usage):
        return raw if raw else None
    if not isinstance(raw, Mapping):
        return None
    try:
        if "prompt_tokens" in raw or "completion_tokens" in raw:
            usage = _openai(raw)
        elif any(k in raw for k in ("promptTokenCount", "prompt_token_count",
                                    "candidatesTokenCount", "candidates_token_count")):
            usage = _gemini(raw)
        elif "inputTokens" in raw or "outputTokens" in raw:
            usage = _bedrock(raw)
        else:
            usage = _langchain(raw)
    except Exception:  # a hostile mapping (a broken __getitem__, keys that fail to compare)
        return None
    if usage.total is None and usage.input is not None and usage.output is not None:
        usage = Usage(usage.input, usage.output, usage.input + usage.output,
                      usage.cache_read, usage.cache_write, usage.reasoning)
    return usage if usage else None
