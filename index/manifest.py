"""SQLite manifest of what the store holds: article id -> content hash, so unchanged articles are skipped.

A row is written `pending` before its chunks change and `done` after, so a crash in between is visible on
the next start and repaired by `reconcile`.
"""

from __future__ import annotations

import hashlib
import sqlite3
import time
from pathlib import Path

from core.types import Article

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
"""


def content_hash(article: Article) -> str:
    parts = [article.title, article.text, article.source, article.url or "", article.published or "",
             "|".join(article.authors)]
    return hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()


class Manifest:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.db = sqlite3.connect(str(path), timeout=60)
        self.db.executescript(_SCHEMA)
        self.db.commit()

    def close(self) -> None:
        self.db.close()

    def hash_of(self, article_id: str) -> str | None:
        row = self.db.execute("SELECT hash FROM articles WHERE id = ? AND state = 'done'", (article_id,)).fetchone()
        return row[0] if row else None

    def begin(self, article: Article, digest: str) -> None:
        self.db.execute(
            "INSERT INTO articles (id, hash, state, origin, title, source, published, updated) "
            "VALUES (?, ?, 'pending', ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET hash = excluded.hash, "
            "state = 'pending', origin = excluded.origin, title = excluded.title, source = excluded.source, "
            "published = excluded.published, updated = excluded.updated",
            (article.id, digest, article.origin, article.title, article.source, article.published, time.time()),
        )
        self.db.commit()

    def finish(self, article_ids: list[str], chunk_counts: list[int]) -> None:
        self.db.executemany(
            "UPDATE articles SET state = 'done', chunks = ?, updated = ? WHERE id = ?",
            [(n, time.time(), aid) for aid, n in zip(article_ids, chunk_counts, strict=True)],
        )
        self.db.commit()

    def remove(self, article_ids: list[str]) -> None:
        self.db.executemany("DELETE FROM articles WHERE id = ?", [(a,) for a in article_ids])
        self.db.commit()

    def pending(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT id FROM articles WHERE state = 'pending'")]

    def done(self) -> dict[str, int]:
        """article id -> expected chunk count, for every completed article."""
        return dict(self.db.execute("SELECT id, chunks FROM articles WHERE state = 'done'").fetchall())

    def rows(self) -> list[dict]:
        cur = self.db.execute("SELECT id, origin, title, source, published, chunks, updated FROM articles "
                              "WHERE state = 'done'")
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row)) for row in cur.fetchall()]

    def set_meta(self, key: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))
        self.db.commit()

    def get_meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None
