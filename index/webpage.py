"""The article of an HTML page (a file or a fetched URL): trafilatura's text and metadata."""

from __future__ import annotations

from urllib.parse import urlsplit

from core.types import Article
from index.clean import clean_text, derive_title, is_navigation, strip_invisible
from index.dates import iso_date
from index.outcomes import LoadFailure, article_id_for


def article_from_html(html: str | bytes, where: str, key: str, url: str | None = None) -> Article | LoadFailure:
    """The article of a web page: trafilatura's text, title, author, date and site name.

    `url` is where a fetched page came from (after redirects): its URL when the page declares no canonical one,
    and its source as a domain when the page names no site. `key` gives the article id of a fetched page (the
    URL that was asked for, stable across redirects and canonical URL changes); a page read from a file gets
    the id of the canonical URL it declares, else of `key`.
    """
    # Imported here: trafilatura (lxml, htmldate, courlan) is slow to import and only HTML needs it.
    import trafilatura

    # extensive_search off: htmldate would otherwise pick any date-like string from the body ("Jan 25, 2005").
    date_params = {"original_date": True, "extensive_search": False}
    try:
        doc = trafilatura.bare_extraction(
            html, url=url, with_metadata=True, include_comments=False, date_extraction_params=date_params
        )
    except Exception as exc:
        return LoadFailure(where, f"cannot parse HTML: {exc}")
    raw = (getattr(doc, "text", None) or "") if doc is not None else ""
    title = strip_invisible(getattr(doc, "title", None) or "").strip()
    # trafilatura puts one paragraph per line; our paragraphs are separated by a blank line.
    body = clean_text(raw.replace("\n", "\n\n"), title or None)
    if not body:
        return LoadFailure(where, "empty article")
    if is_navigation(html if isinstance(html, str) else html.decode("utf-8", "replace"), body):
        return LoadFailure(where, "no article text: the page holds only navigation links and labels")
    page_url = _web_url(getattr(doc, "url", None)) or url
    author = getattr(doc, "author", None) or ""
    return Article(
        id=article_id_for(key if url else page_url or key),
        title=title or derive_title(body),
        text=body,
        source=(getattr(doc, "sitename", None) or "").strip() or domain_of(page_url),
        url=page_url,
        published=iso_date(getattr(doc, "date", None)),
        authors=[name.strip() for name in author.split(";") if name.strip()],
        origin=where,
    )


def _web_url(value: object) -> str | None:
    text = str(value or "").strip()
    return text if text.lower().startswith(("http://", "https://")) else None


def domain_of(url: str | None) -> str:
    """`www.example.com` of a URL as `example.com`; empty for no URL."""
    host = (urlsplit(url).hostname or "") if url else ""
    return host.removeprefix("www.")
