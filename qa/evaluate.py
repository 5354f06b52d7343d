"""The offline evaluation runner: index a corpus into its own collection, ask every question, score the answers.

The corpus goes into a collection named from its content hash, so its index (and manifest) is shared by every
later run on the same corpus and a rerun embeds nothing; the user's own index is never touched.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.errors import SourceError
from core.settings import Settings
from core.types import Answer, Article, Filters
from index.handle import IndexHandle
from index.ingest import IngestReport
from index.loaders import LoadFailure
from index.walk import iter_articles
from qa.chain import Answerer, Turn
from qa.desk import Desk
from qa.evalset import EvalItem
from qa.metrics import RETRIEVAL_K, QuestionRecord, build_record, distinct_articles, summarise, summarise_by_type
from qa.retrieve import ranked_articles

COLLECTION_PREFIX = "eval-"
# What index.loaders reports for a record whose text cleans to nothing: content, not a malformed line.
EMPTY_ARTICLE = "empty article"


def corpus_digest(corpus: Path) -> str:
    """Content hash of a corpus file, or of every file (relative path and bytes) under a corpus folder."""
    corpus = Path(corpus)
    if not corpus.exists():
        raise SourceError(f"corpus {str(corpus)!r} does not exist: pass a .jsonl file (or folder) of articles")
    files = sorted(p for p in corpus.rglob("*") if p.is_file()) if corpus.is_dir() else [corpus]
    h = hashlib.sha256()
    for path in files:
        if corpus.is_dir():
            h.update(str(path.relative_to(corpus)).encode("utf-8") + b"\0")
        try:
            with path.open("rb") as f:
                for block in iter(lambda f=f: f.read(1 << 20), b""):
                    h.update(block)
        except OSError as exc:
            raise SourceError(f"{path}: cannot read the corpus ({exc.strerror or exc})") from exc
    return h.hexdigest()[:16]


def collection_for(corpus: Path) -> str:
    return f"{COLLECTION_PREFIX}{corpus_digest(corpus)}"


def open_eval_desk(settings: Settings, corpus: Path, embedder: Any = None, answerer: Answerer | None = None) -> Desk:
    """A Desk over the corpus's own collection under NEWSDESK_HOME (not yet indexed: see `index_corpus`)."""
    handle = IndexHandle(settings, embedder=embedder, collection=collection_for(corpus))
    return Desk(settings, handle=handle, answerer=answerer)


def load_corpus(
    corpus: Path, notify: Callable[[str], None] = lambda _m: None
) -> tuple[list[Article], list[LoadFailure]]:
    """Every article of the corpus, read before anything is embedded so a bad line fails the run at once.

    A malformed line is an error (a silently skipped article would skew every metric); a well-formed record
    whose text cleans to nothing ("Click here to view ...") is skipped with a notice, as `ingest` does.
    """
    articles: list[Article] = []
    skipped: list[LoadFailure] = []
    for item in iter_articles(Path(corpus)):
        if isinstance(item, Article):
            articles.append(item)
        elif not isinstance(item, LoadFailure):
            # A file of another type in a corpus folder, or a feed note: not a corpus record.
            notify(f"skipped {item.where}: not a corpus file")
        elif item.reason == EMPTY_ARTICLE:
            skipped.append(item)
            notify(f"skipped {item.where}: {item.reason}")
        else:
            raise SourceError(f"{item.where}: {item.reason} — fix or remove this corpus line")
    if not articles:
        raise SourceError(f"corpus {str(corpus)!r} holds no articles: pass a .jsonl of {{id, title, text, ...}}")
    return articles, skipped


def index_corpus(desk: Desk, corpus: Path, progress: bool = False,
                 notify: Callable[[str], None] = lambda _m: None) -> IngestReport:
    """Incremental ingest of the corpus: unchanged articles (all of them, on a rerun) are not embedded again."""
    articles, skipped = load_corpus(corpus, notify)
    report = desk.ingest([], articles=articles, progress=progress, notify=notify)
    report.failures.extend(skipped)
    return report


def canonical_gold(desk: Desk, items: Sequence[EvalItem]) -> tuple[list[EvalItem], dict[str, str]]:
    """Items whose gold articles that ingest collapsed as near-duplicates point at the article kept instead.

    Retrieval and citations can only ever name the kept (canonical) article of a syndicated story; scoring
    against the copy's id would count every right answer about it as a miss. Returns the items and the aliases used.
    """
    aliases = desk.handle.manifest.duplicates()
    used: dict[str, str] = {}
    out: list[EvalItem] = []
    for item in items:
        if any(g.article_id in aliases for g in item.gold):
            used.update({g.article_id: aliases[g.article_id] for g in item.gold if g.article_id in aliases})
            gold = [g.model_copy(update={"article_id": aliases.get(g.article_id, g.article_id)}) for g in item.gold]
            item = item.model_copy(update={"gold": gold})
        out.append(item)
    return out, used


