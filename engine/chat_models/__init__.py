"""Chat models whose every call is observable (see `base.BaseChatModel`)."""

from __future__ import annotations

from typing import Any

from engine.chat_models.base import BaseChatModel
from engine.chat_models.fake import (
    FakeListChatModel,
    FakeMessagesListChatModel,
    GenericFakeChatModel,
    ScriptedChatModel,
)
from engine.chat_models.stream import AsyncChatModelStream, ChatModelStream

PROVIDERS = ("openai", "anthropic", "ollama", "vllm", "llamacpp", "scripted")
_DEFAULT_BASE_URLS = {
    "ollama": "http://localhost:11434/v1",
    "vllm": "http://localhost:8000/v1",
    "llamacpp": "http://localhost:8080/v1",
    # Anthropic serves an OpenAI-compatible chat completions endpoint.
    "anthropic": "https://api.anthropic.com/v1",
}
_KEY_ENV = {"anthropic": "ANTHROPIC_API_KEY"}


def _infer_provider(model: str) -> str | None:
    if model.startswith(("gpt-", "o1", "o3", "o4", "chatgpt")):
        return "openai"
    if model.startswith("claude"):
        return "anthropic"
    if model in ("scripted", "fake"):
        return "scripted"
    return None


def init_chat_model(
    model: str,
    *,
    model_provider: str | None = None,
    tags: list[str] | None = None,
    **kwargs: Any,
) -> BaseChatModel:
    """A chat model from a name: `gpt-4o-mini`, `openai:NAME`, `ollama:llama3`, `scripted`.

    OpenAI-compatible providers (openai, ollama, vllm, llamacpp) read OPENAI_BASE_URL and
    OPENAI_API_KEY unless `base_url` / `api_key` are given.
    """
    if model_provider is None and ":" in model:
        prefix, rest = model.split(":", 1)
        if prefix in PROVIDERS:
            model_provider, model = prefix, rest
    provider = model_provider or _infer_provider(model)
    if provider is None:
        raise ValueError(
            f"Cannot infer a provider for model {model!r}; pass model_provider= or a "
            f"'provider:model' name. Supported providers: {', '.join(PROVIDERS)}"
        )
    if provider == "scripted":
        return ScriptedChatModel(tags=tags, **kwargs)
    if provider not in PROVIDERS:
        raise ValueError(
            f"Unsupported model_provider {provider!r}. Supported: {', '.join(PROVIDERS)}"
        )
    import os

    from engine.chat_models.openai import ChatOpenAI

    if provider in _DEFAULT_BASE_URLS and "base_url" not in kwargs:
        kwargs["base_url"] = os.environ.get("OPENAI_BASE_URL", _DEFAULT_BASE_URLS[provider])
    if provider in _KEY_ENV and "api_key" not in kwargs and os.environ.get(_KEY_ENV[provider]):
        kwargs["api_key"] = os.environ[_KEY_ENV[provider]]
    model_obj = ChatOpenAI(model=model, tags=tags, **kwargs)
    model_obj.provider = provider  # ls_provider in metadata and error messages
    return model_obj


__all__ = [
    "AsyncChatModelStream",
    "BaseChatModel",
    "ChatModelStream",
    "FakeListChatModel",
    "FakeMessagesListChatModel",
    "GenericFakeChatModel",
    "ScriptedChatModel",
    "init_chat_model",
]
