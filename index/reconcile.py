"""Keep the manifest, the store and the lexical index in step: repair what an interrupted write left.

Every write is announced in the manifest before it happens, in the same transaction as the change that needs
it, so a start reads only that announced work, never every row or chunk id:
- a `pending` row means its store state is unknown: its chunks are deleted (store and lexical index), then the
  row (the next ingest that reads the article writes it again; an interrupted removal is finished this way);
- a `promote` work row whose article is still a near-duplicate: a promotion that died; its chunks are deleted
  (the promotion is redone);
- an `aliases` work row: `sources`/`urls`/`duplicate_ids` of that article's chunks are rewritten from its
  near-duplicates' rows.
What newsdesk did not write is caught by counting, not by listing: when the store's chunk count is not the
manifest's (a wiped server, a lost manifest, chunks another machine wrote) every article is compared (`full`):
indexed articles whose chunks are gone lose their rows, chunks no row vouches for are adopted (a shared Chroma
server may hold them), chunks of a near-duplicate are deleted. When the lexical index's count is not the
store's, the ids of both are compared and the difference written.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from index.dedup import signature, to_bytes
from index.handle import IndexHandle

ALIAS_KEYS = ("sources", "urls", "duplicate_ids")


def aliases(row: dict[str, Any], duplicates: list[dict[str, Any]]) -> dict[str, list[str] | None]:
    """Chunk metadata of an article that near-duplicates collapsed into: every source and URL, its copies' ids.

    Lists (Chroma filters them with `$contains`), the article's own first; None (no key) when empty.
    """
    sources = [s for s in dict.fromkeys([row.get("source") or "", *(d.get("source") or "" for d in duplicates)]) if s]
    urls = [u for u in dict.fromkeys([row.get("url") or "", *(d.get("url") or "" for d in duplicates)]) if u]
    ids = [d["id"] for d in duplicates]
    return {"sources": sources or None, "urls": urls or None, "duplicate_ids": ids or None}


def sync_aliases(handle: IndexHandle, canonical_ids: Iterable[str]) -> None:
    """Rewrite the alias metadata of these indexed articles from the manifest, and clear their work rows."""
    ids = sorted(set(canonical_ids))
    if not ids:
        return
    rows = handle.manifest.states(ids)
    duplicates = handle.manifest.duplicates_of(ids)
    with handle.writing():
        for article_id in ids:
            row = rows.get(article_id)
            if row is not None and row["state"] == "done" and row["canonical"] is None:
                handle.store.update_article_metadata(article_id, aliases(row, duplicates.get(article_id, [])))
    handle.manifest.clear_work("aliases", ids)


def drop(handle: IndexHandle, article_ids: Iterable[str]) -> list[str]:
    """Remove articles (indexed or near-duplicates) from store, lexical index and manifest, crash-safely.

    Returns the indexed articles that lost a near-duplicate. The near-duplicates of a dropped article stay,
    as orphans that the caller indexes in their own right (`index.ingest.promote_orphans`).
    """
    ids = sorted(set(article_ids))
    if not ids:
        return []
    manifest = handle.manifest
    rows = list(manifest.states(ids).values())
    indexed = [r["id"] for r in rows if r["canonical"] is None]
    with handle.writing():
        # Pending first: if we die halfway, the next start finishes the removal.
        manifest.mark_pending([r["id"] for r in rows])
        if indexed:
            _delete(handle, indexed)
        manifest.remove([r["id"] for r in rows])
    return sorted({r["canonical"] for r in rows if r["canonical"]} - set(ids))


def _delete(handle: IndexHandle, article_ids: list[str]) -> None:
    """Delete these articles' chunks from the store and the lexical index (the caller holds the write lock)."""
    handle.store.delete_articles(article_ids)
    lexical = handle.lexical()
    lexical.delete_articles(article_ids)
    lexical.commit()


def reconcile(handle: IndexHandle, full: bool = False) -> int:
    """Repair manifest, store and lexical index after an interruption (see the module docstring); the number of
    repairs. `full` compares every article even when the counts agree."""
    manifest, store = handle.manifest, handle.store
    handle.lexical()  # opened (or built) before the write lock is taken
    repaired = 0
    pending = manifest.pending()
    promotions = manifest.work("promote")
    if pending or promotions:
        states = manifest.states(promotions)
        unfinished = [i for i in promotions if i in states and states[i]["canonical"]]
        with handle.writing():
            # The store first: dying here leaves the rows pending and the next start does this again.
            _delete(handle, [r["id"] for r in pending] + unfinished)
            manifest.remove([r["id"] for r in pending])
            manifest.clear_work("promote", promotions)
        repaired += len(pending) + len(unfinished)
    if full or manifest.counts()[1] != store.count():
        repaired += _compare_all(handle)
    aliases_due = manifest.work("aliases")
    sync_aliases(handle, aliases_due)
    repaired += _sync_lexical(handle)
    return repaired + len(aliases_due)


def _compare_all(handle: IndexHandle) -> int:
    """Every article of the store against the manifest: lost, stray, adopted chunks and alias drift."""
    manifest, store = handle.manifest, handle.store
    rows = {r["id"]: r for r in manifest.all_rows()}
    copies: dict[str, list[dict[str, Any]]] = {}
    for row in rows.values():
        if row["canonical"]:
            copies.setdefault(row["canonical"], []).append(row)
    stray: list[str] = []
    lost: list[str] = []
    adopt: list[dict[str, Any]] = []
    touched: set[str] = set()
    in_store = store.article_metadata()
    for article_id, chunks in in_store.items():
        row = rows.get(article_id)
        if row is None:
            adopt.append(_adopted(handle, article_id, chunks))
        elif row["canonical"]:
            stray.append(article_id)
        elif len(chunks) != row["chunks"]:
            lost.append(article_id)
        else:
            expected = aliases(row, copies.get(article_id, []))
            if any(meta.get(key) != expected[key] for _, meta in chunks for key in ALIAS_KEYS):
                touched.add(article_id)
    lost += [i for i, r in rows.items() if r["canonical"] is None and r["chunks"] > 0 and i not in in_store]
    if stray or lost:
        with handle.writing():
            _delete(handle, stray + lost)
            manifest.remove(lost)
    if adopt:
        manifest.adopt(adopt)
    manifest.add_work("aliases", touched - set(lost))
    return len(stray) + len(lost) + len(adopt) + len(touched)


def _sync_lexical(handle: IndexHandle) -> int:
    """Make the lexical index hold exactly the store's chunks when their counts differ; chunks written."""
    lexical, store = handle.lexical(), handle.store
    if len(lexical) == store.count():
        return 0
    in_store = set(store.chunk_ids())
    in_lexical = set(lexical.ids())
    missing, extra = sorted(in_store - in_lexical), sorted(in_lexical - in_store)
    with handle.writing():
        lexical.delete_chunks(extra)
        for start in range(0, len(missing), 2000):
            lexical.add(store.get(missing[start : start + 2000]))
        lexical.commit()
    return len(missing) + len(extra)


def _adopted(handle: IndexHandle, article_id: str, chunks: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    meta = min(chunks, key=lambda c: int(c[1].get("position", 0)))[1]
    text = handle.store.article_text(article_id)
    return {"id": article_id, "title": str(meta.get("title", "")), "source": str(meta.get("source", "")),
            "published": str(meta.get("published") or "") or None, "url": str(meta.get("url") or "") or None,
            "chunks": len(chunks), "signature": to_bytes(signature(text)) if text else None}
