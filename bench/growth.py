"""What adding a few articles costs as the archive grows: `newsdesk ingest` of 5 new articles into the index of
all 2,451 articles of ../shared/data/news-articles.jsonl against the index of its first 100, whole processes.

    .venv/bin/python bench/growth.py --big-home DIR --big-collection eval-<hash> [--repeat 4]

The big index is the one `newsdesk eval ... --corpus ../shared/data/news-articles.jsonl` builds (pass its
NEWSDESK_HOME and collection; it is copied, not changed); the small one is built here from the first 100
articles. Each repetition ingests 5 new articles (paragraphs of four real articles each, so none is a
near-duplicate of an indexed one) into each index in turn, interleaved so machine load hits both alike.
Target: the big index's median <= 1.3x the small one's. One JSON line last.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
CORPUS = SHARED / "data" / "news-articles.jsonl"


def _env(home: Path, collection: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSDESK_")}
    env.update(NEWSDESK_HOME=str(home), PYTHONPATH=str(REPO), HF_HUB_OFFLINE="1")
    if collection:
        env["NEWSDESK_COLLECTION"] = collection
    return env


def ingest(home: Path, collection: str | None, path: Path) -> tuple[float, dict]:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "ui", "ingest", "--json", str(path)], env=_env(home, collection),
                          cwd=home.parent, capture_output=True, text=True, check=True)
    return time.perf_counter() - started, json.loads(done.stdout.strip().splitlines()[-1])


def new_sets(folder: Path, repeat: int) -> list[Path]:
    records = [json.loads(line) for line in CORPUS.open(encoding="utf-8")]
    files = []
    for r in range(repeat):
        lines = []
        for i in range(5):
            parts = [records[(r * 97 + i * 31 + k * 613) % len(records)] for k in range(4)]
            text = "\n\n".join(p for rec in parts for p in rec["text"].split("\n\n")[:3])
            lines.append(json.dumps({"id": f"growth-{r}-{i}", "title": parts[0]["title"], "source": parts[0]["source"],
                                     "published": parts[0]["published"], "text": text}))
        files.append(folder / f"new-{r}.jsonl")
        files[-1].write_text("\n".join(lines) + "\n", encoding="utf-8")
    return files


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--big-home", type=Path, required=True)
    parser.add_argument("--big-collection", required=True)
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "out" / "growth")
    parser.add_argument("--repeat", type=int, default=4)
    args = parser.parse_args()
    shutil.rmtree(args.out, ignore_errors=True)
    big, small = args.out / "big" / "home", args.out / "small" / "home"
    shutil.copytree(args.big_home, big)
    small.parent.mkdir(parents=True)
    first = small.parent / "first-100.jsonl"
    first.write_text("".join(line for _, line in zip(range(100), CORPUS.open(encoding="utf-8"))), encoding="utf-8")
    print("indexing the first 100 articles ...", file=sys.stderr, flush=True)
    ingest(small, None, first)
    times: dict[str, list[float]] = {"100": [], "2451": []}
    for path in new_sets(args.out, args.repeat):
        for name, home, collection in (("100", small, None), ("2451", big, args.big_collection)):
            seconds, report = ingest(home, collection, path)
            assert len(report["added"]) == 5, report
            times[name].append(seconds)
            print(f"{name}: {seconds:.1f}s", file=sys.stderr, flush=True)
    medians = {k: statistics.median(v) for k, v in times.items()}
    ratios = sorted(b / s for b, s in zip(times["2451"], times["100"]))
    print(json.dumps({"seconds": times, "median_s": {k: round(v, 1) for k, v in medians.items()},
                      "ratio_of_medians": round(medians["2451"] / medians["100"], 2),
                      "pairwise_ratio_range": [round(ratios[0], 2), round(ratios[-1], 2)], "target": 1.3}))


if __name__ == "__main__":
    main()
