"""The chat's saved conversations: the list beside the chat (open, rename, delete, new), Share, my shared links,
Download. A thin edge over `conversations.ConversationStore`.

Whose conversations: the logged-in user's when the chat has users, else this browser's, a random id kept in the
browser's localStorage (`gr.BrowserState`, encrypted with a key kept in the store, so it survives a restart of
the server). The open conversation's id is kept there too: a reload opens it again, sources panel included, and
follow-up questions read its history from the store.
"""

from __future__ import annotations

import re
import secrets
import shutil
import tempfile
from datetime import timedelta
from functools import wraps
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import gradio as gr

from conversations.export import file_name, to_markdown
from conversations.model import Conversation
from conversations.store import ConversationStore, utc_now
from core.errors import AccessError, NewsdeskError
from core.settings import ShareSettings
from core.types import Answer
from ui.errors import debug_enabled
from ui.render import EMPTY_PANEL, answer_markdown, escape_markdown, sources_html, table_html
from ui.users import Access

P = ParamSpec("P")
R = TypeVar("R")
Session = dict[str, Any]
EXPIRY = [("Never expires", 0), ("Expires in 1 day", 1), ("Expires in 7 days", 7), ("Expires in 30 days", 30)]
_BROWSER_ID = re.compile(r"[A-Za-z0-9_-]{32}")
NO_LINKS = '<div class="nd-empty">Links you share appear here.</div>'


