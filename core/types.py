"""Domain types passed between the layers."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Article(BaseModel):
    id: str
    title: str
    text: str
    source: str = ""
    url: str | None = None
    published: str | None = Field(default=None, description="ISO date (YYYY-MM-DD) or None when unknown.")
    authors: list[str] = Field(default_factory=list)
    origin: str = Field(default="", description="Where the article was read from: a path, URL or path:line.")
    pages: list[tuple[int, int]] = Field(
        default_factory=list,
        description="Paged documents (PDF): (offset in `text` where a page's text starts, page number), in order.",
    )


class Chunk(BaseModel):
    id: str
    article_id: str
    position: int
    text: str
    title: str = ""
    source: str = ""
    published: str | None = None
    url: str | None = None
    page: int | None = Field(default=None, description="Page of a paged document (PDF) the chunk is on.")

    @staticmethod
    def make_id(article_id: str, position: int) -> str:
        return f"{article_id}:{position:04d}"

    def metadata(self) -> dict[str, str | int]:
        """Chroma metadata: no None values allowed, so unknowns become empty strings (and `page` is left out)."""
        meta: dict[str, str | int] = {
            "article_id": self.article_id,
            "position": self.position,
            "title": self.title,
            "source": self.source,
            "published": self.published or "",
            "url": self.url or "",
            # Chroma compares numbers only: the date as YYYYMMDD makes `since`/`until` filters possible.
            "date": int(self.published.replace("-", "")) if self.published else 0,
        }
        if self.page is not None:
            meta["page"] = self.page
        return meta

    @classmethod
    def from_metadata(cls, chunk_id: str, text: str, meta: dict) -> Chunk:
        return cls(
            id=chunk_id,
            text=text,
            article_id=str(meta.get("article_id", "")),
            position=int(meta.get("position", 0)),
            title=str(meta.get("title", "")),
            source=str(meta.get("source", "")),
            published=str(meta.get("published") or "") or None,
            url=str(meta.get("url") or "") or None,
            page=int(meta["page"]) if meta.get("page") else None,
        )


class Filters(BaseModel):
    """Constraints on which articles may answer: dates are inclusive ISO dates, sources match exactly."""

    since: str | None = None
    until: str | None = None
    sources: list[str] = Field(default_factory=list)

    def is_empty(self) -> bool:
        return not (self.since or self.until or self.sources)

    def accepts(self, chunk: Chunk) -> bool:
        if self.sources and chunk.source not in self.sources:
            return False
        if (self.since or self.until) and not chunk.published:
            return False
        if self.since and (chunk.published or "") < self.since:
            return False
        return not (self.until and (chunk.published or "") > self.until)


class Passage(BaseModel):
    """A retrieved chunk with its fused score (higher is better)."""

    chunk: Chunk
    score: float
    dense: float | None = Field(default=None, description="Cosine similarity of the chunk to the query, if known.")


class Citation(BaseModel):
    n: int
    article_id: str
    chunk_id: str
    title: str
    source: str
    published: str | None
    url: str | None
    page: int | None = Field(default=None, description="Page of a paged document (PDF) the quote is on.")
    quote: str = Field(description="The cited sentence, verbatim from the article.")


class AnswerSentence(BaseModel):
    text: str
    citations: list[int]
    supported: bool = True
    reason: str = ""  # why the citation check judged it so ("verbatim in [1]", "verifier 0.12: ...")


class Answer(BaseModel):
    question: str
    answer: str
    refused: bool
    citations: list[Citation] = Field(default_factory=list)
    passages: list[Passage] = Field(default_factory=list)
    sentences: list[AnswerSentence] = Field(default_factory=list)
    query: str = Field(default="", description="The retrieval query (a rewritten follow-up, if any).")
    filters: Filters = Field(default_factory=Filters, description="Filters applied: options and the question's own.")
    notes: list[str] = Field(default_factory=list, description="What was applied, for the user: 'source: CNN'.")

    def to_json(self) -> dict:
        """The `ask --json` contract."""
        return {
            "question": self.question,
            "answer": self.answer,
            "refused": self.refused,
            "citations": [c.model_dump(exclude={"chunk_id"}) for c in self.citations],
            "sentences": [s.model_dump() for s in self.sentences],
            "filters": self.filters.model_dump(),
            "notes": list(self.notes),
            "passages": [
                {"article_id": p.chunk.article_id, "chunk_id": p.chunk.id, "score": round(p.score, 6),
                 "text": p.chunk.text}
                for p in self.passages
            ],
        }
