"""RSS and Atom feeds (feedparser): one article per entry, the linked page fetched when the feed has no full text.

An entry carries full text when it has a `content` element (RSS `content:encoded`, Atom `content`). Otherwise
its link is fetched and extracted; when that fails the entry keeps its summary and a `LoadNote` says so.
"""

from __future__ import annotations

import hashlib
import html as html_lib
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from core.types import Article
from index.clean import clean_text, derive_title, strip_invisible
from index.dates import iso_date
from index.fetch import Fetcher, Page, article_from_page
from index.loaders import LoadFailure, article_id_for
from index.webpage import domain_of

FEED_SUFFIXES: tuple[str, ...] = (".rss", ".atom", ".xml")
_BLOCK_TAGS = frozenset({
    "p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "tr", "table",
    "section", "article", "figure", "figcaption", "hr", "header", "footer", "aside", "dd", "dt",
})
_DATE_FIELDS = ("published", "updated", "created")
_FETCH_BATCH = 32


@dataclass(frozen=True)
class LoadNote:
    """Something the user should know about an article that was indexed anyway (e.g. only its summary)."""

    where: str
    message: str
    article_id: str | None = None


def html_text(fragment: str) -> str:
    """Plain text of an HTML fragment: block elements become paragraphs, scripts and styles are dropped."""
    if "<" not in fragment:
        return clean_text(html_lib.unescape(fragment))
    import lxml.html
    from lxml import etree

    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (etree.ParserError, ValueError):
        return clean_text(html_lib.unescape(re.sub(r"<[^>]*>", " ", fragment)))
    parts: list[str] = []
    for event, element in etree.iterwalk(root, events=("start", "end")):
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag in ("script", "style"):
            if event == "end" and element.tail:
                parts.append(element.tail)
            continue
        if _inside(element, ("script", "style")):
            continue
        if tag in _BLOCK_TAGS:
            parts.append("\n\n")
        if event == "start" and tag and element.text:
            parts.append(element.text)
        if event == "end" and element is not root and element.tail:
            parts.append(element.tail)
    paragraphs = (" ".join(p.split()) for p in re.split(r"\n\s*\n", "".join(parts)))
    return clean_text("\n\n".join(p for p in paragraphs if p))


def _inside(element: Any, tags: tuple[str, ...]) -> bool:
    return any(isinstance(a.tag, str) and a.tag in tags for a in element.iterancestors())


def parse_feed(data: bytes, where: str, fetcher: Fetcher | None, skip: Callable[[str, str], bool] | None = None
               ) -> Iterator[Article | LoadFailure | LoadNote]:
    """Articles of the feed in `data` (read from `where`: a path or URL); links are fetched with `fetcher`.

    `skip(article id, entry fingerprint)` leaves out entries before their links are fetched (`newsdesk watch`
    skips the entries it has seen unchanged).
    """
    import feedparser

    # A stream, never bytes or str: feedparser would take a str for a URL or a file name and fetch it itself.
    headers = {"content-location": where} if where.lower().startswith(("http://", "https://")) else {}
    parsed = feedparser.parse(io.BytesIO(data), response_headers=headers)
    if not parsed.get("version") and not parsed.entries:
        why = parsed.get("bozo_exception")
        yield LoadFailure(where, f"not an RSS or Atom feed{f': {why}' if why else ''}")
        return
    feed_name = strip_invisible(html_text(parsed.feed.get("title", ""))).strip()
    site = feed_name or domain_of(parsed.feed.get("link")) or domain_of(where if headers else None)
    entries = list(enumerate(parsed.entries))
    if skip is not None:
        entries = [(i, e) for i, e in entries if not skip(entry_id(e, i, where), fingerprint(e))]
    # In batches: `workers` pages in flight, and never the pages of a 1,000-entry feed in memory at once.
    for start in range(0, len(entries), _FETCH_BATCH):
        batch = entries[start : start + _FETCH_BATCH]
        to_fetch = [(i, e) for i, e in batch if not _content(e) and _link(e)]
        pages = dict(zip([i for i, _ in to_fetch], fetcher.get_many([_link(e) for _, e in to_fetch], want="html"),
                         strict=True)) if fetcher is not None else {}
        for i, entry in batch:
            yield from _entry(entry, i, where, site, pages.get(i))


