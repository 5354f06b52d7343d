"""Choosing answer sentences with the trained reader: it reads the shortlist the heuristic score makes.

The heuristic score (words, names, the kind of answer asked for, similarity) is cheap and good at finding the
sentences worth reading; it is poor at telling the sentence that answers from the one that is only on topic (an
article's lead), or one speaker's quote from another's. The reader is better at that but, trained on our written
set alone, less sure across other writing; a sentence's rank blends both (bench/calibrate.py measured the blend
above either alone on dev, RGB and the written test split). Whether anything answers is the reader's call alone:
below its calibrated probability the answer is a refusal.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from core.settings import ReadingSettings
from core.types import Passage
from index.bm25 import terms
from qa.coverage import unmentioned
from qa.evidence import answer_kind, holds_kind, pinned, pins, prospective
from qa.quotes import named_in, speaker
from qa.sentences import without_dateline

# A heading or caption ("'Water gushed in'", "Photos: the flood") is a line without a sentence's full stop.
_ENDS_SENTENCE = re.compile(r"[.!?\u2026][\u201d\u2019\"')\]]*$")
_FRAGMENT_WORDS = 8
_WINDOW_WORDS = 60

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
        c.previous = previous
        texts.append((_window(without_dateline(c.text), question), previous, chunk.title or ""))
    probs = reader.score(question, texts)
    top = max(c.score for c in pool) or 1.0
    w = settings.heuristic_weight
    for c, p in zip(pool, probs, strict=True):
        c.prob = float(p)
        c.score = (1 - w) * float(p) + w * c.score / top
    return sorted(pool, key=lambda c: -c.score)


def _window(sentence: str, question: str) -> str:
    """A run-on "sentence" (a page without full stops) cut to the words around the question's: the reader reads
    its first ~90 tokens only, and the answer may sit anywhere in it."""
    words = sentence.split()
    if len(words) <= _WINDOW_WORDS:
        return sentence
    wanted = set(terms(question))
    hits = [i for i, w in enumerate(words) if set(terms(w)) & wanted]
    if not hits:
        return " ".join(words[:_WINDOW_WORDS])
    # The window holding the most question words.
    start = max(range(0, len(words) - _WINDOW_WORDS + 1, 10) or [0],
                key=lambda s: sum(s <= i < s + _WINDOW_WORDS for i in hits))
    return " ".join(words[start : start + _WINDOW_WORDS])


def _spans(c: Any, passages: Sequence[Passage], cands: list[Any]) -> tuple[int, int] | None:
    """The span of the sentence before `c` in its chunk (who speaks is often named there), if any."""
    before = [o for o in cands if o.passage == c.passage and o.index == c.index - 1]
    return (before[0].start, before[0].end) if before else None


def select(ranked: list[Any], passages: Sequence[Passage], settings: ReadingSettings, limit: int,
           question: str = "") -> list[Any]:
    """Nothing when the reader believes no candidate answers; else the best and the runners-up close to it. Where
    the article it would answer from never mentions a name the question asks about, or never gives the year or
    numbered name it is pinned to, the reader's belief is scaled down first: a near miss about another person,
    place or edition (bench/calibrate-style sweeps chose a scale, not a veto, because RGB's snippets often leave
    out the product or prize the question names). A sentence without the kind of answer asked for (no figure for
    "how many"), or one that has what the question asks about still to come ("will resume" for "did the dig
    resume?"), counts for less towards that belief: the reader, reading for topic, is often sure of it."""
    if not ranked:
        return []
    asked_kind = answer_kind(question)
    kind = asked_kind if question and settings.missing_kind_factor < 1 else None
    # Asked what happened, a sentence that has it still to come holds no outcome, whatever kind was asked for.
    outcome = bool(question) and settings.missing_kind_factor < 1

    # Each candidate's belief once: the ordering, the refusal and its near-miss checks all read it.
    beliefs = {id(c): c.prob * (1.0 if holds_kind(kind, c.text, question)
                                and not (outcome and prospective(c.text, question)) else settings.missing_kind_factor)
               for c in ranked}

    def believed(c: Any) -> float:
        return beliefs[id(c)]

    ranked = _believed_first(ranked, believed, settings.reader_threshold)
    words = asked_kind == "quote"
    if words:
        ranked = _asked_speaker_first(ranked, question, settings.runner_up_belief)
    best = ranked[0]
    lead = passages[best.passage].chunk.article_id
    belief = max(believed(c) for c in ranked)
    if question and belief >= settings.reader_threshold:
        chunks = [p.chunk for p in passages if p.chunk.article_id == lead]
        texts = [t for c in chunks for t in (c.title, c.source, c.text)]
        if settings.missing_name_factor < 1 and unmentioned(question, texts):
            belief *= settings.missing_name_factor
        asked = pins(question) if settings.missing_pin_factor < 1 else set()
        if asked and pinned(asked, " ".join(texts + [c.published or "" for c in chunks])) < 1:
            belief *= settings.missing_pin_factor
    if belief < settings.reader_threshold:
        return []
    chosen = [best]
    # Asked for someone's words, the answer is one speaker's: a runner-up quoting another named person (the
    # mayor beside the opposition councillor asked about) is left out, unless the question names them too.
    own = speaker(best.text, best.previous) if words else None
    for c in ranked[1:]:
        if len(chosen) >= limit:
            break
        same = passages[c.passage].chunk.article_id == lead
        ratio = settings.runner_up_ratio if same else settings.other_article_ratio
        credible = c.prob >= settings.runner_up_belief * best.prob
        theirs = speaker(c.text, c.previous) if own else None
        other = bool(theirs and theirs != own and not named_in(theirs, question))
        if c.score >= ratio * best.score and credible and not other and all(c.text != o.text for o in chosen):
            chosen.append(c)
    return chosen


def _believed_first(ranked: list[Any], believed: Callable[[Any], float], threshold: float) -> list[Any]:
    """An answer is a sentence the reader believes: when the blend's best is below the threshold (the heuristic
    carried it), the sentence the reader believes most goes first, and the near-miss checks look at its article.
    On the written test split 15 more near misses refused and 2 more answers right; RGB one answer fewer."""
    if believed(ranked[0]) >= threshold:
        return ranked
    top = max(ranked, key=believed)
    return [top, *(c for c in ranked if c is not top)]


def _asked_speaker_first(ranked: list[Any], question: str, belief: float) -> list[Any]:
    """Asked for a named person's words, a sentence of theirs goes first when the best one quotes someone else and
    the reader believes theirs at least `belief` as much: the reader, reading for topic, often prefers another
    speaker of the same story."""
    best = ranked[0]
    first = speaker(best.text, best.previous)
    if first is None or named_in(first, question):
        return ranked
    for c in ranked[1:]:
        theirs = speaker(c.text, c.previous)
        if theirs and named_in(theirs, question) and c.prob >= belief * best.prob:
            return [c, *(o for o in ranked if o is not c)]
    return ranked
