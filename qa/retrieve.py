"""Hybrid retrieval: dense (Chroma) + BM25 (tantivy) fused by RRF, then neighbour expansion within each article."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from core.errors import ConfigError
from core.settings import RetrievalSettings
from core.types import Chunk, Filters, Passage
from index.handle import IndexHandle
from index.lexical import LexicalIndex
from qa.fusion import rrf
from qa.rerank import Reranker


class HybridRetriever:
    """`reranker` (optional) reorders the first `rerank_depth` fused candidates before the k best are kept."""

    def __init__(self, handle: IndexHandle, settings: RetrievalSettings | None = None,
                 reranker: Reranker | None = None) -> None:
        self.handle = handle
        self.settings = settings or handle.settings.retrieval
        self.reranker = reranker

    def retrieve(
        self,
        query: str,
        filters: Filters | None = None,
        k: int | None = None,
        prefer_articles: Sequence[str] = (),
        prefer_dates: Filters | None = None,
    ) -> list[Passage]:
        """The k best passages (fused score order), followed by their neighbours in the same article.

        `prefer_articles` (cited in the previous chat turn) adds a ranking so a follow-up stays on topic;
        `prefer_dates` (a period named in the question) adds one of the candidates published in that period.
        """
        k = k or self.settings.k
        if k < 1:
            raise ConfigError(f"k must be at least 1, got {k}")
        fetch = max(self.settings.fetch_k, k)
        vector = self.handle.embedder.encode([query])[0]
        lexical = self.handle.lexical()  # before the read lock: opening may wait for a writer (index/handle.py)
        # One read: every look at the index below sees it before or after a write group, never half of one.
        with self.handle.reading():
            return self._retrieve(query, vector, lexical, fetch, k, filters, prefer_articles, prefer_dates)

    def _retrieve(self, query: str, vector: Any, lexical: LexicalIndex, fetch: int, k: int, filters: Filters | None,
                  prefer_articles: Sequence[str], prefer_dates: Filters | None) -> list[Passage]:
        dense = self.handle.store.query(vector, fetch, filters)
        sparse = lexical.search(query, fetch, filters)
        chunks: dict[str, Chunk] = {c.id: c for c, _ in dense}
        sims: dict[str, float] = {c.id: s for c, s in dense}
        rankings = [[c.id for c, _ in dense], [cid for cid, _ in sparse]]
        weights = [self.settings.dense_weight, self.settings.bm25_weight]
        if prefer_articles:
            preferred = set(prefer_articles)
            rankings.append([cid for cid in dict.fromkeys(rankings[0] + rankings[1])
                             if cid.rsplit(":", 1)[0] in preferred])
            weights.append(1.0)
        if prefer_dates is not None and not prefer_dates.is_empty():
            candidates = list(dict.fromkeys(rankings[0] + rankings[1]))
            chunks.update({c.id: c for c in self.handle.store.get([c for c in candidates if c not in chunks])})
            rankings.append([cid for cid in candidates if cid in chunks and prefer_dates.accepts(chunks[cid])])
            weights.append(1.0)
        depth = max(k, self.settings.rerank_depth) if self.reranker is not None else k
        fused = rrf(rankings, weights, self.settings.rrf_k)[:depth]
        missing = [cid for cid, _ in fused if cid not in chunks]
        chunks.update({c.id: c for c in self.handle.store.get(missing)})
        passages = [Passage(chunk=chunks[cid], score=score, dense=sims.get(cid))
                    for cid, score in fused if cid in chunks]
        if self.reranker is not None:
            # Only the first rerank_depth are reordered, so a deeper call keeps a shallower one's order as prefix.
            head = self.settings.rerank_depth
            passages = self.reranker.rerank(query, passages[:head]) + passages[head:]
        passages = passages[:k]
        return passages + self._neighbours(passages, filters)

    def _neighbours(self, passages: list[Passage], filters: Filters | None) -> list[Passage]:
        """Adjacent chunks of each hit: a quote often continues in the next paragraph ("..., he said")."""
        span = self.settings.neighbours
        if span == 0 or not passages:
            return []
        have = {p.chunk.id for p in passages}
        wanted: dict[str, float] = {}
        for p in passages:
            for delta in range(-span, span + 1):
                pos = p.chunk.position + delta
                cid = Chunk.make_id(p.chunk.article_id, pos)
                if delta and pos >= 0 and cid not in have:
                    # A neighbour ranks below its hit: it is context, not evidence of relevance.
                    wanted[cid] = max(wanted.get(cid, 0.0), p.score / (2 + abs(delta)))
        got = [c for c in self.handle.store.get(list(wanted)) if filters is None or filters.accepts(c)]
        return sorted((Passage(chunk=c, score=wanted[c.id]) for c in got), key=lambda p: -p.score)


def ranked_articles(passages: Sequence[Passage]) -> list[str]:
    """Distinct article ids in passage order: the ranking that retrieval metrics are counted on."""
    return list(dict.fromkeys(p.chunk.article_id for p in passages))
