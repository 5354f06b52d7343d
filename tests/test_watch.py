"""Watching feeds (index/watch.py) against a real RSS server on 127.0.0.1, with a clock the test moves.

A feed answering 304, then 500s, then a new item; only new or changed entries fetched; two feeds, one dead;
durations and backoff; health in `status --json`.
"""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from core.durations import parse_duration
from core.errors import ConfigError
from core.settings import FetchSettings, Settings
from index.handle import IndexHandle
from index.watch import Watcher, backoff
from qa.desk import Desk
from tests.feed_server import Feed, Item, serve_feed
from tests.servers import free_port

FERRY = Item("Eastport ferry to cost $48 million",
             "The new Eastport ferry will cost 48 million dollars, the harbour board said on Monday.\n"
             "Boats will run every hour from the spring, board chair Ana Ruiz said.")
LIBRARY = Item("Northfield opens a library",
               "Northfield opened a new library on Tuesday with 40,000 books, mayor Tom Baker said.\n"
               "The building cost 12 million dollars and took three years to finish.")
BRIDGE = Item("Westbury bridge closes for repairs",
              "The Westbury bridge will close for nine weeks of repairs from March 4, the council said.\n"
              "Drivers are asked to use the river road, council engineer Mia Chen said.", published="2024-03-02")


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def watch_desk(tmp_path, embedder):
    settings = Settings(home=tmp_path / "home", fetch=FetchSettings(allow_private=True))
    handle = IndexHandle(settings, embedder=embedder)
    yield Desk(settings, handle=handle)
    handle.close()


def test_durations_and_backoff():
    assert [parse_duration(t) for t in ("30s", "15m", "1h", "1h30m", "90")] == [30, 900, 3600, 5400, 90]
    for bad in ("15 minutes", "0s", "-5", "m"):
        with pytest.raises(ConfigError, match=repr(bad)):
            parse_duration(bad, "--every")
    assert [backoff(10, e, 3600) for e in range(5)] == [10, 20, 40, 80, 160]
    assert backoff(10, 30, 3600) == 3600 and backoff(7200, 3, 3600) == 7200  # capped, never below `every`
    assert Settings(watch={"every": "15m"}).watch.every == 900


def test_a_feed_answering_304_then_500s_then_a_new_item(watch_desk):
    clock = Clock()
    feed = Feed(items=[FERRY, LIBRARY])
    with serve_feed(feed) as url:
        watcher = Watcher(watch_desk.handle, [url], 10, clock=clock)
        [first] = watcher.run_once()
        assert first.outcome == "new" and len(first.added) == 2
        assert "48 million" in watch_desk.ask("How much will the Eastport ferry cost?").answer

        clock.now += 10
        [second] = watcher.run_once()
        assert second.outcome == "not modified"
        assert feed.requests[-1][1] is not None  # the ETag of the first answer was sent

        feed.failures = [500, 500, 503]
        clock.now += 10
        assert [r.outcome for r in watcher.run_once()] == ["failed"]
        assert "HTTP 500" in watch_desk.handle.feeds.get(url).last_error
        clock.now += 10
        assert watcher.run_once() == []  # backing off: due 20 s after the failure, not 10
        clock.now += 10
        [again] = watcher.run_once()
        assert again.outcome == "failed" and again.next_in == 40
        assert watch_desk.handle.feeds.get(url).errors == 2
        clock.now += 40
        assert watcher.run_once()[0].error.startswith("HTTP 503")

        feed.items.append(BRIDGE)
        clock.now += 80
        [recovered] = watcher.run_once()
        assert recovered.outcome == "new" and len(recovered.added) == 1
    state = watch_desk.handle.feeds.get(url)
    assert state.errors == 0 and state.last_error == "" and state.last_new == clock.now and state.added == 3
    assert "nine weeks" in watch_desk.ask("How long will the Westbury bridge be closed?").answer
    [health] = watch_desk.status()["feeds"]
    assert health["source"] == url and health["consecutive_errors"] == 0 and health["articles_added"] == 3
    assert health["last_checked"] and health["next_check"] and health["last_new_article"]


def test_only_new_or_changed_entries_are_fetched(watch_desk):
    clock = Clock()
    # No ETag from this server, and no text in the feed: every entry's page must be fetched, once.
    feed = Feed(items=[FERRY.__class__(**{**FERRY.__dict__, "full_text": False}),
                       LIBRARY.__class__(**{**LIBRARY.__dict__, "full_text": False})], etags=False)
    with serve_feed(feed) as url:
        watcher = Watcher(watch_desk.handle, [url], 10, clock=clock)
        assert watcher.run_once()[0].outcome == "new"
        assert sorted(feed.page_requests()) == ["/story/0.html", "/story/1.html"]

        clock.now += 10
        assert watcher.run_once()[0].outcome == "unchanged"
        assert len(feed.page_requests()) == 2  # the feed was read, no page fetched again

        feed.items[1].title = "Northfield opens its new library"
        clock.now += 10
        [changed] = watcher.run_once()
        assert changed.outcome == "new" and len(changed.updated) == 1
        assert feed.page_requests()[2:] == ["/story/1.html"]


def test_two_feeds_one_dead(watch_desk):
    clock = Clock()
    dead = f"http://127.0.0.1:{free_port()}/rss.xml"  # nothing listens there
    with serve_feed(Feed(items=[FERRY])) as url:
        watcher = Watcher(watch_desk.handle, [dead, url], 10, clock=clock)
        results = {r.source: r for r in watcher.run_once()}
        assert results[dead].outcome == "failed" and results[url].outcome == "new"
        clock.now += 10
        results = {r.source: r for r in watcher.run_once()}
        assert list(results) == [url]  # the dead one backs off; the live one is checked on time
    assert watch_desk.handle.feeds.get(dead).errors == 1
    assert "48 million" in watch_desk.ask("How much will the Eastport ferry cost?").answer


def test_watch_once_from_the_command_line_and_health_in_status(tmp_path, monkeypatch):
    monkeypatch.setenv("NEWSDESK_FETCH_ALLOW_PRIVATE", "true")
    from ui.cli import app

    runner = CliRunner()
    with serve_feed(Feed(items=[FERRY, LIBRARY])) as url:
        result = runner.invoke(app, ["watch", url, "--once"])
        assert result.exit_code == 0, result.output
        assert "2 new" in result.stderr
        status = json.loads(runner.invoke(app, ["status", "--json"]).stdout)
    assert status["articles"] == 2
    assert [f["source"] for f in status["feeds"]] == [url] and status["feeds"][0]["consecutive_errors"] == 0
    bad = runner.invoke(app, ["watch", "--every", "soon", url])
    assert bad.exit_code == 2 and "'soon' is not a duration" in bad.stderr
