"""Feeds, article URLs and URL lists, served by a real http.server on 127.0.0.1 started here."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from typer.testing import CliRunner

from core.settings import FetchSettings
from core.types import Article
from index.feeds import LoadNote, html_text
from index.loaders import LoadFailure
from index.sources import iter_sources
from ui.cli import app

PARAS = [
    "The harbour bridge reopened to traffic on Sunday after eight months of repairs to its steel deck, "
    "the city council said in a statement.",
    "Engineers replaced more than 400 corroded rivets and repainted the entire span, at a cost of "
    "12 million dollars, according to the council's transport office.",
    "\u201cWe are delighted to have the bridge back,\u201d said the mayor, adding that cyclists would get a "
    "dedicated lane from April.",
]


def page(title: str, paragraphs: list[str], site: str = "Harbour Times", date: str = "2024-03-05T10:00:00Z",
         author: str = "Jane Doe; John Roe") -> bytes:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title>"
            f"<meta property='og:title' content='{title}'><meta property='og:site_name' content='{site}'>"
            f"<meta name='author' content='{author}'><meta property='article:published_time' content='{date}'>"
            f"</head><body><nav><a href='/'>Home</a></nav><article><h1>{title}</h1>{body}</article>"
            "<footer>Copyright 2024</footer></body></html>").encode()


Route = tuple[int, dict[str, str], bytes] | Callable[[BaseHTTPRequestHandler], None]


class Server:
    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.hits: list[str] = []
        routes, hits = self.routes, self.hits

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                hits.append(self.path)
                route = routes.get(self.path)
                if route is None:
                    self.send_error(404, "Not Found")
                    return
                if callable(route):
                    route(self)
                    return
                status, headers, body = route
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                if "Content-Length" not in headers:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return self.base + path

    def html(self, path: str, body: bytes) -> str:
        self.routes[path] = (200, {"Content-Type": "text/html; charset=utf-8"}, body)
        return self.url(path)

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[Server]:
    # The server listens on loopback, which newsdesk refuses to fetch from unless told to.
    monkeypatch.setenv("NEWSDESK_FETCH_ALLOW_PRIVATE", "true")
    s = Server()
    yield s
    s.close()


def rss(server: Server, missing_link: str = "/gone.html") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel><title>Harbour Times</title><link>{server.base}/</link><description>News</description>
<item><title>Full text in the feed</title><link>{server.base}/full.html</link><guid>full-1</guid>
<pubDate>Sat, 02 Mar 2024 23:30:00 -0500</pubDate><dc:creator>Ann Lee</dc:creator>
<description>Short teaser.</description>
<content:encoded><![CDATA[<p>{PARAS[0]}</p><p>{PARAS[1]}</p><script>alert(1)</script>]]></content:encoded></item>
<item><title>Page to fetch</title><link>{server.base}/story.html</link>
<pubDate>Mon, 04 Mar 2024 08:00:00 GMT</pubDate><description>Teaser only.</description></item>
<item><title>Page that is gone</title><link>{server.base}{missing_link}</link>
<description>&lt;p&gt;The council approved a new budget for the ferry service on Tuesday.&lt;/p&gt;</description></item>
</channel></rss>""".encode()


