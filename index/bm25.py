"""BM25 side of the hybrid index (bm25s), persisted beside the store and rebuilt from it when out of step."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from core.types import Chunk, Filters
from index.chunking import embedding_text

_WORD = re.compile(r"[a-z0-9]+(?:[.,][0-9]+)*")
_STOP: frozenset[str] | None = None


def _stopwords() -> frozenset[str]:
    global _STOP
    if _STOP is None:
        from bm25s.stopwords import STOPWORDS_EN

        _STOP = frozenset(STOPWORDS_EN) | {"said", "says", "would", "could", "also"}
    return _STOP


def stem(word: str) -> str:
    """A light plural/possessive stemmer: enough to match 'ministers' with 'minister' without a stemmer package."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def terms(text: str) -> list[str]:
    """Lower-cased, stop-word-free, lightly stemmed terms: the vocabulary of BM25 and of term overlap."""
    text = text.lower().replace("\u2019", "'").replace("'s ", " ")
    stop = _stopwords()
    return [stem(w) for w in _WORD.findall(text) if w not in stop]


class BM25Index:
    def __init__(self, chunks: list[Chunk], model: object | None = None) -> None:
        import bm25s

        self.ids = [c.id for c in chunks]
        self.sources = np.array([c.source for c in chunks], dtype=object)
        self.dates = np.array([c.published or "" for c in chunks], dtype=object)
        if model is None:
            model = bm25s.BM25()
            if chunks:
                model.index([terms(embedding_text(c.title, c.text)) or ["\u2205"] for c in chunks],
                            show_progress=False)
        self.model = model

    @classmethod
    def build(cls, chunks: Iterable[Chunk]) -> BM25Index:
        return cls(list(chunks))

    def __len__(self) -> int:
        return len(self.ids)

    def search(self, query: str, k: int, filters: Filters | None = None) -> list[tuple[str, float]]:
        q = terms(query)
        if not self.ids or not q:
            return []
        mask = self._mask(filters)
        if mask is not None and not mask.any():
            return []
        k = min(k, len(self.ids))
        docs, scores = self.model.retrieve([q], k=k, show_progress=False, weight_mask=mask, n_threads=1)
        return [(self.ids[int(d)], float(s)) for d, s in zip(docs[0], scores[0]) if s > 0]

    def _mask(self, filters: Filters | None) -> np.ndarray | None:
        if filters is None or filters.is_empty():
            return None
        keep = np.ones(len(self.ids), dtype=bool)
        if filters.sources:
            keep &= np.isin(self.sources, list(filters.sources))
        if filters.since or filters.until:
            keep &= self.dates != ""
        if filters.since:
            keep &= self.dates >= filters.since
        if filters.until:
            keep &= self.dates <= filters.until
        return keep.astype(np.float32)

    def save(self, directory: Path) -> None:
        """Write beside the store atomically: a crash leaves the old index or the new one, never half of each."""
        directory = Path(directory)
        tmp = directory.with_name(directory.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        if self.ids:
            self.model.save(str(tmp / "model"))
        meta = {"ids": self.ids, "sources": list(self.sources), "dates": list(self.dates)}
        (tmp / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
        old = directory.with_name(directory.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        if directory.exists():
            directory.rename(old)
        tmp.rename(directory)
        shutil.rmtree(old, ignore_errors=True)

    @classmethod
    def load(cls, directory: Path) -> BM25Index | None:
        """The saved index, or None when missing or unreadable (the caller rebuilds it from the store)."""
        import bm25s

        meta_path = Path(directory) / "meta.json"
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            model = bm25s.BM25.load(str(Path(directory) / "model")) if meta["ids"] else None
        except (OSError, ValueError, KeyError):
            return None
        index = cls.__new__(cls)
        index.ids = list(meta["ids"])
        index.sources = np.array(meta["sources"], dtype=object)
        index.dates = np.array(meta["dates"], dtype=object)
        index.model = model if model is not None else bm25s.BM25()
        return index
