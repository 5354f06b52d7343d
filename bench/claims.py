"""The citation check on LLM-style answer sentences: the written test split's claims, each cited to the indexed
chunk holding its evidence, judged as an LLM's sentence is (hard rules, then the verifier, or word overlap and
similarity with the verifier off).

    .venv/bin/python bench/claims.py [--rule-made] [--off] [--threshold T]

Prints faithful kept and unfaithful flagged, per error kind, at the settings' verifier threshold (or --threshold)
and the trade-off over thresholds; the last line is JSON. `bench/calibrate.py` chooses the verifier threshold from
the same table.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from dataclasses import dataclass

from harness import open_desk

from core.types import Passage
from qa.cite import CitationChecker, Draft

FAITHFUL = {"close", "loose", "verbatim"}
MIN_FAITHFUL_KEPT = 0.90


@dataclass
class Judged:
    kind: str
    faithful: bool
    score: float  # the verifier's probability (or the heuristic score); 0 when a hard rule failed it
    hard: bool  # failed by a hard rule (quote, figure, date), whatever the threshold
    reason: str


def judge_claims(desk: object, rule_made: bool = False, verifier: bool = True) -> list[Judged]:
    from reader.dataset import load_articles, verifier_examples

    articles = load_articles()
    written = {(e, c) for e, c, *_ in verifier_examples(articles, "test", seed=7, rules=False)}
    examples = verifier_examples(articles, "test", seed=7, rules=rule_made)
    if rule_made:
        examples = [x for x in examples if (x[0], x[1]) not in written]
    store = desk.handle.store
    by_article = store.article_chunk_ids()
    chunks = {aid: store.get(ids) for aid, ids in by_article.items()}
    reading = desk.settings.reading.model_copy(update={"verifier_threshold": 0.0})
    checker = CitationChecker(desk.handle.embedder, desk.settings.answer, cache=desk.sentences,
                              verifier=desk.verifier if verifier else None, reading=reading)
    out = []
    for evidence, claim, label, kind in examples:
        # The chunk the claim cites: the indexed chunk holding its evidence (a wrong citation's evidence is another
        # article's, so it cites that article's chunk).
        chunk = _holding(evidence, [c for cs in chunks.values() for c in cs], claim)
        if chunk is None:
            continue
        verdict = checker.verdicts([Draft(claim, [0])], [Passage(chunk=chunk, score=1.0)])[0]
        hard = verdict.score == 0.0 and not verdict.supported
        out.append(Judged(kind, label == 1.0, verdict.score, hard, verdict.reason))
    return out


def _holding(evidence: str, chunks: list, claim: str = "") -> object | None:
    """The chunk holding most of the evidence window's sentences: a window that opens with the last sentence of a
    chunk has its claim's sentence in the next one (the first chunk holding the window's opening was taken before,
    and its faithful claims were judged against the wrong text). A two-sentence window split over two chunks is
    cited, as an LLM cites it, to the chunk holding the sentence the claim restates: the one sharing most words
    with it."""
    from index.bm25 import terms
    from qa.sentences import split_sentences

    sentences = [evidence[a:b] for a, b in split_sentences(evidence)] or [evidence]
    wanted = set(terms(claim))
    best, most = None, (0, 0)
    for c in chunks:
        held = [s for s in sentences if s[:60] in c.text]
        score = (len(held), max((len(wanted & set(terms(s))) for s in held), default=0))
        if held and score > most:
            best, most = c, score
    return best


def rates(rows: list[Judged], threshold: float, verifier: bool = True) -> dict:
    def ok(r: Judged) -> bool:
        kept = not r.hard and (r.score >= threshold if verifier else "weak support" not in r.reason)
        return kept == r.faithful

    kinds, right = Counter(), Counter()
    for r in rows:
        kinds[r.kind] += 1
        right[r.kind] += ok(r)
    faithful = [k for k in kinds if k in FAITHFUL]
    errors = [k for k in kinds if k not in FAITHFUL]
    return {"faithful_kept": round(sum(right[k] for k in faithful) / max(1, sum(kinds[k] for k in faithful)), 4),
            "unfaithful_flagged": round(sum(right[k] for k in errors) / max(1, sum(kinds[k] for k in errors)), 4),
            "weakest_kind": round(min((right[k] / kinds[k] for k in errors), default=0.0), 4),
            "by_kind": {k: round(right[k] / kinds[k], 4) for k in sorted(kinds)},
            "claims": len(rows)}


def choose(rows: list[Judged], thresholds: list[float], floor: float = MIN_FAITHFUL_KEPT
           ) -> tuple[float, dict[float, dict]]:
    """Keeps >= `floor` of faithful claims, then flags the most unfaithful, then the most of the weakest kind."""
    table = {t: rates(rows, t) for t in thresholds}
    ok = [t for t in thresholds if table[t]["faithful_kept"] >= floor] or thresholds[:1]
    best = max((table[t]["unfaithful_flagged"], table[t]["weakest_kind"]) for t in ok)
    tied = sorted(t for t in ok if (table[t]["unfaithful_flagged"], table[t]["weakest_kind"]) == best)
    return tied[len(tied) // 2], table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rule-made", action="store_true", help="the rule-made errors instead of the written claims")
    parser.add_argument("--off", action="store_true", help="the verifier off: word overlap and similarity")
    parser.add_argument("--threshold", type=float)
    args = parser.parse_args()
    desk = open_desk("written-test")
    rows = judge_claims(desk, args.rule_made, verifier=not args.off)
    threshold = desk.settings.reading.verifier_threshold if args.threshold is None else args.threshold
    if not args.off:
        for t in [round(0.05 * i, 2) for i in range(1, 20)]:
            r = rates(rows, t)
            print(f"{t:5.2f} kept {r['faithful_kept']:.3f} flagged {r['unfaithful_flagged']:.3f} "
                  f"weakest {r['weakest_kind']:.3f}")
    result = rates(rows, threshold, verifier=not args.off)
    print(json.dumps({"threshold": None if args.off else threshold, **result}))


if __name__ == "__main__":
    main()