def _link(entry: Any) -> str:
    link = str(entry.get("link") or "").strip()
    return link if link.lower().startswith(("http://", "https://")) else ""


def _content(entry: Any) -> str:
    values = [c.get("value", "") for c in entry.get("content", []) if c.get("value")]
    return html_text("\n".join(values)) if values else ""


def _authors(entry: Any) -> list[str]:
    names = [str(a.get("name") or "").strip() for a in entry.get("authors", []) if isinstance(a, dict)]
    names = [n for n in names if n]
    if not names and entry.get("author"):
        names = [str(entry.get("author")).strip()]
    return list(dict.fromkeys(names))


def _published(entry: Any) -> str | None:
    # The written string first (the publisher's calendar date); feedparser's *_parsed is shifted to UTC.
    for name in _DATE_FIELDS:
        if entry.get(name) and (day := iso_date(entry.get(name))):
            return day
    for name in _DATE_FIELDS:
        parsed = entry.get(f"{name}_parsed")
        # feedparser also "repairs" impossible dates (2024-02-30 becomes 2024-03-01): its reading counts only
        # when the written value shows the same day of the month and year.
        if parsed and _shows(str(entry.get(name) or ""), parsed) and (day := iso_date(parsed)):
            return day
    return None


def _shows(written: str, parsed: Any) -> bool:
    numbers = {int(n) for n in re.findall(r"\d{1,4}", written)}
    return parsed.tm_mday in numbers and (parsed.tm_year in numbers or parsed.tm_year % 100 in numbers)


def entry_id(entry: Any, index: int, where: str) -> str:
    """The article id of a feed entry: from its link, else its guid, else its place in the feed."""
    return article_id_for(_link(entry) or str(entry.get("id") or "").strip() or f"{where}#{index + 1}")


def fingerprint(entry: Any) -> str:
    """What changes when a publisher edits an entry (dates, title, summary, content, link)."""
    parts = [str(entry.get(k) or "") for k in ("updated", "published", "title", "summary", "link")]
    parts += [str(c.get("value", "")) for c in entry.get("content", [])]
    return hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()


def _entry(entry: Any, index: int, where: str, site: str,
           page: Page | LoadFailure | None) -> Iterator[Article | LoadFailure | LoadNote]:
    link = _link(entry)
    label = link or f"{where} entry {index + 1}"
    title = strip_invisible(html_text(entry.get("title", ""))).strip()
    meta = {"id": entry_id(entry, index, where), "source": site, "url": link or None, "published": _published(entry),
            "authors": _authors(entry), "origin": where}
    text = _content(entry)
    if text:
        yield Article(title=title or derive_title(text), text=text, **meta)
        return
    why = "the entry has no link" if not link else page.reason if isinstance(page, LoadFailure) else ""
    if isinstance(page, Page):
        article = article_from_page(page, link)
        if isinstance(article, Article):
            yield article.model_copy(update={
                "id": meta["id"], "title": title or article.title, "origin": where,
                "source": article.source if article.source != domain_of(article.url) else site or article.source,
                "published": meta["published"] or article.published, "authors": meta["authors"] or article.authors,
            })
            return
        why = article.reason
    summary = html_text(entry.get("summary", ""))
    if not summary:
        yield LoadFailure(label, f"no text in the feed entry, and the linked page gave none ({why or 'not fetched'})")
        return
    # The note first: the ingest must know before the article arrives that it is only a summary.
    yield LoadNote(label, f"indexed the feed summary only: {why or 'the linked page was not fetched'}", meta["id"])
    yield Article(title=title or derive_title(summary), text=summary, **meta)
