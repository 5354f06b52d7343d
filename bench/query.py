"""Warm query speed of `ask` (extractive) over the index of all 2,451 articles, and the process's memory.

    .venv/bin/python bench/query.py [--home DIR]

The index is the one `newsdesk eval` builds for ../shared/data/news-articles.jsonl under DIR (default
bench/out/home, shared with the other benches; indexed on first use). After start-up and three warm-up questions
outside the measured set, every question of dev.jsonl and rgb-answer.jsonl is asked once, each for the first time
(no answer cache), and timed end to end (`Desk.ask`: rewrite, retrieval, answer, citation check).
Targets: p50 <= 150 ms, p95 <= 400 ms, RSS <= 1.5 GB.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from harness import DEFAULT_HOME, REPO, history, items, open_desk

from qa.metrics import nearest_rank

TARGETS = {"p50_ms": 150.0, "p95_ms": 400.0, "rss_mb": 1536.0}
WARM_UP = ["What did the mayor say about the budget?", "Who won the election?", "What happened after the storm?"]


def rss_mb() -> tuple[float, float]:
    """Current and peak resident memory of this process, from /proc (Linux)."""
    fields = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in {"VmRSS", "VmHWM"}:
            fields[key] = int(value.split()[0]) / 1024
    return round(fields.get("VmRSS", 0.0), 1), round(fields.get("VmHWM", 0.0), 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, default=DEFAULT_HOME, help="data dir of the eval indexes")
    args = parser.parse_args()
    started = time.perf_counter()
    desk = open_desk("dev", args.home)
    for q in WARM_UP:
        desk.ask(q)
    startup_s = time.perf_counter() - started

    questions = [(name, item.question, history(item)) for name in ("dev", "rgb-answer") for item in items(name)]
    times: dict[str, list[float]] = {}
    for name, question, turns in questions:
        t0 = time.perf_counter()
        desk.ask(question, history=turns)
        times.setdefault(name, []).append((time.perf_counter() - t0) * 1000)
    rss, peak = rss_mb()
    # Dev's questions are long and land on long news chunks; RGB's are short web-search queries. The targets are
    # checked on the mix, and each set is reported on its own so neither hides behind the other.
    every = [t for ts in times.values() for t in ts]
    result = {
        "articles": len(desk.handle.manifest.rows()), "chunks": desk.handle.store.count(),
        "questions": len(every), "p50_ms": nearest_rank(every, 50), "p95_ms": nearest_rank(every, 95),
        "max_ms": round(max(every), 1), "rss_mb": rss, "peak_rss_mb": peak, "startup_s": round(startup_s, 1),
        "answerer": desk.settings.answer.answerer, "cpus": os.cpu_count(),
        "by_set": {name: {"questions": len(ts), "p50_ms": nearest_rank(ts, 50), "p95_ms": nearest_rank(ts, 95)}
                   for name, ts in times.items()},
    }
    checks = {"p50_ms": result["p50_ms"], "p95_ms": result["p95_ms"], "rss_mb": peak}
    for key, value in checks.items():
        verdict = "ok" if value <= TARGETS[key] else "MISSED"
        print(f"{key:8} {value:>9} target <= {TARGETS[key]:g} {verdict}")
    for name, row in result["by_set"].items():
        print(f"{name:10} {row['questions']} questions: p50 {row['p50_ms']} ms, p95 {row['p95_ms']} ms")
    out = REPO / "bench" / "out" / "query.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1), encoding="utf-8")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
