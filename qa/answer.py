"""Turning selected sentences into a cited `Answer`, and the refusal answer."""

from __future__ import annotations

import re
from collections.abc import Sequence

from core.types import Answer, AnswerSentence, Citation, Passage
from qa.prompts import NEAREST_HEADER, REFUSAL

# Bracketed numbers inside article text must never read as our citations.
_MARKER = re.compile(r"\[(\d+)\]")


def defuse_markers(text: str) -> str:
    return _MARKER.sub(r"(\1)", text)


def citation_for(n: int, passage: Passage, quote: str) -> Citation:
    c = passage.chunk
    return Citation(n=n, article_id=c.article_id, chunk_id=c.id, title=c.title, source=c.source,
                    published=c.published, url=c.url, page=c.page, quote=quote)


def build_answer(question: str, passages: Sequence[Passage], picks: Sequence[tuple[int, int, int]],
                 query: str | None = None) -> Answer:
    """One citation per picked sentence `(passage index, start, end)`; the quote is the verbatim slice."""
    citations: list[Citation] = []
    sentences: list[AnswerSentence] = []
    for n, (i, start, end) in enumerate(picks, start=1):
        quote = passages[i].chunk.text[start:end]
        citations.append(citation_for(n, passages[i], quote))
        sentences.append(AnswerSentence(text=defuse_markers(quote), citations=[n], supported=True))
    text = " ".join(f"{s.text} [{s.citations[0]}]" for s in sentences)
    return Answer(question=question, answer=text, refused=False, citations=citations, passages=list(passages),
                  sentences=sentences, query=query or question)


def nearest_articles(passages: Sequence[Passage], limit: int = 3) -> list[Passage]:
    seen: dict[str, Passage] = {}
    for p in passages:
        seen.setdefault(p.chunk.article_id, p)
    return list(seen.values())[:limit]


def refusal(question: str, passages: Sequence[Passage], query: str | None = None) -> Answer:
    """The sentinel, then the nearest articles so the user knows where the search looked."""
    lines = [REFUSAL]
    near = nearest_articles(passages)
    if near:
        lines += ["", NEAREST_HEADER]
        for p in near:
            c = p.chunk
            meta = ", ".join(x for x in (c.source, c.published or "") if x)
            lines.append(f"- {c.title or c.article_id}" + (f" ({meta})" if meta else ""))
    return Answer(question=question, answer="\n".join(lines), refused=True, passages=list(passages),
                  query=query or question)
