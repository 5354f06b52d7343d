"""Reliability: what the network does to an ingest, and what a Chroma server going away does.

Web inputs come from a real http.server on 127.0.0.1 started here, misbehaving on purpose: a closed port, a 500,
a 20 MB body (declared and streamed), a connection cut mid-body, a body that lies about its gzip encoding, and
feeds with dates no one can read. The Chroma server is a real `chroma run`, stopped before an ingest and killed
in the middle of one.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from core.settings import Settings
from index.handle import IndexHandle
from qa.desk import Desk
from tests.test_reliability_inputs import assert_clean_failure, run_cli, skipped

STORY = (b"<!DOCTYPE html><html><head><title>Tram line opens</title><meta property='og:site_name' content='Valley "
         b"Wire'></head><body><article><h1>Tram line opens</h1><p>The new tram line between the station and the "
         b"hospital opened on Monday, the transport authority said.</p><p>Trams will run every eight minutes at "
         b"rush hour, and fares stay the same until June.</p></article></body></html>")
OTHER_STORY = (b"<!DOCTYPE html><html><head><title>Observatory reopens</title></head><body><article><h1>Observatory "
               b"reopens</h1><p>The hilltop observatory reopened to visitors after its telescope mirror was "
               b"recoated, the university said on Friday.</p></article></body></html>")
BAD_DATES = ["not a date", "32/13/2024", "2024-02-30", "Mon, 32 Foo 2024 25:61:00 +9900", "99999999999",
             "0000-00-00"]
# Distinct stories (near-duplicates would be collapsed into one): six undated and one dated per feed.
SUMMARIES = {
    "web": ["The river authority opened a fish ladder beside the old mill.",
            "Forest rangers counted forty nesting eagles in the northern reserve.",
            "Harbour pilots refused night shifts after two collisions in fog.",
            "Market stall holders won a rent freeze until the autumn fair.",
            "Castle restorers found a sealed chapel behind the kitchen wall.",
            "Bridge inspectors closed the footpath over the canal for a week.",
            "The lake festival opened on Saturday with a regatta of paper boats."],
    "file": ["Vineyard owners expect the smallest harvest in thirty years.",
             "The chess club of Brackley beat the champions from Seacombe.",
             "Bus drivers in Lowmoor voted to accept a four-day week.",
             "A meteorite fragment was donated to the village school museum.",
             "Beekeepers warned that wet spring weather kept hives hungry.",
             "The ferry to the islands will carry bicycles free from July.",
             "The ice rink reopened on Saturday after its roof was rebuilt."],
}


def _feed(base: str, name: str) -> bytes:
    stories = SUMMARIES[name]
    items = "".join(f"<item><title>{name} undated {i}</title><link>{base}/{name}/gone/{i}</link><pubDate>{d}"
                    f"</pubDate><description>{stories[i]}</description></item>" for i, d in enumerate(BAD_DATES))
    dated = (f"<item><title>{name} dated</title><link>{base}/{name}/gone/dated</link><pubDate>Sat, 02 Mar 2024 "
             f"10:00:00 GMT</pubDate><content:encoded><![CDATA[<p>{stories[-1]}</p>]]></content:encoded></item>")
    return (f'<?xml version="1.0"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">'
            f"<channel><title>Odd Dates Daily</title><link>{base}/</link>{items}{dated}</channel></rss>").encode()


Handler = Callable[[BaseHTTPRequestHandler], None]


def _send(status: int, body: bytes, ctype: str = "text/html; charset=utf-8", **headers: str) -> Handler:
    def handle(h: BaseHTTPRequestHandler) -> None:
        h.send_response(status)
        h.send_header("Content-Type", ctype)
        h.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            h.send_header(name.replace("_", "-"), value)
        h.end_headers()
        h.wfile.write(body)

    return handle


def _huge(declared: bool) -> Handler:
    def handle(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "text/html")
        if declared:
            h.send_header("Content-Length", str(20_000_000))
        h.end_headers()
        block = b"<p>" + b"filler text " * 8000 + b"</p>"
        for _ in range(20_000_000 // len(block) + 1):
            h.wfile.write(block)

    return handle


def _cut(h: BaseHTTPRequestHandler) -> None:
    h.send_response(200)
    h.send_header("Content-Type", "text/html")
    h.send_header("Content-Length", str(len(STORY) * 4))
    h.end_headers()
    h.wfile.write(STORY[:200])
    h.wfile.flush()
    h.connection.shutdown(socket.SHUT_RDWR)  # the server dies mid-body


@pytest.fixture
def web(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    # The server listens on loopback, which newsdesk refuses to fetch from unless told to.
    monkeypatch.setenv("NEWSDESK_FETCH_ALLOW_PRIVATE", "true")
    routes: dict[str, Handler] = {}

    class Serve(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            handler = routes.get(self.path)
            # The client hanging up on a body it does not want is the point of some routes.
            with contextlib.suppress(OSError):
                handler(self) if handler else self.send_error(404)

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Serve)
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    routes.update({
        "/story.html": _send(200, STORY),
        "/boom": _send(500, b"<html>Internal error</html>"),
        "/huge-declared": _huge(declared=True),
        "/huge-streamed": _huge(declared=False),
        "/cut": _cut,
        "/fake-gzip": _send(200, b"this is not gzip at all", Content_Encoding="gzip"),
        "/real-gzip": _send(200, gzip.compress(OTHER_STORY), Content_Encoding="gzip"),
        "/feed.xml": _send(200, _feed(base, "web"), "application/rss+xml"),
    })
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield base
    finally:
        httpd.shutdown()
        httpd.server_close()


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.slow
def test_cli_ingest_of_misbehaving_urls_and_feeds(web, tmp_path, handle):
    closed = f"http://127.0.0.1:{_closed_port()}/article.html"
    bad = {closed: "cannot fetch", f"{web}/boom": "HTTP 500", f"{web}/huge-declared": "over the",
           f"{web}/huge-streamed": "over the", f"{web}/cut": "cannot fetch", f"{web}/fake-gzip": "cannot fetch"}
    feed_file = tmp_path / "odd.rss"
    feed_file.write_bytes(_feed(web, "file"))
    urls = [f"{web}/story.html", *bad, f"{web}/real-gzip", f"{web}/feed.xml"]
    result = run_cli("ingest", "--json", *urls, str(feed_file), home=Path(os.environ["NEWSDESK_HOME"]))
    assert_clean_failure(result)
    assert result.returncode == 3, result.stderr[-3000:]
    reported = skipped(result.stderr)
    assert set(reported) == set(bad), reported
    for where, fragment in bad.items():
        assert fragment in reported[where], (where, reported[where])
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert len(summary["added"]) == 2 + 2 * (len(BAD_DATES) + 1)

    rows = {r["title"]: r for r in handle.manifest.rows()}
    assert {"Tram line opens", "Observatory reopens"} <= set(rows)
    for name in SUMMARIES:
        undated = [rows[f"{name} undated {i}"]["published"] for i in range(len(BAD_DATES))]
        assert undated == [None] * len(BAD_DATES), list(zip(BAD_DATES, undated, strict=True))
        assert rows[f"{name} dated"]["published"] == "2024-03-02"


# --- Chroma server: down before the ingest, killed during one ---

CHROMA = Path(sys.executable).parent / "chroma"


def _start_chroma(data: Path, port: int, log: Path) -> subprocess.Popen:
    with log.open("wb") as out:
        proc = subprocess.Popen([str(CHROMA), "run", "--path", str(data), "--host", "127.0.0.1", "--port",
                                 str(port)], stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert proc.poll() is None, log.read_text(errors="replace")[-2000:]
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    proc.kill()
    pytest.fail("chroma run did not answer its heartbeat")


def _news(path: Path, n: int) -> Path:
    lines = [json.dumps({"id": f"n{i:03d}", "title": f"Council session {i}",
                         "text": " ".join(f"In session {i} the council of district {i} debated motion {j} on "
                                          f"roads, schools and the budget, member {j} said." for j in range(4))})
             for i in range(n)]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.slow
@pytest.mark.server
@pytest.mark.skipif(not CHROMA.exists(), reason="no chroma CLI next to this Python")
def test_chroma_server_down_then_killed_mid_ingest_then_back(tmp_path, embedder):
    port = _closed_port()
    home = tmp_path / "home"
    env = {"NEWSDESK_CHROMA_HOST": "127.0.0.1", "NEWSDESK_CHROMA_PORT": str(port)}
    # Two write groups of 64 articles: the server is killed once the first has reached it.
    corpus = _news(tmp_path / "news.jsonl", 128)

    down = run_cli("ingest", str(corpus), home=home, **env)
    assert_clean_failure(down)
    assert down.returncode == 4, down.stderr[-2000:]
    assert f"127.0.0.1:{port}" in down.stderr and "chroma run" in down.stderr
    status = run_cli("status", home=home, **env)
    assert_clean_failure(status)
    assert status.returncode == 4 and f"127.0.0.1:{port}" in status.stderr, status.stderr[-2000:]

    data = tmp_path / "chroma-data"
    server = _start_chroma(data, port, tmp_path / "chroma.log")
    environ = {**os.environ, "NEWSDESK_HOME": str(home), **env}
    environ.pop("NEWSDESK_DEBUG", None)
    writer = subprocess.Popen([sys.executable, "-m", "ui", "ingest", str(corpus)], env=environ,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 600
        while _server_count(port) == 0:  # the first group of chunks has reached the server
            assert writer.poll() is None, writer.communicate()
            assert time.monotonic() < deadline, "the ingest never wrote to the server"
            time.sleep(0.05)
        server.send_signal(signal.SIGKILL)
        server.wait()
        out, err = writer.communicate(timeout=600)
    finally:
        if writer.poll() is None:
            writer.kill()
    result = subprocess.CompletedProcess(writer.args, writer.returncode, out, err)
    assert_clean_failure(result)
    if writer.returncode != 0:  # it may have finished its last write before the kill landed
        assert writer.returncode == 4, err[-2000:]
        assert f"127.0.0.1:{port}" in err and "unreachable" in err
        print(f"killed mid-ingest: {err.strip().splitlines()[-1]}")

    # Back up on the same data: the same ingest (here in-process) repairs and ends with every article exactly once.
    server = _start_chroma(data, port, tmp_path / "chroma2.log")
    try:
        settings = Settings(home=home, chroma={"host": "127.0.0.1", "port": port})
        handle = IndexHandle(settings, embedder=embedder)
        try:
            report = Desk(settings, handle=handle).ingest([corpus])
            assert report.failures == []
            rows = handle.manifest.rows()
            assert handle.manifest.pending() == [] and len(rows) == 128
        finally:
            handle.close()
        ids = _server_chunk_ids(port)
        assert len(ids) == len(set(ids)) == sum(r["chunks"] for r in rows)
        assert {i.rsplit(":", 1)[0] for i in ids} == {f"n{i:03d}" for i in range(128)}
    finally:
        server.kill()
        server.wait()


def _client(port: int):
    import chromadb
    from chromadb.config import Settings as ChromaConfig

    return chromadb.HttpClient(host="127.0.0.1", port=port, settings=ChromaConfig(anonymized_telemetry=False))


def _server_count(port: int) -> int:
    try:
        return _client(port).get_collection("newsdesk").count()
    except Exception:  # not created yet
        return 0


def _server_chunk_ids(port: int) -> list[str]:
    return list(_client(port).get_collection("newsdesk").get(include=[])["ids"])
