"""Ingestion: read sources -> skip unchanged -> collapse near-duplicates -> write, crash-safe and incremental.

One ingest holds the index lock and runs: reconcile (repair whatever an interrupted run left) -> read every
input, deciding per article: unchanged (skipped, nothing embedded), near-duplicate of an indexed article
(recorded, not embedded) or to be written -> prune (with --prune) -> write -> index the near-duplicates whose
article is gone. See index/write.py for the order of the writes, and index/reconcile.py for the repairs.
"""

from __future__ import annotations

import os
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from core.errors import SourceError
from core.settings import FetchSettings
from core.types import Article
from index.dedup import DedupIndex, signature
from index.dedup_store import StoredDedupIndex
from index.feeds import LoadNote
from index.handle import IndexHandle
from index.loaders import LoadFailure
from index.manifest import content_hash
from index.outcomes import SkippedFile
from index.reconcile import drop, reconcile, sync_aliases
from index.sources import absolute, is_web_url, iter_sources, origin_file
from index.write import Item, promote_orphans, write_articles, write_duplicates


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    duplicates: list[tuple[str, str]] = field(default_factory=list)
    """(near-duplicate id, id of the indexed article it collapsed into)"""
    removed: list[str] = field(default_factory=list)
    promoted: list[str] = field(default_factory=list)
    failures: list[LoadFailure] = field(default_factory=list)
    notes: list[LoadNote] = field(default_factory=list)
    summary_only: set[str] = field(default_factory=set)
    """ids of feed entries read without their page (see `notes`)"""
    skipped: list[SkippedFile] = field(default_factory=list)
    """files of a folder that no reader takes, summed up by type (see `skipped_summary`)"""
    stopped: list[str] = field(default_factory=list)
    """ids not written because the ingest was asked to stop (written by the next one)"""
    repaired: int = 0
    chunks: int = 0
    seconds: float = 0.0
    longest_write: float = 0.0
    """Longest hold of the index's write lock, in seconds: the most a question asked meanwhile waited."""

    @property
    def ok(self) -> bool:
        return not self.failures

    def summary(self) -> str:
        extra = "".join(f", {n} {what}" for n, what in ((len(self.removed), "removed"),
                                                        (len(self.promoted), "promoted"),
                                                        (self.repaired, "repaired")) if n)
        return (f"{len(self.added)} added, {len(self.updated)} updated, {len(self.unchanged)} unchanged, "
                f"{len(self.duplicates)} near-duplicates, {len(self.failures)} failed{extra}; "
                f"{self.chunks} chunks written in {self.seconds:.1f}s")

    def failure_summary(self) -> str:
        """The failures counted by reason, most common first: "2 HTTP 404 Not Found, 1 invalid JSON"."""
        reasons = Counter(f.reason.split(":")[0].split(" (")[0] for f in self.failures)
        return ", ".join(f"{n} {reason}" for reason, n in reasons.most_common())

    def skipped_summary(self) -> str:
        """The skipped files counted by type, most common first: ".png 2, .xlsx 1"."""
        return ", ".join(f"{kind} {n}" for kind, n in Counter(s.kind for s in self.skipped).most_common())

    @property
    def read_nothing(self) -> bool:
        """No article came out of the inputs, and the run removed none either: nothing was readable."""
        return not (self.added or self.updated or self.unchanged or self.duplicates or self.removed)

    def to_json(self) -> dict:
        return {
            "added": self.added, "updated": self.updated, "unchanged": self.unchanged,
            "duplicates": [{"id": d, "canonical": c} for d, c in self.duplicates],
            "removed": self.removed, "promoted": self.promoted,
            "failed": [{"where": f.where, "reason": f.reason} for f in self.failures],
            "notes": [{"where": n.where, "note": n.message} for n in self.notes],
            "skipped_files": [{"where": s.where, "type": s.kind} for s in self.skipped],
            "chunks": self.chunks, "seconds": round(self.seconds, 3), "longest_write_s": round(self.longest_write, 3),
        }


def load_all(paths: Iterable[Path | str], report: IngestReport, strict: bool = False,
             fetch: FetchSettings | None = None, url_lists: Iterable[Path | str] = ()) -> Iterator[Article]:
    """The articles of every input; failures and notes go to `report` (`strict`: the first failure raises)."""
    return collect(iter_sources(paths, fetch or FetchSettings(), url_lists), report, strict)


def collect(items: Iterable[Article | LoadFailure | LoadNote], report: IngestReport,
            strict: bool = False) -> Iterator[Article]:
    """The articles among `items`; failures and notes go to `report` (`strict`: the first failure raises)."""
    for item in items:
        if isinstance(item, LoadFailure):
            report.failures.append(item)
            if strict:
                raise SourceError(f"{item.where}: {item.reason}")
        elif isinstance(item, SkippedFile):
            report.skipped.append(item)
        elif isinstance(item, LoadNote):
            report.notes.append(item)
            if item.article_id:
                report.summary_only.add(item.article_id)
        else:
            yield item


def dedup_index(handle: IndexHandle) -> DedupIndex | None:
    settings = handle.settings.dedup
    return StoredDedupIndex(settings.threshold, handle.manifest) if settings.enabled else None


