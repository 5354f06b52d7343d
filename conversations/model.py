"""What a saved conversation holds: each turn's question and the whole checked answer, as it was shown."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from core.types import Answer
from qa.chain import Turn

# Titles come from the first question; a long one is cut here (a rename may be longer, up to MAX_TITLE).
TITLE_FROM_QUESTION = 80
MAX_TITLE = 200


class StoredTurn(BaseModel):
    position: int
    question: str
    answer: Answer = Field(description="The checked answer: sentences, citations with quotes, passages, filters.")
    asked_at: str = Field(description="ISO time (UTC) the answer was saved.")

    def as_turn(self) -> Turn:
        """The turn as follow-up questions lean on it."""
        cited = list(dict.fromkeys(c.article_id for c in self.answer.citations))
        return Turn(question=self.question, answer=self.answer.answer, cited_articles=cited)


class ConversationSummary(BaseModel):
    id: str
    owner: str
    title: str
    created: str
    updated: str
    turns: int = 0


class Conversation(ConversationSummary):
    copied_from: str | None = Field(default=None, description="The share token this conversation continues.")
    history: list[StoredTurn] = Field(default_factory=list)

    def follow_up_turns(self) -> list[Turn]:
        return [t.as_turn() for t in self.history]


class Snapshot(BaseModel):
    """A conversation frozen when it was shared: later turns, renames and deletions do not change it."""

    title: str
    shared_at: str
    history: list[StoredTurn]


class SharedLink(BaseModel):
    token: str
    owner: str
    conversation_id: str | None
    title: str
    created: str
    expires: str | None = None
    revoked: str | None = None

    def state(self, now: datetime) -> Literal["active", "revoked", "expired"]:
        if self.revoked:
            return "revoked"
        if self.expires and datetime.fromisoformat(self.expires) <= now:
            return "expired"
        return "active"


def title_from(question: str) -> str:
    """A conversation's first title: its first question on one line, cut at a word."""
    text = " ".join(question.split())
    if len(text) <= TITLE_FROM_QUESTION:
        return text or "Untitled conversation"
    return text[:TITLE_FROM_QUESTION].rsplit(" ", 1)[0].rstrip(",;:") + "…"
