"""News sitemaps and sitemap indexes: the URLs a site lists, newest first, fetched as articles.

A `<urlset>` lists pages (a news sitemap adds each one's publication date, title and publication name); a
`<sitemapindex>` lists sitemaps, which are fetched newest first. At most `limit` pages are fetched per sitemap
given (`ingest --limit`, NEWSDESK_FETCH_SITEMAP_LIMIT), and an index leads to at most `max_files` sitemaps; every
request keeps the usual fetch limits (size, time, redirects, private addresses). trafilatura's sitemap helpers
are not used: they fetch by themselves, outside those limits, and return bare URLs without the news dates.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, replace

from core.types import Article
from index.clean import strip_invisible
from index.dates import iso_date
from index.feeds import LoadNote
from index.fetch import Fetcher, Page, article_from_page, is_web_url
from index.outcomes import LoadFailure

Item = Article | LoadFailure | LoadNote
_BATCH = 32
_GZIP_MAGIC = b"\x1f\x8b"
# An index of indexes is outside the protocol but exists; deeper nesting is a loop or a trap.
_MAX_DEPTH = 2


@dataclass(frozen=True)
class Entry:
    url: str
    order: int
    published: str | None = None
    """news:publication_date"""
    modified: str | None = None
    """lastmod: only for ordering, it is not when the article was published"""
    title: str = ""
    source: str = ""

    @property
    def newest(self) -> str:
        return self.published or self.modified or ""


def xml_root(data: bytes) -> str | None:
    """Local name of the root element of the XML in `data` ('urlset', 'rss', 'feed', 'RDF' ...), or None."""
    from lxml import etree

    try:
        for _, element in etree.iterparse(io.BytesIO(data), events=("start",), resolve_entities=False,
                                          no_network=True):
            return etree.QName(element).localname
    except (etree.XMLSyntaxError, ValueError):
        return None
    return None


def parse(data: bytes) -> tuple[str, list[Entry]] | None:
    """('urlset' | 'sitemapindex', entries in document order), or None when `data` is not a sitemap."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, recover=True)
    try:
        root = etree.fromstring(data, parser)
    except (etree.XMLSyntaxError, ValueError):
        return None
    kind = etree.QName(root).localname if root is not None and isinstance(root.tag, str) else None
    if kind not in ("urlset", "sitemapindex"):
        return None
    entries = []
    for element in root:
        if not isinstance(element.tag, str):
            continue
        fields = {etree.QName(e).localname: " ".join((e.text or "").split()) for e in element.iter()
                  if isinstance(e.tag, str)}
        loc = fields.get("loc", "")
        if loc:
            entries.append(Entry(url=loc, order=len(entries), published=iso_date(fields.get("publication_date")),
                                 modified=iso_date(fields.get("lastmod")),
                                 title=strip_invisible(fields.get("title", "")), source=fields.get("name", "")))
    return kind, entries


def gunzip(data: bytes, cap: int) -> bytes | None:
    """`data` inflated when it is gzip (at most `cap` bytes, else None); other data unchanged."""
    if not data.startswith(_GZIP_MAGIC):
        return data
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(data, cap + 1)
    except zlib.error:
        return b""
    return None if len(out) > cap else out


def read_sitemap(data: bytes, where: str, fetcher: Fetcher, limit: int, max_files: int) -> Iterator[Item]:
    """The articles of the newest `limit` pages the sitemap (or index) in `data` lists."""
    entries: list[Entry] = []
    failures: list[LoadFailure] = []
    is_sitemap = _collect(data, where, fetcher, limit, [max_files], entries, failures, depth=0)
    yield from failures
    if not is_sitemap:
        return
    first: dict[str, Entry] = {}
    for entry in entries:
        first.setdefault(entry.url, entry)
    unique = _newest_first(list(first.values()))
    if not unique:
        yield LoadFailure(where, "the sitemap lists no pages")
        return
    if len(unique) > limit:
        yield LoadNote(where, f"read the newest {limit} of the {len(unique)} pages listed (ingest --limit N, or "
                              "NEWSDESK_FETCH_SITEMAP_LIMIT, reads more)")
    chosen = unique[:limit]
    for start in range(0, len(chosen), _BATCH):
        batch = chosen[start : start + _BATCH]
        for entry, page in zip(batch, fetcher.get_many([e.url for e in batch], want="html"), strict=True):
            yield _article(entry, page)


def _newest_first(entries: list[Entry]) -> list[Entry]:
    # A stable sort: equal dates, and the undated entries after all dated ones, keep the order the site listed.
    return sorted(entries, key=lambda e: e.newest, reverse=True)


def _collect(data: bytes, where: str, fetcher: Fetcher, limit: int, budget: list[int], entries: list[Entry],
             failures: list[LoadFailure], depth: int) -> bool:
    """Entries of the sitemap in `data` (and of the sitemaps an index lists) into `entries`; False if not one."""
    body = gunzip(data, fetcher.settings.max_bytes)
    if body is None:
        failures.append(LoadFailure(where, f"the sitemap inflates to over {fetcher.settings.max_bytes:,} bytes"))
        return False
    parsed = parse(body)
    if parsed is None:
        failures.append(LoadFailure(where, "not a sitemap (no <urlset> or <sitemapindex> root element)"))
        return False
    kind, found = parsed
    if kind == "urlset":
        for entry in found:
            if is_web_url(entry.url):
                entries.append(replace(entry, order=len(entries)))
            else:
                failures.append(LoadFailure(where, f"not an http(s) URL in the sitemap: {entry.url[:200]!r}"))
        return True
    if depth >= _MAX_DEPTH:
        failures.append(LoadFailure(where, "sitemap index nested too deep: not followed"))
        return True
    children = _newest_first(found)
    for i, child in enumerate(children):
        if budget[0] <= 0:
            failures.append(LoadFailure(where, f"the index lists {len(children) - i} more sitemaps than "
                                               "NEWSDESK_FETCH_SITEMAP_FILES allows: not read"))
            break
        if len(entries) >= limit and _enough(entries, limit, child):
            break
        budget[0] -= 1
        page = fetcher.get(child.url, want="sitemap") if is_web_url(child.url) else \
            LoadFailure(child.url, "not an http(s) URL")
        if isinstance(page, LoadFailure):
            failures.append(page)
        else:
            _collect(page.body, child.url, fetcher, limit, budget, entries, failures, depth + 1)
    return True


def _enough(entries: list[Entry], limit: int, child: Entry) -> bool:
    """True when `limit` entries already read are newer than anything `child` (by its lastmod) can hold."""
    if not child.newest:
        return False
    dated = sorted((e.newest for e in entries if e.newest), reverse=True)
    return len(dated) >= limit and dated[limit - 1] > child.newest


def _article(entry: Entry, page: Page | LoadFailure) -> Article | LoadFailure:
    if isinstance(page, LoadFailure):
        return page
    article = article_from_page(page, entry.url)
    if isinstance(article, LoadFailure):
        return article
    return article.model_copy(update={
        "title": entry.title or article.title,
        "published": entry.published or article.published,
        "source": entry.source or article.source,
    })
