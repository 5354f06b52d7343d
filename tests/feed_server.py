"""A real RSS server on 127.0.0.1 for the watch tests: items can be added, failures scripted, requests counted.

It answers conditional GETs as a good server does (ETag of the body; 304 when If-None-Match matches), serves
each item's page under /story/N.html, and records every request (path and validators) for assertions.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Item:
    title: str
    text: str
    published: str = "2024-03-01"
    full_text: bool = True
    """The text inside the feed (content:encoded); otherwise only on the linked page."""


@dataclass
class Feed:
    items: list[Item] = field(default_factory=list)
    failures: list[int] = field(default_factory=list)
    """Status codes answered (one each) before the feed is served again."""
    etags: bool = True
    requests: list[tuple[str, str | None]] = field(default_factory=list)
    """(path, If-None-Match) of every request."""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def body(self, base: str) -> bytes:
        entries = []
        for n, item in enumerate(self.items):
            day = datetime.fromisoformat(item.published).replace(tzinfo=UTC)
            content = (f"<content:encoded><![CDATA[{''.join(f'<p>{escape(p)}</p>' for p in item.text.split(chr(10)))}"
                       "]]></content:encoded>") if item.full_text else ""
            entries.append(f"<item><title>{escape(item.title)}</title><link>{base}/story/{n}.html</link>"
                           f"<guid>{base}/story/{n}.html</guid><pubDate>{format_datetime(day)}</pubDate>"
                           f"<description>{escape(item.text[:80])}</description>{content}</item>")
        return ('<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" '
                'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>Harbour Wire</title>'
                f"<link>{base}/</link>{''.join(entries)}</channel></rss>").encode()

    def page(self, n: int) -> bytes:
        item = self.items[n]
        paras = "".join(f"<p>{escape(p)}</p>" for p in item.text.split("\n"))
        return (f"<!doctype html><html><head><title>{escape(item.title)}</title>"
                f'<meta property="article:published_time" content="{item.published}"></head>'
                f"<body><article><h1>{escape(item.title)}</h1>{paras}</article></body></html>").encode()

    def page_requests(self) -> list[str]:
        return [p for p, _ in self.requests if p.startswith("/story/")]


@contextmanager
def serve_feed(feed: Feed) -> Iterator[str]:
    """Serve `feed` at the returned URL (…/feed.xml) until the block ends."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_args: object) -> None:
            pass

        def do_GET(self) -> None:
            base = f"http://127.0.0.1:{self.server.server_address[1]}"
            with feed.lock:
                feed.requests.append((self.path, self.headers.get("If-None-Match")))
                if self.path.startswith("/story/"):
                    return self._send(200, feed.page(int(self.path.split("/")[-1].split(".")[0])), "text/html")
                if feed.failures:
                    return self._send(feed.failures.pop(0), b"server error", "text/plain")
                body = feed.body(base)
            etag = '"' + hashlib.sha1(body).hexdigest() + '"'
            if feed.etags and self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                return None
            return self._send(200, body, "application/rss+xml", etag if feed.etags else None)

        def _send(self, code: int, body: bytes, kind: str, etag: str | None = None) -> None:
            self.send_response(code)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            if etag:
                self.send_header("ETag", etag)
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/feed.xml"
    finally:
        server.shutdown()
        server.server_close()
