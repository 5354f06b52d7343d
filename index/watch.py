"""Watching sources: feeds and pages re-read on a schedule, only what changed fetched and indexed.

Per source, every `every` seconds (`newsdesk watch`, `newsdesk serve --watch`):
- a URL is fetched with a conditional GET (the ETag and Last-Modified of its last good answer): 304 costs
  nothing more; a feed's entries that were indexed before with the same fingerprint (dates, title, summary,
  content, link) are skipped before their pages are fetched; the rest goes through the usual ingest;
- a file or folder goes through the usual (incremental) ingest;
- a failure (HTTP error, timeout, a broken feed, a store error) is counted, and the source is checked again
  after a doubling delay (2x, 4x ... `every`, at most NEWSDESK_WATCH_MAX_BACKOFF); one failing source never
  stops the others;
- health (last checked, last new article, consecutive errors, next check) is kept in index/feedstate.py.
`stop` (SIGTERM, Ctrl-C) is honoured between sources, between feed entries and between write groups; validators
and fingerprints are saved only for what was written, so a stopped check is redone in full next time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from core.errors import NewsdeskError
from core.types import Article
from index.feeds import LoadNote, parse_feed
from index.feedstate import FeedState
from index.fetch import Fetcher, NotModified, article_from_page, is_web_url
from index.handle import IndexHandle
from index.ingest import IngestReport, ingest
from index.loaders import LoadFailure

Item = Article | LoadFailure | LoadNote


def backoff(every: float, errors: int, cap: float) -> float:
    """Seconds from a check to the next one after `errors` consecutive failures: doubling, at most `cap`."""
    if errors <= 0:
        return every
    return min(every * 2.0 ** min(errors, 32), max(every, cap))


def read_url_list(path: Path) -> list[str]:
    """The URLs of a `--urls` file: one a line, blank lines and `# comments` skipped."""
    lines = Path(path).read_text(encoding="utf-8", errors="replace").splitlines()
    return [s for line in lines if (s := line.strip()) and not s.startswith("#")]


@dataclass
class CheckResult:
    source: str
    outcome: str
    """"new", "unchanged", "not modified", "failed" or "stopped"."""
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    error: str = ""
    next_in: float = 0.0

    def line(self) -> str:
        if self.outcome == "failed":
            return f"{self.source}: failed ({self.error}); next check in {self.next_in:.0f}s"
        counts = f": {len(self.added)} new, {len(self.updated)} updated" if self.added or self.updated else ""
        return f"{self.source}: {self.outcome}{counts}"


class Watcher:
    """Checks `sources` (URLs, files, folders) into `handle`'s index. `clock` is injectable for tests."""

    def __init__(self, handle: IndexHandle, sources: Sequence[str], every: float | None = None, *,
                 stop: threading.Event | None = None, clock: Callable[[], float] = time.time,
                 notify: Callable[[str], None] = lambda _msg: None) -> None:
        every = handle.settings.watch.every if every is None else every
        if every <= 0:
            raise ValueError(f"every must be positive, got {every}")
        self.handle = handle
        self.sources = list(dict.fromkeys(sources))
        self.every = float(every)
        self.max_backoff = handle.settings.watch.max_backoff
        self.stop = stop or threading.Event()
        self.clock = clock
        self.notify = notify

    def due_at(self, state: FeedState) -> float:
        if state.last_checked is None:
            return 0.0
        return state.last_checked + backoff(self.every, state.errors, self.max_backoff)

    def run_once(self, force: bool = False) -> list[CheckResult]:
        """Check every source that is due (all of them with `force`)."""
        results = []
        for source in self.sources:
            if self.stop.is_set():
                break
            if force or self.due_at(self.handle.feeds.get(source)) <= self.clock():
                results.append(self.check(source))
                self.notify(results[-1].line())
        return results

    def run(self) -> None:
        """Check sources as they fall due until `stop` is set."""
        while not self.stop.is_set():
            self.run_once()
            next_due = min((self.due_at(self.handle.feeds.get(s)) for s in self.sources), default=self.clock())
            self.stop.wait(max(0.2, next_due - self.clock()))

    def check(self, source: str) -> CheckResult:
        feeds = self.handle.feeds
        state = feeds.get(source)
        now = self.clock()
        try:
            result = self._check_url(source, state) if is_web_url(source) else self._check_path(source)
        except NewsdeskError as exc:
            result = CheckResult(source, "failed", error=str(exc))
        except Exception as exc:  # a bug or an odd server must cost this source one check, not the watcher
            result = CheckResult(source, "failed", error=f"{type(exc).__name__}: {exc}")
        state.last_checked = now
        if result.outcome == "failed":
            state.errors += 1
            state.last_error = result.error
        elif result.outcome != "stopped":
            state.errors, state.last_error, state.last_success = 0, "", now
        if result.added:
            state.last_new = now
            state.added += len(result.added)
        result.next_in = backoff(self.every, state.errors, self.max_backoff)
        state.next_check = now + result.next_in
        feeds.save(state)
        return result

    def _check_url(self, url: str, state: FeedState) -> CheckResult:
        with Fetcher(self.handle.settings.fetch) as fetcher:
            got = fetcher.get(url, etag=state.etag, last_modified=state.last_modified)
            if isinstance(got, NotModified):
                return CheckResult(url, "not modified")
            if isinstance(got, LoadFailure):
                return CheckResult(url, "failed", error=got.reason)
            known = self.handle.feeds.fingerprints(url)
            seen: dict[str, str] = {}

            def skip(article_id: str, fingerprint: str) -> bool:
                seen[article_id] = fingerprint
                return known.get(article_id) == fingerprint

            items: Iterable[Item] = (parse_feed(got.body, url, fetcher, skip=skip) if got.kind == "feed"
                                     else [article_from_page(got, url)])
            report = ingest([], self.handle, items=self._until_stopped(items), stop=self.stop)
        written = _written(report)
        self.handle.feeds.remember(url, {a: f for a, f in seen.items() if a in written})
        if self.stop.is_set():
            return _result(url, report, "stopped")
        if _nothing_read(report):
            return CheckResult(url, "failed", error="; ".join(f.reason for f in report.failures[:3]))
        # Saved only now: a check that did not get everything in must not be answered 304 next time.
        state.etag, state.last_modified = got.etag, got.last_modified
        return _result(url, report)

    def _check_path(self, path: str) -> CheckResult:
        report = ingest([path], self.handle, stop=self.stop)
        if self.stop.is_set():
            return _result(path, report, "stopped")
        if _nothing_read(report):
            return CheckResult(path, "failed", error="; ".join(f.reason for f in report.failures[:3]))
        return _result(path, report)

    def _until_stopped(self, items: Iterable[Item]) -> Iterator[Item]:
        for item in items:
            if self.stop.is_set():
                return
            yield item


def _written(report: IngestReport) -> set[str]:
    done = {*report.added, *report.updated, *report.unchanged, *(d for d, _ in report.duplicates)}
    # A summary indexed for want of its page is tried again next time; what a stop left out is too.
    return done - report.summary_only - set(report.stopped)


def _nothing_read(report: IngestReport) -> bool:
    return bool(report.failures) and not (report.added or report.updated or report.unchanged or report.duplicates)


def _result(source: str, report: IngestReport, outcome: str | None = None) -> CheckResult:
    added = [a for a in report.added if a not in report.stopped]
    updated = [a for a in report.updated if a not in report.stopped]
    return CheckResult(source, outcome or ("new" if added or updated else "unchanged"), added, updated)
