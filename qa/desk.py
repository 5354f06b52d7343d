"""The one object the edges talk to: an open index plus the chain that answers over it."""

from __future__ import annotations

from collections import Counter
from functools import cached_property
from pathlib import Path
from typing import Any

from core.settings import Settings
from core.types import Answer, Filters
from index.handle import IndexHandle
from index.ingest import IngestReport, ingest
from qa.chain import Answerer, Question, Turn, build_chain
from qa.extractive import ExtractiveAnswerer
from qa.retrieve import HybridRetriever


class Desk:
    def __init__(self, settings: Settings, handle: IndexHandle | None = None,
                 answerer: Answerer | None = None) -> None:
        self.settings = settings
        self.handle = handle or IndexHandle(settings)
        self._answerer = answerer

    @cached_property
    def answerer(self) -> Answerer:
        if self._answerer is not None:
            return self._answerer
        return ExtractiveAnswerer(self.handle.embedder, self.settings.answer)

    @cached_property
    def retriever(self) -> HybridRetriever:
        return HybridRetriever(self.handle, self.settings.retrieval)

    @cached_property
    def chain(self):  # noqa: ANN201 - a langchain Runnable[Question, Answer]
        return build_chain(self.retriever, self.answerer)

    def ask(self, question: str, history: list[Turn] | None = None, filters: Filters | None = None,
            k: int | None = None) -> Answer:
        request = Question(question=question, history=history or [], filters=filters or Filters(), k=k)
        return self.chain.invoke(request)

    def ingest(self, paths: list[Path], **kwargs: Any) -> IngestReport:
        return ingest(paths, self.handle, **kwargs)

    def status(self) -> dict[str, Any]:
        rows = self.handle.manifest.rows()
        dates = sorted(r["published"] for r in rows if r["published"])
        months = Counter(d[:7] for d in dates)
        return {
            "home": str(self.handle.home),
            "collection": self.handle.collection,
            "articles": len(rows),
            "chunks": self.handle.store.count(),
            "sources": dict(Counter(r["source"] or "(none)" for r in rows).most_common()),
            "months": dict(sorted(months.items())),
            "date_range": [dates[0], dates[-1]] if dates else None,
            "last_ingest": self.handle.manifest.get_meta("last_ingest"),
        }
