"""The reader's own mistakes on the train split, as the pairs of a second, shorter training stage.

A reader trained once on our pairs still ranks a lead or echo sentence above the answer, and is sure of the
sentence beside a near miss: the negatives it was shown were chosen by shared words, not by what fooled it. Scored
by the trained reader, every sentence of a train question's articles is labelled again: a non-answer it believes
(>= a floor, and close to its belief in the answer) becomes a negative, an answer it doubts or lost to such a
sentence becomes a positive again. The second stage fine-tunes on those with a share of the first stage's pairs
replayed, so that it learns the mistakes without forgetting the rest (hard-negative mining, as in RocketQA and
ANCE for dense retrievers).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from reader.dataset import Article, holds_short, is_answer, reader_questions

# A non-answer is hard when the reader gives it at least this, and at least this share of its belief in the answer.
HARD_FLOOR = 0.10
HARD_SHARE = 0.7
# A near miss's sentences: any belief near the refusal threshold is a mistake worth showing.
NEAR_MISS_FLOOR = 0.05
# An answer the reader doubts below this is shown again as a positive.
DOUBTED = 0.5
HARD_PER_QUESTION = 4


@dataclass
class Scored:
    question: str
    candidates: list[tuple[Article, int, bool, float]]  # article, sentence index, answers, reader's probability


def score_split(reader: object, articles: dict[str, Article], split: str = "train") -> list[Scored]:
    """Every sentence of every question's articles, scored by `reader` (a qa.reading.CrossEncoderModel)."""
    out = []
    for item in reader_questions(articles, split):
        cands = []
        for art in item.articles:
            for i, s in enumerate(art.sentences):
                answers = is_answer(s, item.answers)
                if not answers and holds_short(item, s):
                    continue  # no negative (nor a positive)
                cands.append((art, i, answers))
        probs = reader.probabilities([(item.question, art.candidate(i)) for art, i, _ in cands])
        out.append(Scored(item.question, [(a, i, y, float(p)) for (a, i, y), p in zip(cands, probs, strict=True)]))
    return out


def hard_pairs(scored: list[Scored]) -> list[tuple[str, str, float]]:
    """(question, candidate text, label) for the mistakes: hard negatives and the answers they beat or that the
    reader doubts."""
    pairs = []
    for s in scored:
        positives = [c for c in s.candidates if c[2]]
        negatives = [c for c in s.candidates if not c[2]]
        if positives:
            top = max(c[3] for c in positives)
            hard = [c for c in negatives if c[3] >= max(HARD_FLOOR, HARD_SHARE * top)]
            pairs += [(s.question, a.candidate(i), 1.0) for a, i, _, p in positives if p < DOUBTED or hard]
        else:
            hard = [c for c in negatives if c[3] >= NEAR_MISS_FLOOR]
        hard.sort(key=lambda c: -c[3])
        pairs += [(s.question, a.candidate(i), 0.0) for a, i, _, _ in hard[:HARD_PER_QUESTION]]
    return pairs


def second_stage_pairs(scored: list[Scored], first_stage: list[tuple[str, str, float]], replay: float,
                       seed: int) -> list[tuple[str, str, float]]:
    """The mistakes plus a seeded share of the first stage's pairs."""
    rng = random.Random(seed)
    return hard_pairs(scored) + rng.sample(first_stage, int(replay * len(first_stage)))
