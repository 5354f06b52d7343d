"""`/share/<token>`: a shared conversation as a read-only page, served by a FastAPI route beside the Gradio app.

A FastAPI route because Gradio's own pages all need the login when the app has one, and a share link may be
public (`--public-links`); it checks the login itself otherwise. The page has no question box and no script:
its Content-Security-Policy allows none, so even an article that slipped past escaping could not run anything.
An unknown, revoked or expired token gets the very same not-found page, and the login page comes before the
token is looked at, so no answer tells a live token from a dead one.
"""

from __future__ import annotations

import html
import secrets
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse

from conversations.model import Snapshot
from conversations.store import ConversationStore
from ui.render import answer_html, sources_html
from ui.users import Access

_STYLE = """
body { font-family: system-ui, -apple-system, 'Segoe UI', sans-serif; margin: 0; background: #fafafa; color: #1f2328; }
main { max-width: 1200px; margin: 0 auto; padding: 24px 20px 60px 20px; }
header h1 { font-family: Georgia, 'Times New Roman', serif; font-size: 1.9em; margin: 0 0 4px 0; }
.nd-sub { color: #59636e; margin: 0 0 20px 0; font-size: 0.95em; }
.nd-turn { display: grid; grid-template-columns: 3fr 2fr; gap: 20px; border-top: 1px solid #d1d9e0;
  padding: 18px 0; }
.nd-turn h2 { font-size: 1.1em; margin: 0 0 8px 0; }
.nd-answer p { line-height: 1.55; margin: 0 0 8px 0; }
.nd-answer a.nd-marker { color: #c0392b; text-decoration: none; font-weight: 600; font-size: 0.9em; }
.nd-note { color: #59636e; font-style: italic; font-size: 0.9em; }
.nd-heading { font-size: 0.78em; text-transform: uppercase; letter-spacing: 0.06em; color: #59636e; margin: 0 0 8px 0; }
.nd-source, .nd-passage { border: 1px solid #d1d9e0; border-left: 4px solid #c0392b; border-radius: 6px;
  padding: 10px 12px; margin-bottom: 10px; background: white; }
.nd-passage { border-left-color: #d1d9e0; }
.nd-head { display: flex; gap: 10px; }
.nd-n { display: inline-block; min-width: 1.6em; text-align: center; border-radius: 999px; background: #c0392b;
  color: white; font-weight: 600; font-size: 0.85em; padding: 1px 6px; }
.nd-title { font-weight: 600; }
.nd-title a { color: inherit; }
.nd-meta { color: #59636e; font-size: 0.85em; }
.nd-passage-text { font-size: 0.92em; line-height: 1.5; margin: 8px 0 0 0; }
mark { background: #fff1a8; padding: 0 2px; }
.nd-source:has(.nd-anchor:target) { box-shadow: 0 0 0 2px #c0392b; }
.nd-empty { color: #59636e; font-style: italic; }
.nd-continue { display: inline-block; margin-top: 18px; padding: 8px 14px; background: #c0392b; color: white;
  border-radius: 6px; text-decoration: none; font-weight: 600; }
form label { display: block; margin: 10px 0 4px 0; }
form input { padding: 6px 8px; width: 260px; }
form button { margin-top: 12px; padding: 7px 16px; }
@media (max-width: 800px) { .nd-turn { grid-template-columns: 1fr; } }
"""
NOT_FOUND_TEXT = "This shared conversation does not exist, or is no longer shared."


def _page(title: str, body: str, nonce: str) -> str:
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="robots" content="noindex">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{html.escape(title)}</title>'
            f'<style nonce="{nonce}">{_STYLE}</style></head><body><main>{body}</main></body></html>')


def _headers(nonce: str, script: bool = False) -> dict[str, str]:
    scripts = f"script-src 'nonce-{nonce}'; connect-src 'self'; form-action 'self'" if script else \
        "script-src 'none'; form-action 'none'"
    return {
        "Content-Security-Policy": f"default-src 'none'; style-src 'nonce-{nonce}'; img-src 'none'; {scripts}; "
                                   "base-uri 'none'; frame-ancestors 'none'",
        # The token is in the URL: no Referer may carry it to an article's site.
        "Referrer-Policy": "no-referrer",
        "X-Content-Type-Options": "nosniff",
        # A revoked link must stop working at once, not live on in a cache.
        "Cache-Control": "no-store",
        "X-Robots-Tag": "noindex, nofollow",
    }


