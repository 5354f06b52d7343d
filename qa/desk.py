"""The one object the edges talk to: an open index plus the chain that answers over it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any

from core.settings import Settings
from core.types import Answer, Filters
from index.handle import IndexHandle
from index.ingest import IngestReport, ingest
from qa.chain import Answerer, Question, Rewriter, Turn, build_chain, retrieve_step, stream_answer
from qa.cite import CitationChecker
from qa.extractive import ExtractiveAnswerer
from qa.filters import describe, merge, parse_constraints
from qa.followup import LLMRewriter, carry_context
from qa.reading import AnswerReader, CitationVerifier
from qa.rerank import CrossEncoderReranker, Reranker, SentenceReranker
from qa.retrieve import HybridRetriever
from qa.sentences import SentenceCache


class Desk:
    """`answerer` and `chat_model` default from settings (extractive; openai or llamacpp when configured)."""

    def __init__(self, settings: Settings, handle: IndexHandle | None = None,
                 answerer: Answerer | None = None, chat_model: Any = None) -> None:
        self.settings = settings
        self.handle = handle or IndexHandle(settings)
        self._answerer = answerer
        self._chat_model = chat_model
        self._sources: tuple[float, list[str]] = (-1.0, [])

    @cached_property
    def sentences(self) -> SentenceCache:
        return SentenceCache(self.handle.embedder)

    @cached_property
    def reader(self) -> AnswerReader | None:
        reading = self.settings.reading
        path = reading.resolved("reader")
        return AnswerReader(path, reading.device, backend=reading.backend,
                            precision=reading.precision) if path else None

    @cached_property
    def verifier(self) -> CitationVerifier | None:
        reading = self.settings.reading
        path = reading.resolved("verifier")
        return CitationVerifier(path, reading.device, backend=reading.backend,
                                precision=reading.precision) if path else None

    @cached_property
    def checker(self) -> CitationChecker:
        return CitationChecker(self.handle.embedder, self.settings.answer, cache=self.sentences,
                               verifier=self.verifier, reading=self.settings.reading)

    @cached_property
    def chat_model(self) -> Any:
        """The LLM of an `openai`/`llamacpp` answerer, or None for the extractive one."""
        if self._chat_model is not None:
            return self._chat_model
        if self.settings.answer.answerer == "extractive":
            return None
        from qa.llm import make_chat_model

        return make_chat_model(self.settings)

    @cached_property
    def answerer(self) -> Answerer:
        if self._answerer is not None:
            return self._answerer
        if self.chat_model is None:
            return ExtractiveAnswerer(self.handle.embedder, self.settings.answer, cache=self.sentences,
                                      reader=self.reader, reading=self.settings.reading)
        from qa.llm import LLMAnswerer

        where = (f"the LLM server at {self.settings.llm.base_url}" if self.settings.answer.answerer == "openai"
                 else f"the local model {self.settings.llm.gguf_path}")
        return LLMAnswerer(self.chat_model, self.checker, where=where)

    @cached_property
    def rewriter(self) -> Rewriter:
        return LLMRewriter(self.chat_model) if self.chat_model is not None else carry_context

    @cached_property
    def retriever(self) -> HybridRetriever:
        return HybridRetriever(self.handle, self.settings.retrieval, reranker=self.reranker)

    @cached_property
    def reranker(self) -> Reranker | None:
        choice = self.settings.retrieval.rerank.strip()
        weight = self.settings.retrieval.rerank_weight
        if choice.lower() in {"", "none"}:
            return None
        if choice.lower() == "sentences":
            budget = self.settings.answer.model_copy(
                update={"candidate_sentences": self.settings.retrieval.rerank_sentences})
            scorer = ExtractiveAnswerer(self.handle.embedder, budget, cache=self.sentences)
            return SentenceReranker(scorer, weight)
        return CrossEncoderReranker(choice, weight, self.settings.embedding.device)

    @cached_property
    def chain(self):  # noqa: ANN201 - a langchain Runnable[Question, Answer]
        return build_chain(self.retriever, self.answerer, rewrite=self.rewriter, checker=self.checker)

    def sources(self) -> list[str]:
        """Source names in the index (what "according to CNN" is matched against), read again after any write."""
        version = self.handle.manifest.version()
        if self._sources[0] != version:
            self._sources = (version, self.handle.manifest.source_names())
        return self._sources[1]

    def request(self, question: str, history: list[Turn] | None = None, filters: Filters | None = None,
                k: int | None = None, today: date | None = None) -> Question:
        """The chain's input: options merged with the constraints written in the question itself."""
        parsed = parse_constraints(question, self.sources(), today or date.today())
        applied = merge(filters, parsed.filters)
        explicit_dates = filters is not None and bool(filters.since or filters.until)
        notes = ["filtered to " + describe(applied)] if not applied.is_empty() else []
        prefer = None if explicit_dates or applied.since or applied.until else parsed.prefer
        if prefer is not None:
            notes += [n for n in parsed.notes if n.startswith("preferring")]
        return Question(question=question, history=history or [], filters=applied, k=k, prefer_dates=prefer,
                        notes=notes)

    def ask(self, question: str, history: list[Turn] | None = None, filters: Filters | None = None,
            k: int | None = None, today: date | None = None) -> Answer:
        return self.chain.invoke(self.request(question, history, filters, k, today))

    def stream(self, question: str, history: list[Turn] | None = None, filters: Filters | None = None,
               k: int | None = None, today: date | None = None) -> Iterator[str | Answer]:
        """Text pieces while the answer is written, then the final checked `Answer` (which replaces the draft)."""
        request = self.request(question, history, filters, k, today)
        yield from stream_answer(retrieve_step(self.retriever, self.rewriter), self.answerer, self.checker, request)

    def ingest(self, paths: list[Path], **kwargs: Any) -> IngestReport:
        return ingest(paths, self.handle, **kwargs)

    def status(self) -> dict[str, Any]:
        """What the index holds (counted by SQL, not by reading every row) and the health of watched feeds."""
        manifest = self.handle.manifest
        stats = manifest.stats()
        return {
            "home": str(self.handle.home),
            "collection": self.handle.collection,
            "articles": manifest.counts()[0],
            "chunks": self.handle.store.count(),
            "sources": stats["sources"],
            "months": stats["months"],
            "date_range": stats["date_range"],
            "last_ingest": manifest.get_meta("last_ingest"),
            "feeds": self.handle.feeds.health(),
        }
