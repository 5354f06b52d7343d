"""Archive scale: ingest and ask over an index of N chunks, for N = 30k, 300k, 1.4M.

    .venv/bin/python bench/scale.py --n 30000 300000 1400000 [--out DIR] [--repeat 3]

For each N, a store is pre-populated through the store API with N synthetic chunks: headlines and paragraphs of
../shared/data/news-articles.jsonl recombined at random (seeded), 14 chunks an article, with random unit vectors
(the archive's size is what is simulated, not its embedding), their lexical index and manifest rows (random
MinHash signatures). Then, as whole processes: `newsdesk ingest` of 10 new real articles (`--repeat` times, new
ones each time: median, range, peak RSS, longest write-lock hold), and warm `ask` (3 warm-up questions, then the
40 dev questions: p50, p95, peak RSS of the asking process, which holds what `serve` holds but Gradio).
Targets: ingest at 1.4M <= 1.5x its time at 30k; ask p50 at 1.4M <= 2x at 30k; RSS at 1.4M <= 4 GB.
One JSON line last.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
sys.path.insert(0, str(REPO))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

PER_ARTICLE = 14
DIM = 384
WARM_UP = ["What did the mayor say about the budget?", "Who won the election?", "What happened after the storm?"]


def _records() -> list[dict]:
    with (SHARED / "data" / "news-articles.jsonl").open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines]


def populate(home: Path, n: int, seed: int = 7) -> float:
    """N synthetic chunks into the store, lexical index and manifest under `home`; seconds taken."""
    import numpy as np

    from core.settings import Settings
    from core.types import Article, Chunk
    from index.dedup_store import prepare
    from index.handle import IndexHandle
    from index.lexical import LexicalIndex

    started = time.perf_counter()
    records = _records()
    paragraphs = [p for r in records for p in r["text"].split("\n\n") if len(p) > 200]
    rng = random.Random(seed)
    vectors = np.random.default_rng(seed)
    settings = Settings(home=home)
    handle = IndexHandle(settings, embedder=_NoEmbedder())
    store, manifest = handle.store, handle.manifest
    prepare(manifest, settings.dedup.threshold)  # the LSH buckets, as a real archive has them
    articles = (n + PER_ARTICLE - 1) // PER_ARTICLE
    made: list[Chunk] = []

    def flush() -> None:
        emb = vectors.standard_normal((len(made), DIM), dtype=np.float32)
        emb /= np.linalg.norm(emb, axis=1, keepdims=True)
        store.upsert(made, emb)
        made.clear()

    rows = []
    for a in range(articles):
        record = records[a % len(records)]
        day = (record.get("published") or "")[:10] or None
        aid = f"syn{a:07d}"
        count = min(PER_ARTICLE, n - a * PER_ARTICLE)
        made += [Chunk(id=Chunk.make_id(aid, p), article_id=aid, position=p, title=record["title"],
                       text=" ".join(rng.sample(paragraphs, 2))[:1000], source=record.get("source") or "",
                       published=day, url=record.get("url")) for p in range(count)]
        sig = vectors.integers(0, 2**32, 128, dtype=np.uint64).astype("<u4").tobytes()
        rows.append((Article(id=aid, title=record["title"], text="", source=record.get("source") or "",
                             published=day, url=record.get("url")), f"syn-{a}", sig, None, count))
        if len(made) >= 5000:
            flush()
            _rows(manifest, rows)
            rows = []
    if made:
        flush()
    _rows(manifest, rows)
    LexicalIndex.build(handle.lexical_dir, store.iter_chunks())
    handle.close()
    return time.perf_counter() - started


def _rows(manifest: object, rows: list) -> None:
    if rows:
        manifest.begin_many([r[:4] for r in rows])  # type: ignore[attr-defined]
        manifest.finish([r[0].id for r in rows], [r[4] for r in rows])  # type: ignore[attr-defined]


class _NoEmbedder:
    """Populating writes its own vectors: nothing is embedded, so no model is loaded."""

    max_tokens = 256


def _run(argv: list[str], home: Path) -> tuple[float, float, str]:
    """(seconds, peak RSS in MB, stdout) of a whole process."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSDESK_")}
    env.update(NEWSDESK_HOME=str(home), PYTHONPATH=str(REPO))
    out_path, err_path = home.parent / "run.out", home.parent / "run.err"
    with out_path.open("w") as out, err_path.open("w") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(argv, env=env, cwd=home.parent, stdout=out, stderr=err)
        # wait4: this child's own peak RSS (RUSAGE_CHILDREN would be the largest of all children so far).
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{argv[:4]} exited with {proc.returncode}: {err_path.read_text()[-2000:]}")
    return seconds, usage.ru_maxrss / 1024, out_path.read_text()


