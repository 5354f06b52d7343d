"""Removing articles by id, source or date: crash-safe, and a removed article's near-duplicate takes its place."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from index.handle import IndexHandle
from index.ingest import dedup_index
from index.reconcile import drop, reconcile, sync_aliases
from index.write import promote_orphans


@dataclass
class RemoveReport:
    removed: list[str] = field(default_factory=list)
    """Ids removed (or, with dry_run, that would be), near-duplicates included."""
    unknown: list[str] = field(default_factory=list)
    """Requested ids that are not in the index."""
    chunks: int = 0
    promoted: list[str] = field(default_factory=list)
    """Near-duplicates of removed articles, now indexed themselves."""
    dry_run: bool = False
    seconds: float = 0.0

    def summary(self) -> str:
        verb = "would remove" if self.dry_run else "removed"
        text = f"{verb} {len(self.removed)} articles ({self.chunks} chunks)"
        if self.promoted:
            text += f"; {len(self.promoted)} near-duplicates of them indexed in their place"
        return text + f" in {self.seconds:.1f}s"

    def to_json(self) -> dict:
        return {"removed": self.removed, "unknown": self.unknown, "chunks": self.chunks,
                "promoted": self.promoted, "dry_run": self.dry_run, "seconds": round(self.seconds, 3)}


def remove(
    handle: IndexHandle,
    *,
    ids: Iterable[str] = (),
    sources: Iterable[str] = (),
    before: str | None = None,
    dry_run: bool = False,
    progress: bool = False,
    notify: Callable[[str], None] = lambda _msg: None,
) -> RemoveReport:
    """Remove the articles matching every given criterion (see `Manifest.select`); `before` is an ISO date."""
    started = time.perf_counter()
    ids, sources = list(ids), list(sources)
    if not (ids or sources or before):
        raise ValueError("remove() needs ids, sources or a before date")
    report = RemoveReport(dry_run=dry_run)
    with handle.ingest_lock(notify):
        reconcile(handle)
        manifest = handle.manifest
        report.removed = manifest.select(ids, sources, before)
        report.unknown = sorted(set(ids) - {r for r in ids if manifest.get(r) is not None})
        rows = manifest.states(report.removed)
        report.chunks = sum(r["chunks"] for r in rows.values() if r["canonical"] is None)
        if not dry_run and report.removed:
            sync_aliases(handle, drop(handle, report.removed))
            # Built after the drop: a removed article must not absorb its own near-duplicates again.
            report.promoted, _ = promote_orphans(handle, dedup_index(handle), progress)
    report.seconds = time.perf_counter() - started
    return report
