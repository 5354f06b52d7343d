"""Safe rendering of answers and sources: article text, titles and URLs are untrusted."""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

from core.types import Answer, Passage

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~>-])")


def escape_markdown(text: str) -> str:
    """Inert in Gradio's Markdown: HTML is escaped and markdown syntax (links, images, emphasis) is neutralised."""
    return _MD_SPECIAL.sub(r"\\\1", html.escape(text, quote=True))


def safe_url(url: str | None) -> str | None:
    """Only http(s) links become clickable; `javascript:`, `data:` and friends never do."""
    if not url:
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in {"http", "https"} or not parts.netloc:
        return None
    return url


def answer_markdown(answer: Answer) -> str:
    """The chat message: each sentence escaped, its [n] markers ours, unsupported sentences marked."""
    if answer.refused or not answer.sentences:
        return escape_markdown(answer.answer).replace("\n", "  \n")
    parts = []
    for s in answer.sentences:
        marks = "".join(f"[{n}]" for n in s.citations)
        flag = "" if s.supported else " ⚠️ *(not supported by the cited passage)*"
        parts.append(f"{escape_markdown(s.text)} {escape_markdown(marks)}{flag}")
    return " ".join(parts)


def _meta(title: str, source: str, published: str | None, url: str | None) -> str:
    link = safe_url(url)
    head = html.escape(title or "(untitled)")
    if link:
        head = (
            f'<a href="{html.escape(link, quote=True)}" target="_blank" rel="noopener noreferrer nofollow">{head}</a>'
        )
    bits = " · ".join(html.escape(x) for x in (source, published or "") if x)
    return f"<strong>{head}</strong>" + (f' <span class="nd-meta">{bits}</span>' if bits else "")


def _highlight(text: str, quote: str) -> str:
    at = text.find(quote) if quote else -1
    if at < 0:
        return html.escape(text)
    return html.escape(text[:at]) + "<mark>" + html.escape(quote) + "</mark>" + html.escape(text[at + len(quote) :])


def sources_html(answer: Answer | None) -> str:
    """Cited passages (cited sentence highlighted), then the retrieved-but-uncited ones folded below."""
    if answer is None:
        return '<div class="nd-sources"><em>Sources of the answer appear here.</em></div>'
    out = ['<div class="nd-sources">']
    cited_chunks = set()
    by_chunk = {p.chunk.id: p for p in answer.passages}
    for c in answer.citations:
        cited_chunks.add(c.chunk_id)
        passage = by_chunk.get(c.chunk_id)
        body = _highlight(passage.chunk.text, c.quote) if passage else f"<mark>{html.escape(c.quote)}</mark>"
        out.append(
            f'<div class="nd-source" id="nd-source-{c.n}"><span class="nd-n">[{c.n}]</span> '
            f"{_meta(c.title, c.source, c.published, c.url)}<p>{body}</p></div>"
        )
    others = [p for p in answer.passages if p.chunk.id not in cited_chunks]
    if others:
        label = "Retrieved passages" if not answer.citations else "Other retrieved passages (not cited)"
        out.append(f"<details><summary>{label} ({len(others)})</summary>")
        out.extend(_passage_html(p) for p in others)
        out.append("</details>")
    out.append("</div>")
    return "\n".join(out)


def _passage_html(p: Passage) -> str:
    c = p.chunk
    return f'<div class="nd-passage">{_meta(c.title, c.source, c.published, c.url)}<p>{html.escape(c.text)}</p></div>'
