"""Measures the trained models on the test split and writes the figures their model cards report.

    python -m reader.card [--models reader/models] [--write]

Reader: for each test question, every sentence of its article is scored; an answerable question counts as read
right when an answer sentence is ranked first and clears the threshold, a near miss as refused when no sentence
clears it. Verifier: the written test claims (and, apart, the rule-made ones) judged at its threshold.
`--write` stores the figures in reader/models/metrics.json, which tests/test_reading_models.py reproduces.
"""

from __future__ import annotations

import argparse
import json
import os
from collections import Counter
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from core.settings import ReadingSettings
from qa.reading import AnswerReader, CitationVerifier
from qa.sentences import without_dateline
from reader.dataset import is_answer, load_articles, reader_questions, verifier_examples
from reader.model_card import write_cards

MODELS = Path(__file__).resolve().parent / "models"
METRICS = MODELS / "metrics.json"


def reader_metrics(reader: AnswerReader, threshold: float, split: str = "test") -> dict:
    articles = load_articles()
    right = refused = answerable = near = false_refusals = 0
    by_kind: Counter = Counter()
    totals: Counter = Counter()
    for item in reader_questions(articles, split):
        sentences = [s for art in item.articles for s in art.sentences]
        cands = [(without_dateline(s), art.previous(i), art.title) for art in item.articles
                 for i, s in enumerate(art.sentences)]
        probs = reader.score(item.question, cands)
        best = int(probs.argmax())
        said = probs[best] >= threshold
        if item.answers:
            answerable += 1
            totals[item.kind] += 1
            false_refusals += not said
            ok = said and is_answer(sentences[best], item.answers)
            right += ok
            by_kind[item.kind] += ok
        else:
            near += 1
            refused += not said
    return {"questions": answerable + near, "answerable": answerable, "near_miss": near,
            "accuracy": round(right / max(answerable, 1), 4), "near_miss_refused": round(refused / max(near, 1), 4),
            "false_refusals": round(false_refusals / max(answerable, 1), 4),
            "accuracy_by_kind": {k: round(by_kind[k] / n, 4) for k, n in sorted(totals.items())}}


def verifier_metrics(verifier: CitationVerifier, threshold: float, split: str = "test") -> dict:
    articles = load_articles()
    out = {}
    for name, rules in (("written", False), ("rule_made", True)):
        examples = verifier_examples(articles, split, seed=7, rules=rules)
        if rules:
            written = {(e, c) for e, c, *_ in verifier_examples(articles, split, seed=7, rules=False)}
            examples = [x for x in examples if (x[0], x[1]) not in written]
        probs = verifier.probabilities([(e, c) for e, c, *_ in examples])
        kinds: Counter = Counter()
        hits: Counter = Counter()
        for (_, _, label, kind), p in zip(examples, probs, strict=True):
            kinds[kind] += 1
            hits[kind] += (p >= threshold) == bool(label)
        faithful = [k for k in kinds if k in {"close", "loose", "verbatim"}]
        unfaithful = [k for k in kinds if k not in faithful]
        out[name] = {
            "pairs": len(examples),
            "faithful_kept": round(sum(hits[k] for k in faithful) / max(sum(kinds[k] for k in faithful), 1), 4),
            "unfaithful_flagged": round(sum(hits[k] for k in unfaithful) / max(sum(kinds[k] for k in unfaithful), 1),
                                        4),
            "by_kind": {k: {"n": kinds[k], "right": round(hits[k] / kinds[k], 4)} for k in sorted(kinds)},
        }
    return out


def measure(models: Path, reading: ReadingSettings | None = None) -> dict:
    reading = reading or ReadingSettings()
    reader = AnswerReader(models / "answer-reader")
    verifier = CitationVerifier(models / "citation-verifier")
    return {"split": "test", "reader_threshold": reading.reader_threshold,
            "verifier_threshold": reading.verifier_threshold,
            "reader": reader_metrics(reader, reading.reader_threshold),
            "verifier": verifier_metrics(verifier, reading.verifier_threshold)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=Path, default=MODELS)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    figures = measure(args.models)
    print(json.dumps(figures, indent=2))
    if args.write:
        (args.models / "metrics.json").write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
        write_cards(args.models, figures)


if __name__ == "__main__":
    main()
