"""The Gradio web chat: a thin edge over `qa.Desk`. Built by a function, launched only from the CLI."""

from __future__ import annotations

import os
import sys
from typing import Any

import gradio as gr
from pydantic import ValidationError

from conversations.store import ConversationStore
from core.errors import ConfigError, NewsdeskError
from core.types import Filters
from qa.chain import Turn
from qa.desk import Desk
from ui.share_page import add_share_routes
from ui.users import Access, parse_auth
from ui.web_add import add_urls, build_add_tab
from ui.web_chat import build_chat_tab, chat, example_questions, parse_filters
from ui.web_conversations import ConversationsView, user_errors
from ui.web_desk import WebDesk
from ui.web_index import build_index_tab, index_view, source_names

__all__ = ["CSS", "build_app", "chat", "check_share", "example_questions", "launch", "parse_auth", "start"]

CSS = """
.nd-header h1 { font-family: Georgia, 'Times New Roman', serif; font-size: 2em; margin: 0; letter-spacing: -0.5px; }
.nd-header p { color: var(--body-text-color-subdued); margin: 2px 0 0 0; }
#nd-sources { max-height: 640px; overflow-y: auto; }
.nd-empty { color: var(--body-text-color-subdued); font-style: italic; padding: 8px 2px; }
.nd-heading { font-size: 0.8em; text-transform: uppercase; letter-spacing: 0.06em;
  color: var(--body-text-color-subdued); margin: 4px 0 8px 0; }
.nd-source, .nd-passage { border: 1px solid var(--border-color-primary); border-left: 4px solid #c0392b;
  border-radius: 6px; padding: 10px 12px; margin-bottom: 10px; background: var(--background-fill-primary); }
.nd-passage { border-left-color: var(--border-color-primary); }
.nd-head { display: flex; gap: 10px; align-items: flex-start; }
.nd-badges { display: flex; gap: 4px; }
.nd-n { display: inline-block; min-width: 1.6em; text-align: center; border-radius: 999px; background: #c0392b;
  color: white; font-weight: 600; font-size: 0.85em; padding: 1px 6px; }
.nd-title { font-weight: 600; line-height: 1.3; }
.nd-title a { color: inherit; text-decoration: underline; text-decoration-color: #c0392b; }
.nd-meta { color: var(--body-text-color-subdued); font-size: 0.85em; margin-top: 2px; }
.nd-passage-text { font-size: 0.92em; line-height: 1.5; margin: 8px 0 0 0; }
.nd-passage-text mark { background: #fff1a8; color: #111; padding: 0 2px; border-radius: 2px; }
.nd-others summary { cursor: pointer; color: var(--body-text-color-subdued); margin: 6px 0; }
.nd-stats { display: flex; flex-wrap: wrap; gap: 12px; margin: 4px 0 12px 0; }
.nd-stat { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 10px 16px; min-width: 120px; }
.nd-stat-value { font-size: 1.4em; font-weight: 600; }
.nd-stat-label { color: var(--body-text-color-subdued); font-size: 0.85em; }
table.nd-table { border-collapse: collapse; width: 100%; font-size: 0.92em; border: none; }
table.nd-table th, table.nd-table td { border: none; border-bottom: 1px solid var(--border-color-primary);
  padding: 5px 10px; text-align: left; }
table.nd-table th { font-weight: 600; color: var(--body-text-color-subdued); }
.nd-source:has(.nd-anchor:target) { box-shadow: 0 0 0 2px #c0392b; }
.nd-results tr.nd-added td:nth-child(3) { color: #1e8449; font-weight: 600; }
.nd-results tr.nd-updated td:nth-child(3) { color: #1f618d; font-weight: 600; }
.nd-results tr.nd-failed td:nth-child(3) { color: #c0392b; font-weight: 600; }
#nd-conversations { max-height: 420px; overflow-y: auto; }
#nd-conversations label { width: 100%; }
#nd-links-table td:nth-child(2) { font-family: monospace; font-size: 0.8em; word-break: break-all; }
"""
_INTRO = ("Ask about the {articles:,} indexed articles. Every sentence of an answer cites its passage [n]; "
          "when the articles do not say, newsdesk says so.")


def _header(status: dict[str, Any]) -> str:
    return f"# newsdesk\n{_INTRO.format(articles=status['articles'])}"


def ask_api(desk: Desk | WebDesk, question: str, history: list[dict] | None = None,
            filters: dict | None = None) -> dict:
    """The /ask endpoint: the `newsdesk ask --json` object for `question`."""
    try:
        turns = _turns(history or [])
        wanted = Filters(**(filters or {}))
    except (ValidationError, TypeError) as exc:
        raise gr.Error(f"bad history or filters: {exc}; history is [{{question, answer}}], filters is "
                       "{since, until, sources}") from None
    checked = parse_filters(wanted.since, wanted.until, wanted.sources)
    try:
        return desk.ask(question, history=turns, filters=checked).to_json()
    except NewsdeskError as exc:
        raise gr.Error(str(exc)) from None


def _turns(history: list[dict]) -> list[Turn]:
    """{question, answer} turns, or a chat message list ({role, content}) paired up into turns."""
    if history and "role" in history[0]:
        turns: list[Turn] = []
        for message in history:
            if message.get("role") == "user":
                turns.append(Turn(question=str(message.get("content") or "")))
            elif turns and message.get("role") == "assistant":
                turns[-1].answer = str(message.get("content") or "")
        return turns
    return [Turn(**{k: v for k, v in t.items() if k in Turn.model_fields}) for t in history]


