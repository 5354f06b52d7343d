"""Readers/writer lock between questions and index writes in one process.

Questions read the store and the lexical index together (dense query, BM25 query, neighbours); a write group
changes both (delete, upsert, commit, manifest rows). Many questions may read at once; a write waits for the
questions in flight and holds new ones back until it is done (writer preference: a stream of questions cannot
starve a feed batch). So a question sees the index before or after a write group, never half of one, and waits
at most one write group. `threading` has no such lock, hence this one.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager


class ReadWriteLock:
    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._readers = 0
        self._writer: int | None = None  # thread id of the writer holding it
        self._writer_depth = 0
        self._waiting_writers = 0
        self._local = threading.local()
        self.longest_write = 0.0
        """Longest time the write lock was held, in seconds (what a question may wait); reset by whoever reports it."""

    @contextmanager
    def read(self) -> Iterator[None]:
        me = threading.get_ident()
        depth = getattr(self._local, "reads", 0)
        # Re-entrant: a thread that already reads (or writes) must not wait for a writer queued behind itself.
        if depth or self._writer == me:
            self._local.reads = depth + 1
            try:
                yield
            finally:
                self._local.reads = depth
            return
        with self._cond:
            while self._writer is not None or self._waiting_writers:
                self._cond.wait()
            self._readers += 1
        self._local.reads = 1
        try:
            yield
        finally:
            self._local.reads = 0
            with self._cond:
                self._readers -= 1
                if not self._readers:
                    self._cond.notify_all()

    @contextmanager
    def write(self) -> Iterator[None]:
        me = threading.get_ident()
        with self._cond:
            if self._writer == me:
                self._writer_depth += 1
            else:
                if getattr(self._local, "reads", 0):
                    raise RuntimeError("a thread that holds the read lock cannot take the write lock")
                self._waiting_writers += 1
                try:
                    while self._writer is not None or self._readers:
                        self._cond.wait()
                finally:
                    self._waiting_writers -= 1
                self._writer, self._writer_depth = me, 1
        taken = time.perf_counter()
        try:
            yield
        finally:
            with self._cond:
                self._writer_depth -= 1
                if not self._writer_depth:
                    self._writer = None
                    self.longest_write = max(self.longest_write, time.perf_counter() - taken)
                    self._cond.notify_all()
