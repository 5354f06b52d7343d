"""News sitemaps and sitemap indexes served on 127.0.0.1 by a real http.server, read by URL and from disk."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.settings import FetchSettings
from core.types import Article
from index.feeds import LoadNote
from index.outcomes import LoadFailure
from index.sources import iter_sources
from tests.test_reliability_inputs import run_cli
from tests.test_sources import Server, page

NEWS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"'
STORIES = {
    # path: (sitemap publication date, sitemap title, first paragraph of the page)
    "/ferry.html": ("2024-03-04", "Ferry timetable changes", "The ferry to the islands will run every hour from "
                    "Monday, the operator said."),
    "/bridge.html": ("2024-03-06T09:00:00+01:00", "Bridge reopens after repairs", "The harbour bridge reopened "
                     "on Wednesday after eight months of repairs, the city said."),
    "/market.html": ("2024-02-20", "Market hall to close", "The old market hall will close for renovation in "
                     "April, traders were told on Tuesday."),
    "/school.html": ("2024-03-05", "School gets new roof", "The primary school on Hill Road got a new roof over "
                     "the half-term break, the council said."),
}


@pytest.fixture
def site(monkeypatch: pytest.MonkeyPatch) -> Iterator[Server]:
    # The server listens on loopback, which newsdesk refuses to fetch from unless told to.
    monkeypatch.setenv("NEWSDESK_FETCH_ALLOW_PRIVATE", "true")
    server = Server()
    yield server
    server.close()


def serve_pages(server: Server) -> None:
    for path, (_, _, text) in STORIES.items():
        server.html(path, page(f"Page title of {path}", [text, "Residents welcomed the news on Friday."]))


def news_sitemap(server: Server, paths: list[str]) -> bytes:
    urls = "".join(
        f"<url><loc>{server.url(p)}</loc><news:news><news:publication><news:name>Harbour Times</news:name>"
        f"<news:language>en</news:language></news:publication><news:publication_date>{STORIES[p][0]}"
        f"</news:publication_date><news:title>{STORIES[p][1]}</news:title></news:news></url>" for p in paths)
    return f'<?xml version="1.0" encoding="UTF-8"?><urlset {NEWS}>{urls}</urlset>'.encode()


def read(specs: list[str], **fetch: object) -> tuple[list[Article], list[LoadFailure], list[LoadNote]]:
    items = list(iter_sources(specs, FetchSettings(**{"allow_private": True, **fetch})))
    return ([i for i in items if isinstance(i, Article)], [i for i in items if isinstance(i, LoadFailure)],
            [i for i in items if isinstance(i, LoadNote)])


def test_a_news_sitemap_is_read_newest_first_with_its_titles_and_dates(site):
    serve_pages(site)
    xml = news_sitemap(site, list(STORIES))
    url = site.url("/sitemap.xml")
    site.routes["/sitemap.xml"] = (200, {"Content-Type": "application/xml"}, xml)
    articles, failures, notes = read([url], sitemap_limit=3)
    assert failures == []
    assert [a.title for a in articles] == ["Bridge reopens after repairs", "School gets new roof",
                                           "Ferry timetable changes"]
    assert [a.published for a in articles] == ["2024-03-06", "2024-03-05", "2024-03-04"]
    assert {a.source for a in articles} == {"Harbour Times"}
    assert "reopened on Wednesday" in articles[0].text
    assert site.url("/market.html") not in {a.url for a in articles}
    assert "/market.html" not in site.hits  # the oldest page beyond the limit is never fetched
    assert [n.message for n in notes] == ["read the newest 3 of the 4 pages listed (ingest --limit N, or "
                                          "NEWSDESK_FETCH_SITEMAP_LIMIT, reads more)"]


def test_a_sitemap_index_reads_its_newest_sitemaps_first_including_gzipped_ones(site):
    serve_pages(site)
    site.routes["/news-march.xml.gz"] = (200, {"Content-Type": "application/x-gzip"},
                                           gzip.compress(news_sitemap(site, ["/bridge.html", "/school.html"])))
    site.routes["/news-feb.xml"] = (200, {"Content-Type": "text/xml"},
                                      news_sitemap(site, ["/market.html", "/ferry.html"]))
    index = (f'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
             f"<sitemap><loc>{site.url('/news-feb.xml')}</loc><lastmod>2024-03-04</lastmod></sitemap>"
             f"<sitemap><loc>{site.url('/news-march.xml.gz')}</loc><lastmod>2024-03-06</lastmod></sitemap>"
             f"<sitemap><loc>{site.url('/missing.xml')}</loc><lastmod>2024-01-01</lastmod></sitemap>"
             "</sitemapindex>").encode()
    site.routes["/index.xml"] = (200, {"Content-Type": "application/xml"}, index)

    articles, failures, _ = read([site.url("/index.xml")], sitemap_limit=2)
    # The two newest pages are in the newest sitemap: the older sitemaps are never fetched.
    assert [a.title for a in articles] == ["Bridge reopens after repairs", "School gets new roof"]
    assert "/news-feb.xml" not in site.hits and "/missing.xml" not in site.hits
    assert failures == []

    articles, failures, _ = read([site.url("/index.xml")], sitemap_limit=10)
    assert [a.published for a in articles] == ["2024-03-06", "2024-03-05", "2024-03-04", "2024-02-20"]
    assert [(f.where, f.reason) for f in failures] == [(site.url("/missing.xml"), "HTTP 404 Not Found")]

    articles, failures, _ = read([site.url("/index.xml")], sitemap_limit=10, sitemap_files=1)
    assert len(articles) == 2
    assert [f.reason for f in failures] == ["the index lists 2 more sitemaps than NEWSDESK_FETCH_SITEMAP_FILES "
                                            "allows: not read"]


def test_sitemaps_keep_the_fetch_limits(site):
    serve_pages(site)
    big = news_sitemap(site, list(STORIES)) + b"<!--" + b"x" * 5000 + b"-->"
    site.routes["/big.xml"] = (200, {"Content-Type": "application/xml"}, big)
    site.routes["/bomb.xml.gz"] = (200, {"Content-Type": "application/gzip"}, gzip.compress(b" " * 50_000))
    _, failures, _ = read([site.url("/big.xml"), site.url("/bomb.xml.gz")], max_bytes=2048)
    assert [f.reason for f in failures] == [f"body is {len(big):,} bytes, over the 2,048-byte limit",
                                            "the sitemap inflates to over 2,048 bytes"]
    # Without NEWSDESK_FETCH_ALLOW_PRIVATE, a sitemap (or its pages) on a private address is refused.
    items = list(iter_sources([site.url("/big.xml")], FetchSettings()))
    assert len(items) == 1 and "is a local or private address" in items[0].reason


def test_sitemap_files_on_disk_are_read_and_other_xml_is_not(site, tmp_path):
    serve_pages(site)
    (tmp_path / "news.xml").write_bytes(news_sitemap(site, ["/ferry.html"]))
    (tmp_path / "config.xml").write_text("<?xml version='1.0'?><config><debug>true</debug></config>")
    articles, failures, _ = read([str(tmp_path / "news.xml"), str(tmp_path / "config.xml")])
    assert [a.title for a in articles] == ["Ferry timetable changes"]
    assert [f.reason for f in failures] == ["neither an RSS/Atom feed nor a sitemap (root element: <config>)"]


def test_empty_and_broken_sitemaps_say_so(site):
    site.routes["/empty.xml"] = (200, {"Content-Type": "application/xml"},
                                   b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"/>')
    site.routes["/odd.xml"] = (200, {"Content-Type": "application/xml"},
                                 f"<urlset><url><loc>ftp://x/a</loc></url><url><loc>{site.url('/gone')}</loc>"
                                 "</url></urlset>".encode())
    _, failures, _ = read([site.url("/empty.xml"), site.url("/odd.xml")])
    assert [f.reason for f in failures] == ["the sitemap lists no pages", "not an http(s) URL in the sitemap: "
                                            "'ftp://x/a'", "HTTP 404 Not Found"]


@pytest.mark.slow
def test_cli_ingest_of_a_sitemap_url_with_limit(site, tmp_path):
    serve_pages(site)
    site.routes["/sitemap.xml"] = (200, {"Content-Type": "application/xml"}, news_sitemap(site, list(STORIES)))
    result = run_cli("ingest", site.url("/sitemap.xml"), "--limit", "2", "--json", home=tmp_path / "home",
                     NEWSDESK_FETCH_ALLOW_PRIVATE="true")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert len(report["added"]) == 2
    assert "read the newest 2 of the 4 pages listed" in result.stderr
    bad = run_cli("ingest", site.url("/sitemap.xml"), "--limit", "0", home=tmp_path / "home")
    assert bad.returncode == 2 and "--limit must be at least 1, got 0" in bad.stderr
    assert Path(tmp_path / "home").is_dir()
