"""Safe rendering of answers, sources and reports: article text, titles and URLs are untrusted.

Everything that came from an article goes through `html.escape` (HTML panels) or `escape_markdown` (chat
messages); only the markup written here is live, and only http(s) URLs become links.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from urllib.parse import urlsplit

from core.types import Answer, Citation, Passage
from index.clean import strip_invisible

# `<`, `>` and `&` are left to html.escape: a backslash before the entity it makes would show up as text.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~-])")
EMPTY_PANEL = '<div class="nd-sources nd-empty">Sources of the answer appear here: each cited passage with ' \
              "its title, source, date and link, the cited sentence highlighted.</div>"


def escape_markdown(text: str) -> str:
    """Inert in Gradio's Markdown: HTML is escaped and markdown syntax (links, images, emphasis) is neutralised."""
    # Markdown first, then HTML: escaping in the other order would break the entities (`&#x27;` -> `&\#x27;`).
    # Bidi overrides and zero-width characters go too: an LLM's answer is not cleaned like an article, and they
    # would reorder or hide what the reader sees.
    return html.escape(_MD_SPECIAL.sub(r"\\\1", strip_invisible(text)), quote=False)


def safe_url(url: str | None) -> str | None:
    """Only http(s) links become clickable; `javascript:`, `data:` and friends never do."""
    if not url:
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in {"http", "https"} or not parts.netloc or any(ch in url for ch in "\"'<> \n\t"):
        return None
    return url


def marker(n: int) -> str:
    """A citation marker in a chat message: a link to its entry in the sources panel."""
    return f"[\\[{n}\\]](#nd-source-{n})"


def answer_markdown(answer: Answer) -> str:
    """The chat message: each sentence escaped, its [n] markers ours, sentences the check rejected marked."""
    if answer.refused or not answer.sentences:
        return refusal_markdown(answer.answer)
    parts = []
    for s in answer.sentences:
        marks = "".join(marker(n) for n in s.citations)
        text = escape_markdown(s.text)
        if not s.supported:
            cited = ", ".join(f"[{n}]" for n in s.citations) or "any passage"
            why = f": {escape_markdown(s.reason)}" if s.reason else ""
            text = f"⚠️ *{text}* **(not supported by {escape_markdown(cited)}{why})**"
        parts.append(f"{text} {marks}".rstrip())
    return " ".join(parts)


def answer_html(answer: Answer, anchor: str = "nd-source") -> str:
    """The answer as HTML (the shared page has no Markdown renderer): what `answer_markdown` shows, escaped."""
    if answer.refused or not answer.sentences:
        lines = [html.escape(strip_invisible(line)) for line in answer.answer.splitlines() if line.strip()]
        items = [f"<li>{line[2:]}</li>" for line in lines if line.startswith("- ")]
        text = "<br>".join(line for line in lines if not line.startswith("- "))
        return f"<p>{text}</p>" + (f"<ul>{''.join(items)}</ul>" if items else "")
    parts = []
    for s in answer.sentences:
        marks = "".join(f'<a class="nd-marker" href="#{anchor}-{n}">[{n}]</a>' for n in s.citations)
        text = html.escape(strip_invisible(s.text))
        if not s.supported:
            cited = ", ".join(f"[{n}]" for n in s.citations) or "any passage"
            why = f": {html.escape(s.reason)}" if s.reason else ""
            text = f"⚠️ <em>{text}</em> <strong>(not supported by {cited}{why})</strong>"
        parts.append(f"{text} {marks}".rstrip())
    return "<p>" + " ".join(parts) + "</p>"


def refusal_markdown(text: str) -> str:
    """The refusal sentinel, then the nearest articles as a list (their titles escaped)."""
    lines = []
    for line in text.splitlines():
        if line.startswith("- "):
            lines.append("- " + escape_markdown(line[2:]))
        else:
            lines.append(escape_markdown(line))
    return "  \n".join(lines).replace("  \n- ", "\n- ")


