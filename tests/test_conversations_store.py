"""The conversation store: turns kept whole, owners kept apart, snapshots frozen, links revoked and expired."""

from __future__ import annotations

import re
import sqlite3
import threading
from datetime import UTC, datetime, timedelta

import pytest

from conversations.store import TOKEN_PATTERN, ConversationStore
from core.errors import ConversationError, StoreError
from core.types import Answer, AnswerSentence, Chunk, Citation, Filters, Passage


def answer(question: str = "What did Le Drian say?", quote: str = "NATO has rediscovered itself.") -> Answer:
    chunk = Chunk(id="a1:0003", article_id="a1", position=3, text=f"Intro. {quote} Outro.", title="NATO ministers",
                  source="AP", published="2021-03-24", url="https://news.example/nato")
    cite = Citation(n=1, article_id="a1", chunk_id=chunk.id, title=chunk.title, source="AP", published="2021-03-24",
                    url=chunk.url, quote=quote)
    return Answer(question=question, answer=f"{quote} [1]", refused=False, citations=[cite],
                  passages=[Passage(chunk=chunk, score=0.9, dense=0.7)],
                  sentences=[AnswerSentence(text=quote, citations=[1], reason="verbatim in [1]")],
                  query=question, filters=Filters(since="2021-01-01"), notes=["filtered to published since 2021"])


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def store(tmp_path, clock):
    return ConversationStore(tmp_path / "home" / "conversations.sqlite3", clock=clock)


