"""LLM answerers: a LangChain chat model chosen by settings, given numbered untrusted passages, always checked.

`openai` is any OpenAI-compatible server (OpenAI, Ollama, vLLM, llama.cpp's server) through ChatOpenAI;
`llamacpp` runs a local GGUF in this process (the optional `llamacpp` extra, imported only when used).
Whatever the model writes goes through `qa.cite.CitationChecker` before anyone sees it as an answer.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, HumanMessage, SystemMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import PrivateAttr

from core.errors import AnswerError, ConfigError
from core.settings import LLMSettings, Settings
from core.types import Answer, Passage
from qa.answer import defuse_markers
from qa.cite import CitationChecker
from qa.prompts import ANSWER_SYSTEM, ANSWER_USER, PASSAGE_TEMPLATE, REFUSAL

# The fence the prompt puts around passages: article text must not be able to close it.
_FENCES = ("<<<PASSAGES", "PASSAGES>>>")


def make_chat_model(settings: Settings) -> BaseChatModel:
    """The chat model named by NEWSDESK_ANSWER_ANSWERER (`openai` or `llamacpp`)."""
    kind = settings.answer.answerer
    llm = settings.llm
    if kind == "openai":
        return _compatible_chat_openai()(base_url=llm.base_url, api_key=llm.api_key, model=llm.model,
                                         temperature=llm.temperature, max_tokens=llm.max_tokens,
                                         timeout=llm.timeout, max_retries=1)
    if kind == "llamacpp":
        return LlamaCppChat.from_settings(llm)
    raise ConfigError(f"answerer {kind!r} has no chat model: set NEWSDESK_ANSWER_ANSWERER to openai or llamacpp")


def _compatible_chat_openai() -> type:
    """ChatOpenAI that sends the answer length as `max_tokens` to servers other than OpenAI's own.

    ChatOpenAI renames it `max_completion_tokens`, which llama.cpp's server (and older vLLM and Ollama) ignore:
    the tiny test model then wrote 3,400 tokens, to the end of its context, instead of 160.
    """
    from urllib.parse import urlparse

    from langchain_openai import ChatOpenAI

    class CompatibleChatOpenAI(ChatOpenAI):
        def _get_request_payload(self, input_: Any, *, stop: list[str] | None = None, **kwargs: Any) -> dict:
            payload = super()._get_request_payload(input_, stop=stop, **kwargs)
            host = urlparse(str(self.openai_api_base or "")).hostname or ""
            if host and not host.endswith("openai.com") and "max_completion_tokens" in payload:
                payload["max_tokens"] = payload.pop("max_completion_tokens")
            return payload

    return CompatibleChatOpenAI


def format_passages(passages: Sequence[Passage]) -> str:
    blocks = []
    for n, p in enumerate(passages, start=1):
        c = p.chunk
        text = defuse_markers(c.text)
        for fence in _FENCES:
            text = text.replace(fence, fence.replace("<", "(").replace(">", ")"))
        blocks.append(PASSAGE_TEMPLATE.format(n=n, title=defuse_markers(c.title or "(untitled)"),
                                              source=c.source or "unknown source", published=c.published or "undated",
                                              text=text))
    return "\n\n".join(blocks)


def answer_messages(question: str, passages: Sequence[Passage]) -> list[BaseMessage]:
    return [SystemMessage(ANSWER_SYSTEM.format(refusal=REFUSAL)),
            HumanMessage(ANSWER_USER.format(passages=format_passages(passages), question=question))]


class LLMAnswerer:
    """Prompted answers over the first `max_passages` passages, checked sentence by sentence."""

    checks_citations = True

    def __init__(self, model: BaseChatModel, checker: CitationChecker, max_passages: int = 10,
                 where: str = "the LLM") -> None:
        if max_passages < 1:
            raise ConfigError(f"max_passages must be at least 1, got {max_passages}")
        self.model = model
        self.checker = checker
        self.max_passages = max_passages
        self.where = where

    def _failed(self, exc: Exception) -> AnswerError:
        return AnswerError(f"{self.where} failed to answer ({type(exc).__name__}: {exc}); check that it is running "
                           "and NEWSDESK_LLM_* point at it, or set NEWSDESK_ANSWER_ANSWERER=extractive")

    def answer(self, question: str, passages: Sequence[Passage], query: str | None = None) -> Answer:
        shown = list(passages[: self.max_passages])
        try:
            reply = self.model.invoke(answer_messages(question, shown))
        except Exception as exc:
            raise self._failed(exc) from exc
        return self.checker.check_text(question, str(reply.content), shown, query)

    def stream(self, question: str, passages: Sequence[Passage], query: str | None = None) -> Iterator[str | Answer]:
        """The model's text as it comes, then the checked `Answer`: the UI replaces the draft with it."""
        shown = list(passages[: self.max_passages])
        pieces: list[str] = []
        try:
            for chunk in self.model.stream(answer_messages(question, shown)):
                text = str(chunk.content)
                if text:
                    pieces.append(text)
                    yield text
        except Exception as exc:
            raise self._failed(exc) from exc
        yield self.checker.check_text(question, "".join(pieces), shown, query)


