"""The chat's saved conversations through the handlers Gradio calls: per user and per browser, reload, follow-ups
from the stored history, rename, delete, share, revoke, download."""

from __future__ import annotations

from pathlib import Path

import gradio as gr
import pytest

from conversations.store import ConversationStore
from core.settings import ShareSettings
from ui.users import Access, User, hash_password
from ui.web import build_app
from ui.web_conversations import ConversationsView
from ui.web_desk import WebDesk


@pytest.fixture
def web(sample_desk):
    w = WebDesk(sample_desk)
    yield w
    w.close()


@pytest.fixture
def store(settings):
    return ConversationStore.from_settings(settings)


@pytest.fixture
def users():
    return Access(users={"alice": User("alice", "editor", hash_password("a")),
                         "bob": User("bob", "viewer", hash_password("b"))})


def handler(app: gr.Blocks, name: str):
    """The function Gradio calls for an event, found by its name (what the page calls through the queue)."""
    return next(f.fn for f in app.fns.values() if getattr(f, "name", None) == name)


def ask(app: gr.Blocks, question: str, session: dict, request: gr.Request, shown: list | None = None) -> tuple:
    """Run the chat's own handler to its end: (messages, panel, box, session)."""
    *_, last = handler(app, "respond")(question, shown or [], session, None, None, None, request)
    return last


def test_reload_restores_the_conversation_and_follow_ups_use_its_history(web, store):
    app = build_app(web, store=store)
    view = ConversationsView(store, Access())
    request = gr.Request()
    messages, panel, box, session = ask(app, "What did Le Drian say?", {}, request)
    assert box == "" and session["open"] and len(session["browser"]) == 32
    assert "rediscovered itself" in messages[-1]["content"]

    # A reload: only the browser's state survives; the page is rebuilt from the store.
    loaded = view.load(session, request)
    restored, listing, chat, sources, title = loaded[:5]
    assert restored["open"] == session["open"] and title["value"] == "What did Le Drian say?"
    assert listing["choices"] == [("What did Le Drian say?", session["open"])]
    assert chat == messages and sources == panel and "NATO ministers reaffirm" in sources

    # The follow-up is asked with an empty page state: its context can only come from the store.
    messages, _, _, after = ask(app, "When did he say it?", restored, request, shown=chat)
    assert after["open"] == session["open"]
    saved = store.get(session["open"], None)
    assert [t.question for t in saved.history] == ["What did Le Drian say?", "When did he say it?"]
    assert "Le Drian" in saved.history[1].answer.query  # the rewritten query carried the stored turn
    assert [m["content"] for m in messages if m["role"] == "user"] == ["What did Le Drian say?", "When did he say it?"]


def test_two_users_never_see_each_others_conversations_or_links(web, store, users):
    app = build_app(web, access=users, store=store)
    view = ConversationsView(store, users)
    alice, bob = gr.Request(username="alice"), gr.Request(username="bob")
    *_, alice_session = ask(app, "What did Le Drian say?", {}, alice)
    alice_id = alice_session["open"]
    share_url, links_html, _ = view.share(0, alice_session, alice)
    token = share_url["value"].rsplit("/", 1)[1]
    assert token in links_html

    # Bob, in the same browser even (he gets Alice's browser state), sees none of it.
    loaded = view.load(alice_session, bob)
    assert loaded[0]["open"] is None and loaded[1]["choices"] == [] and loaded[2] == []
    assert token not in loaded[7] and loaded[8]["choices"] == []
    assert view.open(alice_id, {}, bob)[2] == []
    for attempt in (lambda: view.rename("mine", alice_session, bob), lambda: view.share(0, alice_session, bob),
                    lambda: view.revoke(token, {}, bob)):
        with pytest.raises(gr.Error):
            attempt()
    view.delete(alice_session, bob)  # nothing of Bob's is open: nothing is deleted
    *_, bob_session = ask(app, "What did Blinken say?", alice_session, bob)
    assert bob_session["open"] != alice_id  # Bob's question starts his own conversation
    assert [c.owner for c in store.conversations(None)].count("user:alice") == 1
    assert store.get(alice_id, "user:alice").turns == 1 and store.shared(token) is not None
    assert [c.title for c in store.conversations("user:bob")] == ["What did Blinken say?"]
    with pytest.raises(gr.Error, match="log in first"):
        view.load({}, gr.Request())


def test_browsers_are_told_apart_without_a_login(store):
    view = ConversationsView(store, Access())
    one, _ = view.identify(None, {})
    same, _ = view.identify(None, {"browser": one.split(":", 1)[1]})
    other, _ = view.identify(None, {})
    forged, session = view.identify(None, {"browser": "alice"})
    assert one == same and one != other and forged != "browser:alice" and len(session["browser"]) == 32


def test_rename_delete_share_revoke_and_download(web, store):
    app = build_app(web, store=store)
    view = ConversationsView(store, Access(), ShareSettings(base_url="https://news.example.org/"))
    request = gr.Request()
    *_, session = ask(app, "What did Le Drian say?", {}, request)
    opened = view.rename("Le Drian on NATO", session, request)
    assert opened[1]["choices"] == [("Le Drian on NATO", session["open"])] and opened[4]["value"] == "Le Drian on NATO"
    path = Path(opened[5]["value"])
    assert path.name == "le-drian-on-nato.md" and path.read_text(encoding="utf-8").startswith("# Le Drian on NATO")
    url, links, pick = view.share(7, session, request)
    assert url["visible"] and url["value"].startswith("https://news.example.org/share/")
    token = url["value"].rsplit("/", 1)[1]
    assert "active" in links and pick["choices"][0][1] == token
    links, pick = view.revoke(token, session, request)
    assert "revoked" in links and pick["choices"] == [] and store.shared(token) is None
    with pytest.raises(gr.Error, match="Pick one"):
        view.revoke(None, session, request)
    after = view.delete(session, request)
    assert after[0]["open"] is None and after[1]["choices"] == [] and after[2] == []
    assert after[5]["interactive"] is False and store.conversations(None) == []
    with pytest.raises(gr.Error, match="Ask a question first"):
        view.share(0, after[0], request)


def test_clicking_an_earlier_answer_shows_its_sources(web, store):
    app = build_app(web, store=store)
    view = ConversationsView(store, Access())
    request = gr.Request()
    *_, session = ask(app, "What did Le Drian say?", {}, request)
    *_, session = ask(app, "What did Blinken say?", session, request, shown=[{"role": "user", "content": "x"}] * 2)
    first = store.get(session["open"], None).history[0].answer
    event = gr.SelectData(None, {"index": 1, "value": "", "selected": True})
    panel = view.sources_of(session, event, request)
    assert first.citations[0].quote[:40] in panel.replace("&#x27;", "'").replace("&quot;", '"')