def test_a_turn_is_kept_whole_and_survives_reopening(store, tmp_path):
    first = answer()
    cid, turn = store.add_turn("user:alice", None, "What did Le Drian say?", first)
    store.add_turn("user:alice", cid, "When?", answer("When?", "He spoke on Wednesday."))
    reopened = ConversationStore(store.path)  # a restart: nothing but the file carries over
    conversation = reopened.get(cid, "user:alice")
    assert conversation.title == "What did Le Drian say?" and conversation.turns == 2
    assert [t.question for t in conversation.history] == ["What did Le Drian say?", "When?"]
    assert conversation.history[0].answer == first  # sentences, reasons, quotes, passages, filters, notes
    assert conversation.history[0].asked_at == turn.asked_at == "2026-03-01T12:00:00+00:00"
    follow = conversation.follow_up_turns()
    assert follow[0].question == "What did Le Drian say?" and follow[0].cited_articles == ["a1"]
    assert sqlite3.connect(store.path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_owners_never_see_each_others_conversations_or_links(store):
    alice, _ = store.add_turn("user:alice", None, "What did Le Drian say?", answer())
    bob, _ = store.add_turn("user:bob", None, "What did Blinken say?", answer("What did Blinken say?"))
    assert [c.id for c in store.conversations("user:alice")] == [alice]
    assert [c.id for c in store.conversations("user:bob")] == [bob]
    assert store.find(bob, "user:alice") is None
    with pytest.raises(ConversationError, match="of yours") as other:
        store.get(bob, "user:alice")
    with pytest.raises(ConversationError, match="of yours") as missing:
        store.get("0123456789abcdef", "user:alice")
    # Someone else's conversation and one that never existed are reported alike.
    assert str(other.value).replace(bob, "ID") == str(missing.value).replace("0123456789abcdef", "ID")
    for attempt in (lambda: store.rename("user:alice", bob, "mine now"), lambda: store.delete("user:alice", bob),
                    lambda: store.share("user:alice", bob)):
        with pytest.raises(ConversationError):
            attempt()
    # A turn sent to someone else's conversation starts the sender's own instead of joining it.
    mine, _ = store.add_turn("user:alice", bob, "And Blinken?", answer())
    assert mine != bob and store.get(bob, "user:bob").turns == 1
    link = store.share("user:bob", bob)
    assert [x.token for x in store.links("user:alice")] == []
    with pytest.raises(ConversationError):
        store.revoke("user:alice", link.token)
    assert store.shared(link.token) is not None
    assert {c.owner for c in store.conversations(None)} == {"user:alice", "user:bob"}  # the CLI sees all


def test_a_share_is_a_frozen_snapshot_behind_an_unguessable_token(store):
    cid, _ = store.add_turn("browser:x", None, "What did Le Drian say?", answer())
    links = [store.share("browser:x", cid) for _ in range(20)]
    assert len({link.token for link in links}) == 20
    assert all(TOKEN_PATTERN.fullmatch(link.token) for link in links)  # 32 URL-safe characters: 192 bits
    store.add_turn("browser:x", cid, "When?", answer("When?", "He spoke on Wednesday."))
    store.rename("browser:x", cid, "Renamed later")
    snapshot = store.shared(links[0].token)
    assert snapshot.title == "What did Le Drian say?" and [t.question for t in snapshot.history] == [
        "What did Le Drian say?"]
    assert store.shared(links[0].token[:-1] + "x") is None
    assert store.shared("../../etc/passwd") is None and store.shared("") is None


def test_revoked_and_expired_links_show_nothing(store, clock):
    cid, _ = store.add_turn("user:alice", None, "What did Le Drian say?", answer())
    week = store.share("user:alice", cid, expires_in=timedelta(days=7))
    kept = store.share("user:alice", cid)
    revoked = store.share("user:alice", cid)
    store.revoke("user:alice", revoked.token)
    assert store.shared(revoked.token) is None
    conn = sqlite3.connect(store.path)
    row = conn.execute("SELECT snapshot FROM shares WHERE token = ?", (revoked.token,)).fetchone()
    assert row == ("",)  # the revoked snapshot is not kept
    assert store.shared(week.token) is not None
    clock.now += timedelta(days=7, seconds=1)
    assert store.shared(week.token) is None and store.shared(kept.token) is not None
    states = {link.token: link.state(clock.now) for link in store.links("user:alice")}
    assert states == {week.token: "expired", kept.token: "active", revoked.token: "revoked"}
    store.delete("user:alice", cid)
    assert store.shared(kept.token) is None and store.links("user:alice") == []


def test_sharing_an_unknown_conversation_is_refused(store):
    with pytest.raises(ConversationError, match="no conversation"):
        store.share("user:alice", "missing")


def test_continuing_a_shared_conversation_copies_it_once(store):
    cid, _ = store.add_turn("user:alice", None, "What did Le Drian say?", answer())
    link = store.share("user:alice", cid)
    copy = store.continue_shared("user:bob", link.token)
    assert copy.owner == "user:bob" and copy.id != cid and copy.copied_from == link.token
    assert [t.answer for t in copy.history] == [t.answer for t in store.get(cid, "user:alice").history]
    assert store.continue_shared("user:bob", link.token).id == copy.id  # a reload of the link: the same copy
    store.add_turn("user:bob", copy.id, "When?", answer("When?", "He spoke on Wednesday."))
    assert store.get(cid, "user:alice").turns == 1  # the original is untouched
    store.revoke("user:alice", link.token)
    assert store.continue_shared("user:carol", link.token) is None


def test_titles_come_from_the_question_and_renames_are_checked(store):
    long_question = "What did the French foreign minister say about NATO and the European Union " * 3
    cid, _ = store.add_turn("user:alice", None, long_question, answer())
    title = store.get(cid, "user:alice").title
    assert title.endswith("…") and len(title) <= 81 and "  " not in title
    store.rename("user:alice", cid, "  Le Drian   on NATO ")
    assert store.get(cid, "user:alice").title == "Le Drian on NATO"
    with pytest.raises(ConversationError, match="1 to 200 characters, got 0"):
        store.rename("user:alice", cid, "   ")
    with pytest.raises(ConversationError, match="got 201"):
        store.rename("user:alice", cid, "x" * 201)


def test_newest_conversation_first(store, clock):
    a, _ = store.add_turn("user:alice", None, "First?", answer())
    clock.now += timedelta(minutes=1)
    b, _ = store.add_turn("user:alice", None, "Second?", answer())
    clock.now += timedelta(minutes=1)
    store.add_turn("user:alice", a, "First again?", answer())
    assert [c.id for c in store.conversations("user:alice")] == [a, b]


def test_concurrent_turns_get_one_position_each(store):
    cid, _ = store.add_turn("user:alice", None, "Q0", answer())
    errors = []

    def add(i: int) -> None:
        try:
            store.add_turn("user:alice", cid, f"Q{i}", answer(f"Q{i}"))
        except Exception as exc:  # collected: an assertion in a thread would be lost
            errors.append(exc)

    threads = [threading.Thread(target=add, args=(i,)) for i in range(1, 17)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    history = store.get(cid, "user:alice").history
    assert [t.position for t in history] == list(range(17))
    assert sorted(t.question for t in history) == sorted(f"Q{i}" for i in range(17))


def test_the_browser_state_key_is_made_once(store):
    key = store.secret("browser-state")
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", key)
    assert ConversationStore(store.path).secret("browser-state") == key


def test_a_damaged_file_is_a_store_error_that_says_what_to_do(tmp_path):
    path = tmp_path / "conversations.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match="move.* aside") as error:
        ConversationStore(path)
    assert str(path) in str(error.value)
