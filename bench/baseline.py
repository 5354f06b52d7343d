"""The tutorial RAG pipeline's retrieval, scored with newsdesk's own metric code: the baseline of the README table.

Pipeline: RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200) over each article's text, langchain
Chroma `similarity_search` top-k, and the same packaged all-MiniLM-L6-v2 through
langchain_huggingface.HuggingFaceEmbeddings. Rankings are counted over distinct articles, as for newsdesk.

Its index is cached under --cache, one Chroma directory per corpus content hash, so a rerun embeds only the
questions. An interrupted build resumes: chunk ids follow the (deterministic) split order, so chunks already
stored are skipped.

    .venv/bin/python bench/baseline.py ../shared/eval/rgb-answer.jsonl ../shared/data/rgb-passages.jsonl
    .venv/bin/python bench/baseline.py ../shared/eval/dev.jsonl ../shared/data/news-articles.jsonl --limit 10

The last line on stdout is one JSON object: the retrieval metrics (hits@1/5/10, mrr@10, ndcg@10) and `questions`.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CACHE = REPO / "bench" / "out" / "baseline-cache"
RETRIEVAL_KEYS = ("hits@1", "hits@5", "hits@10", "mrr@10", "ndcg@10", "questions")
CHUNK_SIZE, CHUNK_OVERLAP = 1000, 200
_DONE = "COMPLETE"
_ADD_BATCH = 256


def corpus_digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()[:16]


def load_corpus(path: Path) -> list[tuple[str, str]]:
    """(article id, text) per JSONL line, read as the tutorial would: no cleaning, no titles."""
    out = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
            out.append((str(rec["id"]), str(rec.get("text") or rec.get("body") or rec.get("content") or "")))
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise SystemExit(f"{path}:{lineno}: bad corpus line ({exc})") from exc
    return out


def embeddings() -> Any:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from langchain_huggingface import HuggingFaceEmbeddings

    from core.settings import packaged_model_path

    return HuggingFaceEmbeddings(model_name=packaged_model_path(), model_kwargs={"device": "cpu"})


def open_index(corpus: Path, cache: Path, log: Callable[[str], None] = lambda m: print(m, file=sys.stderr)) -> Any:
    """The tutorial's Chroma index of `corpus`, built once per corpus content and reused afterwards."""
    import chromadb
    from chromadb.config import Settings as ChromaConfig
    from langchain_chroma import Chroma
    from langchain_core.documents import Document
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    where = cache / corpus_digest(corpus)
    complete = (where / _DONE).exists()
    client = chromadb.PersistentClient(path=str(where), settings=ChromaConfig(anonymized_telemetry=False))
    store = Chroma(collection_name="baseline", client=client, embedding_function=embeddings())
    if complete:
        log(f"baseline index reused: {where} ({store._collection.count()} chunks)")
        return store
    splitter = RecursiveCharacterTextSplitter(chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP)
    docs = splitter.split_documents(
        [Document(page_content=text, metadata={"article_id": aid}) for aid, text in load_corpus(corpus)]
    )
    ids = [f"c{j}" for j in range(len(docs))]
    have = set(store._collection.get(include=[])["ids"])
    todo = [j for j, cid in enumerate(ids) if cid not in have]
    if have:
        log(f"baseline index: resuming, {len(have)} of {len(docs)} chunks already stored")
    started = time.perf_counter()
    for i in range(0, len(todo), _ADD_BATCH):
        batch = todo[i : i + _ADD_BATCH]
        store.add_documents([docs[j] for j in batch], ids=[ids[j] for j in batch])
        log(f"baseline indexing: {len(have) + i + len(batch)}/{len(docs)} chunks")
    (where / _DONE).write_text(f"{len(docs)} chunks in {time.perf_counter() - started:.1f}s\n", encoding="utf-8")
    log(f"baseline index built: {len(docs)} chunks in {time.perf_counter() - started:.1f}s")
    return store


def ranked_articles(store: Any, question: str, k: int) -> list[str]:
    """At least k distinct articles in similarity order: fetch more chunks while one article fills the top."""
    fetch = 4 * k
    total = store._collection.count()
    while True:
        docs = store.similarity_search(question, k=min(fetch, total))
        ranked = list(dict.fromkeys(d.metadata["article_id"] for d in docs))
        if len(ranked) >= k or fetch >= total:
            return ranked
        fetch *= 2


def evaluate(dataset: Path, corpus: Path, k: int = 10, limit: int | None = None,
             cache: Path = DEFAULT_CACHE) -> dict:
    from qa.evalset import load_dataset
    from qa.metrics import RETRIEVAL_K, QuestionRecord, summarise, summarise_by_type

    items = load_dataset(dataset)[:limit]
    store = open_index(corpus, cache)
    records = []
    for item in items:
        started = time.perf_counter()
        ranked = ranked_articles(store, item.question, max(k, RETRIEVAL_K))
        records.append(QuestionRecord(
            id=item.id, type=item.type, question=item.question, answerable=item.answerable, answer="",
            refused=False, retrieved=ranked, gold=item.gold_article_ids,
            latency_ms=(time.perf_counter() - started) * 1000,
        ))
    # Only retrieval is comparable: the tutorial pipeline has no answerer of its own here.
    pick = lambda s: {key: s[key] for key in RETRIEVAL_KEYS}  # noqa: E731
    return {"summary": pick(summarise(records)),
            "by_type": {t: pick(s) for t, s in summarise_by_type(records).items()},
            "records": [r.model_dump(include={"id", "type", "retrieved", "gold"}) for r in records]}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dataset", type=Path, help="evaluation JSONL (../shared/eval/*.jsonl format)")
    parser.add_argument("corpus", type=Path, help="corpus JSONL (../shared/data/*.jsonl format)")
    parser.add_argument("--k", type=int, default=10, help="distinct articles ranked per question")
    parser.add_argument("--limit", type=int, default=None, help="only the first N questions")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="where the baseline index is kept")
    parser.add_argument("--out", type=Path, default=None, help="also write summary, by_type and records here")
    args = parser.parse_args(argv)
    if args.k < 1:
        parser.error(f"--k must be at least 1, got {args.k}")
    result = evaluate(args.dataset, args.corpus, args.k, args.limit, args.cache)
    for name, summary in result["by_type"].items():
        print(f"{name:>14}: " + "  ".join(f"{k}={v}" for k, v in summary.items()), file=sys.stderr)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result["summary"]))


if __name__ == "__main__":
    main()
