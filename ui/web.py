"""The Gradio web chat: a thin edge over `qa.Desk`. Built by a function, launched only from the CLI."""

from __future__ import annotations

import os
import re
import sys
from collections import Counter
from collections.abc import Iterator
from typing import Any

import gradio as gr

from core.errors import ConfigError, NewsdeskError
from core.types import Answer, Filters
from qa.chain import Turn
from qa.desk import Desk
from ui.errors import debug_enabled
from ui.render import answer_markdown, sources_html

CSS = """
.nd-sources mark { background: #fff3a3; padding: 0 2px; }
.nd-source { margin-bottom: 0.8em; }
.nd-meta { color: #666; font-size: 0.9em; }
.nd-n { font-weight: bold; }
"""
_SPEAKER = re.compile(
    r"((?:[A-Z][\w\u2019'-]+\s+)*(?:(?:Le|La|De|de|Van|van|von|Al|al)\s+)?[A-Z][\w\u2019'-]+)"
    r"(?:,[^,]{0,60},)?\s+(?:said|says|told|welcomed|warned|added)\b"
)
_PARTICLES = {"le", "la", "de", "van", "von", "al"}


def example_questions(desk: Desk, limit: int = 4) -> list[str]:
    """'What did X say?' for the people quoted most often in the indexed articles."""
    names: Counter[str] = Counter()
    for i, chunk in enumerate(desk.handle.store.iter_chunks()):
        if i >= 500:
            break
        for match in _SPEAKER.finditer(chunk.text):
            words = match.group(1).split()
            keep = words[-2:] if len(words) >= 2 and words[-2].lower() in _PARTICLES else words[-1:]
            if keep[0] not in {"He", "She", "They", "It", "The", "Officials", "Police"}:
                names[" ".join(keep)] += 1
    return [f"What did {name} say?" for name, _ in names.most_common(limit)]


def _filters(since: str | None, until: str | None, sources: list[str] | None) -> Filters:
    from index.dates import iso_date

    out = Filters(sources=list(sources or []))
    for name, value in (("since", since), ("until", until)):
        if value and value.strip():
            iso = iso_date(value.strip())
            if iso is None:
                raise gr.Error(f"{name} {value!r} is not a date: use YYYY-MM-DD")
            setattr(out, name, iso)
    return out


def _guard(func):  # noqa: ANN001, ANN202 - wraps a Gradio handler
    """Domain errors become a gr.Error message; NEWSDESK_DEBUG=1 shows the traceback instead."""

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            result = func(*args, **kwargs)
            if isinstance(result, Iterator):
                yield from result
            else:
                yield result
        except NewsdeskError as exc:
            if debug_enabled():
                raise
            raise gr.Error(str(exc)) from None

    wrapper.__name__ = func.__name__
    return wrapper


