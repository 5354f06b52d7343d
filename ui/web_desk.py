"""The Desk as the web app uses it: Gradio's worker threads call it directly, at the same time.

Questions take the index's read lock only for retrieval; an upload or a watched feed's batch takes the write
lock only for each write group (index/rwlock.py), and ingests wait for each other on the ingest lock. So a
question waits at most for one write group, never for a whole upload, and sees the index before or after a
group, never half of one. The manifest's SQLite connection is shared by threads (sqlite3 is built
serialized); the feed state has its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from core.types import Answer, Filters
from index.ingest import IngestReport
from qa.chain import Turn
from qa.desk import Desk


class WebDesk:
    def __init__(self, desk: Desk) -> None:
        self.desk = desk
        self.settings = desk.settings

    @property
    def handle(self) -> Any:
        return self.desk.handle

    def ask(self, question: str, history: list[Turn] | None = None, filters: Filters | None = None) -> Answer:
        return self.desk.ask(question, history=history, filters=filters)

    def stream(self, question: str, history: list[Turn] | None = None,
               filters: Filters | None = None) -> Iterator[str | Answer]:
        yield from self.desk.stream(question, history=history, filters=filters)

    def status(self) -> dict[str, Any]:
        return self.desk.status()

    def ingest(self, paths: list[Path | str], **kwargs: Any) -> IngestReport:
        return self.desk.ingest(paths, **kwargs)

    def titles(self, article_ids: list[str]) -> dict[str, str]:
        """article id -> title, near-duplicates included."""
        rows = self.desk.handle.manifest.states(article_ids)
        return {i: row["title"] for i, row in rows.items()}

    def example_chunks(self, limit: int) -> list[str]:
        """Texts of the first `limit` passages of the index (for the example questions)."""
        out = []
        for chunk in self.desk.handle.store.iter_chunks():
            if len(out) >= limit:
                break
            out.append(chunk.text)
        return out

    def close(self) -> None:
        self.desk.handle.close()
