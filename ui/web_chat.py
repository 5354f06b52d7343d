"""The chat tab: one generator per question that streams the answer and fills the sources panel."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from itertools import islice
from typing import Any

import gradio as gr

from core.errors import NewsdeskError
from core.types import Answer, Filters
from qa.chain import Turn
from qa.desk import Desk
from ui.errors import debug_enabled
from ui.render import EMPTY_PANEL, answer_markdown, escape_markdown, sources_html
from ui.web_desk import WebDesk

_SPEAKER = re.compile(
    r"((?:[A-Z][\w\u2019'-]+\s+)*(?:(?:Le|La|De|de|Van|van|von|Al|al)\s+)?[A-Z][\w\u2019'-]+)"
    r"(?:,[^,]{0,60},)?\s+(?:said|says|told|welcomed|warned|added)\b"
)
_PARTICLES = {"le", "la", "de", "van", "von", "al"}
# Sentence starters and groups that "say" things but are not people one can ask about.
_NOT_NAMES = {"He", "She", "They", "It", "The", "We", "I", "This", "That", "Officials", "Police", "Organisers",
              "Organizers", "Authorities", "Analysts", "Experts", "Critics", "Residents", "Witnesses", "Sources",
              "Investigators", "Prosecutors", "Researchers", "Scientists", "Doctors", "Lawmakers", "Democrats",
              "Republicans", "Spokesperson", "Spokesman", "Spokeswoman", "Reuters", "AP"}
_THINKING = "*Searching the indexed articles…*"
_FILTERS_LABEL = "Filters (apply to the next question)"


def filters_label(since: str | None, until: str | None, sources: list[str] | None) -> str:
    """The filters accordion's title, saying how many are set so a closed accordion does not hide them."""
    active = sum(1 for v in (since, until) if str(v or "").strip()) + (1 if sources else 0)
    return f"Filters: {active} active (apply to the next question)" if active else _FILTERS_LABEL


def example_questions(desk: Desk | WebDesk, limit: int = 4) -> list[str]:
    """'What did X say?' for the people quoted most often in the indexed articles."""
    if isinstance(desk, WebDesk):
        texts = desk.example_chunks(500)
    else:
        texts = [c.text for c in islice(desk.handle.store.iter_chunks(), 500)]
    names: Counter[str] = Counter()
    for text in texts:
        for match in _SPEAKER.finditer(text):
            words = match.group(1).split()
            keep = words[-2:] if len(words) >= 2 and words[-2].lower() in _PARTICLES else words[-1:]
            if keep[0] not in _NOT_NAMES:
                names[" ".join(keep)] += 1
    return [f"What did {name} say?" for name, _ in names.most_common(limit)]


def parse_filters(since: str | None, until: str | None, sources: list[str] | None) -> Filters:
    """Filters from the UI fields; a bad date is a message for the user, not a traceback."""
    from index.dates import iso_date

    out = Filters(sources=[s for s in (sources or []) if s])
    for name, value in (("since", since), ("until", until)):
        value = str(value or "").strip()
        if value:
            iso = iso_date(value[:10])
            if iso is None:
                raise gr.Error(f"{name} {value!r} is not a date: use YYYY-MM-DD")
            setattr(out, name, iso)
    if out.since and out.until and out.since > out.until:
        raise gr.Error(f"since {out.since} is after until {out.until}: swap them")
    return out


def notes_markdown(answer: Answer) -> str:
    """What the answer was limited to (the filters picked and those read from the question), in small print."""
    return "".join(f"\n\n*{escape_markdown(note)}*" for note in answer.notes)


def answer_events(desk: Desk | WebDesk, question: str, turns: list[Turn], filters: Filters) -> Iterator[str | Answer]:
    """Text pieces as the answerer writes them, then the checked Answer (which replaces the draft)."""
    stream = getattr(desk, "stream", None)
    if stream is None:
        yield desk.ask(question, history=turns, filters=filters)
        return
    yield from stream(question, history=turns, filters=filters)