def missing_gold(desk: Desk, items: Sequence[EvalItem]) -> list[str]:
    """Gold article ids the index does not hold: such questions can never score a retrieval hit."""
    indexed = set(desk.handle.manifest.done())
    return sorted({a for item in items for a in item.gold_article_ids} - indexed)


def article_ranking(desk: Desk, answer: Answer, depth: int) -> list[str]:
    """Distinct articles, the answer's own passages first, deepened with the same retriever to `depth` articles.

    The answerer sees only a few passages, often fewer than `depth` articles. The deeper retrieval uses the
    answer's own query and filters (a rewritten follow-up, constraints parsed from the question) and starts at
    fetch_k passages, so its fusion is the one the answer came from and the answer's ranking stays a prefix.
    """
    ranked = ranked_articles(answer.passages)
    if len(ranked) >= depth:
        return ranked
    total = desk.handle.store.count()
    k = max(desk.retriever.settings.fetch_k, depth)
    while True:
        deeper = desk.retriever.retrieve(answer.query or answer.question, answer.filters, k=k)
        ranked = distinct_articles(ranked + ranked_articles(deeper))
        if len(ranked) >= depth or k >= total:
            return ranked
        k *= 2


def ask_item(desk: Desk, item: EvalItem, k: int = RETRIEVAL_K, filters: Filters | None = None,
             passages: int | None = None) -> QuestionRecord:
    """Ask one question with its history (timed: the ask only), then score it."""
    history = [Turn(question=t.question, answer=t.answer) for t in item.history]
    started = time.perf_counter()
    answer = desk.ask(item.question, history=history, filters=filters, k=passages)
    latency_ms = (time.perf_counter() - started) * 1000
    ranking = article_ranking(desk, answer, max(k, RETRIEVAL_K))
    return build_record(item, answer, round(latency_ms, 3), retrieved=ranking, k=k)


@dataclass
class EvalRun:
    records: list[QuestionRecord]
    ingest: IngestReport
    collection: str
    missing_gold: list[str] = field(default_factory=list)
    gold_aliases: dict[str, str] = field(default_factory=dict)
    answerer: str = ""

    @property
    def summary(self) -> dict[str, float | int | None]:
        return summarise(self.records)

    @property
    def by_type(self) -> dict[str, dict[str, float | int | None]]:
        return summarise_by_type(self.records)


def ingest_counts(report: IngestReport) -> dict[str, Any]:
    return {"added": len(report.added), "updated": len(report.updated), "unchanged": len(report.unchanged),
            "duplicates": len(report.duplicates), "skipped": len(report.failures), "chunks": report.chunks,
            "seconds": round(report.seconds, 3)}


def run_eval(
    items: Sequence[EvalItem],
    corpus: Path,
    settings: Settings,
    *,
    k: int = RETRIEVAL_K,
    filters: Filters | None = None,
    passages: int | None = None,
    embedder: Any = None,
    answerer: Answerer | None = None,
    progress: bool = False,
    notify: Callable[[str], None] = lambda _m: None,
    on_indexed: Callable[[IngestReport], None] = lambda _r: None,
    on_record: Callable[[QuestionRecord], None] = lambda _r: None,
) -> EvalRun:
    """Index the corpus (incrementally), then ask and score every item in order."""
    if k < 1:
        raise ValueError(f"k must be greater than 0. Currently, k is {k}")
    desk = open_eval_desk(settings, corpus, embedder=embedder, answerer=answerer)
    try:
        notify(f"indexing {corpus} into collection {desk.handle.collection} under {desk.handle.home} "
               "(the first run embeds every article; later runs reuse the index)")
        report = index_corpus(desk, corpus, progress=progress, notify=notify)
        notify(f"index: {report.summary()}")
        items, aliases = canonical_gold(desk, items)
        if aliases:
            notify(f"{len(aliases)} gold articles were collapsed as near-duplicates: scored as the article kept")
        missing = missing_gold(desk, items)
        if missing:
            notify(f"warning: {len(missing)} gold article ids are not in the corpus, e.g. {missing[:3]}")
        # Open the lexical index and load the model now, so the first question's latency is not the start-up cost.
        desk.handle.lexical()
        desk.handle.embedder.encode(["warm up"])
        on_indexed(report)
        records = []
        for item in items:
            record = ask_item(desk, item, k=k, filters=filters, passages=passages)
            records.append(record)
            on_record(record)
        return EvalRun(records=records, ingest=report, collection=desk.handle.collection, missing_gold=missing,
                       gold_aliases=aliases, answerer=type(desk.answerer).__name__)
    finally:
        desk.handle.close()
