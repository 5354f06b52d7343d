"""The write path of an ingest: chunk -> embed -> store, bracketed by manifest rows so a crash can be repaired.

Order per group of articles: manifest rows `pending` -> their old chunks deleted (store and lexical index) ->
new chunks upserted -> lexical index committed -> rows `done`. A near-duplicate gets a row and no chunks; the
article it collapsed into gets its source and URL in its chunks' metadata. A promotion (a near-duplicate whose
article was removed, now indexed itself) skips the `pending` step: its row must survive a crash, so a `promote`
work row is written instead, and `reconcile` deletes the chunks of a promotion that did not finish.

Chunking and embedding happen outside the index's write lock; each group's writes hold it, so questions asked
meanwhile wait for at most one group and see the index before or after it. `stop` (set by SIGTERM or Ctrl-C in
`newsdesk watch` and `serve --watch`) is checked between groups: what was not written is written next time.
"""

from __future__ import annotations

import os
import signal
import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from core.types import Article, Chunk
from index.chunking import chunk_article, embedding_text
from index.dedup import DedupIndex, from_bytes, signature, to_bytes
from index.handle import IndexHandle
from index.reconcile import aliases, sync_aliases

# Test hook: "STAGE:N" kills this process with SIGKILL the Nth time STAGE is reached (see tests/test_crash.py).
CRASH_ENV = "NEWSDESK_TEST_CRASH_AFTER"
_GROUP = 64
_EMBED_GROUP = 256
_reached: Counter[str] = Counter()


@dataclass
class Item:
    """An article on its way into the index: written (canonical None) or recorded as a near-duplicate."""

    article: Article
    digest: str
    signature: np.ndarray | None = None
    canonical: str | None = None
    promotion: bool = False


def crash_point(stage: str) -> None:
    spec = os.environ.get(CRASH_ENV, "")
    name, _, count = spec.partition(":")
    if not spec or name != stage:
        return
    _reached[stage] += 1
    if _reached[stage] >= int(count or 1):
        os.kill(os.getpid(), signal.SIGKILL)


def write_articles(items: list[Item], handle: IndexHandle, progress: bool = False,
                   stop: threading.Event | None = None) -> int:
    """Chunk, embed and store these articles; the number of chunks written."""
    if not items:
        return 0
    embedder = handle.embedder
    max_tokens = min(handle.settings.chunk.max_tokens, embedder.max_tokens)
    manifest, store, lexical = handle.manifest, handle.store, handle.lexical()
    written = 0
    bar = _progress(progress, len(items))
    try:
        for group, chunked in _chunked_groups(items, max_tokens, embedder):
            if stop is not None and stop.is_set():
                break
            flat: list[Chunk] = [c for chunks in chunked for c in chunks]
            vectors = _embed(embedder, flat)
            ids = [i.article.id for i in group]
            fresh = [i for i in group if not i.promotion]
            with handle.writing():
                manifest.begin_many([(i.article, i.digest, _sig_bytes(i), None) for i in fresh])
                manifest.add_work("promote", [i.article.id for i in group if i.promotion])
                crash_point("pending")
                store.delete_articles(ids)
                lexical.delete_articles(ids)
                crash_point("delete")
                copies = manifest.duplicates_of(ids)
                extra = {i.article.id: aliases({"source": i.article.source, "url": i.article.url},
                                               copies.get(i.article.id, [])) for i in group}
                store.upsert(flat, vectors, extra)  # type: ignore[call-arg]
                crash_point("upsert")
                lexical.add(flat)
                lexical.commit()
                crash_point("lexical")
                manifest.finish(ids, [len(c) for c in chunked])
                crash_point("done")
            written += len(flat)
            if bar is not None:
                bar[0].update(bar[1], advance=len(group))
    except BaseException:
        lexical.rollback()  # nothing half-added stays buffered for the next commit
        raise
    finally:
        if bar is not None:
            bar[0].stop()
    return written


def _chunked_groups(items: list[Item], max_tokens: int, embedder: object
                    ) -> Iterator[tuple[list[Item], list[list[Chunk]]]]:
    """Groups of items with their chunks; the next group is chunked in a thread while this one is embedded.

    Chunking has no side effects, so working ahead changes nothing about the order of the writes.
    """
    groups = [items[start : start + _GROUP] for start in range(0, len(items), _GROUP)]

    def chunk(group: list[Item]) -> list[list[Chunk]]:
        return [chunk_article(i.article, max_tokens, embedder.count_tokens_batch) for i in group]  # type: ignore[attr-defined]

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="newsdesk-chunk") as pool:
        ahead = pool.submit(chunk, groups[0])
        for k, group in enumerate(groups):
            chunked = ahead.result()
            if k + 1 < len(groups):
                ahead = pool.submit(chunk, groups[k + 1])
            yield group, chunked


def write_duplicates(items: list[Item], handle: IndexHandle) -> None:
    """Record near-duplicates; an article that was indexed before and is now a copy loses its chunks."""
    if not items:
        return
    manifest = handle.manifest
    ids = [i.article.id for i in items]
    before = manifest.states(ids)
    was_indexed = [a for a, row in before.items() if row["state"] == "done" and row["canonical"] is None]
    with handle.writing():
        manifest.begin_many([(i.article, i.digest, _sig_bytes(i), i.canonical) for i in items])
        crash_point("pending")
        if was_indexed:
            handle.store.delete_articles(was_indexed)
            lexical = handle.lexical()
            lexical.delete_articles(was_indexed)
            lexical.commit()
        manifest.finish_duplicates(ids)
        crash_point("duplicates")
    sync_aliases(handle, {i.canonical for i in items if i.canonical})


def promote_orphans(handle: IndexHandle, dedup: DedupIndex | None, progress: bool = False,
                    stop: threading.Event | None = None) -> tuple[list[str], int]:
    """Index near-duplicates whose article was removed (or collapse them into another); (promoted ids, chunks)."""
    manifest = handle.manifest
    orphans = manifest.orphans()
    if not orphans:
        return [], 0
    items: list[Item] = []
    regrouped: set[str] = set()
    for row in orphans:
        article = Article.model_validate_json(row["article"])
        sig = from_bytes(row["signature"]) if row["signature"] else signature(article.text)
        match = dedup.match(sig, exclude=article.id) if dedup is not None else None
        if match is not None:
            manifest.set_canonical(article.id, match[0])
            regrouped.add(match[0])
            continue
        if dedup is not None:
            dedup.add(article.id, sig)
        items.append(Item(article, row["hash"], sig, promotion=True))
    chunks = write_articles(items, handle, progress, stop)
    sync_aliases(handle, regrouped)
    return [i.article.id for i in items], chunks


def _sig_bytes(item: Item) -> bytes | None:
    return to_bytes(item.signature) if item.signature is not None else None


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
