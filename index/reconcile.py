"""Keep the manifest and the store in step: repair what an interrupted write left, and keep derived metadata current.

Every write to the store is bracketed by manifest rows (`pending` before, `done` after), so on start:
- a `pending` row means its store state is unknown: its chunks are deleted, then the row (the next ingest that
  reads the article writes it again; a removal that was interrupted is finished this way);
- chunks of a near-duplicate are left from an interrupted promotion: deleted (the promotion is redone);
- an indexed article whose chunks are gone from the store (a wiped server) loses its row, to be written again;
- chunks no row vouches for (a lost manifest) are adopted, not deleted: a shared Chroma server may hold them;
- `sources`/`urls`/`duplicate_ids` on an article's chunks are derived from its duplicates' rows: rewritten
  when they differ.
The BM25 twin is marked stale before any chunk changes, and rebuilt from the store by whoever clears the mark.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from index.dedup import signature, to_bytes
from index.handle import BM25_STALE, IndexHandle

ALIAS_KEYS = ("sources", "urls", "duplicate_ids")


def aliases(row: dict[str, Any], duplicates: list[dict[str, Any]]) -> dict[str, list[str] | None]:
    """Chunk metadata of an article that near-duplicates collapsed into: every source and URL, its copies' ids.

    Lists (Chroma filters them with `$contains`), the article's own first; None (no key) when empty.
    """
    sources = [s for s in dict.fromkeys([row.get("source") or "", *(d.get("source") or "" for d in duplicates)]) if s]
    urls = [u for u in dict.fromkeys([row.get("url") or "", *(d.get("url") or "" for d in duplicates)]) if u]
    ids = [d["id"] for d in duplicates]
    return {"sources": sources or None, "urls": urls or None, "duplicate_ids": ids or None}


def mark_stale(handle: IndexHandle) -> None:
    if handle.manifest.get_meta(BM25_STALE) is None:
        handle.manifest.set_meta(BM25_STALE, "1")


def refresh_bm25_if_stale(handle: IndexHandle, force: bool = False) -> bool:
    if force or handle.manifest.get_meta(BM25_STALE) is not None or not handle.bm25_dir.exists():
        handle.refresh_bm25()
        handle.manifest.delete_meta(BM25_STALE)
        return True
    return False


def sync_aliases(handle: IndexHandle, canonical_ids: Iterable[str]) -> None:
    """Rewrite the alias metadata of these indexed articles from the manifest."""
    ids = sorted(set(canonical_ids))
    done = handle.manifest.done()
    duplicates = handle.manifest.duplicates_of(ids)
    for article_id in ids:
        row = handle.manifest.get(article_id)
        if row is not None and article_id in done:
            handle.store.update_article_metadata(article_id, aliases(row, duplicates.get(article_id, [])))


def drop(handle: IndexHandle, article_ids: Iterable[str]) -> list[str]:
    """Remove articles (indexed or near-duplicates) from store and manifest, crash-safely.

    Returns the indexed articles that lost a near-duplicate. The near-duplicates of a dropped article stay,
    as orphans that the caller indexes in their own right (`index.ingest.promote_orphans`).
    """
    ids = sorted(set(article_ids))
    if not ids:
        return []
    manifest = handle.manifest
    rows = [r for r in (manifest.get(i) for i in ids) if r is not None]
    # Pending first: if we die halfway, the next start finishes the removal.
    manifest.mark_pending([r["id"] for r in rows])
    indexed = [r["id"] for r in rows if r["canonical"] is None]
    if indexed:
        mark_stale(handle)
        handle.store.delete_articles(indexed)
    manifest.remove([r["id"] for r in rows])
    return sorted({r["canonical"] for r in rows if r["canonical"]} - set(ids))


def reconcile(handle: IndexHandle) -> int:
    """Repair manifest and store after an interruption (see the module docstring); the number of repairs."""
    manifest, store = handle.manifest, handle.store
    touched: set[str] = set()
    pending = manifest.pending()
    if pending:
        mark_stale(handle)
        # The store first: dying here leaves the rows pending and the next start does this again.
        store.delete_articles([r["id"] for r in pending])
        touched |= {r["canonical"] for r in pending if r["canonical"]}
        manifest.remove([r["id"] for r in pending])
    rows = {r["id"]: r for r in manifest.all_rows()}
    copies: dict[str, list[dict[str, Any]]] = {}
    for row in rows.values():
        if row["canonical"]:
            copies.setdefault(row["canonical"], []).append(row)
    stray: list[str] = []
    lost: list[str] = []
    adopt: list[dict[str, Any]] = []
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
        mark_stale(handle)
        store.delete_articles(stray + lost)
        manifest.remove(lost)
    if adopt:
        mark_stale(handle)
        manifest.adopt(adopt)
    sync_aliases(handle, touched - set(lost))
    return len(pending) + len(stray) + len(lost) + len(adopt) + len(touched)


def _adopted(handle: IndexHandle, article_id: str, chunks: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    meta = min(chunks, key=lambda c: int(c[1].get("position", 0)))[1]
    text = handle.store.article_text(article_id)
    return {"id": article_id, "title": str(meta.get("title", "")), "source": str(meta.get("source", "")),
            "published": str(meta.get("published") or "") or None, "url": str(meta.get("url") or "") or None,
            "chunks": len(chunks), "signature": to_bytes(signature(text)) if text else None}
