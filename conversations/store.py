"""Conversations per owner, their turns, and shared snapshots, in one SQLite file under NEWSDESK_HOME.

An owner is an opaque string the web edge makes ("user:alice" with a login, "browser:<random id>" without);
every read and write names it, and a conversation or link of another owner is reported exactly like one that
does not exist. The CLI passes owner=None: it runs on the server, as its operator.
"""

from __future__ import annotations

import re
import secrets
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from conversations.db import Database
from conversations.model import (
    MAX_TITLE,
    Conversation,
    ConversationSummary,
    SharedLink,
    Snapshot,
    StoredTurn,
    title_from,
)
from core.errors import ConversationError
from core.types import Answer

if TYPE_CHECKING:
    from core.settings import Settings

FILE_NAME = "conversations.sqlite3"
# 24 random bytes: 192 bits, 32 URL-safe characters. Anything else in a share URL is not a token.
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{32}")
_SUMMARY = ("SELECT c.id, c.owner, c.title, c.created, c.updated, "
            "(SELECT COUNT(*) FROM turns t WHERE t.conversation_id = c.id) AS turns FROM conversations c")


def utc_now() -> datetime:
    return datetime.now(UTC)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


class ConversationStore:
    """`clock` is when "now" is: tests pass their own to reach an expiry without waiting for it."""

    def __init__(self, path: Path, clock: Callable[[], datetime] = utc_now) -> None:
        self.db = Database(path)
        self.path = self.db.path
        self.clock = clock

    @classmethod
    def from_settings(cls, settings: Settings) -> ConversationStore:
        return cls(Path(settings.home) / FILE_NAME)

    # --- conversations

    def conversations(self, owner: str | None) -> list[ConversationSummary]:
        """Newest first; owner=None lists everyone's (the CLI)."""
        where, args = ("WHERE c.owner = ?", (owner,)) if owner is not None else ("", ())
        with self.db.read() as conn:
            rows = conn.execute(f"{_SUMMARY} {where} ORDER BY c.updated DESC, c.rowid DESC", args).fetchall()
        return [ConversationSummary(**dict(r)) for r in rows]

    def get(self, conversation_id: str, owner: str | None) -> Conversation:
        found = self.find(conversation_id, owner)
        if found is None:
            raise ConversationError(f"no conversation {conversation_id!r}"
                                    + (" of yours" if owner is not None else "")
                                    + ": `newsdesk conversations list` shows the ids")
        return found

    def find(self, conversation_id: str | None, owner: str | None) -> Conversation | None:
        if not conversation_id:
            return None
        with self.db.read() as conn:
            row = conn.execute(f"{_SUMMARY} WHERE c.id = ?", (conversation_id,)).fetchone()
            if row is None or (owner is not None and row["owner"] != owner):
                return None
            copied = conn.execute("SELECT copied_from FROM conversations WHERE id = ?",
                                  (conversation_id,)).fetchone()[0]
            turns = conn.execute("SELECT position, question, answer, asked_at FROM turns WHERE conversation_id = ? "
                                 "ORDER BY position", (conversation_id,)).fetchall()
        history = [StoredTurn(position=t["position"], question=t["question"],
                              answer=Answer.model_validate_json(t["answer"]), asked_at=t["asked_at"]) for t in turns]
        return Conversation(**dict(row), copied_from=copied, history=history)

    def add_turn(self, owner: str, conversation_id: str | None, question: str,
                 answer: Answer) -> tuple[str, StoredTurn]:
        """Save one answered question; a new conversation (titled by the question) when there is none yet, or when
        `conversation_id` is not the owner's any more (deleted meanwhile in another tab)."""
        now = _iso(self.clock())
        with self.db.write() as conn:
            row = conn.execute("SELECT owner FROM conversations WHERE id = ?", (conversation_id or "",)).fetchone()
            if row is None or row["owner"] != owner:
                conversation_id = self._new_id(conn)
                conn.execute("INSERT INTO conversations (id, owner, title, created, updated) VALUES (?, ?, ?, ?, ?)",
                             (conversation_id, owner, title_from(question), now, now))
            position = conn.execute("SELECT COALESCE(MAX(position) + 1, 0) FROM turns WHERE conversation_id = ?",
                                    (conversation_id,)).fetchone()[0]
            conn.execute("INSERT INTO turns (conversation_id, position, question, answer, asked_at) "
                         "VALUES (?, ?, ?, ?, ?)", (conversation_id, position, question, answer.model_dump_json(), now))
            conn.execute("UPDATE conversations SET updated = ? WHERE id = ?", (now, conversation_id))
        return conversation_id, StoredTurn(position=position, question=question, answer=answer, asked_at=now)

    def rename(self, owner: str | None, conversation_id: str, title: str) -> None:
        title = " ".join((title or "").split())
        if not 1 <= len(title) <= MAX_TITLE:
            raise ConversationError(f"a title needs 1 to {MAX_TITLE} characters, got {len(title)}: "
                                    f"{title[:40]!r}" + ("…" if len(title) > 40 else ""))
        with self.db.write() as conn:
            self._owned(conn, conversation_id, owner)
            conn.execute("UPDATE conversations SET title = ? WHERE id = ?", (title, conversation_id))

    def delete(self, owner: str | None, conversation_id: str) -> None:
        """The conversation, its turns and its shared links (their snapshots too: a deleted one is gone)."""
        with self.db.write() as conn:
            self._owned(conn, conversation_id, owner)
            conn.execute("DELETE FROM shares WHERE conversation_id = ?", (conversation_id,))
            conn.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,))

    # --- shared snapshots

    def share(self, owner: str, conversation_id: str, expires_in: timedelta | None = None) -> SharedLink:
        conversation = self.get(conversation_id, owner)
        if not conversation.history:
            raise ConversationError("this conversation has no answer yet: ask a question before sharing it")
        now = self.clock()
        snapshot = Snapshot(title=conversation.title, shared_at=_iso(now), history=conversation.history)
        link = SharedLink(token=secrets.token_urlsafe(24), owner=owner, conversation_id=conversation_id,
                          title=conversation.title, created=_iso(now),
                          expires=_iso(now + expires_in) if expires_in else None)
        with self.db.write() as conn:
            conn.execute("INSERT INTO shares (token, owner, conversation_id, title, snapshot, created, expires) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?)", (link.token, owner, conversation_id, link.title,
                                                          snapshot.model_dump_json(), link.created, link.expires))
        return link

    def shared(self, token: str) -> Snapshot | None:
        """The snapshot behind an active link; None alike for an unknown, revoked or expired token."""
        if not TOKEN_PATTERN.fullmatch(token or ""):
            return None
        with self.db.read() as conn:
            row = conn.execute("SELECT * FROM shares WHERE token = ?", (token,)).fetchone()
        if row is None or self._link(row).state(self.clock()) != "active":
            return None
        return Snapshot.model_validate_json(row["snapshot"])

    def links(self, owner: str | None) -> list[SharedLink]:
        """The owner's shared links, newest first, revoked and expired ones included (owner=None: everyone's)."""
        where, args = ("WHERE owner = ?", (owner,)) if owner is not None else ("", ())
        with self.db.read() as conn:
            rows = conn.execute(f"SELECT * FROM shares {where} ORDER BY created DESC, rowid DESC", args).fetchall()
        return [self._link(r) for r in rows]

    def revoke(self, owner: str | None, token: str) -> None:
        """The link stops working; its snapshot is dropped (the row stays, so the list can say "revoked")."""
        with self.db.write() as conn:
            row = conn.execute("SELECT owner FROM shares WHERE token = ?", (token,)).fetchone()
            if row is None or (owner is not None and row["owner"] != owner):
                raise ConversationError("no shared link of yours with this token: the list of your links shows "
                                        "the ones you can revoke")
            conn.execute("UPDATE shares SET revoked = COALESCE(revoked, ?), snapshot = '' WHERE token = ?",
                         (_iso(self.clock()), token))

    def continue_shared(self, owner: str, token: str) -> Conversation | None:
        """The shared conversation copied into the owner's own, to ask on; the same copy when asked again.
        None when the link is not active."""
        snapshot = self.shared(token)
        if snapshot is None:
            return None
        now = _iso(self.clock())
        with self.db.write() as conn:
            row = conn.execute("SELECT id FROM conversations WHERE owner = ? AND copied_from = ?",
                               (owner, token)).fetchone()
            if row is not None:
                conversation_id = row["id"]
            else:
                conversation_id = self._new_id(conn)
                conn.execute("INSERT INTO conversations (id, owner, title, created, updated, copied_from) "
                             "VALUES (?, ?, ?, ?, ?, ?)", (conversation_id, owner, snapshot.title, now, now, token))
                conn.executemany(
                    "INSERT INTO turns (conversation_id, position, question, answer, asked_at) VALUES (?, ?, ?, ?, ?)",
                    [(conversation_id, i, t.question, t.answer.model_dump_json(), t.asked_at)
                     for i, t in enumerate(snapshot.history)])
        return self.get(conversation_id, owner)

    # --- helpers

    def secret(self, name: str) -> str:
        """A random value made once and kept in the store (the key of the chat's per-browser state)."""
        with self.db.write() as conn:
            conn.execute("INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)", (name, secrets.token_urlsafe(32)))
            return conn.execute("SELECT value FROM meta WHERE key = ?", (name,)).fetchone()[0]

    @staticmethod
    def _owned(conn: sqlite3.Connection, conversation_id: str, owner: str | None) -> None:
        row = conn.execute("SELECT owner FROM conversations WHERE id = ?", (conversation_id,)).fetchone()
        if row is None or (owner is not None and row["owner"] != owner):
            raise ConversationError(f"no conversation {conversation_id!r}" + (" of yours" if owner else "")
                                    + ": it may have been deleted (in another tab?)")

    @staticmethod
    def _new_id(conn: sqlite3.Connection) -> str:
        while True:
            candidate = secrets.token_hex(8)  # hex: never starts with "-", which a shell command would misread
            if conn.execute("SELECT 1 FROM conversations WHERE id = ?", (candidate,)).fetchone() is None:
                return candidate

    @staticmethod
    def _link(row: sqlite3.Row) -> SharedLink:
        return SharedLink(**{k: row[k] for k in SharedLink.model_fields})
