"""The answering chain as LangChain runnables: retrieve -> answer -> check. Any answerer plugs into the same chain."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Protocol

from langchain_core.runnables import Runnable, RunnableLambda
from pydantic import BaseModel, Field

from core.types import Answer, Filters, Passage
from qa.followup import Rewrite, carry_context, story_of
from qa.injection import withhold_instructions
from qa.retrieve import HybridRetriever


class Turn(BaseModel):
    question: str
    answer: str = ""
    cited_articles: list[str] = Field(default_factory=list)
    query: str = Field(default="", description="The standalone query the turn was answered from, if rewritten.")


class Question(BaseModel):
    question: str
    history: list[Turn] = Field(default_factory=list)
    filters: Filters = Field(default_factory=Filters)
    k: int | None = None
    prefer_dates: Filters | None = Field(default=None, description="A period whose articles rank higher.")
    notes: list[str] = Field(default_factory=list, description="Applied constraints, shown with the answer.")


class Answerer(Protocol):
    def answer(self, question: str, passages: Sequence[Passage], query: str | None = None) -> Answer: ...


class Checker(Protocol):
    def check_answer(self, answer: Answer) -> Answer: ...


class Retrieved(BaseModel):
    request: Question
    query: str
    focus: str
    passages: list[Passage]


Rewriter = Callable[[str, Sequence[Turn]], Rewrite]


def retrieve_step(retriever: HybridRetriever, rewrite: Rewriter | None = carry_context) -> Callable[[Question],
                                                                                                   Retrieved]:
    def retrieve(request: Question) -> Retrieved:
        q = request.question
        step = rewrite(q, request.history) if rewrite and request.history else Rewrite(query=q, focus=q)
        prefer = [a for turn in request.history[-1:] for a in turn.cited_articles] if step.carried else []
        passages = retriever.retrieve(step.query, request.filters, request.k, prefer_articles=prefer,
                                      prefer_dates=request.prefer_dates)
        # Before any answerer sees them: paragraphs that try to instruct the assistant are withheld.
        passages = withhold_instructions(passages)
        if step.carried:
            story = prefer or story_of(request.history[-1].answer, passages)
            passages = in_story(passages, story, retriever.settings.followup_articles)
        return Retrieved(request=request, query=step.query, focus=step.focus, passages=passages)

    return retrieve


def in_story(passages: list[Passage], cited: Sequence[str], articles: int) -> list[Passage]:
    """A follow-up that leans on the conversation is about its story: the passages of the articles the last answer
    cited and of the first `articles` articles its (context-carrying) retrieval ranks; 0 keeps them all. Otherwise
    a follow-up with a subject of its own ("And what did the government say?") is answered from whichever article
    quotes a government most."""
    if not articles:
        return passages
    first = list(dict.fromkeys(p.chunk.article_id for p in passages))[:articles]
    keep = set(cited) | set(first)
    return [p for p in passages if p.chunk.article_id in keep]


def finish(answer: Answer, step: Retrieved) -> Answer:
    """What the answer reports about how it was produced: the retrieval query and the filters applied."""
    return answer.model_copy(update={"query": step.query, "filters": step.request.filters,
                                     "notes": list(step.request.notes)})


def answer_step(answerer: Answerer, checker: Checker | None) -> Callable[[Retrieved], Answer]:
    def answer(step: Retrieved) -> Answer:
        result = answerer.answer(step.request.question, step.passages, query=step.focus)
        # Answerers that write free text check their own output (they must, to stream); the others are checked here.
        if checker is not None and not getattr(answerer, "checks_citations", False):
            result = checker.check_answer(result)
        return finish(result, step)

    return answer


def build_chain(retriever: HybridRetriever, answerer: Answerer, rewrite: Rewriter | None = carry_context,
                checker: Checker | None = None) -> Runnable:
    """`rewrite(question, history) -> Rewrite` turns a follow-up into a standalone query."""
    return RunnableLambda(retrieve_step(retriever, rewrite)).with_config(run_name="retrieve") | RunnableLambda(
        answer_step(answerer, checker)).with_config(run_name="answer")


def stream_answer(retrieve: Callable[[Question], Retrieved], answerer: Answerer, checker: Checker | None,
                  request: Question) -> Iterator[str | Answer]:
    """Text pieces as the answerer writes them, then the final checked `Answer` (which may drop sentences)."""
    step = retrieve(request)
    stream = getattr(answerer, "stream", None)
    if stream is None:
        final = answer_step(answerer, checker)(step)
        yield final.answer
        yield final
        return
    for piece in stream(step.request.question, step.passages, query=step.focus):
        if isinstance(piece, Answer):
            yield finish(piece, step)
            return
        yield piece
