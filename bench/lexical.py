"""SQLite FTS5 against tantivy as the in-place lexical index, at archive scale (the choice behind index/lexical.py).

    .venv/bin/python bench/lexical.py --n 1400000 [--out DIR]

Both get the same N synthetic chunks: a headline and paragraphs of ../shared/data/news-articles.jsonl recombined at
random (seeded), tokenized with newsdesk's BM25 vocabulary (`index.bm25.terms`), ~14 chunks an article, sources and
dates of the real articles. Then, on each: bulk load, size on disk, open + first query (what a new `newsdesk ingest`
process pays), add 10 chunks + commit, delete one article's chunks + commit, the 40 dev questions as BM25 queries
(k=40), the same with a source and a date-range filter. Medians and p95 of the repeated steps; one JSON line last.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sqlite3
import statistics
import sys
import time
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
sys.path.insert(0, str(REPO))

from index.bm25 import terms  # noqa: E402

PER_ARTICLE = 14


def corpus_parts() -> tuple[list[list[str]], list[list[str]], list[tuple[str, int]]]:
    """Term lists of every headline and paragraph of the real articles, and their (source, date) pairs."""
    titles, paragraphs, meta = [], [], []
    with (SHARED / "data" / "news-articles.jsonl").open(encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            titles.append(terms(record.get("title") or ""))
            paragraphs += [t for p in record["text"].split("\n\n") if len(t := terms(p)) >= 8]
            day = (record.get("published") or "")[:10]
            meta.append((record.get("source") or "", int(day.replace("-", "")) if day else 0))
    return titles, paragraphs, meta


def synthetic(n: int, seed: int = 7, start: int = 0) -> Iterator[tuple[str, str, str, int, str]]:
    """(chunk id, article id, source, date, space-joined terms) of n chunks; ~120 terms each, like a real chunk."""
    titles, paragraphs, meta = PARTS
    rng = random.Random(seed)
    for i in range(start, start + n):
        article = i // PER_ARTICLE
        a = article % len(titles)
        words = list(titles[a])
        while len(words) < 120:
            words += rng.choice(paragraphs)
        source, date = meta[a]
        yield f"s{article:07d}:{i % PER_ARTICLE:04d}", f"s{article:07d}", source, date, " ".join(words[:140])


class Fts5:
    name = "sqlite-fts5"

    def __init__(self, path: Path) -> None:
        self.path = path / "lexical.sqlite"
        self.db = sqlite3.connect(self.path)
        self.db.executescript("""
            PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;
            CREATE TABLE IF NOT EXISTS chunks (rowid INTEGER PRIMARY KEY, id TEXT UNIQUE, article TEXT,
                                               source TEXT, date INTEGER);
            CREATE INDEX IF NOT EXISTS chunks_article ON chunks (article);
            CREATE INDEX IF NOT EXISTS chunks_source_date ON chunks (source, date);
            CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5(text, tokenize="unicode61 tokenchars '.,'");
        """)

    def add(self, docs: list[tuple[str, str, str, int, str]]) -> None:
        with self.db:
            for cid, aid, source, date, text in docs:
                cur = self.db.execute("INSERT INTO chunks (id, article, source, date) VALUES (?, ?, ?, ?)",
                                      (cid, aid, source, date))
                self.db.execute("INSERT INTO fts (rowid, text) VALUES (?, ?)", (cur.lastrowid, text))

    def delete_article(self, article: str) -> None:
        with self.db:
            rows = [r[0] for r in self.db.execute("SELECT rowid FROM chunks WHERE article = ?", (article,))]
            self.db.executemany("DELETE FROM fts WHERE rowid = ?", [(r,) for r in rows])
            self.db.executemany("DELETE FROM chunks WHERE rowid = ?", [(r,) for r in rows])

    def search(self, words: list[str], k: int, source: str | None = None, since: int | None = None) -> list[str]:
        match = " OR ".join(f'"{w}"' for w in dict.fromkeys(words))
        if source is None:
            sql = ("SELECT c.id FROM fts JOIN chunks c ON c.rowid = fts.rowid WHERE fts MATCH ? "
                   "ORDER BY bm25(fts) LIMIT ?")
            return [r[0] for r in self.db.execute(sql, (match, k))]
        # Matches scored first, then filtered: driven from the filter side, SQLite would run the MATCH once per row.
        sql = ("WITH m AS MATERIALIZED (SELECT rowid AS r, bm25(fts) AS s FROM fts WHERE fts MATCH ?) "
               "SELECT c.id FROM m JOIN chunks c ON c.rowid = m.r WHERE c.source = ? AND c.date >= ? "
               "ORDER BY m.s LIMIT ?")
        return [r[0] for r in self.db.execute(sql, (match, source, since, k))]

    def close(self) -> None:
        self.db.close()

    def size(self) -> int:
        return sum(f.stat().st_size for f in self.path.parent.glob("lexical.sqlite*"))


class Tantivy:
    name = "tantivy"

    def __init__(self, path: Path) -> None:
        import tantivy

        self.t = tantivy
        self.path = path / "tantivy"
        self.path.mkdir(parents=True, exist_ok=True)
        b = tantivy.SchemaBuilder()
        b.add_text_field("id", stored=True, tokenizer_name="raw")
        b.add_text_field("article", tokenizer_name="raw")
        b.add_text_field("source", tokenizer_name="raw")
        b.add_integer_field("date", indexed=True, fast=True)
        b.add_text_field("text", tokenizer_name="ws", index_option="freq")
        self.schema = b.build()
        self.index = tantivy.Index(self.schema, str(self.path))
        self.index.register_tokenizer("ws", tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace()).build())
        self.writer = None

    def _writer(self, threads: int = 1, heap: int = 64_000_000):
        if self.writer is None:
            self.writer = self.index.writer(heap, threads)
        return self.writer

    def add(self, docs: list[tuple[str, str, str, int, str]], commit: bool = True, threads: int = 1) -> None:
        w = self._writer(threads, 64_000_000 * threads)
        for cid, aid, source, date, text in docs:
            w.add_document(self.t.Document(id=cid, article=aid, source=source, date=date, text=text))
        if commit:
            w.commit()
            self.index.reload()

    def finish_bulk(self) -> None:
        self.writer.commit()
        self.writer.wait_merging_threads()
        self.writer = None
        self.index.reload()

    def delete_article(self, article: str) -> None:
        w = self._writer()
        w.delete_documents_by_term("article", article)
        w.commit()
        self.index.reload()

    def search(self, words: list[str], k: int, source: str | None = None, since: int | None = None) -> list[str]:
        t = self.t
        should = [(t.Occur.Should, t.Query.term_query(self.schema, "text", w)) for w in dict.fromkeys(words)]
        query = t.Query.boolean_query(should)
        if source is not None:
            query = t.Query.boolean_query([
                (t.Occur.Must, query),
                (t.Occur.Must, t.Query.term_query(self.schema, "source", source)),
                (t.Occur.Must, t.Query.range_query(self.schema, "date", t.FieldType.Integer, since, None)),
            ])
        searcher = self.index.searcher()
        hits = searcher.search(query, k, count=False).hits
        return [searcher.doc(addr)["id"][0] for _, addr in hits]

    def close(self) -> None:
        if self.writer is not None:
            self.writer.commit()
            self.writer.wait_merging_threads()
            self.writer = None

    def size(self) -> int:
        return sum(f.stat().st_size for f in self.path.rglob("*") if f.is_file())


def _ms(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {"p50": round(statistics.median(ordered) * 1000, 2),
            "p95": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))] * 1000, 2)}


def measure(kind: type, folder: Path, n: int, questions: list[list[str]]) -> dict:
    folder.mkdir(parents=True, exist_ok=True)
    index = kind(folder)
    started = time.perf_counter()
    batch: list = []
    for doc in synthetic(n):
        batch.append(doc)
        if len(batch) == 20_000:
            index.add(batch, commit=False, threads=2) if isinstance(index, Tantivy) else index.add(batch)
            batch = []
    if batch:
        index.add(batch, commit=False, threads=2) if isinstance(index, Tantivy) else index.add(batch)
    if isinstance(index, Tantivy):
        index.finish_bulk()
    load_s = time.perf_counter() - started
    index.close()
    del index
    started = time.perf_counter()
    index = kind(folder)
    index.search(questions[0], 40)
    open_ms = (time.perf_counter() - started) * 1000
    adds, deletes = [], []
    for rep in range(10):
        docs = list(synthetic(10, seed=100 + rep, start=n + 10 * rep))
        t0 = time.perf_counter()
        index.add(docs)
        adds.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        index.delete_article(f"s{(rep * 7919) % (n // PER_ARTICLE):07d}")
        deletes.append(time.perf_counter() - t0)
    plain, filtered = [], []
    for _ in range(2):
        for words in questions:
            t0 = time.perf_counter()
            index.search(words, 40)
            plain.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            index.search(words, 40, source="CNN", since=20200101)
            filtered.append(time.perf_counter() - t0)
    result = {"backend": kind.name, "n": n, "bulk_load_s": round(load_s, 1), "size_mb": round(index.size() / 1e6),
              "open_and_first_query_ms": round(open_ms, 1), "add10_commit_ms": _ms(adds),
              "delete_article_commit_ms": _ms(deletes), "query_ms": _ms(plain), "query_filtered_ms": _ms(filtered)}
    index.close()
    return result


PARTS: tuple = ()


def main() -> None:
    global PARTS
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="synthetic chunks")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "out" / "lexical")
    parser.add_argument("--only", choices=["sqlite-fts5", "tantivy"], default=None)
    args = parser.parse_args()
    PARTS = corpus_parts()
    questions = [terms(json.loads(line)["question"]) for line in (SHARED / "eval" / "dev.jsonl").open()]
    results = []
    for kind in (Fts5, Tantivy):
        if args.only and kind.name != args.only:
            continue
        folder = args.out / f"{kind.name}-{args.n}"
        shutil.rmtree(folder, ignore_errors=True)
        results.append(measure(kind, folder, args.n, questions))
        print(json.dumps(results[-1]), file=sys.stderr, flush=True)
        shutil.rmtree(folder, ignore_errors=True)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