def _role(message: BaseMessage) -> str:
    return {"system": "system", "human": "user", "ai": "assistant"}.get(message.type, "user")


class LlamaCppChat(BaseChatModel):
    """A GGUF model run in-process by llama-cpp-python, as a LangChain chat model (invoke and stream)."""

    model_path: str
    temperature: float = 0.0
    max_tokens: int = 400
    n_ctx: int = 4096
    n_threads: int | None = None
    _llm: Any = PrivateAttr(default=None)

    @classmethod
    def from_settings(cls, settings: LLMSettings) -> LlamaCppChat:
        if not settings.gguf_path:
            raise ConfigError("the llamacpp answerer needs a model: set NEWSDESK_LLM_GGUF_PATH to a local .gguf file")
        return cls(model_path=settings.gguf_path, temperature=settings.temperature, max_tokens=settings.max_tokens)

    @property
    def _llm_type(self) -> str:
        return "llamacpp-in-process"

    def _client(self) -> Any:
        if self._llm is None:
            try:
                from llama_cpp import Llama
            except ImportError as exc:
                raise ConfigError("the llamacpp answerer needs llama-cpp-python: pip install 'newsdesk[llamacpp]' "
                                  "(or use NEWSDESK_ANSWER_ANSWERER=openai with a llama.cpp server)") from exc
            if not Path(self.model_path).is_file():
                raise ConfigError(f"NEWSDESK_LLM_GGUF_PATH {self.model_path!r} is not a file: point it at a .gguf")
            self._llm = Llama(model_path=self.model_path, n_ctx=self.n_ctx, n_threads=self.n_threads, verbose=False)
        return self._llm

    def _request(self, messages: list[BaseMessage], stop: list[str] | None) -> dict[str, Any]:
        return {"messages": [{"role": _role(m), "content": str(m.content)} for m in messages],
                "temperature": self.temperature, "max_tokens": self.max_tokens, "stop": stop}

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> ChatResult:
        out = self._client().create_chat_completion(**self._request(messages, stop))
        text = out["choices"][0]["message"].get("content") or ""
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])

    def _stream(self, messages: list[BaseMessage], stop: list[str] | None = None,
                run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        wrote = False
        for part in self._client().create_chat_completion(**self._request(messages, stop), stream=True):
            text = part["choices"][0]["delta"].get("content")
            if text:
                wrote = True
                if run_manager is not None:
                    run_manager.on_llm_new_token(text)
                yield ChatGenerationChunk(message=AIMessageChunk(content=text))
        if not wrote:
            # A model that stops at once still answered (with nothing); LangChain treats no chunk as a failure.
            yield ChatGenerationChunk(message=AIMessageChunk(content=""))