def build_app(desk: Desk | WebDesk, access: Access | None = None, store: ConversationStore | None = None) -> gr.Blocks:
    """The chat for `access`'s users (everyone an editor when it has none), saving conversations in `store`."""
    desk = desk if isinstance(desk, WebDesk) else WebDesk(desk)
    access = access or Access()
    view = ConversationsView(store or ConversationStore.from_settings(desk.settings), access, desk.settings.share)
    status = desk.status()
    with gr.Blocks(title="newsdesk") as app:
        header = gr.Markdown(_header(status), elem_classes=["nd-header"])
        with gr.Tabs():
            with gr.Tab("Chat", id="chat"):
                chat_tab = build_chat_tab(desk, source_names(status), view)
            with gr.Tab("Add articles", id="add") as add_tab:
                ingested = build_add_tab(desk, access)
            with gr.Tab("Index", id="index") as index_tab:
                index_outputs, _ = build_index_tab(desk)

        def refresh() -> tuple:
            current = desk.status()
            return (_header(current), gr.update(choices=source_names(current)), *index_view(desk))

        everything = [header, chat_tab.sources, *index_outputs]
        app.load(refresh, None, everything, api_visibility="private")
        app.load(view.load, chat_tab.load_outputs[:1], chat_tab.load_outputs, api_visibility="private")
        def for_editors(request: gr.Request) -> dict:
            # Hidden from viewers; its handlers refuse them on their own (a hidden tab is not a locked one).
            return gr.update(visible=access.role(request.username) == "editor")

        app.load(for_editors, None, add_tab, api_visibility="private")
        ingested.then(refresh, None, everything, api_visibility="private")
        index_tab.select(lambda: index_view(desk), None, index_outputs, api_visibility="private")

        def ask(question: str, history: list[dict] | None = None, filters: dict | None = None) -> dict:
            """Answer `question` from the indexed articles.

            Args:
                question: the question.
                history: earlier turns, [{"question", "answer"}] (or chat messages [{"role", "content"}]).
                filters: {"since": "YYYY-MM-DD", "until": "YYYY-MM-DD", "sources": ["CNN"]}, all optional.
            """
            return ask_api(desk, question, history, filters)

        @user_errors
        def add(urls: list[str], request: gr.Request) -> dict:
            """Add articles or RSS/Atom feeds by URL (editors only); one result per article.

            Args:
                urls: http(s) URLs of article pages or feeds.
            """
            access.require_editor(request.username, "add articles")
            return add_urls(desk, urls)

        gr.api(ask, api_name="ask")
        gr.api(add, api_name="add")
    return app


def check_share(share: bool, auth: str, public: bool, users: str = "") -> tuple[str, str] | None:
    """The --auth credentials, or None; sharing without a login is refused unless `public` is explicit."""
    if share and not auth and not users and not public:
        raise ConfigError("--share publishes the chat on a public link: pass --auth USER:PASS or --users FILE (or "
                          "set NEWSDESK_AUTH / NEWSDESK_USERS), or --public to share without a password")
    return parse_auth(auth) if auth else None


def open_share_link(app: gr.Blocks) -> str | None:
    """Ask Gradio's share server for a tunnel to the running app; None (and one line on stderr) when it fails."""
    from gradio import networking

    try:
        url = networking.setup_tunnel(local_host=app.server_name, local_port=app.server_port,
                                      share_token=app.share_token, share_server_address=None,
                                      share_server_tls_certificate=None)
    except Exception as exc:  # no internet, blocked tunnel binary, share server down: all mean "local only"
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        print(f"share link unavailable ({reason}); still serving locally at {app.local_url}", file=sys.stderr)
        return None
    app.share_url = url
    print(f"* Running on public URL: {url}", file=sys.stderr)
    return url


def start(desk: Desk | WebDesk, host: str, port: int, access: Access | None = None,
          store: ConversationStore | None = None, public_links: bool | None = None, quiet: bool = False) -> gr.Blocks:
    """Build and serve the app without blocking (the shared-conversation pages included); `launch` waits on it."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    access = access or Access()
    store = store or ConversationStore.from_settings(desk.settings)
    public_links = desk.settings.share.public_links if public_links is None else public_links
    app = build_app(desk, access, store)
    try:
        # share=False here: Gradio's own share failure prints a multi-line download recipe; ours is one line.
        app.queue(default_concurrency_limit=4).launch(
            server_name=host, server_port=port, share=False, auth=access.check if access.enabled else None,
            css=CSS, footer_links=["api"], show_error=True, prevent_thread_lock=True, quiet=quiet,
            theme=gr.themes.Default(primary_hue="red"),
            auth_message="This newsdesk chat needs the user and password it was started with.",
        )
    except OSError as exc:
        raise ConfigError(f"cannot serve on {host}:{port} ({exc}); pass --port with a free port") from None
    add_share_routes(app.server_app, store, access, public_links)
    return app


def launch(desk: Desk, host: str, port: int, share: bool = False, auth: str = "", public: bool = False,
           users: str = "", public_links: bool | None = None) -> None:
    """Serve until interrupted. `share` without a login (auth or users) is refused unless `public` is explicit."""
    check_share(share, auth, public, users)
    app = start(desk, host, port, access=Access.from_options(auth, users), public_links=public_links)
    if share:
        open_share_link(app)
    app.block_thread()
