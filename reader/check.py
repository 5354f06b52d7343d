"""Checks the written training set: ids, labels, and every answer and evidence sentence verbatim in its article.

    python -m reader.check reader/data/written/politics     # one beat's three files
    python -m reader.check                                  # every beat (exit 1 on any error)

Answer sentences must also be whole sentences as newsdesk splits them, since the reader is trained on
(question, sentence) pairs cut by the same splitter it meets at answer time.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

from qa.sentences import split_sentences

WRITTEN = Path(__file__).resolve().parent / "data" / "written"
QUESTION_KINDS = {"who", "what", "when", "where", "how_many", "quote", "why", "how", "followup", "compound", "multi",
                  "date", "source", "near_miss"}
MISSES = {"other_year", "other_person", "outcome_not_reported", "figure_not_given", "other_place", "other_detail"}
FAITHFUL = {"close", "loose"}
UNFAITHFUL = {"negation", "entity_swap", "wrong_number", "wrong_date", "misattribution", "unsupported_addition",
              "fabricated_quote"}


def read_jsonl(path: Path, errors: list[str]) -> list[dict]:
    rows = []
    if not path.exists():
        return rows
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as exc:
            errors.append(f"{path.name}:{n}: not JSON ({exc})")
    return rows


def sentences(text: str) -> set[str]:
    return {text[a:b] for a, b in split_sentences(text)}


def _check_answers(rid: str, art: dict, answers: list[str], errors: list[str]) -> None:
    whole = sentences(art["text"])
    for s in answers:
        if s not in art["text"]:
            errors.append(f"{rid}: answer not verbatim in {art['id']}: {s[:70]!r}")
        elif s not in whole:
            errors.append(f"{rid}: answer is not one whole sentence as split (split it or fix punctuation): "
                          f"{s[:70]!r}")


def check_beat(prefix: Path) -> tuple[list[str], Counter]:
    errors: list[str] = []
    stats: Counter = Counter()
    articles = read_jsonl(prefix.with_name(prefix.name + ".articles.jsonl"), errors)
    by_id: dict[str, dict] = {}
    for a in articles:
        aid = a.get("id")
        if not aid or aid in by_id:
            errors.append(f"article id missing or repeated: {aid!r}")
            continue
        for key in ("title", "source", "published", "text"):
            if not isinstance(a.get(key), str) or not a[key].strip():
                errors.append(f"{aid}: field {key!r} missing or empty")
        by_id[aid] = a
        stats["articles"] += 1
        stats["words"] += len(a.get("text", "").split())
    seen: set[str] = set()

    def article_of(row: dict, what: str) -> dict | None:
        rid = row.get("id")
        if not rid or rid in seen:
            errors.append(f"{what} id missing or repeated: {rid!r}")
        seen.add(str(rid))
        art = by_id.get(row.get("article_id", ""))
        if art is None:
            errors.append(f"{rid}: unknown article_id {row.get('article_id')!r}")
        return art

    for q in read_jsonl(prefix.with_name(prefix.name + ".questions.jsonl"), errors):
        art = article_of(q, "question")
        rid, kind = q.get("id"), q.get("kind")
        if kind not in QUESTION_KINDS:
            errors.append(f"{rid}: kind {kind!r} is not one of {sorted(QUESTION_KINDS)}")
        if not isinstance(q.get("question"), str) or not q["question"].strip():
            errors.append(f"{rid}: question missing")
        stats[f"q:{kind}"] += 1
        if art is None:
            continue
        if kind == "near_miss":
            if q.get("answers") or q.get("answerable") is not False or q.get("miss") not in MISSES:
                errors.append(f"{rid}: a near_miss has answers [], answerable false and miss in {sorted(MISSES)}")
            closest = q.get("closest")
            if closest and closest not in art["text"]:
                errors.append(f"{rid}: closest sentence not verbatim in {art['id']}: {closest[:70]!r}")
            continue
        answers = q.get("answers") or []
        if kind == "multi":
            parts = q.get("parts") or []
            if len(parts) < 2 or answers or q.get("answerable") is not True:
                errors.append(f"{rid}: a multi question has answers [], answerable true and 2+ parts")
            stories = {by_id[p.get("article_id")].get("story") for p in parts if p.get("article_id") in by_id}
            if len({p.get("article_id") for p in parts}) < 2 or len(stories) != 1 or None in stories:
                errors.append(f"{rid}: a multi question's parts are in different articles of one story")
            for part in parts:
                other = by_id.get(part.get("article_id", ""))
                if other is None or not part.get("answers"):
                    errors.append(f"{rid}: part with unknown article_id or no answers: {part!r:.80}")
                    continue
                _check_answers(rid, other, part["answers"], errors)
            continue
        if not answers or q.get("answerable") is not True:
            errors.append(f"{rid}: an answerable question needs answers and answerable true")
        _check_answers(rid, art, answers, errors)
        short = q.get("short")
        if short and answers and not any(short in s for s in answers):
            errors.append(f"{rid}: short answer {short!r} is in none of its answer sentences")
        if kind == "followup" and (not q.get("history") or not q.get("standalone")):
            errors.append(f"{rid}: a followup needs history and standalone")

    for c in read_jsonl(prefix.with_name(prefix.name + ".claims.jsonl"), errors):
        art = article_of(c, "claim")
        rid, label, kind = c.get("id"), c.get("label"), c.get("kind")
        allowed = FAITHFUL if label == "faithful" else UNFAITHFUL if label == "unfaithful" else set()
        if kind not in allowed:
            errors.append(f"{rid}: label {label!r} with kind {kind!r} (faithful: {sorted(FAITHFUL)}, "
                          f"unfaithful: {sorted(UNFAITHFUL)})")
        if not isinstance(c.get("claim"), str) or not c["claim"].strip():
            errors.append(f"{rid}: claim missing")
        stats[f"c:{kind}"] += 1
        if art is None:
            continue
        for s in c.get("evidence") or [None]:
            if not s or s not in art["text"]:
                errors.append(f"{rid}: evidence not verbatim in {art['id']}: {str(s)[:70]!r}")
        if c.get("claim", "").strip() in art["text"] and label == "unfaithful":
            errors.append(f"{rid}: an unfaithful claim copied verbatim from the article")
    return errors, stats


def main(argv: list[str]) -> int:
    prefixes = [Path(a) for a in argv] or sorted({p.parent / p.name.split(".")[0] for p in WRITTEN.glob("*.jsonl")})
    total = 0
    for prefix in prefixes:
        errors, stats = check_beat(prefix)
        total += len(errors)
        for e in errors:
            print(f"{prefix.name}: {e}")
        print(f"{prefix.name}: {len(errors)} errors; " + ", ".join(f"{k} {v}" for k, v in sorted(stats.items())))
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