def chat(desk: Desk, message: str, chat_history: list[dict], turns: list[Turn],
         filters: Filters | None = None) -> Iterator[tuple[list[dict], str, list[Turn]]]:
    """One chat turn: yields the growing message list, the sources panel and the session's turns."""
    message = (message or "").strip()
    if not message:
        yield chat_history, sources_html(None), turns
        return
    history = [*chat_history, {"role": "user", "content": message}, {"role": "assistant", "content": ""}]
    answer: Answer = desk.ask(message, history=turns, filters=filters)
    text = answer_markdown(answer)
    # The extractive answer is ready at once; streaming it word by word keeps one UI path for LLM answerers.
    words = text.split(" ")
    step = max(1, len(words) // 12)
    for i in range(step, len(words), step):
        history[-1]["content"] = " ".join(words[:i])
        yield history, sources_html(None), turns
    history[-1]["content"] = text
    cited = list(dict.fromkeys(c.article_id for c in answer.citations))
    new_turns = [*turns, Turn(question=message, answer=answer.answer, cited_articles=cited)]
    yield history, sources_html(answer), new_turns


def build_app(desk: Desk) -> gr.Blocks:
    status = desk.status()
    with gr.Blocks(title="newsdesk") as app:
        gr.Markdown(f"## newsdesk\nAsk about the {status['articles']} indexed articles. "
                    "Every sentence of an answer cites its passage; if the articles do not say, newsdesk says so.")
        turns = gr.State([])
        with gr.Row():
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(label="Chat", height=480, elem_id="nd-chat")
                box = gr.Textbox(label="Question", placeholder="What did Le Drian say?", elem_id="nd-question")
                with gr.Row():
                    send = gr.Button("Ask", variant="primary", elem_id="nd-ask")
                    clear = gr.Button("Clear chat", elem_id="nd-clear")
                examples = example_questions(desk)
                if examples:
                    gr.Examples(examples=[[q] for q in examples], inputs=[box], label="Examples")
                with gr.Accordion("Filters", open=False):
                    since = gr.Textbox(label="Since (YYYY-MM-DD)")
                    until = gr.Textbox(label="Until (YYYY-MM-DD)")
                    sources = gr.Dropdown(choices=sorted(s for s in status["sources"] if s != "(none)"),
                                          multiselect=True, label="Sources")
            with gr.Column(scale=2):
                panel = gr.HTML(sources_html(None), label="Sources", elem_id="nd-sources")

        @_guard
        def respond(message: str, chat_history: list[dict], session_turns: list[Turn], since_v: str,
                    until_v: str, sources_v: list[str]) -> Iterator[tuple]:
            filters = _filters(since_v, until_v, sources_v)
            for hist, html_panel, new_turns in chat(desk, message, chat_history or [], session_turns or [],
                                                    filters):
                yield hist, html_panel, new_turns, ""

        inputs = [box, chatbot, turns, since, until, sources]
        outputs = [chatbot, panel, turns, box]
        box.submit(respond, inputs, outputs, api_visibility="private")
        send.click(respond, inputs, outputs, api_visibility="private")
        clear.click(lambda: ([], sources_html(None), []), None, [chatbot, panel, turns], api_visibility="private")

        def ask(question: str, history: list[dict] | None = None, since: str | None = None,
                until: str | None = None, sources: list[str] | None = None) -> dict:
            """Answer `question`; `history` is a list of {question, answer} turns. Returns the ask --json object."""
            prior = [Turn(**{k: v for k, v in t.items() if k in Turn.model_fields}) for t in history or []]
            try:
                answer = desk.ask(question, history=prior, filters=_filters(since, until, sources))
            except NewsdeskError as exc:
                raise gr.Error(str(exc)) from None
            return answer.to_json()

        gr.api(ask, api_name="ask")
    return app


def parse_auth(auth: str) -> tuple[str, str]:
    user, sep, password = auth.partition(":")
    if not sep or not user or not password:
        raise ConfigError(f"auth {auth.split(':')[0]!r}:*** is not USER:PASS; pass --auth USER:PASS")
    return user, password


def launch(desk: Desk, host: str, port: int, share: bool = False, auth: str = "", public: bool = False) -> None:
    """Serve until interrupted. `share` without auth is refused unless `public` is explicit."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    if share and not auth and not public:
        raise ConfigError("--share publishes the chat on a public link: pass --auth USER:PASS (or set "
                          "NEWSDESK_AUTH), or --public to share without a password")
    credentials = parse_auth(auth) if auth else None
    app = build_app(desk)
    try:
        app.queue(default_concurrency_limit=4).launch(
            server_name=host, server_port=port, share=share, auth=credentials, css=CSS, footer_links=["api"],
            show_error=True, quiet=False,
        )
    except Exception as exc:
        if not share:
            raise
        # No internet: the share tunnel fails; keep serving locally and say so in one line.
        print(f"share link unavailable ({type(exc).__name__}: {exc}); serving locally only", file=sys.stderr)
        app.launch(server_name=host, server_port=port, auth=credentials, css=CSS, footer_links=["api"])
