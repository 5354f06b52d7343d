"""The answering chain as LangChain runnables: retrieve -> answer. Any answerer plugs into the same chain."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from langchain_core.runnables import Runnable, RunnableLambda
from pydantic import BaseModel, Field

from core.types import Answer, Filters, Passage
from qa.retrieve import HybridRetriever


class Turn(BaseModel):
    question: str
    answer: str = ""
    cited_articles: list[str] = Field(default_factory=list)


class Question(BaseModel):
    question: str
    history: list[Turn] = Field(default_factory=list)
    filters: Filters = Field(default_factory=Filters)
    k: int | None = None


class Answerer(Protocol):
    def answer(self, question: str, passages: Sequence[Passage], query: str | None = None) -> Answer: ...


class Retrieved(BaseModel):
    request: Question
    query: str
    passages: list[Passage]


def build_chain(retriever: HybridRetriever, answerer: Answerer, rewrite=None) -> Runnable:  # noqa: ANN001
    """`rewrite(question, history) -> query` turns a follow-up into a standalone query (identity by default)."""

    def retrieve(request: Question) -> Retrieved:
        query = rewrite(request.question, request.history) if rewrite and request.history else request.question
        prefer = [a for turn in request.history[-1:] for a in turn.cited_articles]
        passages = retriever.retrieve(query, request.filters, request.k, prefer_articles=prefer)
        return Retrieved(request=request, query=query, passages=passages)

    def answer(step: Retrieved) -> Answer:
        return answerer.answer(step.request.question, step.passages, query=step.query)

    return RunnableLambda(retrieve).with_config(run_name="retrieve") | RunnableLambda(answer).with_config(
        run_name="answer"
    )
