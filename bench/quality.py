"""Answer and retrieval quality of the current settings on dev, rgb-answer and rgb-reject (qa.metrics).

    .venv/bin/python bench/quality.py rgb-answer rgb-reject [--home DIR] [--failures]

Prints one summary line per set and writes the records to bench/out/quality-<set>.json.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from harness import DEFAULT_HOME, REPO, SETS, open_desk, run

from qa.metrics import summarise, summarise_by_type

KEYS = ("hits@1", "hits@5", "mrr@10", "answer_accuracy", "citation_precision", "citation_support",
        "rejection_accuracy", "false_refusal_rate", "latency_p50_ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sets", nargs="+", choices=sorted(SETS))
    parser.add_argument("--home", type=Path, default=DEFAULT_HOME, help="data dir of the eval indexes")
    parser.add_argument("--failures", action="store_true", help="print every failed question")
    args = parser.parse_args()
    for name in args.sets:
        desk = open_desk(name, args.home)
        desk.handle.embedder.encode(["warm up"])
        records = run(desk, name)
        summary = summarise(records)
        print(name, " ".join(f"{k}={summary[k]}" for k in KEYS if summary.get(k) is not None), flush=True)
        if args.failures:
            for r in records:
                if r.failed:
                    print(f"  {r.id} {r.failed} q={r.question[:90]!r} expected={r.expected[:2]} "
                          f"got={r.answer[:160]!r}")
        out = REPO / "bench" / "out" / f"quality-{name}.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps({"summary": summary, "by_type": summarise_by_type(records),
                                   "records": [r.model_dump() for r in records]}, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
