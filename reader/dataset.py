"""The written set as training pairs: articles split into sentences, questions into reader pairs, claims (and their
rule-made variants) into verifier pairs; a fixed test split by story, never trained on.

Pairs are built with the same sentence splitter, follow-up rewrite, compound split and pair texts the product uses
when answering (qa.sentences, qa.followup, qa.compound, qa.reading), so the models are trained on what they will be
shown.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

from qa.compound import split_compound
from qa.followup import carry_context
from qa.reading import reader_text, verifier_pair
from qa.sentences import split_sentences, without_dateline
from reader.perturb import perturbations, restate

WRITTEN = Path(__file__).resolve().parent / "data" / "written"
TEST_SHARE = 0.15
_WORD = re.compile(r"[a-z0-9]+")
_STOP = {"the", "a", "an", "of", "to", "in", "on", "and", "or", "for", "at", "by", "with", "is", "was", "were", "did",
         "does", "do", "what", "who", "when", "where", "how", "many", "much", "which", "say", "said", "about"}
# At answer time a sentence opening its chunk has no previous sentence, and snippets (RGB's) have no title.
_NO_PREVIOUS = 0.2
_NO_TITLE = 0.15
# Sentences per article made into faithful and one-error verifier pairs, and the shortest worth it.
_SENTENCES_PER_ARTICLE = 5
_MIN_CLAIM_WORDS = 8


@dataclass
class Article:
    id: str
    title: str
    story: str
    text: str
    people: list[str]
    sentences: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.sentences = [self.text[a:b] for a, b in split_sentences(self.text)]

    def previous(self, i: int) -> str:
        return without_dateline(self.sentences[i - 1]) if i > 0 else ""

    def candidate(self, i: int, rng: random.Random | None = None) -> str:
        """Sentence i as the reader sees it: the sentence, then the title and the sentence before it."""
        previous = "" if rng and rng.random() < _NO_PREVIOUS else self.previous(i)
        title = "" if rng and rng.random() < _NO_TITLE else self.title
        return reader_text(without_dateline(self.sentences[i]), previous, title)


@dataclass
class ReaderItem:
    """One question as the reader meets it, with the articles to read and the sentences that answer it."""

    id: str
    kind: str
    question: str
    articles: list[Article]
    answers: list[str]
    closest: str = ""
    short: str = ""  # the short answer: a sentence holding it that is not listed is no negative either


def _rows(kind: str) -> Iterator[dict]:
    for path in sorted(WRITTEN.glob(f"*.{kind}.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                yield json.loads(line)


def load_articles() -> dict[str, Article]:
    return {a["id"]: Article(a["id"], a["title"], a.get("story") or a["id"], a["text"], a.get("people") or [])
            for a in _rows("articles")}


def split_of(article: Article) -> str:
    """'test' for a fixed ~15% of stories (all articles of a story together, so none leaks into training)."""
    digest = hashlib.sha256(article.story.encode()).digest()
    return "test" if digest[0] / 256 < TEST_SHARE else "train"


def _words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in _STOP}


def is_answer(sentence: str, answers: list[str]) -> bool:
    return any(a in sentence or sentence in a for a in answers if a)


def holds_short(item: ReaderItem, sentence: str) -> bool:
    """Does the sentence hold the question's short answer? Such a sentence, if not listed, is no negative."""
    return bool(item.short) and len(item.short) > 3 and item.short.lower() in sentence.lower()


def reader_questions(articles: dict[str, Article], split: str) -> list[ReaderItem]:
    """Every question of the split as the answerer would read it: a follow-up as the rule-based rewrite focuses it
    (and once standalone), a compound question once whole and once per part, a multi-article one over its articles."""
    out = []
    for q in _rows("questions"):
        art = articles.get(q["article_id"])
        if art is None or split_of(art) != split:
            continue
        kind, answers = q["kind"], q.get("answers") or []
        item = ReaderItem(q["id"], kind, q["question"], [art], answers, q.get("closest") or "", q.get("short") or "")
        if kind == "multi":
            parts = [p for p in q.get("parts") or [] if p.get("article_id") in articles]
            item.articles = [articles[p["article_id"]] for p in parts]
            item.answers = [s for p in parts for s in p["answers"]]
            out.append(item)
            pieces = split_compound(q["question"])
            if len(pieces) == len(parts):
                out += [ReaderItem(f"{q['id']}-p{i}", kind, piece, [articles[p["article_id"]]], p["answers"])
                        for i, (piece, p) in enumerate(zip(pieces, parts, strict=True))]
            continue
        if kind == "followup" and q.get("history"):
            turns = [SimpleNamespace(question=h["question"], answer=h.get("answer", ""), query="")
                     for h in q["history"]]
            focus = carry_context(q["question"], turns).focus
            out.append(ReaderItem(q["id"] + "-f", kind, focus, [art], answers))
            item.question = q.get("standalone") or q["question"]
        out.append(item)
        pieces = split_compound(q["question"]) if kind == "compound" else []
        if len(pieces) > 1 and len(pieces) == len(answers):
            out += [ReaderItem(f"{q['id']}-p{i}", kind, piece, [art], [a]) for i, (piece, a) in
                    enumerate(zip(pieces, answers, strict=True))]
    return out


