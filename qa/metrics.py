"""Evaluation metrics: answer matching, ranking metrics over distinct articles, per-question records and summaries.

Pure functions: nothing here reads files or calls a model, so the numbers can be checked by hand in tests.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence

from pydantic import BaseModel, Field

from core.types import Answer
from qa.evalset import QUESTION_TYPES, EvalItem

SUMMARY_KEYS: tuple[str, ...] = (
    "hits@1", "hits@5", "hits@10", "mrr@10", "ndcg@10",
    "answer_accuracy", "citation_precision", "citation_support",
    "rejection_accuracy", "false_refusal_rate",
    "latency_p50_ms", "latency_p95_ms", "questions",
)
RETRIEVAL_K = 10

_QUOTES = str.maketrans({"‘": "'", "’": "'", "‚": "'", "‛": "'", "“": '"', "”": '"', "„": '"', "‟": '"'})
_SPACE = re.compile(r"\s+")


def normalise_answer(s: str) -> str:
    """Casefold, straighten curly quotes and collapse whitespace, so formatting never decides correctness."""
    return _SPACE.sub(" ", s.casefold().translate(_QUOTES)).strip()


def answer_correct(answer_text: str, answers: Sequence[str], require_all: bool = False) -> bool:
    """RGB rule: a gold answer occurs as a substring of the normalised answer (all of them if require_all)."""
    text = normalise_answer(answer_text)
    # An empty gold string is a substring of everything; counting it would mark any answer correct.
    golds = [g for g in (normalise_answer(a) for a in answers) if g]
    if not golds:
        return False
    found = [g in text for g in golds]
    return all(found) if require_all else any(found)


def distinct_articles(ranked_article_ids: Iterable[str]) -> list[str]:
    """Article ids in first-occurrence order: several chunks of one article count as one retrieved article."""
    return list(dict.fromkeys(ranked_article_ids))


def _top(ranked: Sequence[str], k: int) -> list[str]:
    if k <= 0:
        raise ValueError(f"k must be greater than 0. Currently, k is {k}")
    return distinct_articles(ranked)[:k]


def hits_at(ranked: Sequence[str], gold: set[str], k: int) -> float:
    """1.0 if any gold article is among the first k distinct articles, else 0.0 (0.0 when gold is empty)."""
    return 1.0 if any(a in gold for a in _top(ranked, k)) else 0.0


def mrr_at(ranked: Sequence[str], gold: set[str], k: int) -> float:
    """Reciprocal rank of the first gold article within the first k distinct articles, else 0.0."""
    for rank, article in enumerate(_top(ranked, k), start=1):
        if article in gold:
            return 1.0 / rank
    return 0.0


def ndcg_at(ranked: Sequence[str], gold: set[str], k: int) -> float:
    """Binary-relevance nDCG@k; the ideal ranking puts min(len(gold), k) gold articles first (0.0 if gold empty)."""
    dcg = sum(1.0 / math.log2(rank + 1) for rank, a in enumerate(_top(ranked, k), start=1) if a in gold)
    ideal = sum(1.0 / math.log2(rank + 1) for rank in range(1, min(len(gold), k) + 1))
    return dcg / ideal if ideal else 0.0


class QuestionRecord(BaseModel):
    """What one evaluated question produced, and which checks it failed."""

    id: str
    type: str
    question: str
    answerable: bool
    answer: str
    refused: bool
    citations: list[str] = Field(default_factory=list, description="Article id of each citation, in order.")
    retrieved: list[str] = Field(default_factory=list, description="Distinct ranked article ids.")
    gold: list[str] = Field(default_factory=list, description="Gold article ids.")
    supported_sentences: int = 0
    total_sentences: int = 0
    latency_ms: float = 0.0
    correct: bool | None = Field(default=None, description="None for unanswerable questions.")
    failed: list[str] = Field(default_factory=list, description="Names of failed checks, e.g. 'retrieval@10'.")
    expected: list[str] = Field(default_factory=list, description="The gold answers, shown in the report.")


def build_record(
    item: EvalItem, answer: Answer, latency_ms: float, retrieved: Sequence[str] | None = None, k: int = RETRIEVAL_K
) -> QuestionRecord:
    """Score one answer. `retrieved` defaults to the answer's passages (pass the full ranking when it is longer)."""
    ranked = distinct_articles(retrieved if retrieved is not None else [p.chunk.article_id for p in answer.passages])
    gold = item.gold_article_ids
    cited = [c.article_id for c in answer.citations]
    supported = sum(1 for s in answer.sentences if s.supported)
    failed: list[str] = []
    correct: bool | None = None
    if item.answerable:
        correct = not answer.refused and answer_correct(answer.answer, item.answers, item.require_all)
        if gold and not hits_at(ranked, set(gold), k):
            failed.append(f"retrieval@{k}")
        if answer.refused:
            failed.append("false_refusal")
        else:
            if not correct:
                failed.append("answer")
            if not cited or any(c not in gold for c in cited) or supported < len(answer.sentences):
                failed.append("citation")
    elif not answer.refused:
        failed.append("refusal")
    return QuestionRecord(
        id=item.id, type=item.type, question=item.question, answerable=item.answerable, answer=answer.answer,
        refused=answer.refused, citations=cited, retrieved=ranked, gold=gold, supported_sentences=supported,
        total_sentences=len(answer.sentences), latency_ms=latency_ms, correct=correct, failed=failed,
        expected=list(item.answers),
    )


