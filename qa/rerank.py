"""Re-ranking the fused candidates before the answerer sees them.

`sentences` (the default) orders the first `rerank_depth` candidates by the evidence of their best sentence (the
extractive answerer's own sentence score: similarity, shared rare words, names, figures, the kind of answer asked
for) blended with the fused score: a chunk-level embedding and BM25 both reward being on topic, while the answer
lives in one sentence. A path instead names a local cross-encoder (sentence-transformers `CrossEncoder`) for users
who have one; none is shipped or downloaded.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import cached_property
from typing import Any, Protocol

from core.errors import ConfigError
from core.types import Passage
from index.chunking import embedding_text


class Reranker(Protocol):
    def rerank(self, query: str, passages: Sequence[Passage]) -> list[Passage]: ...


class SentenceScorer(Protocol):
    def candidates(self, passages: Sequence[Passage]) -> list[Any]: ...
    def score(self, question: str, passages: Sequence[Passage], cands: list[Any]) -> None: ...


def _blend(passages: Sequence[Passage], evidence: Sequence[float], weight: float) -> list[Passage]:
    top = max((p.score for p in passages), default=0.0) or 1.0
    scored = [(weight * e + (1 - weight) * p.score / top, i) for i, (p, e) in enumerate(zip(passages, evidence,
                                                                                             strict=True))]
    scored.sort(key=lambda x: (-x[0], x[1]))
    return [passages[i].model_copy(update={"score": s}) for s, i in scored]


class SentenceReranker:
    def __init__(self, scorer: SentenceScorer, weight: float = 0.5) -> None:
        if not 0 <= weight <= 1:
            raise ConfigError(f"rerank weight must be between 0 and 1, got {weight}")
        self.scorer = scorer
        self.weight = weight

    def rerank(self, query: str, passages: Sequence[Passage]) -> list[Passage]:
        if len(passages) < 2:
            return list(passages)
        cands = self.scorer.candidates(passages)
        self.scorer.score(query, passages, cands)
        best = [0.0] * len(passages)
        for c in cands:
            best[c.passage] = max(best[c.passage], c.score)
        return _blend(passages, best, self.weight)


class CrossEncoderReranker:
    """A local cross-encoder directory; its scores are squashed to 0..1 and blended like the sentence evidence."""

    def __init__(self, model_path: str, weight: float = 0.7, device: str = "cpu") -> None:
        if not os.path.isdir(model_path):
            raise ConfigError(f"NEWSDESK_RETRIEVAL_RERANK {model_path!r} is neither 'sentences', 'none' nor a local "
                              "cross-encoder directory: point it at one (models are never downloaded)")
        self.model_path = model_path
        self.weight = weight
        self.device = device

    @cached_property
    def model(self) -> Any:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from sentence_transformers import CrossEncoder

        return CrossEncoder(self.model_path, device=self.device, local_files_only=True)

    def rerank(self, query: str, passages: Sequence[Passage]) -> list[Passage]:
        if len(passages) < 2:
            return list(passages)
        import numpy as np

        pairs = [(query, embedding_text(p.chunk.title, p.chunk.text)) for p in passages]
        raw = np.asarray(self.model.predict(pairs, show_progress_bar=False), dtype=np.float64).reshape(len(pairs), -1)
        logits = raw[:, -1]
        evidence = 1.0 / (1.0 + np.exp(-logits))
        return _blend(passages, [float(e) for e in evidence], self.weight)
