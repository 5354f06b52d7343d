"""What the openai answerer sends, without a server: the length limit compatible servers understand."""

from __future__ import annotations

import pytest
from langchain_core.messages import HumanMessage

from core.errors import ConfigError
from core.settings import AnswerSettings, LLMSettings, Settings
from qa.llm import make_chat_model


def _payload(base_url: str) -> dict:
    model = make_chat_model(Settings(answer=AnswerSettings(answerer="openai"),
                                     llm=LLMSettings(base_url=base_url, max_tokens=77)))
    return model._get_request_payload([HumanMessage("hi")])


def test_a_compatible_server_gets_max_tokens():
    # llama.cpp's server ignores max_completion_tokens and writes to the end of its context.
    payload = _payload("http://127.0.0.1:8080/v1")
    assert payload["max_tokens"] == 77
    assert "max_completion_tokens" not in payload


def test_openai_itself_gets_max_completion_tokens():
    payload = _payload("https://api.openai.com/v1")
    assert payload["max_completion_tokens"] == 77
    assert "max_tokens" not in payload


def test_the_extractive_answerer_has_no_chat_model():
    with pytest.raises(ConfigError, match="extractive"):
        make_chat_model(Settings())
