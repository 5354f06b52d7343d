"""The default answerer: cited sentences selected from the retrieved passages, no LLM involved."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from core.settings import AnswerSettings, ReadingSettings
from core.types import Answer, Passage
from index.bm25 import terms
from index.clean import is_boilerplate
from qa.answer import build_answer, refusal
from qa.compound import asked_part, split_compound
from qa.coverage import QUESTION_WORDS, question_names
from qa.evidence import answer_kind, answer_tokens, corroboration, holds_kind, is_question, new_terms, pinned, pins
from qa.quotes import QUOTE_REACH, carries_words, continues_quote, named_in, named_speaker, quote_opening, speaker
from qa.reader_select import read, select
from qa.sentences import SentenceCache, without_dateline

_NUMBER = re.compile(r"\b\d[\d,.]*\b")
_KIND_MISS = 0.8
# In choosing which sentences to embed, one holding the kind of answer asked for (a date for "when") is worth
# about a fifth of the question's words: with it, the 16 sentences embedded hold the 3 best of all of them for
# 99% of dev and rgb-answer questions, as 24 did without it.
_HOLDS_BONUS = 0.2
_UNPINNED = 0.6
_ASKS = 0.5
_ECHO = 0.7
_VOTE = 0.2
_VOTES = 3
_SAME_ARTICLE = 0.5
_OTHER_ARTICLE = 0.85
_FOLLOWED = 3
_CARRIES_ON = re.compile(r"[\u201c\"\u2018]|(?:He|She|They|It|His|Her|Their|Its|This|That|These|Those|Such)\b")


@dataclass
class Candidate:
    passage: int
    start: int
    end: int
    text: str
    score: float = 0.0
    index: int = 0  # sentence number within its chunk (the sentence cache's key)
    prob: float = 0.0  # the reader's probability that it answers, when a reader read it
    previous: str = ""  # the sentence before it in its chunk, as the reader read it


def _name_score(names: Sequence[str], text: str) -> float:
    if not names:
        return 0.0
    low = text.lower()
    got = 0.0
    for name in names:
        if name.lower() in low:
            got += 1.0
        elif name.split()[-1].lower() in low:
            got += 0.7
    return got / len(names)


class ExtractiveAnswerer:
    """Scores every sentence of the passages against the question and keeps the best, cited, in article order."""

    def __init__(self, embedder: object, settings: AnswerSettings | None = None,
                 cache: SentenceCache | None = None, reader: object | None = None,
                 reading: ReadingSettings | None = None) -> None:
        self.embedder = embedder
        self.settings = settings or AnswerSettings()
        self.cache = cache or SentenceCache(embedder)
        self.reader = reader  # an AnswerReader (qa.reading); None: the heuristic score decides alone
        self.reading = reading or ReadingSettings()

    def candidates(self, passages: Sequence[Passage]) -> list[Candidate]:
        out = []
        for i, p in enumerate(passages):
            for j, (start, end) in enumerate(self.cache.spans(p.chunk)):
                # Scored without a leading dateline: every snippet has one, so it says nothing of the question.
                out.append(Candidate(i, start, end, without_dateline(p.chunk.text[start:end]), index=j))
        return out

    def score(self, question: str, passages: Sequence[Passage], cands: list[Candidate]) -> None:
        if not cands:
            return
        q_terms = [t for t in dict.fromkeys(terms(question)) if t not in QUESTION_WORDS]
        cand_terms = [set(terms(c.text)) for c in cands]
        n = len(cands)
        # Rare terms of the question count for more than common ones, relative to the retrieved sentences.
        idf = {t: math.log((n + 1) / (0.5 + sum(t in ts for ts in cand_terms))) + 1.0 for t in q_terms}
        total = sum(idf.values()) or 1.0
        names = question_names(question)
        overlaps = [sum(idf[t] for t in q_terms if t in ts) / total if q_terms else 0.0 for ts in cand_terms]
        name_scores = [_name_score(names, c.text) for c in cands]
        kind = answer_kind(question)
        holds = [holds_kind(kind, c.text, question) for c in cands]
        sims = self._similarities(question, passages, cands, overlaps, name_scores, holds)
        pinned_to = pins(question)
        for cand, sim, overlap, name, held in zip(cands, sims, overlaps, name_scores, holds, strict=True):
            # A boilerplate line ("Editor's note: for the latest, see ...") that an older index holds answers nothing.
            if sim is None or is_boilerplate(cand.text):
                cand.score = 0.0
                continue
            score = 0.5 * sim + 0.3 * overlap + 0.2 * name if names else 0.6 * sim + 0.4 * overlap
            # A sentence without the kind of answer asked for, or one that only echoes the question, answers less.
            if not held:
                score *= _KIND_MISS
            if new_terms(cand.text, question) < 2:
                score *= _ECHO
            if pinned_to:
                chunk = passages[cand.passage].chunk
                # A year or numbered name asked about but absent from the passage is the commonest near miss.
                context = f"{chunk.title} {chunk.text} {chunk.published or ''}"
                score *= _UNPINNED + (1 - _UNPINNED) * pinned(pinned_to, context)
            if is_question(cand.text):
                score *= _ASKS
            cand.score = score
        self._corroborate(question, kind, passages, cands)

    @staticmethod
    def _corroborate(question: str, kind: str | None, passages: Sequence[Passage], cands: list[Candidate]) -> None:
        """An answer that other articles repeat is likelier right than one a single sentence makes up."""
        articles: dict[str, str] = {}
        for p in passages:
            articles[p.chunk.article_id] = articles.get(p.chunk.article_id, "") + " " + p.chunk.text.lower()
        if len(articles) < 2:
            return
        for cand in cands:
            if cand.score > 0:
                tokens = answer_tokens(kind, cand.text, question)
                votes = corroboration(tokens, passages[cand.passage].chunk.article_id, articles)
                cand.score *= 1 + _VOTE * min(votes, _VOTES) / _VOTES

    def _similarities(self, question: str, passages: Sequence[Passage], cands: list[Candidate],
                      overlaps: list[float], name_scores: list[float], holds: list[bool]) -> list[float | None]:
        """Cosine of each shortlisted sentence to the question; None for those not worth embedding.

        Embedding every sentence of every passage is most of the time of an answer; sentences sharing no word or
        name with the question and far down the ranking almost never win, so only the best `candidate_sentences`
        by words, names, passage rank and holding the kind of answer asked for are embedded.
        """
        limit = self.settings.candidate_sentences
        order = sorted(range(len(cands)), key=lambda k: -(overlaps[k] + name_scores[k] + 0.3 / (1 + cands[k].passage)
                                                          + _HOLDS_BONUS * holds[k]))
        keep = sorted(order[:limit]) if limit else list(range(len(cands)))
        q_vec = np.asarray(self.embedder.encode([question])[0], dtype=np.float32)
        vectors = self.cache.sentence_vectors([(passages[cands[k].passage].chunk, cands[k].index) for k in keep])
        sims: list[float | None] = [None] * len(cands)
        for k, v in zip(keep, vectors, strict=True):
            sims[k] = float(v @ q_vec)
        return sims

    def answer(self, question: str, passages: Sequence[Passage], query: str | None = None) -> Answer:
        """Each part of a compound question ("which actor plays the mayor, and which the councillor?") is answered on
        its own, with its share of `max_sentences`; a part no sentence answers is left out, all of them: refusal."""
        parts = split_compound(query or question)
        limit = max(1, self.settings.max_sentences // len(parts))
        chosen: list[Candidate] = []
        for part in parts:
            cands = self.candidates(passages)
            # With the reader, a statement the question opens with is left out of the shortlist and the reading
            # (it echoes the article's lead, not the detail asked for) but not of select()'s near-miss checks.
            asked = asked_part(question, part) if self.reader is not None else part
            self.score(asked, passages, cands)
            if self.reader is not None:
                # The fewest sentences that answer: one or two, one per part of a compound question.
                ranked = read(self.reader, self.reading, asked, passages, cands)
                picked = select(ranked, passages, self.reading,
                                self.reading.answer_sentences if len(parts) == 1 else 1, question=part)
                chosen += picked + _openings(picked, cands) + self._continuations(picked, cands, passages, part,
                                                                                  quotes_only=True)
                continue
            ranked = sorted(cands, key=lambda c: -c.score)
            if not ranked or ranked[0].score < self.settings.refusal_threshold:
                continue
            picked = self._select(ranked, passages, limit)
            chosen += picked + self._continuations(picked, cands, passages, part)
        if not chosen:
            return refusal(question, passages, query)
        return build_answer(question, passages, self._article_order(chosen, passages), query)

    def _select(self, ranked: list[Candidate], passages: Sequence[Passage], limit: int) -> list[Candidate]:
        """The best sentence, then close runners-up: generously from its own article (the question often restates
        one sentence and asks for a detail of the next), strictly from other articles (they are cited too)."""
        best = ranked[0]
        lead = passages[best.passage].chunk.article_id
        chosen = [best]
        for cand in ranked[1:]:
            if len(chosen) >= limit:
                break
            same = passages[cand.passage].chunk.article_id == lead
            floor = (_SAME_ARTICLE if same else _OTHER_ARTICLE) * best.score
            if cand.score >= floor and not any(_similar(cand.text, c.text) for c in chosen):
                chosen.append(cand)
        return chosen

    def _continuations(self, chosen: list[Candidate], cands: list[Candidate], passages: Sequence[Passage],
                       question: str, quotes_only: bool = False) -> list[Candidate]:
        """The sentence after a chosen one when it carries it on: the rest of a quote, a sentence about the same
        subject ("He ...", "“...”"), or the detail asked for (a date, figure or name) the chosen one lacks."""
        kind = answer_kind(question)
        own = speaker(chosen[0].text, chosen[0].previous) if chosen and kind == "quote" else None
        by_place = sorted(cands, key=lambda c: _place(c, passages))
        index = {id(c): i for i, c in enumerate(by_place)}
        taken = {id(c) for c in chosen}
        extra: list[Candidate] = []
        # Follow-ons of the best few only: an answer grows by at most two sentences this way.
        for cand in chosen[:_FOLLOWED]:
            i = index[id(cand)] + 1
            while i < len(by_place) and _place(by_place[i], passages)[:2] == _place(cand, passages)[:2] \
                    and by_place[i].text == cand.text:
                i += 1
            if i >= len(by_place):
                continue
            nxt = by_place[i]
            same_article = passages[nxt.passage].chunk.article_id == passages[cand.passage].chunk.article_id
            follows = carries_words(cand.text, nxt.text, kind) if quotes_only else _follows(cand.text, nxt.text,
                                                                                                kind, question)
            # Asked for one person's words, the quotation that opens next is theirs only if it names no one else.
            other = named_speaker(nxt.text) if quotes_only and own else None
            if other and other != own and not named_in(other, question):
                follows = False
            if same_article and id(nxt) not in taken and follows:
                taken.add(id(nxt))
                extra.append(nxt)
        return extra

    @staticmethod
    def _article_order(chosen: list[Candidate], passages: Sequence[Passage]) -> list[tuple[int, int, int]]:
        """Articles by their best sentence, sentences within an article in reading order."""
        best: dict[str, float] = {}
        for c in chosen:
            aid = passages[c.passage].chunk.article_id
            best[aid] = max(best.get(aid, -math.inf), c.score)
        ordered = sorted(chosen, key=lambda c: (-best[passages[c.passage].chunk.article_id], _place(c, passages)))
        seen: set[tuple] = set()
        out = []
        for c in ordered:
            key = _place(c, passages)
            if key not in seen:
                seen.add(key)
                out.append((c.passage, c.start, c.end))
        return out


def _follows(previous: str, sentence: str, kind: str | None, question: str) -> bool:
    if continues_quote(previous, sentence) or _CARRIES_ON.match(sentence):
        return True
    return kind is not None and not holds_kind(kind, previous, question) and holds_kind(
        kind, sentence, question)


def _openings(chosen: list[Candidate], cands: list[Candidate]) -> list[Candidate]:
    """The sentences before a chosen one that its quotation opened in: an answer never starts mid-quote, and the
    words before the attribution are often the ones asked for (on the written test split, 10 more answers right)."""
    at = {(c.passage, c.index): c for c in cands}
    taken = {id(c) for c in chosen}
    extra: list[Candidate] = []
    for cand in chosen:
        before: list[Candidate] = []
        for k in range(1, QUOTE_REACH + 1):
            if (earlier := at.get((cand.passage, cand.index - k))) is None:
                break  # the chunk's first sentence
            before.append(earlier)
        for previous in before[: quote_opening(cand.text, [b.text for b in before])]:
            if id(previous) not in taken:
                taken.add(id(previous))
                extra.append(previous)
    return extra


def _place(c: Candidate, passages: Sequence[Passage]) -> tuple[str, int, int]:
    chunk = passages[c.passage].chunk
    return (chunk.article_id, chunk.position, c.start)


def _similar(a: str, b: str) -> bool:
    ta, tb = set(terms(a)), set(terms(b))
    return bool(ta and tb) and len(ta & tb) / len(ta | tb) > 0.6


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / ((np.linalg.norm(a) * np.linalg.norm(b)) or 1.0))
