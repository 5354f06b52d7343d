"""Shared by the quality benches: open (and index once) a corpus, ask an evaluation set, score with qa.metrics.

Each corpus gets its own data dir `<home-root>/<corpus file stem>` with the default collection, so an index built
once (e.g. `NEWSDESK_HOME=... newsdesk ingest ../shared/data/news-articles.jsonl`) is reused by every bench run.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
sys.path.insert(0, str(REPO))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from core.settings import Settings  # noqa: E402
from core.types import Answer  # noqa: E402
from qa.chain import Turn  # noqa: E402
from qa.desk import Desk  # noqa: E402
from qa.evalset import EvalItem, load_dataset  # noqa: E402
from qa.metrics import QuestionRecord, build_record, distinct_articles  # noqa: E402
from qa.retrieve import ranked_articles  # noqa: E402

SETS = {
    "dev": ("eval/dev.jsonl", "data/news-articles.jsonl"),
    "rgb-answer": ("eval/rgb-answer.jsonl", "data/rgb-passages.jsonl"),
    "rgb-reject": ("eval/rgb-reject.jsonl", "data/rgb-negatives.jsonl"),
}
DEFAULT_HOME_ROOT = REPO / "bench" / "out" / "homes"


def open_desk(name: str, home_root: Path, settings: Settings | None = None, embedder: object = None) -> Desk:
    """A desk over the set's corpus, indexed on first use."""
    from index.handle import IndexHandle

    corpus = SHARED / SETS[name][1]
    home = Path(home_root) / corpus.stem
    base = settings or Settings()
    settings = base.model_copy(update={"home": home})
    desk = Desk(settings, handle=IndexHandle(settings, embedder=embedder))
    if desk.handle.store.count() == 0:
        print(f"indexing {corpus} into {home} (once)", file=sys.stderr)
        desk.ingest([corpus])
    return desk


def items(name: str) -> list[EvalItem]:
    return load_dataset(SHARED / SETS[name][0])


def ranking(desk: Desk, answer: Answer, depth: int = 10) -> list[str]:
    """The answer's articles first, then deeper retrieval with the same query and filters, to `depth` articles."""
    ranked = ranked_articles(answer.passages)
    if len(ranked) < depth:
        deeper = desk.retriever.retrieve(answer.query or answer.question, answer.filters,
                                         k=desk.retriever.settings.fetch_k)
        ranked = distinct_articles(ranked + ranked_articles(deeper))
    return ranked[:depth]


def history(item: EvalItem) -> list[Turn]:
    return [Turn(question=t.question, answer=t.answer) for t in item.history]


def ask(desk: Desk, item: EvalItem) -> tuple[Answer, float]:
    started = time.perf_counter()
    answer = desk.ask(item.question, history=history(item))
    return answer, (time.perf_counter() - started) * 1000


def run(desk: Desk, name: str, on_record: Callable[[QuestionRecord], None] = lambda _r: None
        ) -> list[QuestionRecord]:
    records = []
    for item in items(name):
        answer, ms = ask(desk, item)
        record = build_record(item, answer, round(ms, 1), retrieved=ranking(desk, answer))
        on_record(record)
        records.append(record)
    return records