def atom(server: Server) -> bytes:
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Valley Wire</title><link href="{server.base}/"/>
<id>urn:valley</id><updated>2024-03-06T12:00:00Z</updated>
<entry><title>Atom full entry</title><link href="{server.base}/atom-1.html"/><id>urn:1</id>
<updated>2024-03-06T12:00:00+01:00</updated><author><name>Ann Lee</name></author><author><name>Bo Chen</name></author>
<content type="html">&lt;p&gt;{PARAS[2]}&lt;/p&gt;</content></entry>
<entry><title>Atom link entry</title><link href="{server.base}/redirect"/><id>urn:2</id>
<published>2024-01-09</published><summary>Only a summary.</summary></entry>
<entry><title>Undated entry</title><link href="{server.base}/undated.html"/><id>urn:3</id>
<content type="text">A school board in the valley voted to extend the term by two weeks.</content></entry>
</feed>""".encode()


def read(specs: list[str], url_lists: list = (), **fetch: object) -> tuple[list[Article], list[LoadFailure],
                                                                              list[LoadNote]]:
    # The test server listens on loopback, which newsdesk refuses to fetch from unless told to.
    items = list(iter_sources(specs, FetchSettings(**{"allow_private": True, **fetch}), url_lists))
    return ([i for i in items if isinstance(i, Article)], [i for i in items if isinstance(i, LoadFailure)],
            [i for i in items if isinstance(i, LoadNote)])


def test_rss_feed_by_url_full_text_fetched_page_and_summary_fallback(server):
    server.html("/story.html", page("Ferry timetable changes", PARAS[1:], author="Kim Park"))
    server.routes["/feed.xml"] = (200, {"Content-Type": "application/rss+xml"}, rss(server))
    articles, failures, notes = read([server.url("/feed.xml")])
    assert failures == []
    full, fetched, summary = articles
    assert full.title == "Full text in the feed" and full.text == "\n\n".join(PARAS[:2])  # no script, no teaser
    assert full.published == "2024-03-02"  # the publisher's calendar date, not shifted to UTC
    assert full.authors == ["Ann Lee"] and full.source == "Harbour Times" and full.url == server.url("/full.html")
    assert "/full.html" not in server.hits  # full text in the feed: the page is not fetched
    assert fetched.title == "Page to fetch" and "400 corroded rivets" in fetched.text
    assert fetched.authors == ["Kim Park"] and fetched.published == "2024-03-04"
    assert summary.text == "The council approved a new budget for the ferry service on Tuesday."
    assert [(n.where, n.article_id) for n in notes] == [(server.url("/gone.html"), summary.id)]
    assert "summary only" in notes[0].message and "404" in notes[0].message
    assert len({a.id for a in articles}) == 3


def test_feed_file_on_disk_and_feed_served_as_plain_text(server, tmp_path):
    server.html("/story.html", page("Ferry timetable changes", PARAS[1:]))
    feed = tmp_path / "harbour.rss"
    feed.write_bytes(rss(server))
    server.routes["/plain"] = (200, {"Content-Type": "text/plain"}, rss(server))
    from_file, failures, _ = read([str(feed)])
    from_url, failures_url, _ = read([server.url("/plain")])
    assert failures == failures_url == []
    assert [a.title for a in from_file] == [a.title for a in from_url] == [
        "Full text in the feed", "Page to fetch", "Page that is gone"]
    assert from_file[0].origin == str(feed)


def test_atom_feed_authors_dates_and_redirected_link(server):
    server.html("/atom-page.html", page("Landing page title", PARAS, site="Valley Wire Online"))
    server.routes["/redirect"] = (302, {"Location": "/atom-page.html"}, b"")
    server.routes["/atom"] = (200, {"Content-Type": "application/atom+xml"}, atom(server))
    (first, linked, undated), failures, notes = read([server.url("/atom")])
    assert failures == [] and notes == []
    assert first.authors == ["Ann Lee", "Bo Chen"] and first.published == "2024-03-06"
    assert first.source == "Valley Wire" and first.text == PARAS[2]
    assert linked.title == "Atom link entry"  # the feed's title wins over the page's
    assert linked.url == server.url("/atom-page.html")  # where the redirect ended
    assert linked.source == "Valley Wire Online" and linked.published == "2024-01-09"
    assert undated.published is None  # no date in the entry: none is made up
    assert "/undated.html" not in server.hits


def test_article_url_metadata_and_redirect(server):
    server.html("/a.html", page("Bridge reopens", PARAS, date="March 5, 2024"))
    server.routes["/short"] = (301, {"Location": server.url("/a.html")}, b"")
    (direct, redirected), failures, _ = read([server.url("/a.html"), server.url("/short")])
    assert failures == []
    assert direct.title == "Bridge reopens" and direct.source == "Harbour Times"
    assert direct.authors == ["Jane Doe", "John Roe"] and direct.published == "2024-03-05"
    assert direct.text.startswith("The harbour bridge reopened") and "Copyright" not in direct.text
    assert redirected.url == server.url("/a.html") and redirected.id != direct.id  # id of the URL asked for


def test_bad_urls_each_say_why(server):
    cap = 50_000
    server.routes["/doc.pdf"] = (200, {"Content-Type": "application/pdf"}, b"%PDF-1.4")
    server.routes["/boom"] = (500, {"Content-Type": "text/html"}, b"oops")
    for i in range(8):
        server.routes[f"/hop/{i}"] = (302, {"Location": f"/hop/{i + 1}"}, b"")
    server.routes["/big"] = (200, {"Content-Type": "text/html"}, b"<html>" + b"x" * (cap + 10))

    def chunked_big(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html")
        handler.end_headers()  # no Content-Length: the cap must hold while streaming
        for _ in range(20):
            handler.wfile.write(b"<p>" + b"y" * 10_000 + b"</p>")

    server.routes["/stream"] = chunked_big
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}/x"
    specs = [server.url(p) for p in ("/doc.pdf", "/boom", "/hop/0", "/big", "/stream", "/nothing")]
    articles, failures, _ = read([*specs, closed, "ftp://example.com/a"], max_bytes=cap, max_redirects=3)
    assert articles == []
    why = {f.where: f.reason for f in failures}
    assert "unsupported content type 'application/pdf'" in why[specs[0]]
    assert why[specs[1]] == "HTTP 500 Internal Server Error"
    assert why[specs[2]] == "more than 3 redirects"
    assert why[specs[3]] == f"body is {cap + 16:,} bytes, over the {cap:,}-byte limit"
    assert why[specs[4]] == f"body is over the {cap:,}-byte limit"
    assert why[specs[5]] == "HTTP 404 Not Found"
    assert why[closed].startswith("cannot fetch")
    assert "unsupported URL scheme" in why["ftp://example.com/a"]


def test_slow_server_times_out(server):
    def slow(handler: BaseHTTPRequestHandler) -> None:
        time.sleep(1.5)
        handler.send_response(200)
        handler.end_headers()

    server.routes["/slow"] = slow
    _, failures, _ = read([server.url("/slow")], timeout=0.3)
    assert [f.reason for f in failures] == ["timed out after 0.3s"]


def test_html_text_keeps_paragraphs_and_drops_scripts():
    assert html_text("<p>One <b>bold</b> line.</p><script>x()</script><div>Two<br>Three</div>") == (
        "One bold line.\n\nTwo\n\nThree")
    assert html_text("Plain &amp; simple") == "Plain & simple"


def test_url_list_ingest_end_to_end(server, tmp_path, desk):
    server.html("/a.html", page("Bridge reopens", PARAS))
    server.html("/b.html", page("Library extends hours", [
        "The city library will stay open until 9 p.m. on weekdays starting in April, the board announced.",
        "Officials said the longer hours follow a survey in which two thirds of readers asked for evening access."],
        site="Valley Wire", date="2024-02-01"))
    server.routes["/feed.xml"] = (200, {"Content-Type": "application/rss+xml"}, rss(server))
    server.html("/story.html", page("Ferry timetable changes", ["The ferry will run every 20 minutes at rush "
                                                                 "hour from May, the operator said on Monday."]))
    links = tmp_path / "links.txt"
    links.write_text(f"# morning run\n{server.url('/a.html')}\n\nnot a url\n{server.url('/b.html')}\n"
                     f"{server.url('/feed.xml')}\n{server.url('/missing.html')}\n")
    runner = CliRunner()
    result = runner.invoke(app, ["ingest", "--json", "--urls", str(links)])
    assert result.exit_code == 3, result.output
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert len(report["added"]) == 5  # two pages and three feed entries
    assert {f["where"] for f in report["failed"]} == {f"{links}:4", server.url("/missing.html")}
    assert [n["where"] for n in report["notes"]] == [server.url("/gone.html")]
    assert "skipped" in result.stderr and "note " in result.stderr and "2 inputs skipped" in result.stderr

    # Second run: nothing changed, so nothing is written; the gone page is still only a summary.
    again = desk.ingest([], url_lists=[links])
    assert again.added == again.updated == [] and len(again.unchanged) == 5 and again.chunks == 0

    # The page comes back: the summary is replaced by the full text; when it is gone again, the text stays.
    server.html("/gone.html", page("Page that is gone", ["The council approved a new budget for the ferry service "
                                                         "on Tuesday, with two new boats due in 2025."]))
    third = desk.ingest([server.url("/feed.xml")])
    assert len(third.updated) == 1 and third.notes == []
    del server.routes["/gone.html"]
    fourth = desk.ingest([server.url("/feed.xml")])
    assert fourth.updated == [] and len(fourth.unchanged) == 3 and len(fourth.notes) == 1
    answer = desk.ask("When will the ferry service get new boats?")
    assert "2025" in answer.answer


def test_loopback_and_redirects_into_the_private_network_are_refused_by_default(server):
    from index.fetch import Fetcher

    server.html("/a.html", page("Bridge reopens", PARAS))
    server.routes["/hop"] = (302, {"Location": "http://10.0.0.7/admin"}, b"")
    with Fetcher(FetchSettings()) as fetcher:
        direct = fetcher.get(server.url("/a.html"))
    assert "refused" in direct.reason and "127.0.0.1" in direct.reason
    # "localhost" taken for a public name (the only resolver stand-in here: no public server can run offline):
    # the first hop passes the check, the redirect to 10.0.0.7 does not.
    public = {"localhost": ["93.184.216.34"]}
    hop = server.url("/hop").replace("127.0.0.1", "localhost")
    with Fetcher(FetchSettings(), resolve=lambda host, port: public.get(host) or [host]) as fetcher:
        redirected = fetcher.get(hop)
    assert "refused" in redirected.reason and "10.0.0.7" in redirected.reason
    with Fetcher(FetchSettings(allow_private=True)) as fetcher:
        assert fetcher.get(server.url("/a.html")).url.endswith("/a.html")