def chat(desk: Desk | WebDesk, message: str, chat_history: list[dict], turns: list[Turn],
         filters: Filters | None = None) -> Iterator[tuple[list[dict], str, list[Turn]]]:
    """One chat turn: yields the growing message list, the sources panel and the session's turns."""
    message = (message or "").strip()
    if not message:
        yield chat_history, EMPTY_PANEL, turns
        return
    asked = [*chat_history, {"role": "user", "content": message}]

    def reply(text: str) -> list[dict]:
        return [*asked, {"role": "assistant", "content": text}]

    yield reply(_THINKING), EMPTY_PANEL, turns
    answer: Answer | None = None
    draft = ""
    try:
        for event in answer_events(desk, message, turns, filters or Filters()):
            if isinstance(event, Answer):
                answer = event
                break
            # The draft is shown as plain text: its markers become links once the checked answer replaces it.
            draft += event
            yield reply(escape_markdown(draft) + " ▍"), EMPTY_PANEL, turns
    except NewsdeskError as exc:
        # The placeholder must not stay "searching" forever: the message says what failed, then the error rises.
        yield reply(f"⚠️ **No answer**: {escape_markdown(str(exc))}"), EMPTY_PANEL, turns
        raise
    assert answer is not None, "the answer stream must end with an Answer"
    cited = list(dict.fromkeys(c.article_id for c in answer.citations))
    new_turns = [*turns, Turn(question=message, answer=answer.answer, cited_articles=cited)]
    yield reply(answer_markdown(answer) + notes_markdown(answer)), sources_html(answer), new_turns


def guarded(func):  # noqa: ANN001, ANN201 - wraps a Gradio generator handler
    """Domain errors become a gr.Error message; NEWSDESK_DEBUG=1 shows the traceback instead."""

    def wrapper(*args: Any, **kwargs: Any) -> Iterator[Any]:
        try:
            yield from func(*args, **kwargs)
        except NewsdeskError as exc:
            if debug_enabled():
                raise
            raise gr.Error(str(exc)) from None

    wrapper.__name__ = func.__name__
    return wrapper


def build_chat_tab(desk: WebDesk, source_names: list[str]) -> gr.Dropdown:
    """The chat, its filters and the sources panel. Returns the sources picker so other tabs can refresh it."""
    turns = gr.State([])
    with gr.Row(equal_height=False):
        with gr.Column(scale=3, min_width=420):
            chatbot = gr.Chatbot(label="Chat", height=520, elem_id="nd-chat", show_label=False, buttons=["copy"],
                                 feedback_options=None, placeholder="Ask a question about the indexed articles.")
            with gr.Row(equal_height=True):
                box = gr.Textbox(show_label=False, placeholder="Ask a question, e.g. What did Le Drian say?",
                                 elem_id="nd-question", scale=5, autofocus=True, submit_btn=False)
                send = gr.Button("Ask", variant="primary", elem_id="nd-ask", scale=1, min_width=80)
                clear = gr.Button("Clear", elem_id="nd-clear", scale=1, min_width=80)
            examples = example_questions(desk)
            if examples:
                gr.Examples(examples=[[q] for q in examples], inputs=[box], label="Try")
            with gr.Accordion(_FILTERS_LABEL, open=False, elem_id="nd-filters") as accordion:
                with gr.Row():
                    since = gr.DateTime(label="Published since", include_time=False, type="string",
                                        elem_id="nd-since")
                    until = gr.DateTime(label="Published until", include_time=False, type="string",
                                        elem_id="nd-until")
                sources = gr.Dropdown(choices=source_names, multiselect=True, label="Sources (none = all)",
                                      elem_id="nd-source-filter")
        with gr.Column(scale=2, min_width=320):
            gr.Markdown("### Sources", elem_classes=["nd-panel-title"])
            panel = gr.HTML(EMPTY_PANEL, elem_id="nd-sources", js_on_load=None)

    @guarded
    def respond(message: str, chat_history: list[dict], session_turns: list[Turn], since_v: str | None,
                until_v: str | None, sources_v: list[str] | None) -> Iterator[tuple]:
        filters = parse_filters(since_v, until_v, sources_v)
        for hist, html_panel, new_turns in chat(desk, message, chat_history or [], session_turns or [], filters):
            yield hist, html_panel, new_turns, ""

    for field in (since, until, sources):
        field.change(lambda a, b, c: gr.update(label=filters_label(a, b, c)), [since, until, sources], accordion,
                     api_visibility="private", queue=False)
    inputs = [box, chatbot, turns, since, until, sources]
    outputs = [chatbot, panel, turns, box]
    box.submit(respond, inputs, outputs, api_visibility="private")
    send.click(respond, inputs, outputs, api_visibility="private")
    clear.click(lambda: ([], EMPTY_PANEL, [], ""), None, [chatbot, panel, turns, box], api_visibility="private")
    # The chatbot's own trash button must forget the conversation too, or follow-ups would still lean on it.
    chatbot.clear(lambda: ([], EMPTY_PANEL), None, [turns, panel], api_visibility="private")
    return sources