def _ratio(num: float, den: float) -> float | None:
    return round(num / den, 4) if den else None


def _mean(values: Sequence[float]) -> float | None:
    return _ratio(sum(values), len(values))


def nearest_rank(values: Sequence[float], pct: float) -> float | None:
    """Nearest-rank percentile: the ceil(pct/100 * n)-th smallest value, always an observed latency."""
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[max(1, math.ceil(pct / 100 * len(ordered))) - 1], 4)


def summarise(records: Sequence[QuestionRecord]) -> dict[str, float | int | None]:
    """Headline metrics (keys in SUMMARY_KEYS); a metric with no eligible question is None, never 0.

    Retrieval, answer and citation metrics count answerable questions only, and retrieval only those with gold
    articles. Citation precision and support are pooled (every citation / sentence weighs the same), so they are
    None when the answers carry no citation / sentence at all. Latency percentiles are nearest-rank over all questions.
    """
    answerable = [r for r in records if r.answerable]
    unanswerable = [r for r in records if not r.answerable]
    ranked = [r for r in answerable if r.gold]
    answered = [r for r in answerable if not r.refused]

    def retrieval(fn: Callable[[Sequence[str], set[str], int], float], k: int) -> float | None:
        return _mean([fn(r.retrieved, set(r.gold), k) for r in ranked])

    cited = [c in r.gold for r in answered for c in r.citations]
    return {
        "hits@1": retrieval(hits_at, 1),
        "hits@5": retrieval(hits_at, 5),
        "hits@10": retrieval(hits_at, 10),
        "mrr@10": retrieval(mrr_at, 10),
        "ndcg@10": retrieval(ndcg_at, 10),
        # A refusal of an answerable question is a wrong answer, whatever `correct` says.
        "answer_accuracy": _mean([float(not r.refused and r.correct is True) for r in answerable]),
        "citation_precision": _ratio(sum(cited), len(cited)),
        "citation_support": _ratio(
            sum(r.supported_sentences for r in answered), sum(r.total_sentences for r in answered)
        ),
        "rejection_accuracy": _mean([float(r.refused) for r in unanswerable]),
        "false_refusal_rate": _mean([float(r.refused) for r in answerable]),
        "latency_p50_ms": nearest_rank([r.latency_ms for r in records], 50),
        "latency_p95_ms": nearest_rank([r.latency_ms for r in records], 95),
        "questions": len(records),
    }


def summarise_by_type(records: Sequence[QuestionRecord]) -> dict[str, dict[str, float | int | None]]:
    """One summary per question type: known types in dataset-format order, unknown ones after, alphabetically."""
    present = {r.type for r in records}
    order = [t for t in QUESTION_TYPES if t in present] + sorted(present - set(QUESTION_TYPES))
    return {t: summarise([r for r in records if r.type == t]) for t in order}