class SentenceIndex:
    """The split's sentences by word, to find other articles' sentences sharing the question's rarer words: the
    same-topic passages retrieval puts beside the right one, which the reader must learn to turn down."""

    def __init__(self, pool: list[Article]) -> None:
        self.sentences = [(a, i) for a in pool for i in range(len(a.sentences))]
        self.postings: dict[str, list[int]] = {}
        for k, (a, i) in enumerate(self.sentences):
            for w in _words(a.sentences[i]):
                self.postings.setdefault(w, []).append(k)
        n = len(self.sentences)
        self.idf = {w: math.log(n / len(ks)) for w, ks in self.postings.items()}

    def nearest(self, question: str, exclude: set[str], most: int) -> list[tuple[Article, int]]:
        scores: Counter = Counter()
        for w in _words(question):
            for k in self.postings.get(w, ()):
                scores[k] += self.idf[w]
        out = []
        for k, _ in scores.most_common(most * 8):
            a, i = self.sentences[k]
            if a.story not in exclude:
                out.append((a, i))
                if len(out) == most:
                    break
        return out


def reader_pairs(articles: dict[str, Article], split: str, seed: int, negatives: int = 9,
                 cross: int = 4) -> list[tuple[str, str, float]]:
    """(question, candidate text, label): the answer sentences; the hardest other sentences of the articles (most
    words shared with the question, the near miss's closest sentence, the lead, which the reader must learn not to
    settle for); `cross` sentences of other stories sharing the question's rarer words (what retrieval brings
    beside the right article); one sentence of another article of the same story and a random one."""
    rng = random.Random(seed)
    pool = [a for a in articles.values() if split_of(a) == split]
    index = SentenceIndex(pool)
    by_story: dict[str, list[Article]] = {}
    for a in pool:
        by_story.setdefault(a.story, []).append(a)
    pairs = []
    for item in reader_questions(articles, split):
        pairs += [(item.question, a.candidate(i, rng), 0.0)
                  for a, i in index.nearest(item.question, {a.story for a in item.articles}, cross)]
        question, answers = item.question, item.answers
        qw = _words(question)
        scored = []
        for art in item.articles:
            for i, s in enumerate(art.sentences):
                text = art.candidate(i, rng)
                if is_answer(s, answers):
                    pairs.append((question, text, 1.0))
                elif holds_short(item, s):
                    continue
                else:
                    hard = (2.0 if item.closest and item.closest in s else 0.0) + (1.0 if i == 0 else 0.0)
                    scored.append((len(qw & _words(s)) + rng.random() * 0.5 + hard, text))
        scored.sort(key=lambda x: -x[0])
        pairs += [(question, t, 0.0) for _, t in scored[:negatives]]
        own = {a.id for a in item.articles}
        others = [a for a in by_story.get(item.articles[0].story, []) if a.id not in own] or [rng.choice(pool)]
        for other in (rng.choice(others), rng.choice(pool)):
            if other.id not in own and other.sentences:
                pairs.append((question, other.candidate(rng.randrange(len(other.sentences)), rng), 0.0))
        # Headings and captions reach the answerer too ("'Water gushed in'"): a title fragment answers nothing.
        if rng.random() < 0.3:
            pairs.append((question, item.articles[0].title, 0.0))
    return pairs


def evidence_window(art: Article, evidence: list[str], rng: random.Random) -> str:
    """The evidence with, at random, a neighbouring sentence: the checker shows the verifier a window like it."""
    idx = [i for i, s in enumerate(art.sentences) if any(e in s or s in e for e in evidence)]
    if not idx:
        return " ".join(evidence)
    lo, hi = min(idx), max(idx)
    roll = rng.random()
    if roll < 0.3 and lo > 0:
        lo -= 1
    elif roll < 0.6 and hi + 1 < len(art.sentences):
        hi += 1
    return " ".join(art.sentences[lo : hi + 1])


def claims(articles: dict[str, Article], split: str) -> list[dict]:
    return [c | {"article": articles[c["article_id"]]} for c in _rows("claims")
            if c["article_id"] in articles and split_of(articles[c["article_id"]]) == split]


def verifier_examples(articles: dict[str, Article], split: str, seed: int,
                      rules: bool = True) -> list[tuple[str, str, float, str]]:
    """(evidence window, claim, label, kind): the written claims; rule-made variants of the faithful ones (one
    error each, the FactCC recipe); faithful claims shown with another article's evidence (a wrong citation)."""
    rng = random.Random(seed)
    pool = [a for a in articles.values() if split_of(a) == split and a.sentences]
    out = []
    for c in claims(articles, split):
        art = c["article"]
        window = evidence_window(art, c["evidence"], rng)
        label = 1.0 if c["label"] == "faithful" else 0.0
        out.append((window, c["claim"], label, c["kind"]))
        if label and rules:
            for kind, variant in perturbations(c["claim"], art.text, art.people, rng):
                out.append((window, variant, 0.0, kind))
            other = rng.choice(pool)
            if other.id != art.id:
                i = rng.randrange(len(other.sentences))
                out.append((" ".join(other.sentences[i : i + 2]), c["claim"], 0.0, "wrong_citation"))
    # FactCC on the articles' own sentences: a sentence (restated where a rule can) is faithful to its window, and
    # each one-error variant of it is not. Thousands of pairs that teach where errors hide; the written loose
    # paraphrases teach that rewording is fine.
    if rules:
        for art in pool:
            usable = [i for i, s in enumerate(art.sentences) if len(s.split()) >= _MIN_CLAIM_WORDS]
            for i in rng.sample(usable, min(_SENTENCES_PER_ARTICLE, len(usable))):
                claim = restate(without_dateline(art.sentences[i]), rng)
                window = " ".join(art.sentences[max(0, i - 1) : i + 2]) if rng.random() < 0.5 else art.sentences[i]
                out.append((window, claim, 1.0, "verbatim"))
                for kind, variant in perturbations(claim, art.text, art.people, rng, most=2):
                    out.append((window, variant, 0.0, kind))
    return out


def as_pairs(examples: list[tuple]) -> list[tuple[str, str, float]]:
    return [(*verifier_pair(e, c), y) for e, c, y, *_ in examples]
