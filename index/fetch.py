"""Download web pages and feeds with httpx: bounded in time, size, redirects and content type.

A page that cannot be used becomes a `LoadFailure` saying why, never an exception: one dead link in a feed
of fifty costs one article.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Literal

import httpx

from core.settings import FetchSettings
from core.types import Article
from index.outcomes import LoadFailure
from index.webpage import article_from_html

Kind = Literal["html", "feed", "sitemap"]

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
FEED_TYPES = frozenset({
    "application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/xml", "text/xml",
    "application/feed+xml", "application/x-rss+xml",
})
# Served under these, a body is sniffed: many servers label feeds and pages as plain text or raw bytes.
_SNIFFED_TYPES = frozenset({"", "text/plain", "application/octet-stream", "binary/octet-stream"})
# Sitemaps are often served gzipped as files (sitemap.xml.gz): such a body is read as a sitemap or refused.
GZIP_TYPES = frozenset({"application/gzip", "application/x-gzip"})
_SNIFF = 1024
_CHUNK = 65536


@dataclass(frozen=True)
class Page:
    url: str
    """The URL the body came from, after redirects."""
    kind: Kind
    body: bytes
    charset: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    """The validators the server sent, for a conditional GET next time (`newsdesk watch`)."""

    def text(self) -> str:
        from index.clean import decode_bytes

        if self.charset:
            try:
                return self.body.decode(self.charset)
            except (LookupError, UnicodeDecodeError):
                pass
        return decode_bytes(self.body) or ""


@dataclass(frozen=True)
class NotModified:
    """HTTP 304: the body is what it was when the validators were given."""

    url: str


def is_web_url(value: str) -> bool:
    return value.lower().startswith(("http://", "https://"))


def sniff(head: bytes) -> Kind | None:
    """'feed', 'sitemap' or 'html' judged from the first bytes of a body, or None when it is none of them."""
    text = head[:_SNIFF].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<!doctype html", b"<html")):
        return "html"
    if text.startswith((b"<?xml", b"<rss", b"<feed", b"<rdf:rdf", b"<urlset", b"<sitemapindex")):
        # After an XML prolog comes the root element: a feed's is rss, feed or rdf:RDF.
        if any(tag in text for tag in (b"<rss", b"<feed", b"<rdf:rdf")):
            return "feed"
        if b"<urlset" in text or b"<sitemapindex" in text:
            return "sitemap"
        return "html" if b"<html" in text else None
    return None


class PrivateAddress(Exception):
    def __init__(self, host: str, ip: str) -> None:
        super().__init__(f"{host} resolves to {ip}")
        self.host, self.ip = host, ip


def addresses(host: str, port: int) -> list[str]:
    """The IP addresses `host` resolves to; none when it does not resolve (httpx then reports the failure)."""
    try:
        return sorted({info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)})
    except (OSError, UnicodeError):
        return []


class Fetcher:
    """One httpx client for many requests; use as a context manager, or call `close()`."""

    def __init__(self, settings: FetchSettings, client: httpx.Client | None = None,
                 resolve: Callable[[str, int], list[str]] | None = None) -> None:
        self.settings = settings
        self.client = client or httpx.Client(
            timeout=httpx.Timeout(settings.timeout),
            follow_redirects=True,
            max_redirects=settings.max_redirects,
            headers={"User-Agent": settings.user_agent, "Accept": "text/html, application/xhtml+xml, "
                     "application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.5"},
        )
        if not settings.allow_private:
            # A request hook sees every hop, so a public page cannot redirect into the internal network either. The
            # name is resolved again to connect, so a DNS server that changes its answer in between is not stopped.
            self.client.event_hooks["request"] = [*self.client.event_hooks["request"], self._refuse_private]
        self.resolve = resolve or addresses

    def _refuse_private(self, request: httpx.Request) -> None:
        host = request.url.host
        for address in self.resolve(host, request.url.port or (443 if request.url.scheme == "https" else 80)):
            ip = ipaddress.ip_address(address.split("%")[0])
            if not ip.is_global:
                raise PrivateAddress(host, str(ip))

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        self.client.close()

    def get(self, url: str, want: Kind | None = None, etag: str | None = None,
            last_modified: str | None = None) -> Page | LoadFailure | NotModified:
        """The body at `url` if it is a page or a feed (`want` narrows that) within the limits, else why not.

        Given the validators of an earlier answer, the GET is conditional and may answer `NotModified`.
        """
        if not is_web_url(url):
            return LoadFailure(url, "not an http(s) URL")
        headers = {k: v for k, v in (("If-None-Match", etag), ("If-Modified-Since", last_modified)) if v}
        try:
            return self._get(url, want, headers)
        except PrivateAddress as exc:
            return LoadFailure(url, f"refused: {exc.host!r} is a local or private address ({exc.ip}); set "
                                    "NEWSDESK_FETCH_ALLOW_PRIVATE=true to fetch from your own network")
        except httpx.TooManyRedirects:
            return LoadFailure(url, f"more than {self.settings.max_redirects} redirects")
        except httpx.TimeoutException:
            return LoadFailure(url, f"timed out after {self.settings.timeout:g}s")
        except httpx.UnsupportedProtocol as exc:
            return LoadFailure(url, f"redirected to an unsupported URL: {exc}")
        except httpx.HTTPError as exc:
            return LoadFailure(url, f"cannot fetch: {exc or type(exc).__name__}")

    def get_many(self, urls: list[str], want: Kind | None = None) -> list[Page | LoadFailure]:
        """`get` for each URL, `settings.workers` at a time, in the order given."""
        if len(urls) <= 1 or self.settings.workers == 1:
            return [self._plain(u, want) for u in urls]
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=min(self.settings.workers, len(urls))) as pool:
            return list(pool.map(lambda u: self._plain(u, want), urls))

    def _plain(self, url: str, want: Kind | None) -> Page | LoadFailure:
        got = self.get(url, want)
        assert not isinstance(got, NotModified)  # only a conditional GET answers 304
        return got

    def _get(self, url: str, want: Kind | None, headers: dict[str, str] | None = None
             ) -> Page | LoadFailure | NotModified:
        cap = self.settings.max_bytes
        deadline = time.monotonic() + self.settings.timeout
        with self.client.stream("GET", url, headers=headers) as response:
            if response.status_code == 304 and headers:
                return NotModified(str(response.url))
            if response.status_code >= 400:
                return LoadFailure(url, f"HTTP {response.status_code} {response.reason_phrase}".rstrip())
            media = response.headers.get("content-type", "").split(";")[0].strip().lower()
            declared = "html" if media in HTML_TYPES else "feed" if media in FEED_TYPES else None
            gzipped = want in (None, "sitemap") and media in GZIP_TYPES
            if declared is None and media not in _SNIFFED_TYPES and not gzipped:
                expected = "expected an HTML page or an RSS/Atom feed"
                return LoadFailure(url, f"unsupported content type {media!r} ({expected})")
            length = response.headers.get("content-length", "")
            if length.isdigit() and int(length) > cap:
                return LoadFailure(url, f"body is {int(length):,} bytes, over the {cap:,}-byte limit")
            body = bytearray()
            for part in response.iter_bytes(_CHUNK):
                body += part
                if len(body) > cap:
                    return LoadFailure(url, f"body is over the {cap:,}-byte limit")
                # A server dripping bytes would reset every read timeout: the whole download has one budget.
                if time.monotonic() > deadline:
                    return LoadFailure(url, f"timed out after {self.settings.timeout:g}s")
            sniffed = sniff(bytes(body))
            # Sitemaps come as application/xml, like feeds: the root element tells them apart.
            kind = "sitemap" if gzipped or sniffed == "sitemap" else declared or sniffed
            if kind is None:
                return LoadFailure(url, f"content type {media or '(none)'!r} and the body is neither HTML nor a feed")
            if want is not None and kind != want:
                expected = {"html": "an HTML page", "feed": "a feed", "sitemap": "a sitemap"}[want]
                return LoadFailure(url, f"expected {expected}, got {media!r}")
            if not body.strip():
                return LoadFailure(url, "empty response")
            return Page(url=str(response.url), kind=kind, body=bytes(body), charset=response.charset_encoding,
                        etag=response.headers.get("etag"), last_modified=response.headers.get("last-modified"))


def article_from_page(page: Page, requested: str) -> Article | LoadFailure:
    """The article of a fetched HTML page; its id comes from the URL that was asked for."""
    return article_from_html(page.text(), where=requested, key=requested, url=page.url)