def user_errors(func: Any) -> Any:
    """Domain errors become a gr.Error message; NEWSDESK_DEBUG=1 shows the traceback instead. `wraps` keeps the
    signature, which Gradio reads to pass gr.Request and event data."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except NewsdeskError as exc:
            if debug_enabled():
                raise
            raise gr.Error(str(exc)) from None

    return wrapper


def messages(conversation: Conversation | None) -> list[dict]:
    """The chat messages of a saved conversation, rendered as the chat rendered them when they were asked."""
    from ui.web_chat import notes_markdown

    out: list[dict] = []
    for turn in conversation.history if conversation else []:
        # Escaped: a conversation continued from someone else's link brings their questions along.
        out += [{"role": "user", "content": escape_markdown(turn.question)},
                {"role": "assistant", "content": answer_markdown(turn.answer) + notes_markdown(turn.answer)}]
    return out


class ConversationsView:
    def __init__(self, store: ConversationStore, access: Access, share: ShareSettings | None = None) -> None:
        self.store = store
        self.access = access
        self.base_url = (share or ShareSettings()).base_url.rstrip("/")
        self._exports: Path | None = None

    # --- who and what is open

    def identify(self, request: gr.Request | None, session: Session | None) -> tuple[str, Session]:
        """The owner of this request's conversations, and the session (a browser id made when there is none)."""
        session = dict(session or {})
        if self.access.enabled:
            name = getattr(request, "username", None)
            if not name:
                raise AccessError("log in first: this newsdesk chat has users")
            return f"user:{name}", session
        browser = session.get("browser")
        if not isinstance(browser, str) or not _BROWSER_ID.fullmatch(browser):
            browser = session["browser"] = secrets.token_urlsafe(24)
        return f"browser:{browser}", session

    def opened(self, owner: str, session: Session) -> Conversation | None:
        return self.store.find(session.get("open"), owner)

    def record(self, owner: str, session: Session, question: str, answer: Answer) -> Session:
        """Save an answered question into the open conversation (a new one when none is open)."""
        conversation_id, _ = self.store.add_turn(owner, session.get("open"), question, answer)
        return {**session, "open": conversation_id}

    # --- what the page shows

    def choices(self, owner: str) -> list[tuple[str, str]]:
        return [(c.title, c.id) for c in self.store.conversations(owner)]

    def export_path(self, conversation: Conversation | None) -> str | None:
        """The open conversation as a Markdown file for the Download button (in the temp dir Gradio serves from)."""
        if conversation is None or not conversation.history:
            return None
        if self._exports is None:
            self._exports = Path(tempfile.mkdtemp(prefix="newsdesk-exports-"))
        folder = self._exports / conversation.id
        shutil.rmtree(folder, ignore_errors=True)  # an older title's file must not pile up
        folder.mkdir(parents=True)
        path = folder / file_name(conversation, "md")
        path.write_text(to_markdown(conversation, utc_now()), encoding="utf-8")
        return str(path)

    def show(self, owner: str, session: Session, conversation: Conversation | None) -> tuple:
        """Outputs OPEN: session, list, chat, sources panel, title, download, share link."""
        session = {**session, "open": conversation.id if conversation else None}
        last = conversation.history[-1].answer if conversation and conversation.history else None
        path = self.export_path(conversation)
        return (session, gr.update(choices=self.choices(owner), value=conversation.id if conversation else None),
                messages(conversation), sources_html(last) if last else EMPTY_PANEL,
                gr.update(value=conversation.title if conversation else "", interactive=conversation is not None),
                gr.update(value=path, interactive=path is not None), gr.update(value="", visible=False))

    def links(self, owner: str) -> tuple[str, Any]:
        """Outputs LINKS: the table of my shared links and the picker of the ones that can be revoked."""
        now = utc_now()
        links = self.store.links(owner)
        if not links:
            return NO_LINKS, gr.update(choices=[], value=None)
        rows = [(link.title, f"/share/{link.token}", link.created[:16].replace("T", " "),
                 (link.expires or "never")[:16].replace("T", " "), link.state(now)) for link in links]
        active = [(f"{link.title} · {link.created[:16].replace('T', ' ')}", link.token) for link in links
                  if link.state(now) == "active"]
        table = table_html(["conversation", "link", "shared (UTC)", "expires", "state"], rows,
                           css_class="nd-table nd-links")
        return f'<div id="nd-links-table">{table}</div>', gr.update(choices=active, value=None)

    def whoami(self, request: gr.Request) -> str:
        name = getattr(request, "username", None)
        if not self.access.enabled or not name:
            return ""
        return f"Signed in as **{escape_markdown(name)}** ({self.access.role(name)}) · [Log out](logout)"

    def share_url(self, request: gr.Request | None, token: str) -> str:
        return f"{self.base_url or self._root(request)}/share/{token}"

    @staticmethod
    def _root(request: gr.Request | None) -> str:
        """The address the browser used (proxy headers included), as Gradio works out its own root URL."""
        from gradio.route_utils import get_root_url

        raw = getattr(request, "request", None)
        if raw is None:
            return ""
        try:
            return get_root_url(request=raw, route_path=raw.url.path, root_path=raw.scope.get("root_path") or None)
        except Exception:  # an odd proxy header: a relative link still works on the page
            return ""

    # --- handlers (Gradio passes the request; each returns its outputs)

    @user_errors
    def load(self, session: Session | None, request: gr.Request) -> tuple:
        """On page load: reopen the open conversation, or a shared one to continue (`/?continue=<token>`)."""
        owner, session = self.identify(request, session)
        conversation = None
        token = (getattr(request, "query_params", None) or {}).get("continue")
        if token:
            conversation = self.store.continue_shared(owner, token)
            if conversation is None:
                gr.Warning("That shared conversation is no longer shared.")
        conversation = conversation or self.opened(owner, session)
        return (*self.show(owner, session, conversation), *self.links(owner), self.whoami(request))

    @user_errors
    def open(self, conversation_id: str | None, session: Session | None, request: gr.Request) -> tuple:
        owner, session = self.identify(request, session)
        conversation = self.store.find(conversation_id, owner)
        if conversation_id and conversation is None:
            gr.Warning("That conversation was deleted.")
        return self.show(owner, session, conversation)

    @user_errors
    def new(self, session: Session | None, request: gr.Request) -> tuple:
        owner, session = self.identify(request, session)
        return self.show(owner, session, None)

    @user_errors
    def rename(self, title: str, session: Session | None, request: gr.Request) -> tuple:
        owner, session = self.identify(request, session)
        conversation = self.opened(owner, session)
        if conversation is None:
            raise gr.Error("Open a conversation to rename it.")
        self.store.rename(owner, conversation.id, title)
        return self.show(owner, session, self.opened(owner, session))

    @user_errors
    def delete(self, session: Session | None, request: gr.Request) -> tuple:
        owner, session = self.identify(request, session)
        conversation = self.opened(owner, session)
        if conversation is not None:
            self.store.delete(owner, conversation.id)
        return (*self.show(owner, session, None), *self.links(owner))

    @user_errors
    def share(self, days: int | None, session: Session | None, request: gr.Request) -> tuple:
        owner, session = self.identify(request, session)
        conversation = self.opened(owner, session)
        if conversation is None:
            raise gr.Error("Ask a question first: Share shares the open conversation.")
        link = self.store.share(owner, conversation.id, timedelta(days=int(days)) if days else None)
        url = self.share_url(request, link.token)
        return (gr.update(value=url, visible=True), *self.links(owner))

    @user_errors
    def revoke(self, token: str | None, session: Session | None, request: gr.Request) -> tuple:
        owner, session = self.identify(request, session)
        if not token:
            raise gr.Error("Pick one of your shared links to revoke.")
        self.store.revoke(owner, token)
        return self.links(owner)

    @user_errors
    def refresh(self, session: Session | None, request: gr.Request) -> tuple:
        """After an answer: the list (a new conversation, a new order), the title and the download."""
        owner, session = self.identify(request, session)
        conversation = self.opened(owner, session)
        path = self.export_path(conversation)
        return (gr.update(choices=self.choices(owner), value=conversation.id if conversation else None),
                gr.update(value=conversation.title if conversation else "", interactive=conversation is not None),
                gr.update(value=path, interactive=path is not None))

    @user_errors
    def sources_of(self, session: Session | None, event: gr.SelectData, request: gr.Request) -> str:
        """A clicked message's answer's sources in the panel (a reloaded or earlier answer, not only the last)."""
        owner, session = self.identify(request, session)
        conversation = self.opened(owner, session)
        index = event.index[0] if isinstance(event.index, (list, tuple)) else event.index
        turn = int(index or 0) // 2
        if conversation is None or not 0 <= turn < len(conversation.history):
            return gr.skip()
        return sources_html(conversation.history[turn].answer)
