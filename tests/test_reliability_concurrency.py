"""Reliability: many users at once and many writers at once.

- 20 chat sessions against a served app (`python -m ui serve`, a real subprocess) through gradio_client, each with
  its own follow-up history: every call answered, and each session's answers exactly those the same questions get
  one at a time (a history crossing sessions would change a follow-up's answer).
- Writers on one data dir: `newsdesk ingest` processes wait for each other with a clear message; the one holding
  the lock is killed with SIGKILL; the others go on; a rerun ends where one clean run ends.
- Threads of one process asking while the lexical index is missing: one rebuild, no error.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from filelock import FileLock

from bench.load import PAIRS, run_level, run_session, start_server
from core.settings import Settings
from index.handle import IndexHandle
from qa.desk import Desk
from tests.conftest import SAMPLE_DIR
from tests.servers import free_port, stop, wait_until_serving
from tests.test_reliability_inputs import assert_clean_failure
from tests.test_reliability_storage import _clean_state, _corpus, _state

WAITING = "waiting for another newsdesk process"


def _essence(answer: dict) -> tuple:
    return (answer["question"], answer["answer"], answer["refused"], tuple(c["quote"] for c in answer["citations"]))


@pytest.mark.slow
def test_twenty_concurrent_chat_sessions_keep_their_own_history(tmp_path, sample_desk):
    sample_desk.handle.close()
    home = Path(sample_desk.settings.home)
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    log = tmp_path / "serve.log"
    proc = start_server(home, port, log, command="serve")
    try:
        wait_until_serving(proc, url, log)
        # One at a time first: what each question and follow-up must get.
        serial = {pair: run_session(url, -1, pair) for pair in PAIRS}
        for pair, session in serial.items():
            assert not session.error, session.error
            assert not session.answers[0]["refused"], pair
        follow_ups = {_essence(s.answers[1])[1:] for s in serial.values()}
        assert len(follow_ups) == len(PAIRS), "the follow-ups must differ, or crossing histories would go unseen"

        sessions, _ = run_level(url, 20)
        assert [s.error for s in sessions] == [""] * 20
        for s in sessions:
            assert [_essence(a) for a in s.answers] == [_essence(a) for a in serial[s.pair].answers], s.index
        assert proc.poll() is None
    finally:
        stop(proc)
    assert "Traceback" not in log.read_text()


def _holder(lock_path: Path, pids: list[int]) -> int | None:
    """Which of `pids` holds the flock on `lock_path` (from /proc/locks), if any."""
    inode = os.stat(lock_path).st_ino
    for line in Path("/proc/locks").read_text().splitlines():
        parts = line.split()
        if "->" in parts or len(parts) < 6 or parts[1] != "FLOCK":
            continue
        pid, where = int(parts[4]), parts[5]
        if where.rsplit(":", 1)[-1] == str(inode) and pid in pids:
            return pid
    return None


def _until(predicate, what: str, limit: float = 300.0):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    pytest.fail(f"timed out waiting for {what}")


def _rows_written(home: Path) -> int:
    """Manifest rows (pending or done) under `home`, read without taking part in anyone's transaction."""
    for path in (home / "manifest").glob("*.sqlite"):
        try:
            with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=0.05)) as db:
                return int(db.execute("SELECT count(*) FROM articles").fetchone()[0])
        except sqlite3.Error:  # mid-write or mid-creation: ask again
            return 0
    return 0


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/locks").exists(), reason="finding the lock holder needs Linux /proc/locks")
def test_concurrent_writers_wait_for_each_other_and_survive_a_killed_lock_holder(tmp_path, embedder):
    corpora = [_corpus(tmp_path / f"part{i}.jsonl", n=6, start=6 * i) for i in range(2)]
    clean = _clean_state(tmp_path, embedder, SAMPLE_DIR, *corpora)
    home = tmp_path / "shared-home"
    lock_path = IndexHandle(Settings(home=home)).lock_path
    lock_path.parent.mkdir(parents=True)
    env = {**os.environ, "NEWSDESK_HOME": str(home)}
    env.pop("NEWSDESK_DEBUG", None)
    commands = [[str(SAMPLE_DIR), str(c)] for c in corpora]

    # Hold the lock ourselves until both writers say they wait: the overlap is certain, not a matter of timing.
    held = FileLock(str(lock_path))
    held.acquire()
    procs, logs = [], []
    try:
        for i, paths in enumerate(commands):
            logs.append(tmp_path / f"writer{i}.err")
            with logs[-1].open("w") as err:
                procs.append(subprocess.Popen([sys.executable, "-m", "ui", "ingest", *paths], env=env,
                                              stdout=subprocess.PIPE, stderr=err, text=True))
        _until(lambda: all(WAITING in log.read_text() for log in logs), "both writers to report that they wait")
    finally:
        held.release()

    # Whoever takes the lock is killed once it has started writing; the other must wait, repair and finish.
    pids = [p.pid for p in procs]
    victim = _until(lambda: _holder(lock_path, pids), "a writer to take the lock")
    _until(lambda: _rows_written(home), "the lock holder to start writing", limit=600)
    os.kill(victim, signal.SIGKILL)
    for proc, log in zip(procs, logs, strict=True):
        proc.wait(timeout=600)
        if proc.pid == victim:
            assert proc.returncode == -signal.SIGKILL
            continue
        result = subprocess.CompletedProcess(proc.args, proc.returncode, proc.stdout.read(), log.read_text())
        assert_clean_failure(result)
        assert proc.returncode == 0, result.stderr[-2000:]
        assert len([line for line in result.stderr.splitlines() if WAITING in line]) == 1

    # The killed writer's ingest again, as its user would: the index ends as one clean run of everything.
    from chromadb.api.client import SharedSystemClient

    SharedSystemClient.clear_system_cache()
    rerun = IndexHandle(Settings(home=home), embedder=embedder)
    try:
        report = Desk(rerun.settings, handle=rerun).ingest([Path(p) for p in commands[pids.index(victim)]])
    finally:
        rerun.close()
    assert report.failures == []
    state = _state(home, embedder)
    assert state == clean
    assert state["pending"] == []


def test_threads_asking_while_the_lexical_index_is_missing_all_get_answers(tmp_path, sample_desk):
    import shutil

    expected = sample_desk.ask("What did Le Drian say?").answer
    # A lost lexical index (a wiped data dir, an older version's): every first question wants to build it.
    handle = sample_desk.handle
    handle.release_writers()
    shutil.rmtree(handle.lexical_dir)
    handle._lexical = None
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda _: sample_desk.ask("What did Le Drian say?").answer, range(8)))
    assert answers == [expected] * 8
    assert handle.lexical_dir.exists() and len(handle.lexical()) == handle.store.count()
    assert not handle.lexical_dir.with_name(handle.lexical_dir.name + ".tmp").exists()


@pytest.mark.slow
def test_desk_is_shared_by_threads_without_mixing_follow_ups(sample_desk):
    from qa.chain import Turn

    def follow(pair: tuple[str, str]) -> str:
        first = sample_desk.ask(pair[0])
        cited = list(dict.fromkeys(c.article_id for c in first.citations))
        turns = [Turn(question=pair[0], answer=first.answer, cited_articles=cited)]
        return sample_desk.ask(pair[1], history=turns).answer

    serial = {pair: follow(pair) for pair in PAIRS}
    with ThreadPoolExecutor(max_workers=8) as pool:
        got = list(pool.map(lambda i: (PAIRS[i % len(PAIRS)], follow(PAIRS[i % len(PAIRS)])), range(8)))
    for pair, answer in got:
        assert answer == serial[pair], pair
