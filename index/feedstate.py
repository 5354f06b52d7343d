"""What `newsdesk watch` remembers per source: HTTP validators, entries seen, and health.

Its own SQLite file beside the manifest (one per index), with its own connection: the watcher updates it
between ingests while questions and status read it from other threads and processes.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from index.guard import Guarded, guarded_call

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feeds (
    source TEXT PRIMARY KEY,
    etag TEXT,
    last_modified TEXT,
    last_checked REAL,
    last_success REAL,
    last_new REAL,
    errors INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    next_check REAL,
    added INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS entries (
    source TEXT NOT NULL, article_id TEXT NOT NULL, fingerprint TEXT NOT NULL,
    PRIMARY KEY (source, article_id)
) WITHOUT ROWID;
"""


@dataclass
class FeedState:
    source: str
    etag: str | None = None
    last_modified: str | None = None
    last_checked: float | None = None
    last_success: float | None = None
    last_new: float | None = None
    errors: int = 0
    """consecutive failed checks"""
    last_error: str = ""
    next_check: float | None = None
    added: int = 0
    """articles added from this source since it was first watched"""


def _iso(stamp: float | None) -> str | None:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(stamp)) if stamp else None


class FeedStates:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._db: Any = None

    def _conn(self) -> Any:
        if self._db is None:
            guarded_call(lambda: self.path.parent.mkdir(parents=True, exist_ok=True), "create the feed state",
                         self.path.parent)
            connection = guarded_call(lambda: sqlite3.connect(str(self.path), timeout=60, check_same_thread=False),
                                      "open the feed state", self.path.parent)
            self._db = Guarded(connection, "update the feed state", self.path.parent)
            self._db.executescript(_SCHEMA)
            self._db.commit()
        return self._db

    def get(self, source: str) -> FeedState:
        with self._lock:
            cur = self._conn().execute("SELECT * FROM feeds WHERE source = ?", (source,))
            row = cur.fetchone()
            if row is None:
                return FeedState(source)
            return FeedState(**dict(zip([d[0] for d in cur.description], row)))

    def save(self, state: FeedState) -> None:
        values = asdict(state)
        names = ", ".join(values)
        with self._lock:
            db = self._conn()
            db.execute(f"INSERT OR REPLACE INTO feeds ({names}) VALUES ({', '.join('?' * len(values))})",
                       list(values.values()))
            db.commit()

    def fingerprints(self, source: str) -> dict[str, str]:
        with self._lock:
            return dict(self._conn().execute("SELECT article_id, fingerprint FROM entries WHERE source = ?",
                                             (source,)).fetchall())

    def remember(self, source: str, seen: Mapping[str, str]) -> None:
        """Entries of `source` read and indexed in this state: unchanged, they are not fetched again."""
        with self._lock:
            db = self._conn()
            db.executemany("INSERT OR REPLACE INTO entries (source, article_id, fingerprint) VALUES (?, ?, ?)",
                           [(source, a, f) for a, f in seen.items()])
            db.commit()

    def health(self) -> list[dict[str, Any]]:
        """Every source ever watched in this index, for `status --json` and the Index tab."""
        if not self.path.exists():
            return []
        with self._lock:
            cur = self._conn().execute("SELECT * FROM feeds ORDER BY source")
            names = [d[0] for d in cur.description]
            states = [FeedState(**dict(zip(names, row))) for row in cur.fetchall()]
        return [{"source": s.source, "last_checked": _iso(s.last_checked), "last_success": _iso(s.last_success),
                 "last_new_article": _iso(s.last_new), "consecutive_errors": s.errors,
                 "last_error": s.last_error, "next_check": _iso(s.next_check), "articles_added": s.added}
                for s in states]

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None