def _meta(title: str, source: str, published: str | None, url: str | None, page: int | None = None) -> str:
    link = safe_url(url)
    head = html.escape(title or "(untitled)")
    if link:
        head = (
            f'<a href="{html.escape(link, quote=True)}" target="_blank" rel="noopener noreferrer nofollow">{head}</a>'
        )
    bits = " · ".join(html.escape(x) for x in (source, published or "", f"p. {page}" if page else "") if x)
    return f'<div class="nd-title">{head}</div>' + (f'<div class="nd-meta">{bits}</div>' if bits else "")


def highlight(text: str, quotes: Iterable[str]) -> str:
    """The passage escaped, each quote found in it wrapped in <mark> (quotes not found are left out)."""
    spans: list[tuple[int, int]] = []
    for quote in quotes:
        at = text.find(quote) if quote else -1
        if at >= 0 and not any(s < at + len(quote) and at < e for s, e in spans):
            spans.append((at, at + len(quote)))
    out, pos = [], 0
    for start, end in sorted(spans):
        out += [html.escape(text[pos:start]), "<mark>", html.escape(text[start:end]), "</mark>"]
        pos = end
    out.append(html.escape(text[pos:]))
    return "".join(out)


def _cited_entry(chunk_citations: Sequence[Citation], passage: Passage | None, anchor: str = "nd-source") -> str:
    first = chunk_citations[0]
    anchors = "".join(f'<span class="nd-anchor" id="{anchor}-{c.n}"></span>' for c in chunk_citations)
    badges = "".join(f'<span class="nd-n">{c.n}</span>' for c in chunk_citations)
    if passage is not None:
        body = highlight(passage.chunk.text, [c.quote for c in chunk_citations])
    else:
        body = " … ".join(f"<mark>{html.escape(c.quote)}</mark>" for c in chunk_citations)
    return (f'<div class="nd-source">{anchors}<div class="nd-head"><div class="nd-badges">{badges}</div>'
            f'<div>{_meta(first.title, first.source, first.published, first.url, first.page)}</div></div>'
            f'<p class="nd-passage-text">{body}</p></div>')


def sources_html(answer: Answer | None, anchor: str = "nd-source") -> str:
    """Cited passages (cited sentences highlighted), then the retrieved-but-uncited ones folded below.
    `anchor` prefixes the entries' ids (`nd-source-1`): a page showing several answers gives each its own."""
    if answer is None:
        return EMPTY_PANEL
    if not answer.passages and not answer.citations:
        return '<div class="nd-sources nd-empty">No passage of the indexed articles matched this question' + (
            " within the filters." if not answer.filters.is_empty() else ".") + "</div>"
    out = ['<div class="nd-sources">']
    by_chunk = {p.chunk.id: p for p in answer.passages}
    groups: dict[str, list[Citation]] = {}
    for c in answer.citations:
        groups.setdefault(c.chunk_id, []).append(c)
    if groups:
        out.append(f'<div class="nd-heading">Cited passages ({len(groups)})</div>')
    for chunk_id, cites in groups.items():
        out.append(_cited_entry(cites, by_chunk.get(chunk_id), anchor))
    others = [p for p in answer.passages if p.chunk.id not in groups]
    if others:
        label = "Retrieved passages" if not groups else "Retrieved but not cited"
        out.append(f'<details class="nd-others"><summary>{label} ({len(others)})</summary>')
        out.extend(_passage_html(p) for p in others)
        out.append("</details>")
    out.append("</div>")
    return "\n".join(out)


def _passage_html(p: Passage) -> str:
    c = p.chunk
    return (f'<div class="nd-passage">{_meta(c.title, c.source, c.published, c.url, c.page)}'
            f'<p class="nd-passage-text">{html.escape(c.text)}</p></div>')


def table_html(headers: Sequence[str], rows: Iterable[Sequence[str]], css_class: str = "nd-table",
               row_classes: Sequence[str] | None = None) -> str:
    """A small HTML table; every cell is escaped."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = []
    for i, row in enumerate(rows):
        cls = f' class="{html.escape(row_classes[i], quote=True)}"' if row_classes and row_classes[i] else ""
        body.append(f"<tr{cls}>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>")
    return f'<table class="{css_class}"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'
