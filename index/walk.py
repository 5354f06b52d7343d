"""Files and folders on disk: each file goes to the reader of its type, and a folder walk accounts for every file.

Inside a folder, a file that no reader takes (an image, a spreadsheet, XML that is neither a feed nor a sitemap)
becomes a `SkippedFile`, summed up by type by the ingest; a file given by name with such a type is a failure.
Feeds (.rss, .atom, and .xml whose root is a feed) and sitemaps (.xml) are read as such, their links fetched.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

from core.types import Article
from index.docx import article_from_docx
from index.eml import articles_from_eml
from index.feeds import LoadNote, parse_feed
from index.fetch import Fetcher, sniff
from index.loaders import DEFAULT_MAX_BYTES, TEXT_SUFFIXES, load_text_file
from index.outcomes import LoadFailure, SkippedFile
from index.pdf import article_from_pdf
from index.sitemaps import read_sitemap, xml_root

DOCUMENT_SUFFIXES: tuple[str, ...] = (".pdf", ".docx", ".eml")
FEED_FILE_SUFFIXES: tuple[str, ...] = (".rss", ".atom")
XML_SUFFIX = ".xml"
READABLE_SUFFIXES: tuple[str, ...] = (*TEXT_SUFFIXES, *DOCUMENT_SUFFIXES, *FEED_FILE_SUFFIXES, XML_SUFFIX)
# PDFs and Word files carry pictures: a report with photos weighs tens of MB though its text is small.
DOCUMENT_MAX_BYTES = 100_000_000
_FEED_ROOTS = frozenset({"rss", "feed", "RDF", "rdf"})
_SITEMAP_ROOTS = frozenset({"urlset", "sitemapindex"})

Item = Article | LoadFailure | LoadNote | SkippedFile
FetcherFactory = Callable[[], Fetcher]


def iter_articles(path: Path, max_bytes: int = DEFAULT_MAX_BYTES,
                  fetcher: FetcherFactory | None = None) -> Iterator[Item]:
    """Articles read from a file or, recursively and in sorted order, from a folder (hidden entries skipped).

    `fetcher` gives the web client for the links of feeds and sitemaps; without one, a feed entry without full
    text keeps its summary and a sitemap is a failure. Text files over `max_bytes` are refused (a .jsonl's
    cap applies per line); PDF and Word files may reach DOCUMENT_MAX_BYTES.
    """
    path = Path(path)
    if path.is_dir():
        yield from _walk(path, max_bytes, fetcher, visited=set())
    else:
        yield from _load_file(path, max_bytes, fetcher, in_folder=False)


def _walk(folder: Path, max_bytes: int, fetcher: FetcherFactory | None, visited: set[str]) -> Iterator[Item]:
    # A symlink back to an ancestor would recurse forever; a second link to a visited folder would load it twice.
    real = os.path.realpath(folder)
    if real in visited:
        return
    visited.add(real)
    try:
        entries = sorted(folder.iterdir(), key=lambda p: p.name)
    except OSError as exc:
        yield LoadFailure(str(folder), f"cannot list folder: {exc.strerror or exc}")
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        if entry.is_dir():
            yield from _walk(entry, max_bytes, fetcher, visited)
        else:
            yield from _load_file(entry, max_bytes, fetcher, in_folder=True)


def _load_file(path: Path, max_bytes: int, fetcher: FetcherFactory | None, in_folder: bool) -> Iterator[Item]:
    where = str(path)
    suffix = path.suffix.lower()
    if in_folder and suffix not in READABLE_SUFFIXES:
        yield SkippedFile(where, suffix or "(none)")
        return
    try:
        info = path.stat()
    except OSError as exc:
        missing = isinstance(exc, FileNotFoundError)
        yield LoadFailure(where, "no such file or directory" if missing else f"cannot read: {exc.strerror or exc}")
        return
    if suffix not in READABLE_SUFFIXES:
        supported = " ".join(READABLE_SUFFIXES)
        yield LoadFailure(where, f"unsupported file type '{suffix or '(none)'}' (supported: {supported} .urls)")
        return
    # Opening a FIFO or a device would block or never end.
    if not stat.S_ISREG(info.st_mode):
        yield LoadFailure(where, "not a regular file")
        return
    if suffix in TEXT_SUFFIXES:
        yield from load_text_file(path, info.st_size, max_bytes)
        return
    data = read_capped(path, DOCUMENT_MAX_BYTES if suffix in DOCUMENT_SUFFIXES else max_bytes)
    if isinstance(data, LoadFailure):
        yield data
    elif not data.strip():
        yield LoadFailure(where, "empty file")
    elif suffix == ".pdf":
        yield article_from_pdf(data, where, key=str(path.resolve()))
    elif suffix == ".docx":
        yield article_from_docx(data, where, key=str(path.resolve()))
    elif suffix == ".eml":
        yield from articles_from_eml(data, where, key=str(path.resolve()))
    else:
        yield from _xml(path, data, fetcher, in_folder)


def _xml(path: Path, data: bytes, fetcher: FetcherFactory | None, in_folder: bool) -> Iterator[Item]:
    where, suffix = str(path), path.suffix.lower()
    root = xml_root(data)
    kind = "feed" if root in _FEED_ROOTS else "sitemap" if root in _SITEMAP_ROOTS else sniff(data)
    if kind == "sitemap":
        if fetcher is None:
            yield LoadFailure(where, "a sitemap's pages are fetched from the web: give it to `newsdesk ingest`")
            return
        client = fetcher()
        settings = client.settings
        yield from read_sitemap(data, where, client, settings.sitemap_limit, settings.sitemap_files)
    elif kind == "feed" or suffix in FEED_FILE_SUFFIXES or _lenient_feed(data):
        # A .rss/.atom file claims to be a feed: when it is not, feedparser says why, as a failure.
        yield from parse_feed(data, where, fetcher() if fetcher is not None else None)
    elif in_folder:
        yield SkippedFile(where, suffix)
    else:
        shown = f"<{root}>" if root else "none: not well-formed XML"
        yield LoadFailure(where, f"neither an RSS/Atom feed nor a sitemap (root element: {shown})")


def _lenient_feed(data: bytes) -> bool:
    """Does feedparser, which reads feeds too broken for an XML parser, find a feed in `data`?"""
    import io

    import feedparser

    parsed = feedparser.parse(io.BytesIO(data))
    return bool(parsed.get("version") or parsed.entries)


def read_capped(path: Path, cap: int) -> bytes | LoadFailure:
    """The bytes of `path`, or a failure when it cannot be read or holds more than `cap` bytes."""
    try:
        with path.open("rb") as handle:
            # One byte past the cap: the file may have grown since it was listed.
            data = handle.read(cap + 1)
    except OSError as exc:
        return LoadFailure(str(path), f"cannot read: {exc.strerror or exc}")
    if len(data) > cap:
        return LoadFailure(str(path), f"file is over the {cap:,}-byte limit")
    return data
