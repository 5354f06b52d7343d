"""Ingestion: load -> clean -> chunk -> embed -> write, incremental and ordered so a crash can be repaired."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from filelock import FileLock, Timeout

from core.errors import SourceError
from core.types import Article, Chunk
from index.chunking import chunk_article, embedding_text
from index.handle import IndexHandle
from index.loaders import LoadFailure, iter_articles
from index.manifest import content_hash

_EMBED_GROUP = 256


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failures: list[LoadFailure] = field(default_factory=list)
    chunks: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failures

    def summary(self) -> str:
        return (f"{len(self.added)} added, {len(self.updated)} updated, {len(self.unchanged)} unchanged, "
                f"{len(self.failures)} failed; {self.chunks} chunks written in {self.seconds:.1f}s")


def reconcile(handle: IndexHandle) -> int:
    """Repair what an interrupted ingest left: pending articles and chunks the manifest does not vouch for."""
    manifest, store = handle.manifest, handle.store
    pending = manifest.pending()
    if pending:
        store.delete_articles(pending)
        manifest.remove(pending)
    done = manifest.done()
    stray: list[str] = []
    for article_id, chunk_ids in store.article_chunk_ids().items():
        expected = done.get(article_id)
        if expected is None:
            stray.extend(chunk_ids)
        elif len(chunk_ids) != expected:
            # Chunks beyond the article's current count are left over from an older, longer version.
            stray.extend(c for c in chunk_ids if int(c.rsplit(":", 1)[1]) >= expected)
    if stray:
        store.delete_chunks(stray)  # type: ignore[attr-defined]
    return len(pending) + len(stray)


def _lock(handle: IndexHandle, notify: Callable[[str], None]) -> FileLock:
    handle.lock_path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(handle.lock_path))
    try:
        lock.acquire(timeout=0.5)
    except Timeout:
        notify(f"waiting for another newsdesk process that is writing to this index ({handle.lock_path}) ...")
        lock.acquire()
    return lock


def load_all(paths: Iterable[Path | str], report: IngestReport, strict: bool = False) -> Iterator[Article]:
    for path in paths:
        for item in iter_articles(Path(path)):
            if isinstance(item, LoadFailure):
                report.failures.append(item)
                if strict:
                    raise SourceError(f"{item.where}: {item.reason}")
                continue
            yield item


def ingest(
    paths: Iterable[Path | str],
    handle: IndexHandle,
    *,
    strict: bool = False,
    progress: bool = False,
    notify: Callable[[str], None] = lambda _msg: None,
    articles: Iterable[Article] | None = None,
) -> IngestReport:
    """Index every article under `paths` (or the given `articles`); unchanged ones are skipped unembedded."""
    report = IngestReport()
    started = time.perf_counter()
    lock = _lock(handle, notify)
    try:
        repaired = reconcile(handle)
        source = articles if articles is not None else load_all(paths, report, strict)
        todo: list[Article] = []
        seen: set[str] = set()
        for article in source:
            if article.id in seen:
                continue
            seen.add(article.id)
            previous = handle.manifest.hash_of(article.id)
            if previous == content_hash(article):
                report.unchanged.append(article.id)
                continue
            (report.updated if previous else report.added).append(article.id)
            todo.append(article)
        report.chunks = _write(todo, handle, progress)
        if todo or repaired or not handle.bm25_dir.exists():
            handle.refresh_bm25()
        handle.manifest.set_meta("last_ingest", time.strftime("%Y-%m-%dT%H:%M:%S"))
    finally:
        lock.release()
    report.seconds = time.perf_counter() - started
    return report


def _write(articles: list[Article], handle: IndexHandle, progress: bool) -> int:
    if not articles:
        return 0
    embedder = handle.embedder
    max_tokens = min(handle.settings.chunk.max_tokens, embedder.max_tokens)
    written = 0
    bar = _progress(progress, len(articles))
    try:
        for start in range(0, len(articles), 64):
            group = articles[start : start + 64]
            chunked = [chunk_article(a, max_tokens, embedder.count_tokens_batch) for a in group]
            flat: list[Chunk] = [c for chunks in chunked for c in chunks]
            vectors = _embed(embedder, flat)
            # Order matters for crash safety: pending -> old chunks gone -> new chunks in -> done.
            for article in group:
                handle.manifest.begin(article, content_hash(article))
            handle.store.delete_articles([a.id for a in group])
            handle.store.upsert(flat, vectors)
            handle.manifest.finish([a.id for a in group], [len(c) for c in chunked])
            written += len(flat)
            if bar is not None:
                bar[0].update(bar[1], advance=len(group))
    finally:
        if bar is not None:
            bar[0].stop()
    return written


def _embed(embedder: object, chunks: list[Chunk]) -> np.ndarray:
    texts = [embedding_text(c.title, c.text) for c in chunks]
    parts = [embedder.encode(texts[i : i + _EMBED_GROUP]) for i in range(0, len(texts), _EMBED_GROUP)]
    return np.concatenate(parts) if parts else np.zeros((0, 1), dtype=np.float32)


def _progress(enabled: bool, total: int):  # noqa: ANN202 - (Progress, TaskID) or None
    if not enabled:
        return None
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    bar = Progress(TextColumn("indexing"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                   transient=False)
    bar.start()
    return bar, bar.add_task("indexing", total=total)
