"""The written set as training pairs: articles split into sentences, questions into reader pairs, claims (and their
rule-made variants) into verifier pairs; a fixed test split by story, never trained on.

Pairs are built with the same sentence splitter and pair texts the product uses when answering (qa.sentences,
qa.reading), so the models are trained on what they will be shown.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from qa.reading import reader_text, verifier_pair
from qa.sentences import split_sentences, without_dateline
from reader.perturb import perturbations

WRITTEN = Path(__file__).resolve().parent / "data" / "written"
TEST_SHARE = 0.15
_WORD = re.compile(r"[a-z0-9]+")
_STOP = {"the", "a", "an", "of", "to", "in", "on", "and", "or", "for", "at", "by", "with", "is", "was", "were", "did",
         "does", "do", "what", "who", "when", "where", "how", "many", "much", "which", "say", "said", "about"}


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


def _is_answer(sentence: str, answers: list[str]) -> bool:
    return any(a in sentence or sentence in a for a in answers if a)


def reader_questions(articles: dict[str, Article], split: str) -> list[dict]:
    """Every question of the split as {question, article, answers}; follow-ups once standalone and once as the
    answerer sees them (the question with the previous one's words)."""
    out = []
    for q in _rows("questions"):
        art = articles.get(q["article_id"])
        if art is None or split_of(art) != split:
            continue
        base = {"article": art, "answers": q.get("answers") or [], "kind": q["kind"], "id": q["id"]}
        out.append({**base, "question": q.get("standalone") or q["question"]})
        if q["kind"] == "followup" and q.get("history"):
            out.append({**base, "question": f"{q['question']} {q['history'][-1]['question']}", "id": q["id"] + "-f"})
    return out


def reader_pairs(articles: dict[str, Article], split: str, seed: int,
                 negatives: int = 9) -> list[tuple[str, str, float]]:
    """(question, candidate text, label): the answer sentences, the hardest other sentences of the article (most
    words shared with the question, and its lead, which the reader must learn not to settle for), one sentence of
    another article of the same story when there is one, and a random other one."""
    rng = random.Random(seed)
    pool = [a for a in articles.values() if split_of(a) == split]
    by_story: dict[str, list[Article]] = {}
    for a in pool:
        by_story.setdefault(a.story, []).append(a)
    pairs = []
    for item in reader_questions(articles, split):
        art, question, answers = item["article"], item["question"], item["answers"]
        qw = _words(question)
        scored = []
        for i, s in enumerate(art.sentences):
            text = reader_text(without_dateline(s), art.previous(i), art.title)
            if _is_answer(s, answers):
                pairs.append((question, text, 1.0))
            else:
                scored.append((len(qw & _words(s)) + rng.random() * 0.5 + (1.0 if i == 0 else 0.0), text))
        scored.sort(key=lambda x: -x[0])
        pairs += [(question, t, 0.0) for _, t in scored[:negatives]]
        others = [a for a in by_story.get(art.story, []) if a.id != art.id] or [rng.choice(pool)]
        for other in (rng.choice(others), rng.choice(pool)):
            if other.id != art.id and other.sentences:
                i = rng.randrange(len(other.sentences))
                pairs.append((question, reader_text(without_dateline(other.sentences[i]), other.previous(i),
                                                    other.title), 0.0))
        # Headings and captions reach the answerer too ("'Water gushed in'"): a title fragment answers nothing.
        if rng.random() < 0.3:
            pairs.append((question, art.title, 0.0))
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
    # A sentence copied from its passage is the commonest faithful claim of all.
    if rules:
        for art in pool:
            for i in rng.sample(range(len(art.sentences)), min(2, len(art.sentences))):
                s = without_dateline(art.sentences[i])
                out.append((" ".join(art.sentences[max(0, i - 1) : i + 2]), s, 1.0, "verbatim"))
    return out


def as_pairs(examples: list[tuple]) -> list[tuple[str, str, float]]:
    return [(*verifier_pair(e, c), y) for e, c, y, *_ in examples]
