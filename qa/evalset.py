"""Evaluation datasets: one JSON question a line (format in shared/README.md), validated into `EvalItem`s."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from core.errors import SourceError

QuestionType = Literal["factoid", "quote", "followup", "filtered", "multi", "unanswerable"]
QUESTION_TYPES: tuple[str, ...] = ("factoid", "quote", "followup", "filtered", "multi", "unanswerable")

# strict: a quoted "true" or a numeric answer is a dataset bug, not something to coerce silently.
# forbid: a misspelled "require_all" would otherwise change how answers are scored without any warning.
_STRICT = ConfigDict(strict=True, extra="forbid")


class GoldRef(BaseModel):
    model_config = _STRICT

    article_id: str
    url: str | None = None
    evidence: str | None = Field(default=None, description="Verbatim span of the article; null for RGB passages.")


class Turn(BaseModel):
    model_config = _STRICT

    question: str
    answer: str


class EvalItem(BaseModel):
    model_config = _STRICT

    id: str
    type: QuestionType
    question: str
    answers: list[str] = Field(description="Alternatives (any one counts) unless require_all is true.")
    gold: list[GoldRef]
    history: list[Turn] = Field(default_factory=list)
    answerable: bool
    require_all: bool = False

    @property
    def gold_article_ids(self) -> list[str]:
        return list(dict.fromkeys(g.article_id for g in self.gold))


def _describe(err: ValidationError) -> str:
    parts = []
    for e in err.errors():
        loc = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in e["loc"]).lstrip(".")
        parts.append(f"{loc}: {e['msg']}" if loc else e["msg"])
    return "; ".join(parts)


def load_dataset(path: str | Path) -> list[EvalItem]:
    """Read a JSONL evaluation set; any bad line raises SourceError naming the file and the line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceError(f"{path}: cannot read the evaluation set ({exc})") from exc
    items: list[EvalItem] = []
    seen: dict[str, int] = {}
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path}:{lineno}"
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            raise SourceError(f"{where}: invalid JSON ({exc}) — fix or remove the line") from exc
        if not isinstance(raw, dict):
            raise SourceError(f"{where}: expected a JSON object, got {type(raw).__name__} — fix or remove the line")
        try:
            item = EvalItem.model_validate(raw)
        except ValidationError as exc:
            raise SourceError(f"{where}: invalid question ({_describe(exc)}) — fix or remove the line") from exc
        # Duplicate ids would make per-question records and --compare diffs ambiguous.
        if item.id in seen:
            raise SourceError(f"{where}: duplicate id {item.id!r} (first on line {seen[item.id]}) — rename one")
        seen[item.id] = lineno
        items.append(item)
    if not items:
        raise SourceError(f"{path}: no questions found — expected one JSON object a line")
    return items
