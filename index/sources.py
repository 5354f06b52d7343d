"""What `newsdesk ingest` accepts, and where each input goes.

An input spec is one of:
- an `http(s)://` URL: fetched; an RSS/Atom feed (by content type, or sniffed) gives one article per entry,
  a sitemap or sitemap index its newest pages (`index.sitemaps`), an HTML page one article;
- a file ending in `.urls`, or given with `--urls FILE`: one URL per line (blank lines and `#` comments
  skipped), each handled as above;
- any other file or folder: `index.walk` (text files, PDF, Word, e-mail, feeds and sitemaps on disk).
Everything yields `Article`, `LoadFailure` (where, why), `LoadNote` or `SkippedFile` items in input order,
never raises.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from core.settings import FetchSettings
from core.types import Article
from index.feeds import LoadNote, parse_feed
from index.fetch import Fetcher, Page, article_from_page, is_web_url
from index.loaders import DEFAULT_MAX_BYTES
from index.outcomes import LoadFailure, SkippedFile
from index.sitemaps import read_sitemap
from index.walk import iter_articles

URL_LIST_SUFFIX = ".urls"
Item = Article | LoadFailure | LoadNote | SkippedFile
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
# Fetching a list in batches keeps `workers` requests in flight without holding every page of a long list.
_URL_BATCH = 32


def absolute(path: Path | str) -> Path:
    """`path` made absolute and normalised (.. removed) without resolving symlinks: the origin kept for prune."""
    return Path(os.path.abspath(os.fspath(path)))


def origin_file(origin: str) -> str:
    """The file an article origin names: `dump.jsonl:12` and `list.json[3]` are in `dump.jsonl` and `list.json`."""
    return re.sub(r"(?::\d+|\[\d+\])$", "", origin)


def iter_sources(specs: Iterable[str | Path], settings: FetchSettings,
                 url_lists: Iterable[str | Path] = ()) -> Iterator[Item]:
    """Every article of every input spec, then of every URL list, in order."""
    fetcher: Fetcher | None = None

    def lazy_fetcher() -> Fetcher:
        nonlocal fetcher
        if fetcher is None:
            fetcher = Fetcher(settings)
        return fetcher

    try:
        for spec in specs:
            text = os.fspath(spec)
            if is_web_url(text):
                yield from _urls([text], lazy_fetcher())
            elif _SCHEME.match(text):
                yield LoadFailure(text, "unsupported URL scheme (only http:// and https:// are fetched)")
            elif text.lower().endswith(URL_LIST_SUFFIX):
                yield from _url_list(absolute(text), lazy_fetcher)
            else:
                yield from iter_articles(absolute(text), fetcher=lazy_fetcher)
        for url_list in url_lists:
            yield from _url_list(absolute(url_list), lazy_fetcher)
    finally:
        if fetcher is not None:
            fetcher.close()


def _urls(urls: list[str], fetcher: Fetcher) -> Iterator[Item]:
    for start in range(0, len(urls), _URL_BATCH):
        batch = urls[start : start + _URL_BATCH]
        for url, page in zip(batch, fetcher.get_many(batch), strict=True):
            yield from _page(url, page, fetcher)


def _page(url: str, page: Page | LoadFailure, fetcher: Fetcher) -> Iterator[Item]:
    if isinstance(page, LoadFailure):
        yield page
    elif page.kind == "feed":
        yield from parse_feed(page.body, url, fetcher)
    elif page.kind == "sitemap":
        settings = fetcher.settings
        yield from read_sitemap(page.body, url, fetcher, settings.sitemap_limit, settings.sitemap_files)
    else:
        yield article_from_page(page, url)


def _read(path: Path, cap: int) -> bytes | LoadFailure:
    try:
        if not path.is_file():
            return LoadFailure(str(path), "no such file" if not path.exists() else "not a regular file")
        with path.open("rb") as handle:
            data = handle.read(cap + 1)
    except OSError as exc:
        return LoadFailure(str(path), f"cannot read: {exc.strerror or exc}")
    if len(data) > cap:
        return LoadFailure(str(path), f"file is over the {cap:,}-byte limit")
    return data


def _url_list(path: Path, fetcher: Callable[[], Fetcher]) -> Iterator[Item]:
    data = _read(path, DEFAULT_MAX_BYTES)
    if isinstance(data, LoadFailure):
        yield data
        return
    urls: list[str] = []
    for lineno, raw in enumerate(data.decode("utf-8", errors="replace").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if is_web_url(line):
            urls.append(line)
        else:
            yield LoadFailure(f"{path}:{lineno}", f"not an http(s) URL: {line[:200]!r}")
    if not urls:
        yield LoadFailure(str(path), "no URLs in the list")
        return
    yield from _urls(urls, fetcher())
