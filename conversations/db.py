"""The conversations' SQLite file: schema, connections and transactions.

WAL journal and synchronous=FULL: a transaction is on disk when COMMIT returns, and a process killed at any
point (kill -9 mid-write included) leaves the last committed state, never a half-written turn. Each operation
opens its own short-lived connection, so Gradio's worker threads and a CLI reading at the same time need no lock
of ours: SQLite's own locking orders the writers (busy_timeout lets one wait for the other).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from core.errors import StoreError

SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS conversations (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    title TEXT NOT NULL,
    created TEXT NOT NULL,
    updated TEXT NOT NULL,
    copied_from TEXT
);
CREATE INDEX IF NOT EXISTS conversations_by_owner ON conversations(owner, updated);
CREATE UNIQUE INDEX IF NOT EXISTS conversations_copied ON conversations(owner, copied_from)
    WHERE copied_from IS NOT NULL;
CREATE TABLE IF NOT EXISTS turns (
    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    asked_at TEXT NOT NULL,
    PRIMARY KEY (conversation_id, position)
);
CREATE TABLE IF NOT EXISTS shares (
    token TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    conversation_id TEXT,
    title TEXT NOT NULL,
    snapshot TEXT NOT NULL,
    created TEXT NOT NULL,
    expires TEXT,
    revoked TEXT
);
CREATE INDEX IF NOT EXISTS shares_by_owner ON shares(owner, created);
"""


class Database:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._open() as conn:
                version = conn.execute("PRAGMA user_version").fetchone()[0]
                if version > SCHEMA_VERSION:
                    raise StoreError(f"the conversation store {str(self.path)!r} was written by a newer newsdesk "
                                     f"(schema {version}, this one reads {SCHEMA_VERSION}): upgrade newsdesk")
                # The journal mode is stored in the file: set once, every later connection uses WAL.
                conn.execute("PRAGMA journal_mode=WAL")
                conn.executescript(_SCHEMA)
                conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        except (sqlite3.Error, OSError) as exc:
            raise self._error(exc) from exc

    def _open(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA foreign_keys=ON")
        return conn

    def _error(self, exc: BaseException) -> StoreError:
        return StoreError(f"the conversation store {str(self.path)!r} cannot be used ({exc}): check that "
                          "NEWSDESK_HOME is writable; a damaged file can be moved aside to start an empty one")

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        try:
            conn = self._open()
        except sqlite3.Error as exc:
            raise self._error(exc) from exc
        try:
            yield conn
        except sqlite3.Error as exc:
            raise self._error(exc) from exc
        finally:
            conn.close()

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One transaction: committed when the block ends, rolled back when it raises."""
        try:
            conn = self._open()
            # IMMEDIATE takes the write lock now, so a read-then-write (the next turn's position) cannot race.
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise self._error(exc) from exc
        try:
            yield conn
            conn.execute("COMMIT")
        except BaseException as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error):
                raise self._error(exc) from exc
            raise
        finally:
            conn.close()
