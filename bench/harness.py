"""Shared by the quality benches: open (and index once) a corpus, ask an evaluation set, score with qa.metrics.

Every corpus is indexed the way `newsdesk eval` indexes it (its own `eval-<content hash>` collection) under one
home, `bench/out/home` by default, so `NEWSDESK_HOME=bench/out/home newsdesk eval ...` and every bench share
one index per corpus, built once.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
sys.path.insert(0, str(REPO))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from core.settings import Settings  # noqa: E402
from qa.chain import Turn  # noqa: E402
from qa.desk import Desk  # noqa: E402
from qa.evalset import EvalItem, load_dataset  # noqa: E402
from qa.evaluate import ask_item, canonical_gold, index_corpus, open_eval_desk  # noqa: E402
from qa.metrics import QuestionRecord  # noqa: E402

WRITTEN = REPO / "bench" / "out" / "written"
SETS = {
    "dev": (SHARED / "eval/dev.jsonl", SHARED / "data/news-articles.jsonl"),
    "rgb-answer": (SHARED / "eval/rgb-answer.jsonl", SHARED / "data/rgb-passages.jsonl"),
    "rgb-reject": (SHARED / "eval/rgb-reject.jsonl", SHARED / "data/rgb-negatives.jsonl"),
    # The reading models' own test split (never trained on) among all written articles: `python -m reader.evalset`.
    "written-test": (WRITTEN / "test.jsonl", WRITTEN / "corpus.jsonl"),
    # Its questions (follow-ups aside) opened by their article's lead sentence, as users and dev's questions state
    # the context first: a stress test of reading past a statement that echoes the lead. Not a default set.
    "written-lead": (WRITTEN / "test-lead.jsonl", WRITTEN / "corpus.jsonl"),
}
DEFAULT_SETS = ("dev", "rgb-answer", "rgb-reject", "written-test")
DEFAULT_HOME = REPO / "bench" / "out" / "home"


def _ensure(name: str) -> None:
    if name in ("written-test", "written-lead") and not SETS["written-test"][0].is_file():
        from reader.evalset import write

        write(WRITTEN)
    if name == "written-lead" and not SETS[name][0].is_file():
        _write_lead(SETS["written-test"][0], SETS[name][0])


def _write_lead(test: Path, out: Path) -> None:
    from qa.sentences import split_sentences, without_dateline

    corpus = {a["id"]: a for a in map(json.loads, SETS["written-test"][1].read_text(encoding="utf-8").splitlines())}
    rows = []
    for item in map(json.loads, test.read_text(encoding="utf-8").splitlines()):
        aid = item["gold"][0]["article_id"] if item["gold"] else item["id"].rsplit("-q", 1)[0]
        if item["history"] or item["type"] == "followup" or aid not in corpus:
            continue
        body = corpus[aid]["text"].split("\n\n")[0]
        start, end = split_sentences(body)[0]
        lead = without_dateline(body[start:end]).strip()
        # A lead holding the answer would make the question its own answer.
        if not lead.endswith(".") or any(g["evidence"][:40] in lead for g in item["gold"] if g.get("evidence")):
            continue
        rows.append({**item, "id": f"{item['id']}-lead", "question": f"{lead} {item['question']}"})
    out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


def open_desk(name: str, home: Path = DEFAULT_HOME, settings: Settings | None = None,
              embedder: object = None) -> Desk:
    """A desk over the set's corpus in its eval collection, indexed (incrementally) first."""
    _ensure(name)
    corpus = SETS[name][1]
    settings = (settings or Settings()).model_copy(update={"home": Path(home)})
    desk = open_eval_desk(settings, corpus, embedder=embedder)
    # Incremental: the first run embeds the corpus, later ones only check its hashes (seconds).
    print(f"indexing {corpus} into {home}", file=sys.stderr, flush=True)
    index_corpus(desk, corpus, progress=True)
    desk.handle.lexical()
    return desk


def items(name: str, desk: Desk | None = None) -> list[EvalItem]:
    """The set's questions; with a desk, gold articles collapsed as near-duplicates point at the kept one."""
    _ensure(name)
    loaded = load_dataset(SETS[name][0])
    return canonical_gold(desk, loaded)[0] if desk is not None else loaded


def history(item: EvalItem) -> list[Turn]:
    return [Turn(question=t.question, answer=t.answer) for t in item.history]


def run(desk: Desk, name: str, on_record: Callable[[QuestionRecord], None] = lambda _r: None
        ) -> list[QuestionRecord]:
    records = []
    for item in items(name, desk):
        record = ask_item(desk, item)
        on_record(record)
        records.append(record)
    return records
