"""The chat tab: one generator per question that streams the answer and fills the sources panel."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from functools import wraps
from itertools import islice
from typing import Any

import gradio as gr

from core.errors import NewsdeskError
from core.types import Answer, Filters
from qa.chain import Turn
from qa.desk import Desk
from ui.errors import debug_enabled
from ui.render import EMPTY_PANEL, answer_markdown, escape_markdown, sources_html
from ui.web_conversations import ConversationsView
from ui.web_desk import WebDesk
from ui.web_sidebar import after_answer, build_share_row, build_sidebar, wire

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


def chat_steps(desk: Desk | WebDesk, message: str, chat_history: list[dict], turns: list[Turn],
               filters: Filters | None = None) -> Iterator[tuple[list[dict], str, list[Turn], Answer | None]]:
    """One chat turn: yields the growing message list, the sources panel, the session's turns, and (last) the
    checked Answer, which the caller may save."""
    message = (message or "").strip()
    if not message:
        yield chat_history, EMPTY_PANEL, turns, None
        return
    asked = [*chat_history, {"role": "user", "content": message}]

    def reply(text: str) -> list[dict]:
        return [*asked, {"role": "assistant", "content": text}]

    yield reply(_THINKING), EMPTY_PANEL, turns, None
    answer: Answer | None = None
    draft = ""
    try:
        for event in answer_events(desk, message, turns, filters or Filters()):
            if isinstance(event, Answer):
                answer = event
                break
            # The draft is shown as plain text: its markers become links once the checked answer replaces it.
            draft += event
            yield reply(escape_markdown(draft) + " ▍"), EMPTY_PANEL, turns, None
    except NewsdeskError as exc:
        # The placeholder must not stay "searching" forever: the message says what failed, then the error rises.
        yield reply(f"⚠️ **No answer**: {escape_markdown(str(exc))}"), EMPTY_PANEL, turns, None
        raise
    assert answer is not None, "the answer stream must end with an Answer"
    cited = list(dict.fromkeys(c.article_id for c in answer.citations))
    new_turns = [*turns, Turn(question=message, answer=answer.answer, cited_articles=cited)]
    yield reply(answer_markdown(answer) + notes_markdown(answer)), sources_html(answer), new_turns, answer


def chat(desk: Desk | WebDesk, message: str, chat_history: list[dict], turns: list[Turn],
         filters: Filters | None = None) -> Iterator[tuple[list[dict], str, list[Turn]]]:
    """One chat turn: yields the growing message list, the sources panel and the session's turns."""
    for history, panel, new_turns, _ in chat_steps(desk, message, chat_history, turns, filters):
        yield history, panel, new_turns


def guarded(func):  # noqa: ANN001, ANN201 - wraps a Gradio generator handler
    """Domain errors become a gr.Error message; NEWSDESK_DEBUG=1 shows the traceback instead."""

    # `wraps` keeps the signature, which Gradio reads to pass the gr.Request.
    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Iterator[Any]:
        try:
            yield from func(*args, **kwargs)
        except NewsdeskError as exc:
            if debug_enabled():
                raise
            raise gr.Error(str(exc)) from None

    return wrapper


@dataclass
class ChatTab:
    sources: gr.Dropdown  # the sources filter, which other tabs refresh
    load_outputs: list  # what `ConversationsView.load` fills when the page loads


def build_chat_tab(desk: WebDesk, source_names: list[str], view: ConversationsView) -> ChatTab:
    """The saved conversations, the chat, its filters and the sources panel."""
    with gr.Row(equal_height=False):
        with gr.Column(scale=1, min_width=230, elem_id="nd-sidebar"):
            bar = build_sidebar(view)
        with gr.Column(scale=3, min_width=420):
            chatbot = gr.Chatbot(label="Chat", height=520, elem_id="nd-chat", show_label=False, buttons=["copy"],
                                 feedback_options=None, placeholder="Ask a question about the indexed articles.")
            with gr.Row(equal_height=True):
                box = gr.Textbox(show_label=False, placeholder="Ask a question, e.g. What did Le Drian say?",
                                 elem_id="nd-question", scale=5, autofocus=True, submit_btn=False)
                send = gr.Button("Ask", variant="primary", elem_id="nd-ask", scale=1, min_width=80)
            share_row = build_share_row()
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
    def respond(message: str, chat_history: list[dict], session: dict | None, since_v: str | None,
                until_v: str | None, sources_v: list[str] | None, request: gr.Request) -> Iterator[tuple]:
        filters = parse_filters(since_v, until_v, sources_v)
        owner, session = view.identify(request, session)
        opened = view.opened(owner, session)
        # Follow-ups lean on the saved conversation (as it was before a reload, too), not on what the page holds.
        turns = opened.follow_up_turns() if opened else []
        shown = (chat_history or []) if opened else []
        for hist, html_panel, _, answer in chat_steps(desk, message, shown, turns, filters):
            if answer is not None:  # saved before it is shown: a reload can never lose an answer it displayed
                session = view.record(owner, session, message.strip(), answer)
                yield hist, html_panel, "", session
            else:
                yield hist, html_panel, "", gr.skip()

    for field in (since, until, sources):
        field.change(lambda a, b, c: gr.update(label=filters_label(a, b, c)), [since, until, sources], accordion,
                     api_visibility="private", queue=False)
    inputs = [box, chatbot, bar.session, since, until, sources]
    outputs = [chatbot, panel, box, bar.session]
    for trigger in (box.submit, send.click):
        after_answer(view, bar, share_row, trigger(respond, inputs, outputs, api_visibility="private"))
    return ChatTab(sources=sources, load_outputs=wire(view, bar, share_row, chatbot, panel))
