"""SQLite manifest of what the store holds: article id -> content hash, so unchanged articles are skipped.

A row is written `pending` before its chunks change and `done` after, so a crash in between is visible on
the next start and repaired by `reconcile`. A near-duplicate has a row too (`canonical` names the article
it collapsed into; it has no chunks) holding its article as JSON, so it can be indexed in its own right if
its canonical article is removed. Every row keeps its MinHash signature for later duplicates to match.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from core.types import Article
from index.guard import Guarded, guarded_call

_SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY,
    hash TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'done')),
    origin TEXT NOT NULL DEFAULT '',
    title TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL DEFAULT '',
    published TEXT,
    chunks INTEGER NOT NULL DEFAULT 0,
    updated REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
-- Work begun and not yet finished, written in the transaction that makes it necessary, so that reconciling
-- reads this table instead of every row: ('aliases', canonical id) and ('promote', near-duplicate id).
CREATE TABLE IF NOT EXISTS work (kind TEXT NOT NULL, id TEXT NOT NULL, PRIMARY KEY (kind, id)) WITHOUT ROWID;
"""
# Added after the first release: created on open when missing, so an older manifest keeps working.
_COLUMNS = {
    "url": "TEXT",
    "authors": "TEXT NOT NULL DEFAULT '[]'",
    "canonical": "TEXT",
    "signature": "BLOB",
    "article": "TEXT",
}
_ROW = "id, hash, state, origin, title, source, published, chunks, url, authors, canonical, signature, article"


def content_hash(article: Article) -> str:
    parts = [article.title, article.text, article.source, article.url or "", article.published or "",
             "|".join(article.authors)]
    if article.pages:
        # Only paged documents hash their pages, so every hash of an article without pages stays as it was.
        parts.append(",".join(f"{offset}:{page}" for offset, page in article.pages))
    return hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()


def _row(values: tuple) -> dict[str, Any]:
    row = dict(zip(_ROW.split(", "), values))
    row["authors"] = json.loads(row["authors"] or "[]")
    return row


