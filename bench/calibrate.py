"""The refusal threshold's trade-off on dev, rgb-answer and rgb-reject: rejection vs false refusals vs accuracy.

    .venv/bin/python bench/calibrate.py [--home DIR] [--grid 0.30:0.60:0.02]

Every question is retrieved once; the extractive answer (and the citation check) is then redone at each threshold
of the grid. The chosen threshold keeps false refusals <= 10% on both answerable sets and, among those, rejects
the most unanswerable questions (rgb-reject and dev's unanswerable ones, pooled), then answers the most correctly;
among thresholds with equal outcomes the middle one is chosen. Prints the table and the choice; writes
bench/out/calibrate.json.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from harness import DEFAULT_HOME, REPO, SETS, history, items, open_desk

from qa.chain import retrieve_step
from qa.extractive import ExtractiveAnswerer
from qa.metrics import answer_correct

MAX_FALSE_REFUSALS = 0.10


def grid(spec: str) -> list[float]:
    lo, hi, step = (float(x) for x in spec.split(":"))
    out, t = [], lo
    while t <= hi + 1e-9:
        out.append(round(t, 4))
        t += step
    return out


def outcomes(name: str, home: Path, thresholds: list[float]) -> dict[float, list[tuple[bool, bool, bool]]]:
    """threshold -> per question (answerable, refused, correct)."""
    desk = open_desk(name, home)
    retrieve = retrieve_step(desk.retriever, desk.rewriter)
    answerers = {t: ExtractiveAnswerer(desk.handle.embedder, desk.settings.answer.model_copy(
        update={"refusal_threshold": t}), cache=desk.sentences) for t in thresholds}
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
    def key(t: float) -> tuple:
        row = table[t]
        false_refusals = max(row[s]["false_refusals"] or 0.0 for s in ("dev", "rgb-answer") if s in row)
        rejected = sum((row[s]["rejection"] or 0.0) * row[s]["unanswerable"] for s in row)
        pool = sum(row[s]["unanswerable"] for s in row) or 1
        accuracy = sum(row[s]["accuracy"] or 0.0 for s in ("dev", "rgb-answer") if s in row)
        return (false_refusals <= MAX_FALSE_REFUSALS, round(rejected / pool, 4), round(accuracy, 4))

    # Thresholds with the same outcomes form a run; its middle is the one farthest from changing any of them.
    best = max(key(t) for t in table)
    tied = sorted(t for t in table if key(t) == best)
    return tied[len(tied) // 2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, default=DEFAULT_HOME, help="data dir of the eval indexes")
    parser.add_argument("--grid", default="0.30:0.60:0.02", help="lo:hi:step")
    parser.add_argument("--sets", nargs="+", default=list(SETS), choices=sorted(SETS))
    args = parser.parse_args()
    thresholds = grid(args.grid)
    per_set = {name: outcomes(name, args.home, thresholds) for name in args.sets}
    table = {t: {name: rates(per_set[name][t]) for name in args.sets} for t in thresholds}
    cols = [(n, k) for n in args.sets for k in ("accuracy", "false_refusals", "rejection")
            if any(table[t][n][k] is not None for t in thresholds)]
    print("threshold " + " ".join(f"{n}:{k}"[:22].rjust(22) for n, k in cols))
    for t in thresholds:
        print(f"{t:9.2f} " + " ".join(f"{table[t][n][k]!s:>22}" for n, k in cols))
    chosen = choose(table)
    print(f"chosen refusal_threshold = {chosen:.2f} (false refusals <= {MAX_FALSE_REFUSALS:.0%} on answerable sets, "
          "then most rejections, then most correct answers)")
    out = REPO / "bench" / "out" / "calibrate.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"chosen": chosen, "table": {str(t): row for t, row in table.items()}}, indent=1),
                   encoding="utf-8")


if __name__ == "__main__":
    main()
