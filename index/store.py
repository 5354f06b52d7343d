"""The vector store boundary: what `qa/` may ask of a store, and its Chroma implementation (local or server)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from core.settings import Settings
from core.types import Chunk, Filters
from index.guard import Guarded, storage_error

_PAGE = 2000
# How long `count()` answers from memory after asking Chroma (~3 ms a call; status, reconciling and the
# example questions ask it). This
# store's own writes forget it at once; another process's writes are seen after at most this long.
_COUNT_FRESH_S = 0.5


class VectorStore(Protocol):
    def upsert(self, chunks: Sequence[Chunk], embeddings: np.ndarray) -> None: ...
    def delete_articles(self, article_ids: Sequence[str]) -> None: ...
    def get(self, ids: Sequence[str]) -> list[Chunk]: ...
    def query(self, vector: np.ndarray, k: int, filters: Filters | None = None) -> list[tuple[Chunk, float]]: ...
    def count(self) -> int: ...
    def iter_chunks(self) -> Iterator[Chunk]: ...
    def chunk_ids(self) -> Iterator[str]: ...


def where_clause(filters: Filters | None) -> dict[str, Any] | None:
    """Chroma `where` for the filters; dates are compared as YYYYMMDD integers."""
    if filters is None or filters.is_empty():
        return None
    parts: list[dict[str, Any]] = []
    if filters.sources:
        parts.append({"source": {"$in": list(filters.sources)}})
    if filters.since:
        parts.append({"date": {"$gte": int(filters.since.replace("-", ""))}})
    if filters.until:
        parts.append({"date": {"$lte": int(filters.until.replace("-", ""))}})
    if filters.until and not filters.since:
        parts.append({"date": {"$gt": 0}})
    return parts[0] if len(parts) == 1 else {"$and": parts}


def make_client(settings: Settings):  # noqa: ANN201 - chromadb's client type is a private union
    import chromadb
    from chromadb.config import Settings as ChromaConfig

    config = ChromaConfig(anonymized_telemetry=False)
    if settings.chroma.host:
        token = settings.chroma.token.get_secret_value()
        headers = {"Authorization": f"Bearer {token}"} if token else None
        try:
            return chromadb.HttpClient(
                host=settings.chroma.host, port=settings.chroma.port, headers=headers, settings=config
            )
        except Exception as exc:
            raise storage_error(exc, "connect to the vector store", settings.home, _server(settings)) from exc
    path = Path(settings.home) / "chroma"
    try:
        path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(path), settings=config)
    except Exception as exc:
        raise storage_error(exc, f"open the index at {str(path)!r}", settings.home) from exc


def _server(settings: Settings) -> str:
    return f"{settings.chroma.host}:{settings.chroma.port}" if settings.chroma.host else ""


class ChromaStore:
    """Chroma in cosine space through langchain-chroma; writes go straight to the collection with our vectors."""

    def __init__(self, client: Any, collection: str, embedder: Any = None, home: Path | str = "",
                 server: str = "") -> None:
        from langchain_chroma import Chroma

        try:
            # Cosine space: the default L2 space turns into negative "relevance" scores in langchain-chroma.
            self.lc = Chroma(
                collection_name=collection,
                client=client,
                embedding_function=embedder,
                collection_configuration={"hnsw": {"space": "cosine"}},
            )
        except Exception as exc:
            raise storage_error(exc, f"open the Chroma collection {collection!r}", home or ".", server) from exc
        # Disk full, read-only data dir, server gone: every collection call fails as a StoreError saying which.
        self.collection = Guarded(self.lc._collection, "use the vector store", home or ".", server)
        self.name = collection
        self._count_lock = threading.Lock()
        self._count: tuple[int, float] | None = None  # (count, monotonic time asked)
        self._writes = 0  # bumped by every write, so a count read while one ran is not remembered

    def _wrote(self) -> None:
        with self._count_lock:
            self._writes += 1
            self._count = None

    @classmethod
    def from_settings(cls, settings: Settings, embedder: Any = None, collection: str | None = None) -> ChromaStore:
        return cls(make_client(settings), collection or settings.collection, embedder, settings.home,
                   _server(settings))

    def upsert(self, chunks: Sequence[Chunk], embeddings: np.ndarray,
               extra: Mapping[str, Mapping[str, Any]] | None = None) -> None:
        """Write chunks with their vectors; `extra` adds metadata per article id (None values are left out)."""
        extra = extra or {}
        for i in range(0, len(chunks), _PAGE):
            part = chunks[i : i + _PAGE]
            self.collection.upsert(
                ids=[c.id for c in part],
                embeddings=embeddings[i : i + _PAGE],
                documents=[c.text for c in part],
                metadatas=[c.metadata() | {k: v for k, v in extra.get(c.article_id, {}).items() if v is not None}
                           for c in part],
            )
            self._wrote()

    def update_article_metadata(self, article_id: str, values: Mapping[str, Any]) -> None:
        """Set metadata keys on every chunk of an article (a None value deletes the key); no re-embedding."""
        got = self.collection.get(where={"article_id": article_id}, include=[])
        if got["ids"]:
            self.collection.update(ids=got["ids"], metadatas=[dict(values) for _ in got["ids"]])
            self._wrote()

    def article_text(self, article_id: str) -> str:
        """The text of an article put back together from its chunks, in order."""
        got = self.collection.get(where={"article_id": article_id}, include=["documents", "metadatas"])
        parts = sorted(zip(got["metadatas"], got["documents"]), key=lambda md: int(md[0].get("position", 0)))
        return "\n\n".join(d for _, d in parts)

    def article_metadata(self) -> dict[str, list[tuple[str, dict[str, Any]]]]:
        """article id -> (chunk id, metadata) of each of its chunks, for reconciling with the manifest."""
        out: dict[str, list[tuple[str, dict[str, Any]]]] = {}
        offset = 0
        while True:
            got = self.collection.get(include=["metadatas"], limit=_PAGE, offset=offset)
            if not got["ids"]:
                return out
            for cid, meta in zip(got["ids"], got["metadatas"]):
                out.setdefault(str(meta.get("article_id", "")), []).append((cid, dict(meta)))
            offset += len(got["ids"])

    def delete_articles(self, article_ids: Sequence[str]) -> None:
        ids = list(article_ids)
        for i in range(0, len(ids), _PAGE):
            self.collection.delete(where={"article_id": {"$in": ids[i : i + _PAGE]}})
            self._wrote()

    def delete_chunks(self, chunk_ids: Sequence[str]) -> None:
        if chunk_ids:
            self.collection.delete(ids=list(chunk_ids))
            self._wrote()

    def get(self, ids: Sequence[str]) -> list[Chunk]:
        if not ids:
            return []
        got = self.collection.get(ids=list(ids), include=["documents", "metadatas"])
        return [Chunk.from_metadata(i, d, m) for i, d, m in zip(got["ids"], got["documents"], got["metadatas"])]

    def query(self, vector: np.ndarray, k: int, filters: Filters | None = None) -> list[tuple[Chunk, float]]:
        # No count() first: Chroma (>= 1.5) returns what there is when asked for more, nothing when empty.
        res = self.collection.query(
            query_embeddings=[np.asarray(vector, dtype=np.float32)],
            n_results=k,
            where=where_clause(filters),
            include=["documents", "metadatas", "distances"],
        )
        return [
            (Chunk.from_metadata(i, d, m), 1.0 - float(dist))
            for i, d, m, dist in zip(res["ids"][0], res["documents"][0], res["metadatas"][0], res["distances"][0])
        ]

    def count(self) -> int:
        """Chunks in the collection; asked of Chroma at most every `_COUNT_FRESH_S` unless this store wrote."""
        with self._count_lock:
            known, writes = self._count, self._writes
        if known is not None and time.monotonic() - known[1] < _COUNT_FRESH_S:
            return known[0]
        asked = time.monotonic()
        n = int(self.collection.count())
        with self._count_lock:
            if self._writes == writes:
                self._count = (n, asked)
        return n

    def iter_chunks(self) -> Iterator[Chunk]:
        offset = 0
        while True:
            got = self.collection.get(include=["documents", "metadatas"], limit=_PAGE, offset=offset)
            if not got["ids"]:
                return
            for i, d, m in zip(got["ids"], got["documents"], got["metadatas"]):
                yield Chunk.from_metadata(i, d, m)
            offset += len(got["ids"])

    def chunk_ids(self) -> Iterator[str]:
        """Every chunk id, a page at a time (for repairing the lexical index: no documents or metadata read)."""
        offset = 0
        while True:
            got = self.collection.get(include=[], limit=_PAGE * 5, offset=offset)
            if not got["ids"]:
                return
            yield from got["ids"]
            offset += len(got["ids"])

    def article_chunk_ids(self) -> dict[str, list[str]]:
        """article id -> its chunk ids, for reconciling with the manifest."""
        out: dict[str, list[str]] = {}
        offset = 0
        while True:
            got = self.collection.get(include=["metadatas"], limit=_PAGE, offset=offset)
            if not got["ids"]:
                return out
            for cid, meta in zip(got["ids"], got["metadatas"]):
                out.setdefault(str(meta.get("article_id", "")), []).append(cid)
            offset += len(got["ids"])