def new_articles(home: Path, repeat: int) -> list[Path]:
    """`repeat` files of 10 real articles each that the index does not hold."""
    import sqlite3

    records = _records()
    # Articles added by an earlier run of this bench on the same index are not new: start after them.
    with sqlite3.connect(home / "manifest" / "newsdesk.sqlite") as db:
        start = 1000 + db.execute("SELECT count(*) FROM articles WHERE id LIKE 'new-%'").fetchone()[0]
    files = []
    for r in range(repeat):
        chosen = records[start + 10 * r : start + 10 * r + 10]
        path = home.parent / f"new-{r}.jsonl"
        path.write_text("".join(json.dumps({**rec, "id": f"new-{rec['id']}"}) + "\n" for rec in chosen))
        files.append(path)
    return files


def ask_main(home: Path) -> None:
    """In its own process: warm asks over the index at `home`; one JSON line."""
    from core.settings import Settings
    from qa.desk import Desk

    desk = Desk(Settings(home=home))
    for q in WARM_UP:
        desk.ask(q)
    times = []
    for line in (SHARED / "eval" / "dev.jsonl").open(encoding="utf-8"):
        question = json.loads(line)["question"]
        started = time.perf_counter()
        desk.ask(question)
        times.append(time.perf_counter() - started)
    times.sort()
    print(json.dumps({"p50_ms": round(statistics.median(times) * 1000), "p95_ms": round(times[int(0.95 * len(times))]
                                                                                        * 1000)}))


def measure(n: int, out: Path, repeat: int) -> dict:
    home = out / f"scale-{n}" / "home"
    result: dict = {"n": n}
    if not (home / "manifest").exists():
        result["populate_s"] = round(populate(home, n))
    result["disk_gb"] = round(sum(f.stat().st_size for f in home.rglob("*") if f.is_file()) / 1e9, 2)
    ingests, writes = [], []
    peak = 0.0
    for path in new_articles(home, repeat):
        seconds, rss, stdout = _run([sys.executable, "-m", "ui", "ingest", "--json", str(path)], home)
        report = json.loads(stdout.strip().splitlines()[-1])
        assert len(report["added"]) == 10, stdout
        ingests.append(seconds)
        writes.append(report["longest_write_s"])
        peak = max(peak, rss)
    result["ingest10_s"] = round(statistics.median(ingests), 1)
    result["ingest10_range_s"] = [round(min(ingests), 1), round(max(ingests), 1)]
    result["ingest_rss_mb"] = round(peak)
    # The longest hold of the write lock in those ingests: what a question asked meanwhile could wait.
    result["longest_write_s"] = round(max(writes), 2)
    _, rss, stdout = _run([sys.executable, str(Path(__file__)), "--ask", str(home)], home)
    result.update(json.loads(stdout.strip().splitlines()[-1]))
    result["ask_rss_mb"] = round(rss)
    print(json.dumps(result), file=sys.stderr, flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, nargs="+", default=[30_000, 300_000, 1_400_000])
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "out")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--ask", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.ask:
        ask_main(args.ask)
        return
    results = [measure(n, args.out, args.repeat) for n in args.n]
    first, last = results[0], results[-1]
    summary = {"results": results,
               "ingest_ratio": round(last["ingest10_s"] / first["ingest10_s"], 2),
               "ask_p50_ratio": round(last["p50_ms"] / first["p50_ms"], 2),
               "targets": {"ingest_ratio": 1.5, "ask_p50_ratio": 2.0, "ask_rss_mb": 4096}}
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
