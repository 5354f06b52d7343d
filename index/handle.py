"""One open index: the store, its BM25 twin and its manifest, under NEWSDESK_HOME."""

from __future__ import annotations

import re
import threading
from functools import cached_property
from pathlib import Path

from core.settings import Settings
from index.bm25 import BM25Index
from index.embed import Embedder
from index.guard import guarded_call
from index.manifest import Manifest
from index.store import ChromaStore, VectorStore

# Manifest meta key set while the store holds changes the saved BM25 twin does not (see index/reconcile.py).
BM25_STALE = "bm25_stale"


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
        self._bm25: BM25Index | None = None
        # A served app asks from many threads: one model load, one store, one BM25 rebuild writing its files.
        self._lock = threading.RLock()

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

    def _scoped(self, name: str) -> Path:
        # The BM25 twin and manifest belong to one store: a server collection gets its own files.
        where = f"{self.settings.chroma.host}-{self.settings.chroma.port}-" if self.settings.chroma.host else ""
        safe = re.sub(r"[^A-Za-z0-9._-]", "_", f"{where}{self.collection}")
        return self.home / name / safe

    @property
    def bm25_dir(self) -> Path:
        return self._scoped("bm25")

    @cached_property
    def manifest(self) -> Manifest:
        return Manifest(self._scoped("manifest").with_suffix(".sqlite"))

    @property
    def lock_path(self) -> Path:
        return self._scoped("locks").with_suffix(".lock")

    def bm25(self) -> BM25Index:
        """The BM25 twin, rebuilt from the store when missing or out of step with it."""
        with self._lock:
            if self._bm25 is None and self.manifest.get_meta(BM25_STALE) is None:
                # Stale: an ingest changed the store and died before rebuilding it (counts may still agree).
                self._bm25 = BM25Index.load(self.bm25_dir)
            if self._bm25 is None or len(self._bm25) != self.store.count():
                self.refresh_bm25()
            assert self._bm25 is not None
            return self._bm25

    def refresh_bm25(self) -> None:
        with self._lock:
            bm25 = BM25Index.build(self.store.iter_chunks())
            guarded_call(lambda: bm25.save(self.bm25_dir), "save the BM25 index", self.home)
            self._bm25 = bm25

    def close(self) -> None:
        if "manifest" in self.__dict__:
            self.manifest.close()
            del self.__dict__["manifest"]
