"""The written set's test split as a `newsdesk eval` dataset: its questions over a corpus of every written article.

    python -m reader.evalset --out bench/out/written      # writes corpus.jsonl and test.jsonl there

The whole product (retrieval, reader, refusal, citation check) is then measured on questions whose articles the
models never saw, among the 320 written articles as distractors, with the same metrics as dev and RGB. Compound
and multi-article questions are left out: the written set gives one short answer per question, so only their
first part could be scored (the model card measures them at the reader's level).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from reader.dataset import WRITTEN, load_articles, split_of

_TYPES = {"quote": "quote", "followup": "followup", "date": "filtered", "source": "filtered",
          "near_miss": "unanswerable"}
_LEFT_OUT = {"compound", "multi"}


def _rows(kind: str) -> list[dict]:
    return [json.loads(x) for p in sorted(WRITTEN.glob(f"*.{kind}.jsonl"))
            for x in p.read_text(encoding="utf-8").splitlines() if x.strip()]


def corpus() -> list[dict]:
    return [{"id": a["id"], "url": a.get("url"), "title": a["title"], "source": a["source"], "authors": [],
             "published": a["published"], "text": a["text"]} for a in _rows("articles")]


def questions(split: str = "test") -> list[dict]:
    articles = load_articles()
    urls = {a["id"]: a.get("url") for a in _rows("articles")}
    out = []
    for q in _rows("questions"):
        art = articles.get(q["article_id"])
        if art is None or split_of(art) != split or q["kind"] in _LEFT_OUT:
            continue
        answerable = q["kind"] != "near_miss"
        evidence = (q.get("answers") or [None])[0]
        out.append({
            "id": q["id"], "type": _TYPES.get(q["kind"], "factoid"), "question": q["question"],
            "answers": [q["short"]] if answerable else [],
            "gold": [{"article_id": art.id, "url": urls.get(art.id), "evidence": evidence}],
            "history": [{"question": h["question"], "answer": h.get("answer", "")} for h in q.get("history") or []],
            "answerable": answerable,
        })
    return out


def write(out: Path, split: str = "test") -> tuple[Path, Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = (out / "corpus.jsonl", out / f"{split}.jsonl")
    for path, rows in zip(paths, (corpus(), questions(split)), strict=True):
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("bench/out/written"))
    parser.add_argument("--split", default="test", choices=["train", "test"])
    args = parser.parse_args()
    for path in write(args.out, args.split):
        print(path)


if __name__ == "__main__":
    main()