def snapshot_html(snapshot: Snapshot, continue_link: tuple[str, str] | None) -> str:
    """The page's body: each question, its answer and its sources, as the chat showed them."""
    shared = snapshot.shared_at[:16].replace("T", " ")
    turns = len(snapshot.history)
    out = [f'<header><h1 id="nd-shared-title">{html.escape(snapshot.title)}</h1>'
           f'<p class="nd-sub">Shared from newsdesk on {html.escape(shared)} UTC · {turns} question'
           f'{"s" if turns != 1 else ""} · a read-only snapshot: every answer sentence is quoted from the '
           "article it cites.</p></header>"]
    for i, turn in enumerate(snapshot.history, 1):
        anchor = f"nd-t{i}-source"
        notes = "".join(f'<p class="nd-note">{html.escape(note)}</p>' for note in turn.answer.notes)
        out.append(f'<section class="nd-turn" id="nd-turn-{i}"><div class="nd-answer"><h2>{html.escape(turn.question)}'
                   f"</h2>{answer_html(turn.answer, anchor)}{notes}</div>"
                   f'<div class="nd-sources-col">{sources_html(turn.answer, anchor)}</div></section>')
    if continue_link:
        href, label = continue_link
        out.append(f'<a class="nd-continue" id="nd-continue" href="{html.escape(href, quote=True)}">'
                   f"{html.escape(label)}</a>")
    return "".join(out)


def not_found_response() -> HTMLResponse:
    nonce = secrets.token_urlsafe(16)
    body = f'<h1>Not found</h1><p class="nd-sub" id="nd-not-found">{NOT_FOUND_TEXT}</p>'
    return HTMLResponse(_page("Not found · newsdesk", body, nonce), status_code=404, headers=_headers(nonce))


def login_response() -> HTMLResponse:
    """Gradio's own login form lives on its page, which would not bring the reader back here: this one posts to
    Gradio's /login (which sets its session cookie) and reloads this page."""
    nonce = secrets.token_urlsafe(16)
    body = ('<h1>Log in to read this shared conversation</h1><p class="nd-sub">This newsdesk shares conversations '
            'with its users only.</p><form id="nd-login"><label for="u">User</label><input id="u" name="username" '
            'autocomplete="username" required><label for="p">Password</label><input id="p" name="password" '
            'type="password" autocomplete="current-password" required><br><button type="submit">Log in</button>'
            '<p id="nd-login-error" hidden>Wrong user or password.</p></form>'
            f'<script nonce="{nonce}">document.getElementById("nd-login").addEventListener("submit", async (e) => {{'
            'e.preventDefault(); const r = await fetch("../login", {method: "POST", body: new FormData(e.target)});'
            'if (r.ok) { location.reload(); } else { document.getElementById("nd-login-error").hidden = false; }'
            "});</script>")
    return HTMLResponse(_page("Log in · newsdesk", body, nonce), status_code=401, headers=_headers(nonce, True))


def logged_in_user(app: Any, request: Request) -> str | None:
    """The user of Gradio's session cookie, as Gradio's own /gradio_api/user route reads it (a route, not a
    function one can call)."""
    cookie_id = getattr(app, "cookie_id", None)
    if cookie_id is None:
        return None
    cookies = request.cookies
    token = cookies.get(f"access-token-{cookie_id}") or cookies.get(f"access-token-unsecure-{cookie_id}")
    return getattr(app, "tokens", {}).get(token) if token else None


def add_share_routes(app: FastAPI, store: ConversationStore, access: Access, public_links: bool) -> None:
    """GET /share/<token> on the server Gradio runs (added after launch: no Gradio route matches it)."""

    def shared_page(token: str, request: Request) -> HTMLResponse:
        user = logged_in_user(app, request) if access.enabled else None
        if access.enabled and user is None and not public_links:
            return login_response()
        snapshot = store.shared(token)
        if snapshot is None:
            return not_found_response()
        # Relative to /share/<token>, so a server behind a path prefix keeps it.
        href = f"../?continue={token}"
        if not access.enabled or user is not None:
            link = (href, "Continue as my own conversation")
        else:
            link = (href, "Log in to continue as my own conversation")
        nonce = secrets.token_urlsafe(16)
        return HTMLResponse(_page(f"{snapshot.title} · newsdesk", snapshot_html(snapshot, link), nonce),
                            headers=_headers(nonce))

    # {token:path}: anything under /share/ gets this route's not-found page, a token with a slash added included.
    app.add_api_route("/share/{token:path}", shared_page, methods=["GET"], response_class=HTMLResponse,
                      include_in_schema=False)

