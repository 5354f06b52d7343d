"""One open index: the store, its lexical (BM25) index and its manifest, under NEWSDESK_HOME.

`reading()` and `writing()` are the in-process readers/writer lock (index/rwlock.py): questions hold it to read,
each write group of an ingest to write.
"""

from __future__ import annotations

import re
import shutil
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from functools import cached_property
from pathlib import Path

from filelock import FileLock, Timeout

from core.settings import Settings
from index.embed import Embedder
from index.feedstate import FeedStates
from index.guard import guarded_call
from index.lexical import LexicalIndex
from index.manifest import Manifest
from index.rwlock import ReadWriteLock
from index.store import ChromaStore, VectorStore


class IndexHandle:
    """Heavy collaborators (embedder, store) default from settings; tests pass their own."""

    def __init__(
        self,
        settings: Settings,
        embedder: Embedder | None = None,
        store: VectorStore | None = None,
        collection: str | None = None,
    ) -> None:
        self.settings = settings
        self.collection = collection or settings.collection
        self._embedder = embedder
        self._store = store
        self._lexical: LexicalIndex | None = None
        # A served app asks from many threads: one model load, one store, one lexical index opened.
        self._lock = threading.RLock()
        self.rw = ReadWriteLock()
        # The ingest lock: one writer per index across processes (a file lock) and across threads (this lock).
        self._ingest = threading.RLock()
        self._ingest_depth = 0
        self._file_lock: FileLock | None = None

    @property
    def embedder(self) -> Embedder:
        with self._lock:
            if self._embedder is None:
                self._embedder = Embedder.from_settings(self.settings.embedding)
        return self._embedder

    @property
    def store(self) -> VectorStore:
        with self._lock:
            if self._store is None:
                self._store = ChromaStore.from_settings(self.settings, self.embedder, self.collection)
        return self._store

    @property
    def home(self) -> Path:
        return Path(self.settings.home)

    def reading(self) -> AbstractContextManager[None]:
        return self.rw.read()

    def writing(self) -> AbstractContextManager[None]:
        return self.rw.write()

    def _scoped(self, name: str) -> Path:
        # The lexical index and manifest belong to one store: a server collection gets its own files.
        where = f"{self.settings.chroma.host}-{self.settings.chroma.port}-" if self.settings.chroma.host else ""
        safe = re.sub(r"[^A-Za-z0-9._-]", "_", f"{where}{self.collection}")
        return self.home / name / safe

    @property
    def lexical_dir(self) -> Path:
        return self._scoped("lexical")

    @cached_property
    def manifest(self) -> Manifest:
        return Manifest(self._scoped("manifest").with_suffix(".sqlite"))

    @cached_property
    def feeds(self) -> FeedStates:
        """Watched feeds' validators, seen entries and health."""
        return FeedStates(self._scoped("feeds").with_suffix(".sqlite"))

    @property
    def lock_path(self) -> Path:
        return self._scoped("locks").with_suffix(".lock")

    @contextmanager
    def ingest_lock(self, notify: Callable[[str], None] = lambda _msg: None) -> Iterator[None]:
        """Held by whoever writes to this index: reentrant in a thread, exclusive across threads and processes."""
        with self._ingest:
            if not self._ingest_depth:
                self._file_lock = guarded_call(lambda: self._take_file_lock(notify), "lock the index for writing",
                                               self.home)
            self._ingest_depth += 1
            try:
                yield
            finally:
                self._ingest_depth -= 1
                if not self._ingest_depth:
                    try:
                        self.release_writers()
                    finally:
                        assert self._file_lock is not None
                        self._file_lock.release()
                        self._file_lock = None

    def _take_file_lock(self, notify: Callable[[str], None]) -> FileLock:
        self.lock_path.parent.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(self.lock_path))
        try:
            lock.acquire(timeout=0.5)
        except Timeout:
            notify(f"waiting for another newsdesk process that is writing to this index ({self.lock_path}) ...")
            lock.acquire()
        return lock

    def lexical(self) -> LexicalIndex:
        """The lexical index; built from the store when missing (first use, a lost data dir, an older version).

        Call it before taking the read lock: a build waits for the ingest lock, whose holder may be waiting
        for the readers to finish.
        """
        with self._lock:
            if self._lexical is None and LexicalIndex.exists(self.lexical_dir):
                self._lexical = guarded_call(lambda: LexicalIndex(self.lexical_dir), "open the lexical index",
                                             self.home)
            if self._lexical is not None:
                return self._lexical
        # Under the ingest lock: another process may be writing the index we are about to replace.
        with self.ingest_lock(), self._lock:
            if self._lexical is None:
                if LexicalIndex.exists(self.lexical_dir):
                    self._lexical = LexicalIndex(self.lexical_dir)
                else:
                    self.rebuild_lexical()
            assert self._lexical is not None
            return self._lexical

    def rebuild_lexical(self) -> None:
        """A whole new lexical index from every chunk in the store (the old one, if any, stays until it is done)."""
        with self._lock:
            if self._lexical is not None:
                self._lexical.release()
            built = guarded_call(lambda: LexicalIndex.build(self.lexical_dir, self.store.iter_chunks()),
                                 "build the lexical index", self.home)
            self._lexical = built
            # The BM25 twin of earlier versions (rebuilt whole after every ingest) is not used any more.
            shutil.rmtree(self._scoped("bm25"), ignore_errors=True)

    def release_writers(self) -> None:
        """Let other processes write: the end of an ingest (the caller holds the ingest lock)."""
        with self._lock:
            if self._lexical is not None:
                guarded_call(self._lexical.release, "finish writing the lexical index", self.home)

    def close(self) -> None:
        self.release_writers()
        if "feeds" in self.__dict__:
            self.feeds.close()
        if "manifest" in self.__dict__:
            self.manifest.close()
            del self.__dict__["manifest"]
