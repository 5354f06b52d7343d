"""Hybrid retrieval: dense (Chroma) + BM25 fused by RRF, then neighbour expansion within each article."""

from __future__ import annotations

from collections.abc import Sequence

from core.errors import ConfigError
from core.settings import RetrievalSettings
from core.types import Chunk, Filters, Passage
from index.handle import IndexHandle
from qa.fusion import rrf


class HybridRetriever:
    def __init__(self, handle: IndexHandle, settings: RetrievalSettings | None = None) -> None:
        self.handle = handle
        self.settings = settings or handle.settings.retrieval

    def retrieve(
        self,
        query: str,
        filters: Filters | None = None,
        k: int | None = None,
        prefer_articles: Sequence[str] = (),
    ) -> list[Passage]:
        """The k best passages (fused score order), followed by their neighbours in the same article.

        `prefer_articles` (cited in the previous chat turn) adds a third ranking so a follow-up stays on topic.
        """
        k = k or self.settings.k
        if k < 1:
            raise ConfigError(f"k must be at least 1, got {k}")
        fetch = max(self.settings.fetch_k, k)
        vector = self.handle.embedder.encode([query])[0]
        dense = self.handle.store.query(vector, fetch, filters)
        sparse = self.handle.bm25().search(query, fetch, filters)
        chunks: dict[str, Chunk] = {c.id: c for c, _ in dense}
        sims: dict[str, float] = {c.id: s for c, s in dense}
        rankings = [[c.id for c, _ in dense], [cid for cid, _ in sparse]]
        weights = [self.settings.dense_weight, self.settings.bm25_weight]
        if prefer_articles:
            preferred = set(prefer_articles)
            rankings.append([cid for cid in dict.fromkeys(rankings[0] + rankings[1])
                             if cid.rsplit(":", 1)[0] in preferred])
            weights.append(1.0)
        fused = rrf(rankings, weights, self.settings.rrf_k)[:k]
        missing = [cid for cid, _ in fused if cid not in chunks]
        chunks.update({c.id: c for c in self.handle.store.get(missing)})
        passages = [Passage(chunk=chunks[cid], score=score, dense=sims.get(cid))
                    for cid, score in fused if cid in chunks]
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