def ingest(
    paths: Iterable[Path | str],
    handle: IndexHandle,
    *,
    strict: bool = False,
    progress: bool = False,
    notify: Callable[[str], None] = lambda _msg: None,
    articles: Iterable[Article] | None = None,
    items: Iterable[Article | LoadFailure | LoadNote] | None = None,
    url_lists: Iterable[Path | str] = (),
    prune: Iterable[Path | str] = (),
    stop: threading.Event | None = None,
) -> IngestReport:
    """Index every article of `paths` (files, folders, feeds, URLs) and `url_lists`, or the given `articles`, or
    the articles, failures and notes of `items` (what a feed check read).

    `prune` folders are read too, and then their articles whose files are gone are removed. `stop` ends the
    writing between two write groups; what was not written is written by the next ingest.
    """
    report = IngestReport()
    started = time.perf_counter()
    specs = list(paths)
    prune_dirs = [absolute(p) for p in prune]
    given = {absolute(p) for p in specs if not is_web_url(os.fspath(p))}
    specs += [d for d in prune_dirs if d not in given]
    with handle.ingest_lock(notify):
        handle.rw.longest_write = 0.0
        report.repaired = reconcile(handle)
        dedup = dedup_index(handle)
        if articles is not None:
            source: Iterable[Article] = articles
        elif items is not None:
            source = collect(items, report, strict)
        else:
            source = load_all(specs, report, strict, handle.settings.fetch, url_lists)
        planned, seen, regrouped = _plan(source, handle, dedup, report, strict)
        if prune_dirs:
            report.removed = _prune(handle, dedup, prune_dirs, seen, report.failures)
        fresh = [i for i in planned if i.canonical is None]
        report.chunks = write_articles(fresh, handle, progress, stop)
        if stop is not None and stop.is_set():
            report.stopped = [i.article.id for i in fresh if handle.manifest.hash_of(i.article.id) != i.digest]
        write_duplicates([i for i in planned if i.canonical is not None], handle)
        sync_aliases(handle, regrouped)
        report.promoted, promoted_chunks = promote_orphans(handle, dedup, progress, stop)
        report.chunks += promoted_chunks
        handle.manifest.set_meta("last_ingest", time.strftime("%Y-%m-%dT%H:%M:%S"))
        report.longest_write = handle.rw.longest_write
    report.seconds = time.perf_counter() - started
    return report


def _plan(source: Iterable[Article], handle: IndexHandle, dedup: DedupIndex | None, report: IngestReport,
          strict: bool) -> tuple[list[Item], dict[str, tuple[str, str]], set[str]]:
    """What to do with each article read: the work items, id -> (hash, origin) of everything read, and the
    indexed articles that a changed near-duplicate of theirs may leave."""
    manifest = handle.manifest
    items: list[Item] = []
    seen: dict[str, tuple[str, str]] = {}
    regrouped: set[str] = set()
    for article in source:
        digest = content_hash(article)
        if article.id in seen:
            # One id with two texts in one run: keeping either silently would lose the other unseen.
            first_digest, first_origin = seen[article.id]
            if digest != first_digest:
                _duplicate_id(report, article, first_origin, strict)
            continue
        seen[article.id] = (digest, article.origin)
        row = manifest.get(article.id)
        previous = row["hash"] if row else None
        # A feed entry whose page could not be fetched this time must not replace the full text indexed before.
        if previous == digest or (previous and article.id in report.summary_only):
            report.unchanged.append(article.id)
            continue
        if row and row["canonical"]:
            regrouped.add(row["canonical"])
        sig = signature(article.text)
        match = None
        if dedup is not None:
            dedup.remove(article.id)
            match = dedup.match(sig, exclude=article.id)
            if match is None:
                dedup.add(article.id, sig)
        if match is not None:
            items.append(Item(article, digest, sig, canonical=match[0]))
            report.duplicates.append((article.id, match[0]))
        else:
            items.append(Item(article, digest, sig))
            (report.updated if previous else report.added).append(article.id)
    return items, seen, regrouped


def _duplicate_id(report: IngestReport, article: Article, first_origin: str, strict: bool) -> None:
    failure = LoadFailure(article.origin or article.id,
                          f"duplicate id {article.id!r} with a different text than {first_origin}: kept the first")
    report.failures.append(failure)
    if strict:
        raise SourceError(f"{failure.where}: {failure.reason}")


def _prune(handle: IndexHandle, dedup: DedupIndex | None, folders: list[Path], seen: dict[str, tuple[str, str]],
           failures: list[LoadFailure]) -> list[str]:
    """Remove the articles from files under `folders` that were not read now: the file is gone, or was read
    and no longer holds them. Files that failed to load this time keep their articles."""
    read = {origin_file(origin) for _, origin in seen.values()}
    failed = {origin_file(f.where) for f in failures}
    roots = [str(f) for f in folders]
    gone = []
    for article_id, origin in handle.manifest.origins():
        path = origin_file(origin)
        if article_id in seen or not path or path in failed:
            continue
        if not any(path == r or path.startswith(r.rstrip(os.sep) + os.sep) for r in roots):
            continue
        if path in read or not os.path.exists(path):
            gone.append(article_id)
    lost_copies = drop(handle, gone)
    if dedup is not None:
        for article_id in gone:
            dedup.remove(article_id)
    sync_aliases(handle, lost_copies)
    return gone
