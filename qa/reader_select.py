"""Choosing answer sentences with the trained reader: it reads the shortlist the heuristic score makes.

The heuristic score (words, names, the kind of answer asked for, similarity) is cheap and good at finding the
sentences worth reading; it is poor at telling the sentence that answers from the one that is only on topic (an
article's lead), or one speaker's quote from another's. The reader decides that, and says when none answers: its
probability is calibrated (bench/calibrate.py), so one threshold refuses near misses.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from core.settings import ReadingSettings
from core.types import Passage
from qa.sentences import without_dateline

# A heading or caption ("'Water gushed in'", "Photos: the flood") is a line without a sentence's full stop.
_ENDS_SENTENCE = re.compile(r"[.!?\u2026][\u201d\u2019\"')\]]*$")
_FRAGMENT_WORDS = 8
# Runners-up join the best sentence only when the reader is nearly as sure of them: answers stay short.
_SAME_ARTICLE = 0.8
_OTHER_ARTICLE = 0.95
# The heuristic score breaks the reader's ties, never more.
_TIE_BREAK = 0.02


def is_fragment(text: str) -> bool:
    return len(text.split()) < _FRAGMENT_WORDS and not _ENDS_SENTENCE.search(text.strip())


def read(reader: Any, settings: ReadingSettings, question: str, passages: Sequence[Passage],
         cands: list[Any]) -> list[Any]:
    """The shortlist, best first, each candidate's `score` now the reader's probability (plus a tie-break)."""
    pool = [c for c in cands if c.score > 0 and not is_fragment(c.text)]
    pool.sort(key=lambda c: -c.score)
    pool = pool[: settings.reader_candidates]
    if not pool:
        return []
    texts = []
    for c in pool:
        chunk = passages[c.passage].chunk
        spans = _spans(c, passages, cands)
        previous = without_dateline(chunk.text[spans[0] : spans[1]]) if spans else ""
        texts.append((c.text, previous, chunk.title or ""))
    probs = reader.score(question, texts)
    top = max(c.score for c in pool) or 1.0
    for c, p in zip(pool, probs, strict=True):
        c.prob = float(p)
        c.score = float(p) + _TIE_BREAK * c.score / top
    return sorted(pool, key=lambda c: -c.score)


def _spans(c: Any, passages: Sequence[Passage], cands: list[Any]) -> tuple[int, int] | None:
    """The span of the sentence before `c` in its chunk (who speaks is often named there), if any."""
    before = [o for o in cands if o.passage == c.passage and o.index == c.index - 1]
    return (before[0].start, before[0].end) if before else None


def select(ranked: list[Any], passages: Sequence[Passage], settings: ReadingSettings, limit: int) -> list[Any]:
    """The best sentence when the reader believes it answers; runners-up it is nearly as sure of, up to `limit`."""
    if not ranked or ranked[0].prob < settings.reader_threshold:
        return []
    best = ranked[0]
    lead = passages[best.passage].chunk.article_id
    chosen = [best]
    for c in ranked[1:]:
        if len(chosen) >= limit:
            break
        share = _SAME_ARTICLE if passages[c.passage].chunk.article_id == lead else _OTHER_ARTICLE
        if c.prob >= max(settings.reader_threshold, share * best.prob) and all(c.text != o.text for o in chosen):
            chosen.append(c)
    return chosen
