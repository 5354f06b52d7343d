"""A conversation as Markdown for a story draft, or as JSON.

Markdown: each question a heading, its answer with citation numbers that run through the whole conversation
(the same quote of the same article keeps its number), then one numbered source list: title, outlet, date, link
and the quoted sentence. Text from articles is escaped just enough to stay text (no links, images or HTML can
come from it) and stays readable pasted as plain text; only http(s) URLs are written as links.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Literal

from conversations.model import Conversation, Snapshot
from core.types import Answer, Citation
from index.clean import strip_invisible

Format = Literal["md", "json"]
_INLINE = re.compile(r"([\\`\[\]<>])")
_LINE_START = re.compile(r"^([#>+=|-]|\d+[.)])", flags=re.MULTILINE)
_SAFE_URL = re.compile(r"https?://[^\s<>\"'`\\]+", flags=re.IGNORECASE)


def md_text(text: str) -> str:
    """Literal in Markdown: no link, image, HTML or code span; no heading, quote or list where a line starts."""
    text = _INLINE.sub(r"\\\1", strip_invisible(text))
    return _LINE_START.sub(lambda m: "\\" + m.group(1), text)


def md_link(url: str | None) -> str:
    if url and _SAFE_URL.fullmatch(url.strip()):
        return f"<{url.strip()}>"
    return md_text(url) if url else ""


class _Numbering:
    """One citation number per (article, quote) across the conversation, in the order they are first cited."""

    def __init__(self) -> None:
        self.sources: list[Citation] = []
        self._numbers: dict[tuple[str, str], int] = {}

    def number(self, citation: Citation) -> int:
        key = (citation.article_id, citation.quote)
        if key not in self._numbers:
            self.sources.append(citation)
            self._numbers[key] = len(self.sources)
        return self._numbers[key]


def _answer_md(answer: Answer, numbering: _Numbering) -> str:
    if answer.refused or not answer.sentences:
        return "  \n".join(md_text(line) for line in answer.answer.splitlines() if line.strip())
    local = {c.n: numbering.number(c) for c in answer.citations}
    parts = []
    for sentence in answer.sentences:
        marks = "".join(f"[{local[n]}]" for n in sentence.citations if n in local)
        text = md_text(sentence.text) + (f" {marks}" if marks else "")
        if not sentence.supported:
            text += " (not supported by its citation)"
        parts.append(text)
    return " ".join(parts)


def to_markdown(conversation: Conversation | Snapshot, exported: datetime) -> str:
    numbering = _Numbering()
    questions = len(conversation.history)
    lines = [f"# {md_text(conversation.title)}", "",
             f"Exported from newsdesk on {exported:%Y-%m-%d %H:%M} UTC · {questions} "
             f"question{'s' if questions != 1 else ''}. Every answer sentence is quoted from the source it cites.", ""]
    for turn in conversation.history:
        lines += [f"## {md_text(turn.question)}", "", _answer_md(turn.answer, numbering), ""]
        lines += [f"*{md_text(note)}*" for note in turn.answer.notes]
        if turn.answer.notes:
            lines.append("")
    if numbering.sources:
        lines += ["## Sources", ""]
        for n, c in enumerate(numbering.sources, 1):
            meta = " · ".join(md_text(x) for x in (c.source, c.published or "") if x)
            link = md_link(c.url)
            head = f"{n}. **{md_text(c.title or '(untitled)')}**" + (f", {meta}" if meta else "")
            lines += [head + (f". {link}" if link else ""), f"   > “{md_text(c.quote)}”", ""]
    return "\n".join(lines).rstrip() + "\n"


def to_json(conversation: Conversation | Snapshot, exported: datetime) -> dict[str, Any]:
    """The `ask --json` object of every answer, in order, with the conversation's title and times."""
    head: dict[str, Any] = {"title": conversation.title, "exported": exported.isoformat(timespec="seconds")}
    if isinstance(conversation, Conversation):
        head |= {"id": conversation.id, "created": conversation.created, "updated": conversation.updated}
    else:
        head |= {"shared_at": conversation.shared_at}
    head["turns"] = [{"question": t.question, "asked_at": t.asked_at, "answer": t.answer.to_json()}
                     for t in conversation.history]
    return head


def file_name(conversation: Conversation | Snapshot, fmt: Format) -> str:
    """A file name from the title: letters, digits and dashes only."""
    slug = re.sub(r"[^A-Za-z0-9]+", "-", conversation.title).strip("-").lower()[:60].rstrip("-")
    return f"{slug or 'conversation'}.{fmt}"