class Manifest:
    def __init__(self, path: Path) -> None:
        self.path = path
        guarded_call(lambda: path.parent.mkdir(parents=True, exist_ok=True), "create the manifest", path.parent)
        # Shared by threads: a served app answers on Gradio's worker threads, and a question may read the manifest
        # (is the BM25 twin stale?). The sqlite3 module is built serialized (threadsafety 3): one connection may
        # be used from any thread; writes only happen under the ingest lock.
        connection = guarded_call(lambda: sqlite3.connect(str(path), timeout=60, check_same_thread=False),
                                  "open the manifest", path.parent)
        # A read-only or full data directory surfaces as a StoreError saying so, not as sqlite3's own message.
        self.db: Any = Guarded(connection, "update the manifest", path.parent)
        # INSERT OR REPLACE then fires the delete triggers of the row it replaces (index/dedup_store.py).
        self.db.execute("PRAGMA recursive_triggers = ON")
        self.db.executescript(_SCHEMA)
        present = {r[1] for r in self.db.execute("PRAGMA table_info(articles)").fetchall()}
        for name, kind in _COLUMNS.items():
            if name not in present:
                self.db.execute(f"ALTER TABLE articles ADD COLUMN {name} {kind}")
        self.db.execute("CREATE INDEX IF NOT EXISTS articles_canonical ON articles (canonical)")
        self.db.execute("CREATE INDEX IF NOT EXISTS articles_updated ON articles (updated)")
        self.db.commit()

    def close(self) -> None:
        self.db.close()

    # --- reads

    def hash_of(self, article_id: str) -> str | None:
        row = self.db.execute("SELECT hash FROM articles WHERE id = ? AND state = 'done'", (article_id,)).fetchone()
        return row[0] if row else None

    def get(self, article_id: str) -> dict[str, Any] | None:
        found = self.db.execute(f"SELECT {_ROW} FROM articles WHERE id = ?", (article_id,)).fetchone()
        return _row(found) if found else None

    def pending(self) -> list[dict[str, Any]]:
        return [_row(r) for r in self.db.execute(f"SELECT {_ROW} FROM articles WHERE state = 'pending'")]

    def done(self) -> dict[str, int]:
        """article id -> expected chunk count, for every indexed article (near-duplicates are not)."""
        return dict(self.db.execute(
            "SELECT id, chunks FROM articles WHERE state = 'done' AND canonical IS NULL").fetchall())

    def duplicates(self) -> dict[str, str]:
        """near-duplicate id -> id of the article it collapsed into."""
        return dict(self.db.execute(
            "SELECT id, canonical FROM articles WHERE state = 'done' AND canonical IS NOT NULL").fetchall())

    def rows(self) -> list[dict]:
        """The indexed articles (near-duplicates not included)."""
        cur = self.db.execute("SELECT id, origin, title, source, published, chunks, updated, url FROM articles "
                              "WHERE state = 'done' AND canonical IS NULL ORDER BY id")
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row)) for row in cur.fetchall()]

    def all_rows(self) -> list[dict[str, Any]]:
        """Every completed row, near-duplicates included, by id."""
        return [_row(r) for r in self.db.execute(f"SELECT {_ROW} FROM articles WHERE state = 'done' ORDER BY id")]

    def signatures(self) -> Iterator[tuple[str, bytes]]:
        """(id, MinHash signature) of every indexed article that has one, in id order."""
        yield from self.db.execute("SELECT id, signature FROM articles WHERE state = 'done' AND canonical IS NULL "
                                   "AND signature IS NOT NULL ORDER BY id").fetchall()

    def duplicates_of(self, canonical_ids: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
        """canonical id -> its completed near-duplicate rows, by id."""
        out: dict[str, list[dict[str, Any]]] = {}
        ids = list(canonical_ids)
        for i in range(0, len(ids), 500):
            part = ids[i : i + 500]
            marks = ",".join("?" * len(part))
            for r in self.db.execute(f"SELECT {_ROW} FROM articles WHERE state = 'done' AND canonical IN ({marks}) "
                                     "ORDER BY id", part):
                row = _row(r)
                out.setdefault(row["canonical"], []).append(row)
        return out

    def orphans(self) -> list[dict[str, Any]]:
        """Near-duplicates whose canonical article is no longer indexed: they must be indexed themselves."""
        return [_row(r) for r in self.db.execute(
            f"SELECT {_ROW} FROM articles AS d WHERE d.state = 'done' AND d.canonical IS NOT NULL AND NOT EXISTS "
            "(SELECT 1 FROM articles AS c WHERE c.id = d.canonical AND c.state = 'done' AND c.canonical IS NULL) "
            "ORDER BY d.id")]

    def select(self, ids: Iterable[str] = (), sources: Iterable[str] = (), before: str | None = None) -> list[str]:
        """Completed rows (near-duplicates included) matching every given criterion: one of `ids`, one of
        `sources` (case-insensitive), published before the ISO date `before` (undated rows never match it)."""
        where, args = ["state = 'done'"], []
        for column, values in (("id", list(ids)), ("lower(source)", [v.lower() for v in sources])):
            if values:
                where.append(f"{column} IN ({','.join('?' * len(values))})")
                args += values
        if before:
            where.append("published IS NOT NULL AND published != '' AND published < ?")
            args.append(before)
        return [r[0] for r in self.db.execute(f"SELECT id FROM articles WHERE {' AND '.join(where)} ORDER BY id",
                                              args)]

    def origins(self) -> list[tuple[str, str]]:
        """(id, origin) of every completed row."""
        return self.db.execute("SELECT id, origin FROM articles WHERE state = 'done' ORDER BY id").fetchall()

    def counts(self) -> tuple[int, int]:
        """(indexed articles, their chunks): what the store must hold when nothing is pending."""
        n, chunks = self.db.execute("SELECT count(*), coalesce(sum(chunks), 0) FROM articles "
                                    "WHERE state = 'done' AND canonical IS NULL").fetchone()
        return int(n), int(chunks)

    def stats(self) -> dict[str, Any]:
        """Articles by source and by month of publication, and the date range, of the indexed articles."""
        indexed = "FROM articles WHERE state = 'done' AND canonical IS NULL"
        sources = self.db.execute(f"SELECT coalesce(nullif(source, ''), '(none)') AS s, count(*) AS n {indexed} "
                                  "GROUP BY s ORDER BY n DESC, s").fetchall()
        months = self.db.execute(f"SELECT substr(published, 1, 7) AS m, count(*) {indexed} AND published != '' "
                                 "AND published IS NOT NULL GROUP BY m ORDER BY m").fetchall()
        low, high = self.db.execute(f"SELECT min(published), max(published) {indexed} AND published != ''"
                                    ).fetchone()
        return {"sources": dict(sources), "months": dict(months), "date_range": [low, high] if low else None}

    def source_names(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT DISTINCT source FROM articles WHERE state = 'done' AND "
                                              "canonical IS NULL AND source != '' ORDER BY source")]

    def version(self) -> float:
        """Changes whenever a row is written: a cheap key for what is derived from the rows."""
        return float(self.db.execute("SELECT coalesce(max(updated), 0) FROM articles").fetchone()[0])

    def states(self, article_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        """id -> its row, for these ids only (rows that exist)."""
        out: dict[str, dict[str, Any]] = {}
        ids = list(article_ids)
        for i in range(0, len(ids), 500):
            part = ids[i : i + 500]
            marks = ",".join("?" * len(part))
            out.update((r[0], _row(r)) for r in self.db.execute(f"SELECT {_ROW} FROM articles WHERE id IN ({marks})",
                                                                 part))
        return out

    def work(self, kind: str) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT id FROM work WHERE kind = ? ORDER BY id", (kind,))]

    def add_work(self, kind: str, ids: Iterable[str]) -> None:
        self._note_work(kind, ids)
        self.db.commit()

    def clear_work(self, kind: str, ids: Iterable[str]) -> None:
        self.db.executemany("DELETE FROM work WHERE kind = ? AND id = ?", [(kind, i) for i in ids])
        self.db.commit()

    def _note_work(self, kind: str, ids: Iterable[str]) -> None:
        self.db.executemany("INSERT OR IGNORE INTO work (kind, id) VALUES (?, ?)", [(kind, i) for i in ids if i])

    def _note_canonicals(self, article_ids: list[str]) -> None:
        """The articles these rows are near-duplicates of get their alias metadata rewritten (see reconcile)."""
        for i in range(0, len(article_ids), 500):
            part = article_ids[i : i + 500]
            marks = ",".join("?" * len(part))
            self.db.execute("INSERT OR IGNORE INTO work (kind, id) SELECT 'aliases', canonical FROM articles "
                            f"WHERE id IN ({marks}) AND canonical IS NOT NULL", part)

    # --- writes (each method is one transaction)

    def begin(self, article: Article, digest: str, signature: bytes | None = None,
              canonical: str | None = None) -> None:
        self.begin_many([(article, digest, signature, canonical)])

    def begin_many(self, entries: Iterable[tuple[Article, str, bytes | None, str | None]]) -> None:
        """Rows `pending` for articles about to be written (canonical None) or recorded as near-duplicates."""
        now = time.time()
        entries = list(entries)
        self._note_canonicals([a.id for a, _, _, _ in entries])
        self._note_work("aliases", [canonical for _, _, _, canonical in entries if canonical])
        self.db.executemany(
            f"INSERT OR REPLACE INTO articles ({_ROW}, updated) "
            "VALUES (?, ?, 'pending', ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?)",
            [(a.id, digest, a.origin, a.title, a.source, a.published, a.url, json.dumps(a.authors), canonical, sig,
              a.model_dump_json() if canonical else None, now) for a, digest, sig, canonical in entries],
        )
        self.db.commit()

    def finish(self, article_ids: list[str], chunk_counts: list[int]) -> None:
        """Rows `done` with their chunk counts; an article that was a near-duplicate is now an indexed one."""
        now = time.time()
        self.db.executemany("DELETE FROM work WHERE kind = 'promote' AND id = ?", [(a,) for a in article_ids])
        self.db.executemany(
            "UPDATE articles SET state = 'done', chunks = ?, canonical = NULL, article = NULL, updated = ? "
            "WHERE id = ?", [(n, now, aid) for aid, n in zip(article_ids, chunk_counts, strict=True)],
        )
        self.db.commit()

    def finish_duplicates(self, article_ids: list[str]) -> None:
        now = time.time()
        self.db.executemany("UPDATE articles SET state = 'done', chunks = 0, updated = ? WHERE id = ?",
                            [(now, aid) for aid in article_ids])
        self.db.commit()

    def set_canonical(self, article_id: str, canonical: str) -> None:
        self._note_work("aliases", [canonical])
        self.db.execute("UPDATE articles SET canonical = ?, chunks = 0 WHERE id = ?", (canonical, article_id))
        self.db.commit()

    def mark_pending(self, article_ids: Iterable[str]) -> None:
        article_ids = list(article_ids)
        self._note_canonicals(article_ids)
        self.db.executemany("UPDATE articles SET state = 'pending' WHERE id = ?", [(a,) for a in article_ids])
        self.db.commit()

    def adopt(self, rows: Iterable[dict[str, Any]]) -> None:
        """Rows for articles found in the store but not here (a lost manifest): kept, rewritten when next read."""
        self.db.executemany(
            "INSERT OR REPLACE INTO articles (id, hash, state, origin, title, source, published, chunks, url, "
            "signature, updated) VALUES (?, '', 'done', '', ?, ?, ?, ?, ?, ?, ?)",
            [(r["id"], r["title"], r["source"], r["published"], r["chunks"], r["url"], r["signature"], time.time())
             for r in rows],
        )
        self.db.commit()

    def remove(self, article_ids: Iterable[str]) -> None:
        article_ids = list(article_ids)
        self._note_canonicals(article_ids)
        self.db.executemany("DELETE FROM articles WHERE id = ?", [(a,) for a in article_ids])
        self.db.commit()

    def set_meta(self, key: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))
        self.db.commit()

    def get_meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def delete_meta(self, key: str) -> None:
        self.db.execute("DELETE FROM meta WHERE key = ?", (key,))
        self.db.commit()
