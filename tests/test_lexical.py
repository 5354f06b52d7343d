"""The in-place lexical index against a rebuild, the readers/writer lock, and reconciling only announced work."""

from __future__ import annotations

import threading
import time

import pytest

from core.types import Article, Filters
from index.lexical import LexicalIndex
from index.remove import remove
from index.rwlock import ReadWriteLock

QUERIES = ["Eastport ferry cost", "library books Northfield", "bridge repairs council", "storm damage harbour",
           "mayor said budget school"]
_TOWNS = ["Eastport", "Northfield", "Westbury", "Southam", "Lakeside", "Hillcrest"]
_THINGS = ["ferry", "library", "bridge", "school", "harbour", "budget", "storm", "museum"]


def _article(n: int, version: int = 1) -> Article:
    town, thing = _TOWNS[n % len(_TOWNS)], _THINGS[(n * 3) % len(_THINGS)]
    paras = [f"The {thing} in {town} will cost {n + 3} million dollars, the mayor said in report {n}."]
    paras += [f"Section {p}: the {_THINGS[(n + p) % len(_THINGS)]} council met about the {thing} and the "
              f"{_THINGS[(n * p) % len(_THINGS)]} in {_TOWNS[(n + p) % len(_TOWNS)]}." for p in range(1 + n % 4)]
    if version == 2:
        paras.append(f"Update: the {thing} in {town} now opens in {2025 + n % 3}, storm damage permitting.")
    return Article(id=f"a{n:02d}", title=f"{thing.title()} news from {town}", text="\n\n".join(paras),
                   source="Wire" if n % 2 else "Post", published=f"2024-0{1 + n % 3}-1{n % 9}")


def _view(lexical: LexicalIndex) -> dict:
    filters = Filters(sources=["Wire"], since="2024-02-01")
    return {"ids": sorted(lexical.ids()),
            "top": [[cid for cid, _ in lexical.search(q, 5)] for q in QUERIES],
            "filtered": [[cid for cid, _ in lexical.search(q, 5, filters)] for q in QUERIES]}


def test_adding_replacing_and_removing_in_place_equals_a_rebuild(desk, tmp_path):
    desk.ingest([], articles=[_article(n) for n in range(24)])
    desk.ingest([], articles=[_article(n, version=2) for n in range(0, 24, 3)])  # replaced: more chunks
    remove(desk.handle, ids=["a05", "a06", "a17"])
    desk.ingest([], articles=[_article(n) for n in range(24, 30)])
    handle = desk.handle
    in_place = handle.lexical()
    rebuilt = LexicalIndex.build(tmp_path / "rebuilt", handle.store.iter_chunks())
    assert len(in_place) == len(rebuilt) == handle.store.count()
    view = _view(in_place)
    assert view == _view(rebuilt)
    assert not any(cid.startswith(("a05:", "a06:", "a17:")) for cid in view["ids"])
    assert all(view["top"]) and all(view["filtered"])


def test_reconciling_reads_only_announced_work(desk, monkeypatch):
    desk.ingest([], articles=[_article(n) for n in range(6)])
    handle = desk.handle
    store = handle.store

    def no_full_scan():
        raise AssertionError("reconciling read every article although nothing was pending")

    monkeypatch.setattr(store, "article_metadata", no_full_scan)
    monkeypatch.setattr(store, "chunk_ids", no_full_scan)
    assert desk.ingest([], articles=[_article(2)]).repaired == 0

    # A write that died after its rows went pending: only those rows are repaired, still without a full scan.
    handle.manifest.mark_pending(["a03"])
    report = desk.ingest([], articles=[_article(n) for n in range(6)])
    assert report.repaired == 1 and report.added == ["a03"]
    assert len(handle.lexical()) == store.count() == handle.manifest.counts()[1]


def test_a_lost_lexical_index_and_a_count_mismatch_are_repaired(desk):
    desk.ingest([], articles=[_article(n) for n in range(6)])
    handle = desk.handle
    lexical = handle.lexical()
    with handle.writing():
        lexical.delete_articles(["a01"])  # as if a commit had been lost
        lexical.commit()
    assert len(lexical) < handle.store.count()
    assert desk.ingest([], articles=[]).repaired > 0
    assert sorted(lexical.ids()) == sorted(handle.store.chunk_ids())


def test_readers_share_and_a_writer_waits_for_them_then_holds_new_ones_back():
    lock = ReadWriteLock()
    events: list[str] = []
    reading = threading.Event()

    def reader(name: str, hold: float) -> None:
        with lock.read():
            events.append(f"{name} in")
            reading.set()
            time.sleep(hold)
            events.append(f"{name} out")

    def writer() -> None:
        with lock.write():
            events.append("write in")
            time.sleep(0.1)
            events.append("write out")

    first = threading.Thread(target=reader, args=("r1", 0.3))
    first.start()
    reading.wait()
    w = threading.Thread(target=writer)
    w.start()
    time.sleep(0.05)
    late = threading.Thread(target=reader, args=("r2", 0.0))
    late.start()
    for t in (first, w, late):
        t.join()
    # The writer waited for r1, and r2 (arriving while the writer waited) came after the write.
    assert events == ["r1 in", "r1 out", "write in", "write out", "r2 in", "r2 out"]
    with lock.read(), lock.read():  # re-entrant for a reader
        pass
    with lock.write(), lock.read(), lock.write():  # and for the writer
        pass
    with lock.read(), pytest.raises(RuntimeError), lock.write():
        pass
