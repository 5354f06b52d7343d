"""Refusal and verifier thresholds from their trade-offs, never from single questions.

    .venv/bin/python bench/calibrate.py [--home DIR] [--grid 0.05:0.95:0.05] [--sets dev rgb-answer ...]
    .venv/bin/python bench/calibrate.py --heuristic --grid 0.30:0.60:0.02     # the reader off: the old score

Refusal: every question of the sets (dev, rgb-answer, rgb-reject and the written test split, by default) is
retrieved once; the extractive answer (and the citation check) is then redone at each threshold of the grid: the
reader's probability (`NEWSDESK_READING_READER_THRESHOLD`), or with `--heuristic` the sentence score. The chosen
threshold keeps false refusals <= 5% on every answerable set and, among those, rejects the most unanswerable
questions (pooled over the sets), then answers the most correctly; among thresholds with equal outcomes the
middle one.

Verifier (`NEWSDESK_READING_VERIFIER_THRESHOLD`): the written test split's claims, the only LLM-style sentences we
may calibrate on, through the whole citation check (bench/claims.py); the threshold keeps as many faithful claims
as the check kept with the verifier off and, among those, flags the most unfaithful ones, then the most of the
kind flagged least. Prints both tables and writes bench/out/calibrate.json.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from harness import DEFAULT_HOME, DEFAULT_SETS, REPO, SETS, history, items, open_desk

from qa.chain import retrieve_step
from qa.extractive import ExtractiveAnswerer
from qa.metrics import answer_correct

MAX_FALSE_REFUSALS = 0.05
ANSWERABLE_SETS = ("dev", "rgb-answer", "written-test")


def grid(spec: str) -> list[float]:
    lo, hi, step = (float(x) for x in spec.split(":"))
    out, t = [], lo
    while t <= hi + 1e-9:
        out.append(round(t, 4))
        t += step
    return out


class MemoReader:
    """The reader with its scores remembered: every threshold re-answers the same questions over the same sentences."""

    def __init__(self, reader: object) -> None:
        self.reader = reader
        self.memo: dict[tuple, object] = {}

    def score(self, question: str, candidates: list[tuple[str, str, str]]) -> object:
        key = (question, tuple(candidates))
        if key not in self.memo:
            self.memo[key] = self.reader.score(question, candidates)
        return self.memo[key]


def outcomes(name: str, home: Path, thresholds: list[float], heuristic: bool
             ) -> dict[float, list[tuple[bool, bool, bool]]]:
    """threshold -> per question (answerable, refused, correct)."""
    desk = open_desk(name, home)
    retrieve = retrieve_step(desk.retriever, desk.rewriter)
    reader = None if heuristic else MemoReader(desk.reader)
    answerers = {}
    for t in thresholds:
        answer = desk.settings.answer.model_copy(update={"refusal_threshold": t} if heuristic else {})
        reading = desk.settings.reading.model_copy(update={} if heuristic else {"reader_threshold": t})
        answerers[t] = ExtractiveAnswerer(desk.handle.embedder, answer, cache=desk.sentences, reader=reader,
                                          reading=reading)
    out: dict[float, list[tuple[bool, bool, bool]]] = {t: [] for t in thresholds}
    for item in items(name, desk):
        step = retrieve(desk.request(item.question, history(item)))
        for t, answerer in answerers.items():
            answer = desk.checker.check_answer(answerer.answer(item.question, step.passages, query=step.focus))
            correct = item.answerable and not answer.refused and answer_correct(answer.answer, item.answers,
                                                                                item.require_all)
            out[t].append((item.answerable, answer.refused, correct))
    return out


def rates(rows: list[tuple[bool, bool, bool]]) -> dict[str, float | None]:
    answerable = [r for r in rows if r[0]]
    unanswerable = [r for r in rows if not r[0]]

    def mean(xs: list[float]) -> float | None:
        return round(sum(xs) / len(xs), 4) if xs else None

    return {"accuracy": mean([float(c) for _, _, c in answerable]),
            "false_refusals": mean([float(r) for _, r, _ in answerable]),
            "rejection": mean([float(r) for _, r, _ in unanswerable]),
            "unanswerable": len(unanswerable)}


def choose(table: dict[float, dict[str, dict]]) -> float:
    def false_refusals(t: float) -> float:
        # A stress set alone (--sets written-lead) has no budget to keep: every threshold is feasible.
        return max((table[t][s]["false_refusals"] or 0.0 for s in ANSWERABLE_SETS if s in table[t]), default=0.0)

    def key(t: float) -> tuple:
        row = table[t]
        rejected = sum((row[s]["rejection"] or 0.0) * row[s]["unanswerable"] for s in row)
        pool = sum(row[s]["unanswerable"] for s in row) or 1
        accuracy = sum(row[s]["accuracy"] or 0.0 for s in ANSWERABLE_SETS if s in row)
        return (round(rejected / pool, 4), round(accuracy, 4))

    # Within the false-refusal budget (or, when no threshold keeps it, the thresholds closest to it).
    feasible = [t for t in table if false_refusals(t) <= MAX_FALSE_REFUSALS]
    if not feasible:
        least = min(false_refusals(t) for t in table)
        feasible = [t for t in table if false_refusals(t) == least]
    # Thresholds with the same outcomes form a run; its middle is the one farthest from changing any of them.
    best = max(key(t) for t in feasible)
    tied = sorted(t for t in feasible if key(t) == best)
    return tied[len(tied) // 2]


def verifier_table(desk: object, thresholds: list[float]) -> tuple[dict[float, dict], float, dict]:
    """The full check (hard rules, then the verifier) on the written test claims at each threshold. The floor of
    faithful claims kept is what the check keeps today with the verifier off: the verifier may not cost a faithful
    LLM sentence more often than the heuristic did; within that, it flags the most unfaithful ones."""
    from claims import choose as choose_claims
    from claims import judge_claims
    from claims import rates as claim_rates

    today = claim_rates(judge_claims(desk, verifier=False), 0.0, verifier=False)
    chosen, table = choose_claims(judge_claims(desk), thresholds, floor=today["faithful_kept"])
    return table, chosen, today


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, default=DEFAULT_HOME, help="data dir of the eval indexes")
    parser.add_argument("--grid", default="0.05:0.95:0.05", help="lo:hi:step")
    parser.add_argument("--sets", nargs="+", default=list(DEFAULT_SETS), choices=sorted(SETS))
    parser.add_argument("--heuristic", action="store_true", help="calibrate the sentence score (reader off)")
    args = parser.parse_args()
    thresholds = grid(args.grid)
    per_set = {name: outcomes(name, args.home, thresholds, args.heuristic) for name in args.sets}
    table = {t: {name: rates(per_set[name][t]) for name in args.sets} for t in thresholds}
    cols = [(n, k) for n in args.sets for k in ("accuracy", "false_refusals", "rejection")
            if any(table[t][n][k] is not None for t in thresholds)]
    print("threshold " + " ".join(f"{n}:{k}"[:24].rjust(24) for n, k in cols))
    for t in thresholds:
        print(f"{t:9.2f} " + " ".join(f"{table[t][n][k]!s:>24}" for n, k in cols))
    chosen = choose(table)
    what = "refusal_threshold (heuristic)" if args.heuristic else "reader_threshold"
    print(f"chosen {what} = {chosen:.2f} (false refusals <= {MAX_FALSE_REFUSALS:.0%} on answerable sets, then "
          "most rejections, then most correct answers)")
    result = {"what": what, "chosen": chosen, "table": {str(t): row for t, row in table.items()}}
    vdesk = None if args.heuristic else open_desk("written-test", args.home)
    if vdesk is not None and vdesk.verifier is not None:
        vtable, vchosen, today = verifier_table(vdesk, grid("0.02:0.98:0.02"))
        print(f"verifier off (today): faithful kept {today['faithful_kept']}, unfaithful flagged "
              f"{today['unfaithful_flagged']}")
        print("verifier threshold  faithful_kept  unfaithful_flagged  weakest_kind")
        for t, row in vtable.items():
            print(f"{t:18.2f} {row['faithful_kept']:14} {row['unfaithful_flagged']:19} {row['weakest_kind']:13}")
        print(f"chosen verifier_threshold = {vchosen:.2f} (faithful kept >= today's {today['faithful_kept']}, then "
              "most flagged, then the weakest kind)")
        result["verifier"] = {"chosen": vchosen, "today": today, "table": {str(t): row for t, row in vtable.items()}}
    out = REPO / "bench" / "out" / "calibrate.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
