"""Ingest speed against the tutorial pipeline, in one run on the first N articles of the news corpus.

Measures, with both models loaded and warmed beforehand (load times are reported apart):
  tutorial   RecursiveCharacterTextSplitter(1000, 200) + Chroma.from_documents, same MiniLM via langchain_huggingface
  newsdesk   `ingest` into a fresh index (load, clean, dedup, chunk, embed, Chroma, lexical index, manifest)
  raw embed  embedding newsdesk's own chunk texts alone, one encode() call
  re-ingest  the same corpus again, unchanged
and dev.jsonl retrieval (Hits@k, MRR@10 over distinct articles, qa.metrics) of both indexes, on the questions
whose gold articles are all in the subset. The subset is the first N lines plus, unless --no-dev-gold, the dev
gold articles (with N=300 only one dev question has its article among the first 300).

    .venv/bin/python bench/ingest.py --n 300 [--repeat 3] [--backend onnx]

Targets: newsdesk articles/s >= 2.0x tutorial, ingest <= 1.15x raw embed, re-ingest <= 3% of ingest, and
retrieval no lower than the tutorial. The last stdout line is one JSON object with the figures and ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
sys.path.insert(0, str(REPO))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

TARGETS = {"speedup_vs_tutorial": 2.0, "ingest_over_raw_embed": 1.15, "reingest_share": 0.03}
METRICS = ("hits@1", "hits@5", "hits@10", "mrr@10")


def write_subset(corpus: Path, dev: Path, n: int, with_gold: bool, out: Path) -> tuple[int, int]:
    """First n corpus lines (+ the dev gold articles) to `out`; (first-n count, gold articles added)."""
    lines = corpus.read_text(encoding="utf-8").splitlines()
    head = [ln for ln in lines[:n] if ln.strip()]
    ids = {json.loads(ln)["id"] for ln in head}
    extra: list[str] = []
    if with_gold:
        gold = {g["article_id"] for q in map(json.loads, dev.read_text(encoding="utf-8").splitlines()) if q
                for g in q["gold"]}
        extra = [ln for ln in lines[n:] if ln.strip() and json.loads(ln)["id"] in gold - ids]
    out.write_text("\n".join(head + extra) + "\n", encoding="utf-8")
    return len(head), len(extra)


def chroma_client(path: Path) -> Any:
    import chromadb
    from chromadb.config import Settings as ChromaConfig

    return chromadb.PersistentClient(path=str(path), settings=ChromaConfig(anonymized_telemetry=False))


def tutorial_ingest(subset: Path, embeddings: Any, where: Path) -> tuple[float, Any, int]:
    """The tutorial pipeline, timed from reading the file to the last Chroma write: (seconds, store, chunks)."""
    from baseline import CHUNK_OVERLAP, CHUNK_SIZE, load_corpus
    from langchain_chroma import Chroma
    from langchain_core.documents import Document
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    started = time.perf_counter()
    splitter = RecursiveCharacterTextSplitter(chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP)
    docs = splitter.split_documents(
        [Document(page_content=text, metadata={"article_id": aid}) for aid, text in load_corpus(subset)])
    store = Chroma.from_documents(docs, embeddings, client=chroma_client(where), collection_name="tutorial")
    return time.perf_counter() - started, store, len(docs)


def newsdesk_ingest(subset: Path, settings: Any, embedder: Any) -> tuple[float, float, Any, Any]:
    """(first ingest s, re-ingest s, first report, handle) into a fresh NEWSDESK_HOME."""
    from index.handle import IndexHandle
    from index.ingest import ingest

    handle = IndexHandle(settings, embedder=embedder)
    started = time.perf_counter()
    report = ingest([subset], handle)
    first = time.perf_counter() - started
    started = time.perf_counter()
    again = ingest([subset], handle)
    if again.added or again.updated:
        raise SystemExit(f"re-ingest was not a no-op: {again.summary()}")
    return first, time.perf_counter() - started, report, handle


def raw_embed(handle: Any) -> tuple[float, int]:
    """Seconds to embed exactly the texts newsdesk embedded for its chunks, with nothing else around it."""
    from index.chunking import embedding_text

    texts = [embedding_text(c.title, c.text) for c in handle.store.iter_chunks()]
    started = time.perf_counter()
    handle.embedder.encode(texts)
    return time.perf_counter() - started, len(texts)


def quality(dev: Path, handle: Any, tutorial_store: Any) -> dict[str, dict[str, Any]]:
    """Retrieval of both indexes on the dev questions whose gold articles are all indexed."""
    from baseline import ranked_articles

    from qa.desk import Desk
    from qa.evalset import load_dataset
    from qa.evaluate import ask_item, canonical_gold
    from qa.metrics import QuestionRecord, summarise

    desk = Desk(handle.settings, handle=handle)
    items, _aliases = canonical_gold(desk, load_dataset(dev))
    indexed = set(handle.manifest.done())
    items = [i for i in items if i.answerable and i.gold and set(i.gold_article_ids) <= indexed]
    ours = [ask_item(desk, item) for item in items]
    theirs = [QuestionRecord(id=i.id, type=i.type, question=i.question, answerable=True, answer="", refused=False,
                             retrieved=ranked_articles(tutorial_store, i.question, 10), gold=i.gold_article_ids)
              for i in items]
    pick = lambda records: {k: summarise(records)[k] for k in (*METRICS, "questions")}  # noqa: E731
    return {"newsdesk": pick(ours), "tutorial": pick(theirs)}


def one_run(args: argparse.Namespace, subset: Path, work: Path, models: dict[str, Any], run: int) -> dict:
    from core.settings import EmbeddingSettings, Settings

    ours = models["newsdesk"]
    settings = Settings(home=work / f"home-{run}",
                        embedding=EmbeddingSettings(backend=ours.backend, precision=ours.precision))
    tut_s, tut_store, tut_chunks = (float("nan"), None, 0) if args.skip_tutorial else \
        tutorial_ingest(subset, models["tutorial"], work / f"tutorial-{run}")
    ing_s, re_s, report, handle = newsdesk_ingest(subset, settings, models["newsdesk"])
    raw_s, raw_chunks = raw_embed(handle)
    articles = len(report.added) + len(report.duplicates)
    out = {"tutorial_s": tut_s, "tutorial_chunks": tut_chunks, "ingest_s": ing_s, "reingest_s": re_s,
           "raw_embed_s": raw_s, "chunks": raw_chunks, "articles": articles, "added": len(report.added),
           "duplicates": len(report.duplicates), "failed": len(report.failures), "load": os.getloadavg()[0]}
    print(f"run {run + 1}: " + ", ".join(f"{k}={v:.2f}" if isinstance(v, float) else f"{k}={v}"
                                        for k, v in out.items()), file=sys.stderr, flush=True)
    if run == 0 and not (args.skip_quality or args.skip_tutorial):
        out["quality"] = quality(args.dev, handle, tut_store)
    handle.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=300, help="first N articles of the corpus")
    parser.add_argument("--repeat", type=int, default=1, help="runs (medians reported: the machine is shared)")
    parser.add_argument("--backend", choices=("torch", "onnx"), default=None, help="newsdesk embedding backend")
    parser.add_argument("--precision", choices=("auto", "float32", "bfloat16"), default=None,
                        help="newsdesk embedding precision (torch backend)")
    parser.add_argument("--corpus", type=Path, default=SHARED / "data" / "news-articles.jsonl")
    parser.add_argument("--dev", type=Path, default=SHARED / "eval" / "dev.jsonl")
    parser.add_argument("--no-dev-gold", dest="dev_gold", action="store_false", help="first N articles only")
    parser.add_argument("--skip-quality", action="store_true", help="timings only")
    parser.add_argument("--skip-tutorial", action="store_true", help="newsdesk timings only (no speedup ratio)")
    args = parser.parse_args()
    if args.n < 1 or args.repeat < 1:
        parser.error(f"--n and --repeat must be at least 1, got {args.n} and {args.repeat}")

    from core.settings import EmbeddingSettings

    work = Path(tempfile.mkdtemp(prefix="newsdesk-bench-ingest-"))
    try:
        subset = work / "subset.jsonl"
        first, extra = write_subset(args.corpus, args.dev, args.n, args.dev_gold, subset)
        chosen = {k: v for k, v in (("backend", args.backend), ("precision", args.precision)) if v}
        models = load_models(EmbeddingSettings(**chosen), work)
        runs = [one_run(args, subset, work, models, r) for r in range(args.repeat)]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report(args, runs, models, first, extra)


def load_models(embedding: Any, work: Path) -> dict[str, Any]:
    """Both models loaded and warmed, and one tiny ingest, so no timing includes a first import."""
    from langchain_huggingface import HuggingFaceEmbeddings

    from core.settings import Settings, packaged_model_path
    from index.embed import Embedder
    from index.handle import IndexHandle
    from index.ingest import ingest

    started = time.perf_counter()
    ours = Embedder.from_settings(embedding)
    ours.encode(["warm up"])
    loaded = {"newsdesk": ours, "newsdesk_load_s": time.perf_counter() - started}
    warm = IndexHandle(Settings(home=work / "warm-up", embedding=embedding), embedder=ours)
    ingest([REPO / "data" / "sample"], warm)
    warm.close()
    started = time.perf_counter()
    theirs = HuggingFaceEmbeddings(model_name=packaged_model_path(), model_kwargs={"device": "cpu"})
    theirs.embed_documents(["warm up"])
    loaded.update(tutorial=theirs, tutorial_load_s=time.perf_counter() - started)
    return loaded


def report(args: argparse.Namespace, runs: list[dict], models: dict[str, Any], first: int, extra: int) -> None:
    med = {k: statistics.median(r[k] for r in runs) for k in runs[0] if isinstance(runs[0][k], int | float)}
    spread = {k: (min(r[k] for r in runs), max(r[k] for r in runs)) for k in ("tutorial_s", "ingest_s", "raw_embed_s")}
    n_art = med["articles"]
    ratios = {
        "speedup_vs_tutorial": statistics.median(r["tutorial_s"] / r["ingest_s"] for r in runs),
        "ingest_over_raw_embed": statistics.median(r["ingest_s"] / r["raw_embed_s"] for r in runs),
        "reingest_share": statistics.median(r["reingest_s"] / r["ingest_s"] for r in runs),
    }
    backend = f"{models['newsdesk'].backend} {models['newsdesk'].dtype}"
    rows = [
        ("tutorial (split 1000/200 + Chroma.from_documents)", med["tutorial_s"], med["tutorial_chunks"]),
        (f"newsdesk ingest ({backend})", med["ingest_s"], med["chunks"]),
        (f"raw embed of newsdesk's chunks ({backend})", med["raw_embed_s"], med["chunks"]),
        ("newsdesk re-ingest, unchanged", med["reingest_s"], 0),
    ]
    print(f"\n{first} articles (first N) + {extra} dev gold articles; {args.repeat} run(s), medians; "
          f"load avg during runs {[round(r['load'], 1) for r in runs]}", file=sys.stderr)
    print(f"{'step':<52}{'seconds':>9}{'articles/s':>12}{'chunks':>8}{'chunks/s':>10}", file=sys.stderr)
    for name, secs, chunks in rows:
        print(f"{name:<52}{secs:>9.2f}{n_art / secs:>12.2f}{chunks:>8.0f}{(chunks / secs if chunks else 0):>10.1f}",
              file=sys.stderr)
    print(f"model load: newsdesk {models['newsdesk_load_s']:.1f}s, tutorial {models['tutorial_load_s']:.1f}s "
          "(not in the timings)", file=sys.stderr)
    for key, target in TARGETS.items():
        if ratios[key] != ratios[key]:  # NaN: the tutorial was skipped
            continue
        ok = ratios[key] >= target if key == "speedup_vs_tutorial" else ratios[key] <= target
        print(f"{key:<24}{ratios[key]:>8.3f}  target {'>=' if key == 'speedup_vs_tutorial' else '<='} "
              f"{target}  {'ok' if ok else 'MISSED'}", file=sys.stderr)
    quality = runs[0].get("quality")
    if quality:
        for who, q in quality.items():
            print(f"dev retrieval {who:<9} " + "  ".join(f"{k}={q[k]}" for k in (*METRICS, "questions")),
                  file=sys.stderr)
    print(json.dumps({
        "n": args.n, "dev_gold_added": extra, "articles": n_art, "backend": backend, "repeat": args.repeat,
        "seconds": {k: (round(v, 3) if v == v else None) for k, v in med.items() if k.endswith("_s")},
        "spread": {k: [round(a, 3), round(b, 3)] for k, (a, b) in spread.items() if a == a},
        "ratios": {k: (round(v, 4) if v == v else None) for k, v in ratios.items()}, "targets": TARGETS,
        "quality": quality, "load_avg": [round(r["load"], 2) for r in runs],
    }))


if __name__ == "__main__":
    main()
