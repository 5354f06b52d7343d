"""Watching while serving, as processes: `serve --watch` against a feed on 127.0.0.1, kill -9 in a watched batch,
and questions asked during a large ingest.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from index.write import CRASH_ENV
from tests.feed_server import Feed, Item, serve_feed
from tests.servers import free_port, serve_env, stop, wait_until_serving
from tests.test_crash import snapshot
from tests.test_watch import BRIDGE, FERRY, LIBRARY

pytestmark = pytest.mark.slow


def _watch_once(home: Path, url: str, crash: str | None = None) -> subprocess.CompletedProcess:
    env = serve_env(home, NEWSDESK_FETCH_ALLOW_PRIVATE="true")
    if crash:
        env[CRASH_ENV] = crash
    return subprocess.run([sys.executable, "-m", "ui", "watch", url, "--once"], env=env, cwd=home.parent,
                          capture_output=True, text=True, timeout=600)


def _wire(n: int) -> Item:
    towns = ["Eastport", "Northfield", "Westbury", "Southam", "Lakeside"]
    return Item(f"Council report {n} from {towns[n % 5]}",
                f"The {towns[n % 5]} council approved plan number {n} worth {n * 7 + 3} thousand dollars on Monday.\n"
                f"Work on item {n} starts in week {n % 50 + 1}, the council clerk said.")


def test_kill_9_during_a_watched_batch_then_restart_equals_a_clean_run(tmp_path, embedder):
    feed = Feed(items=[_wire(n) for n in range(70)])  # two write groups of the ingest (64 articles each)
    with serve_feed(feed) as url:
        clean_home = tmp_path / "clean" / "home"
        clean_home.parent.mkdir()
        assert _watch_once(clean_home, url).returncode == 0
        home = tmp_path / "crashed" / "home"
        home.parent.mkdir()
        crashed = _watch_once(home, url, crash="upsert:2")
        assert crashed.returncode == -signal.SIGKILL, crashed.stderr[-2000:]
        restarted = _watch_once(home, url)
        assert restarted.returncode == 0, restarted.stderr[-2000:]
        assert "70 new" in restarted.stderr or "6 new" in restarted.stderr
    after, reference = snapshot(home, embedder), snapshot(clean_home, embedder)
    assert after == reference
    assert len(after["rows"]) == 70


def test_serve_watch_answers_new_items_within_two_cycles_and_never_fails_a_question(tmp_path):
    home = tmp_path / "home"
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    log = tmp_path / "serve.log"
    feed = Feed(items=[FERRY])
    with serve_feed(feed) as feed_url, log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "ui", "serve", "--host", "127.0.0.1", "--port", str(port), "--watch", feed_url,
             "--every", "10s"], cwd=home.parent, env=serve_env(home, NEWSDESK_FETCH_ALLOW_PRIVATE="true"),
            stdout=out, stderr=subprocess.STDOUT)
        try:
            wait_until_serving(proc, url, log)
            from gradio_client import Client

            client = Client(url, verbose=False, analytics_enabled=False, download_files=False)
            deadline = time.monotonic() + 120
            while "48 million" not in client.predict("How much will the Eastport ferry cost?", [],
                                                     api_name="/ask")["answer"]:
                assert time.monotonic() < deadline, log.read_text()[-3000:]
                time.sleep(1)

            failures: list[str] = []
            answered = threading.Event()
            done = threading.Event()

            def keep_asking() -> None:
                asker = Client(url, verbose=False, analytics_enabled=False, download_files=False)
                while not done.is_set():
                    try:
                        got = asker.predict("How much will the Eastport ferry cost?", [], api_name="/ask")
                        if "48 million" not in got["answer"]:
                            failures.append(f"unexpected answer: {got['answer']!r}")
                        answered.set()
                    except Exception as exc:  # every failure counts, none may happen
                        failures.append(f"{type(exc).__name__}: {exc}")

            askers = [threading.Thread(target=keep_asking) for _ in range(2)]
            for t in askers:
                t.start()
            with feed.lock:
                feed.items += [LIBRARY, BRIDGE]
                fetched_before = sum(1 for p, _ in feed.requests if p == "/feed.xml")
            while "nine weeks" not in client.predict("How long will the Westbury bridge be closed?", [],
                                                     api_name="/ask")["answer"]:
                cycles = sum(1 for p, _ in feed.requests if p == "/feed.xml") - fetched_before
                assert cycles <= 2, f"not answerable after {cycles} checks of the feed:\n{log.read_text()[-3000:]}"
                time.sleep(0.5)
            done.set()
            for t in askers:
                t.join()
            assert answered.is_set() and failures == []

            # A second process must not write the local index this one serves.
            other = _watch_once(home, feed_url)
            assert other.returncode == 2 and "serve --watch" in other.stderr

            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=60) == 0
        finally:
            stop(proc)
    text = log.read_text()
    assert "Traceback" not in text and "stopping the watcher" in text


def test_questions_during_a_large_ingest_all_succeed_and_see_whole_write_groups(sample_desk):
    """Asks on other threads while 200 articles go in (4 write groups): none fails, none waits for the whole
    ingest, and every read sees store, lexical index and manifest agree (before or after a group)."""
    from tests.test_lexical import _article

    handle = sample_desk.handle
    articles = [_article(n).model_copy(update={"id": f"bulk{n:03d}"}) for n in range(200)]
    finished: list[float] = []
    views: list[tuple[int, int, int]] = []
    errors: list[str] = []
    ingest_done = threading.Event()

    def ask_until_done() -> None:
        while not ingest_done.is_set():
            try:
                answer = sample_desk.ask("What did Le Drian say?")
                assert not answer.refused
                finished.append(time.monotonic())
                with handle.reading():
                    views.append((handle.store.count(), len(handle.lexical()), handle.manifest.counts()[1]))
            except Exception as exc:  # counted, must stay empty
                errors.append(f"{type(exc).__name__}: {exc}")

    askers = [threading.Thread(target=ask_until_done) for _ in range(2)]
    for t in askers:
        t.start()
    report = sample_desk.ingest([], articles=articles)
    ended = time.monotonic()
    ingest_done.set()
    for t in askers:
        t.join()
    assert errors == [] and len(report.added) == 200
    assert sum(1 for f in finished if f < ended) >= 3  # answered while the ingest ran, not after it
    assert views and all(store == lexical == manifest for store, lexical, manifest in views)


def test_watch_stops_cleanly_on_sigterm(tmp_path):
    home = tmp_path / "home"
    log = tmp_path / "watch.log"
    with serve_feed(Feed(items=[FERRY])) as url, log.open("w") as out:
        env = serve_env(home, NEWSDESK_FETCH_ALLOW_PRIVATE="true")
        proc = subprocess.Popen([sys.executable, "-m", "ui", "watch", url, "--every", "1h"], env=env,
                                cwd=home.parent, stdout=out, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 180
            while "1 new" not in log.read_text():
                assert time.monotonic() < deadline and proc.poll() is None, log.read_text()[-3000:]
                time.sleep(0.5)
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=60) == 0
        finally:
            stop(proc)
    assert "SIGTERM: stopping" in log.read_text()
    got = subprocess.run([sys.executable, "-m", "ui", "status", "--json"], env=env, cwd=home.parent,
                         capture_output=True, text=True, timeout=120)
    status = json.loads(got.stdout)
    assert status["articles"] == 1 and status["feeds"][0]["articles_added"] == 1
