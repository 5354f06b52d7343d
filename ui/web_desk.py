"""The Desk as the web app uses it: every call that touches the index runs on one dedicated thread.

Gradio runs handlers on a pool of worker threads, but the manifest's SQLite connection may only be used by
the thread that opened it (and asking reads it too: the BM25 twin checks it), and two browser sessions must
not ingest into one index at the same time. So questions, status and ingest all run, one at a time, on a
thread that owns the manifest; streamed answers are relayed from it piece by piece.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from core.types import Answer, Filters
from index.ingest import IngestReport
from qa.chain import Turn
from qa.desk import Desk

T = TypeVar("T")
_END = object()


class WebDesk:
    def __init__(self, desk: Desk) -> None:
        self.desk = desk
        self.settings = desk.settings
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="newsdesk-index")
        # A manifest opened by the caller's thread would be unusable from ours: reopen it on first use there.
        desk.handle.close()

    @property
    def handle(self) -> Any:
        return self.desk.handle

    def _run(self, func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return self._pool.submit(func, *args, **kwargs).result()

    def ask(self, question: str, history: list[Turn] | None = None, filters: Filters | None = None) -> Answer:
        return self._run(self.desk.ask, question, history=history, filters=filters)

    def stream(self, question: str, history: list[Turn] | None = None,
               filters: Filters | None = None) -> Iterator[str | Answer]:
        """`Desk.stream`, produced on the index thread and handed over as each piece is written."""
        pieces: queue.Queue[Any] = queue.Queue()
        stop = threading.Event()

        def produce() -> None:
            try:
                for piece in self.desk.stream(question, history=history, filters=filters):
                    if stop.is_set():  # the browser went away: stop generating for nobody
                        break
                    pieces.put(piece)
            except BaseException as exc:  # handed to the consumer, which raises it in the handler's thread
                pieces.put(exc)
            finally:
                pieces.put(_END)

        self._pool.submit(produce)
        try:
            while (piece := pieces.get()) is not _END:
                if isinstance(piece, BaseException):
                    raise piece
                yield piece
        finally:
            stop.set()

    def status(self) -> dict[str, Any]:
        return self._run(self.desk.status)

    def ingest(self, paths: list[Path | str], **kwargs: Any) -> IngestReport:
        return self._run(self.desk.ingest, paths, **kwargs)

    def titles(self, article_ids: list[str]) -> dict[str, str]:
        """article id -> title, near-duplicates included."""

        def lookup() -> dict[str, str]:
            rows = {i: self.desk.handle.manifest.get(i) for i in article_ids}
            return {i: row["title"] for i, row in rows.items() if row}

        return self._run(lookup)

    def example_chunks(self, limit: int) -> list[str]:
        """Texts of the first `limit` passages of the index (for the example questions)."""

        def first() -> list[str]:
            out = []
            for chunk in self.desk.handle.store.iter_chunks():
                if len(out) >= limit:
                    break
                out.append(chunk.text)
            return out

        return self._run(first)

    def close(self) -> None:
        """Close the manifest on the thread that opened it, then stop that thread."""
        self._run(self.desk.handle.close)
        self._pool.shutdown()
