"""The lexical (BM25) side of the hybrid index: a tantivy index beside the store, updated in place.

Chosen over SQLite FTS5 by `bench/lexical.py` (README, "Archive scale"): at 1.4M chunks FTS5 scores every match
of a question's terms, seconds per question, where tantivy's block-max WAND answers in milliseconds; source and
date filters are term and range queries. Chunks are indexed as newsdesk's own BM25 terms (`index.bm25.terms`,
split on spaces), so questions, the answerer's word overlap and this index share one vocabulary.

Writes are made by one process at a time (the ingest lock); a commit is atomic, and what a crash loses between
two commits is covered by the manifest's `pending` rows (see index/reconcile.py). Readers reload when the
index's `meta.json` changes, so another process's commits (a `newsdesk watch` beside a served chat against a
Chroma server) are seen by the next question.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from core.types import Chunk, Filters
from index.bm25 import terms
from index.chunking import embedding_text

# Bumped when the fields change: an index of another version is rebuilt from the store.
SCHEMA_VERSION = "1"
_VERSION_FILE = "newsdesk-schema"
_TOKENIZER = "newsdesk-terms"
_WRITER_HEAP = 50_000_000
_EMPTY = "\u2205"


def _schema() -> Any:
    import tantivy

    builder = tantivy.SchemaBuilder()
    builder.add_text_field("chunk_id", stored=True, tokenizer_name="raw")
    builder.add_text_field("article_id", tokenizer_name="raw")
    builder.add_text_field("source", tokenizer_name="raw")
    # YYYYMMDD as in Chroma's metadata; 0 when undated.
    builder.add_integer_field("date", indexed=True, fast=True)
    builder.add_text_field("text", tokenizer_name=_TOKENIZER, index_option="freq")
    return builder.build()


def indexed_text(chunk: Chunk) -> str:
    return " ".join(terms(embedding_text(chunk.title, chunk.text))) or _EMPTY


def _date(chunk: Chunk) -> int:
    return int(chunk.published.replace("-", "")) if chunk.published else 0


class LexicalIndex:
    """One tantivy index in `directory`. Searches are thread-safe; writes need the caller's write lock."""

    def __init__(self, directory: Path) -> None:
        import tantivy

        self._t = tantivy
        self.directory = Path(directory)
        self.schema = _schema()
        self.index = tantivy.Index(self.schema, str(self.directory), reuse=True)
        self.index.register_tokenizer(_TOKENIZER, tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace()).build())
        self._writer: Any = None
        self._lock = threading.Lock()
        self._seen = self._meta_stamp()

    @classmethod
    def exists(cls, directory: Path) -> bool:
        version = Path(directory) / _VERSION_FILE
        return version.is_file() and version.read_text().strip() == SCHEMA_VERSION

    @classmethod
    def build(cls, directory: Path, chunks: Iterable[Chunk]) -> LexicalIndex:
        """A new index of `chunks`, written beside `directory` and renamed into place: all of it or nothing."""
        directory = Path(directory)
        tmp = directory.with_name(directory.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        fresh = cls(tmp)
        fresh.add(chunks)
        fresh.commit()
        fresh.release()
        (tmp / _VERSION_FILE).write_text(SCHEMA_VERSION)
        old = directory.with_name(directory.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        if directory.exists():
            directory.rename(old)
        tmp.rename(directory)
        shutil.rmtree(old, ignore_errors=True)
        return cls(directory)

    def _meta_stamp(self) -> int:
        try:
            return os.stat(self.directory / "meta.json").st_mtime_ns
        except OSError:
            return 0

    def _searcher(self) -> Any:
        stamp = self._meta_stamp()
        if stamp != self._seen:
            with self._lock:
                self.index.reload()
                self._seen = stamp
        return self.index.searcher()

    def __len__(self) -> int:
        return int(self._searcher().num_docs)

    # --- reads

    def search(self, query: str, k: int, filters: Filters | None = None) -> list[tuple[str, float]]:
        """(chunk id, BM25 score) of the k best chunks holding any of the query's terms, within `filters`."""
        t = self._t
        words = list(dict.fromkeys(terms(query)))
        if not words or k < 1:
            return []
        query_obj = t.Query.boolean_query(
            [(t.Occur.Should, t.Query.term_query(self.schema, "text", w, index_option="freq")) for w in words])
        must = self._filter_clauses(filters)
        if must:
            query_obj = t.Query.boolean_query([(t.Occur.Must, query_obj), *((t.Occur.Must, q) for q in must)])
        searcher = self._searcher()
        hits = searcher.search(query_obj, k, count=False).hits
        return [(searcher.doc(address)["chunk_id"][0], float(score)) for score, address in hits if score > 0]

    def _filter_clauses(self, filters: Filters | None) -> list[Any]:
        if filters is None or filters.is_empty():
            return []
        t = self._t
        clauses = []
        if filters.sources:
            clauses.append(t.Query.boolean_query(
                [(t.Occur.Should, t.Query.term_query(self.schema, "source", s)) for s in filters.sources]))
        if filters.since or filters.until:
            low = int(filters.since.replace("-", "")) if filters.since else 1  # undated (0) never matches a period
            high = int(filters.until.replace("-", "")) if filters.until else None
            clauses.append(t.Query.range_query(self.schema, "date", t.FieldType.Integer, low, high))
        return clauses

    def ids(self) -> Iterator[str]:
        """Every chunk id in the index (for checks and repairs, not for questions)."""
        searcher = self._searcher()
        total = int(searcher.num_docs)
        if not total:
            return
        for _, address in searcher.search(self._t.Query.all_query(), total, count=False).hits:
            yield searcher.doc(address)["chunk_id"][0]

    # --- writes: buffered until commit(); a commit is atomic

    def _w(self) -> Any:
        if self._writer is None:
            self._writer = self.index.writer(_WRITER_HEAP, 1)
        return self._writer

    def add(self, chunks: Iterable[Chunk]) -> None:
        writer = self._w()
        for c in chunks:
            writer.add_document(self._t.Document(chunk_id=c.id, article_id=c.article_id, source=c.source,
                                                 date=_date(c), text=indexed_text(c)))

    def delete_articles(self, article_ids: Sequence[str]) -> None:
        writer = self._w()
        for article_id in article_ids:
            writer.delete_documents_by_term("article_id", article_id)

    def delete_chunks(self, chunk_ids: Sequence[str]) -> None:
        writer = self._w()
        for chunk_id in chunk_ids:
            writer.delete_documents_by_term("chunk_id", chunk_id)

    def commit(self) -> None:
        if self._writer is None:
            return
        self._writer.commit()
        with self._lock:
            self.index.reload()
            self._seen = self._meta_stamp()

    def rollback(self) -> None:
        if self._writer is not None:
            self._writer.rollback()

    def release(self) -> None:
        """Let go of the writer (and with it the index's writer lock), after its merges finish: a dropped writer
        cancels them, and an index that is never merged slows down with every small commit."""
        writer, self._writer = self._writer, None
        if writer is not None:
            writer.wait_merging_threads()
