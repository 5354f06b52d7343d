"""Report writing, loading and comparison."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from rich.console import Console

from core.errors import SourceError
from qa.metrics import QuestionRecord, summarise, summarise_by_type
from qa.report import compare_summaries, load_report, rich_table, write_report

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _records() -> list[QuestionRecord]:
    return [
        QuestionRecord(
            id="d1",
            type="factoid",
            question="Who won?",
            answerable=True,
            answer="SAE won.",
            refused=False,
            citations=["g1"],
            retrieved=["g1", "x"],
            gold=["g1"],
            supported_sentences=1,
            total_sentences=1,
            latency_ms=120.0,
            correct=True,
            expected=["SAE"],
        ),
        QuestionRecord(
            id="d2",
            type="quote",
            question="What | did he say?",
            answerable=True,
            answer="Nothing.",
            refused=False,
            citations=["x"],
            retrieved=["x"],
            gold=["g2"],
            supported_sentences=0,
            total_sentences=1,
            latency_ms=340.0,
            correct=False,
            failed=["retrieval@10", "answer", "citation"],
            expected=["“press ‘confirm’”"],
        ),
        QuestionRecord(
            id="d3",
            type="unanswerable",
            question="Unknown?",
            answerable=False,
            answer="Made up.",
            refused=False,
            latency_ms=90.0,
            failed=["refusal"],
        ),
    ]


def test_compare_summaries_none_safe() -> None:
    old = {"hits@1": 0.5, "answer_accuracy": None, "questions": 40, "gone": 1.0}
    new = {"hits@1": 0.75, "answer_accuracy": 0.3, "questions": 42}
    diff = compare_summaries(old, new)
    assert diff["hits@1"] == {"old": 0.5, "new": 0.75, "delta": 0.25}
    assert diff["answer_accuracy"] == {"old": None, "new": 0.3, "delta": None}
    assert diff["questions"]["delta"] == 2
    assert diff["gone"] == {"old": 1.0, "new": None, "delta": None}
    assert compare_summaries({"x": 0.1}, {"x": 0.3})["x"]["delta"] == 0.2  # rounded, not 0.19999999999999998


def test_write_report_creates_everything(tmp_path: Path) -> None:
    records = _records()
    summary, by_type = summarise(records), summarise_by_type(records)
    old = dict(summary, **{"hits@1": 0.1, "answer_accuracy": None})
    compare = compare_summaries(old, summary)
    paths = write_report(tmp_path / "out", summary, by_type, records, {"dataset": Path("dev.jsonl")}, compare)

    assert set(paths) == {"json", "md", "metrics_by_type", "latency", "compare"}
    assert all(p.is_file() and p.parent == tmp_path / "out" for p in paths.values())
    doc = json.loads(paths["json"].read_text(encoding="utf-8"))
    assert list(doc) == ["meta", "summary", "by_type", "records", "compare"]
    assert doc["compare"]["summary"]["hits@1"] == {"old": 0.1, "new": 0.5, "delta": 0.4}
    assert doc["meta"] == {"dataset": "dev.jsonl"}
    assert doc["summary"] == summary
    assert doc["summary"]["rejection_accuracy"] == 0.0
    assert doc["by_type"]["factoid"]["hits@1"] == 1.0
    assert doc["by_type"]["unanswerable"]["hits@1"] is None
    assert [r["id"] for r in doc["records"]] == ["d1", "d2", "d3"]
    for key in ("metrics_by_type", "latency", "compare"):
        assert paths[key].read_bytes().startswith(PNG_SIGNATURE), key

    md = paths["md"].read_text(encoding="utf-8")
    assert "## Summary" in md and "## By question type" in md and "## Compared with the earlier run" in md
    assert "| hits@1 | 0.1000 | 0.5000 | +0.4000 |" in md
    assert "## Failed questions (2 of 3)" in md
    assert "### d2 (quote) — failed: retrieval@10, answer, citation" in md
    assert "What \\| did he say?" in md
    assert "“press ‘confirm’”" in md
    assert "- **expected**: a refusal" in md
    assert "### d1" not in md


def test_write_report_without_compare_or_records(tmp_path: Path) -> None:
    paths = write_report(tmp_path, summarise([]), {}, [], {}, None)
    assert "compare" not in paths and not (tmp_path / "compare.png").exists()
    assert paths["latency"].read_bytes().startswith(PNG_SIGNATURE)
    assert paths["metrics_by_type"].read_bytes().startswith(PNG_SIGNATURE)
    assert "Compared with" not in paths["md"].read_text(encoding="utf-8")


def test_write_report_accepts_record_dicts(tmp_path: Path) -> None:
    records = [r.model_dump() for r in _records()]
    paths = write_report(tmp_path, {"questions": 3}, {}, records, {}, None)
    assert len(json.loads(paths["json"].read_text(encoding="utf-8"))["records"]) == 3


def test_load_report_round_trip_and_errors(tmp_path: Path) -> None:
    records = _records()
    write_report(tmp_path, summarise(records), summarise_by_type(records), records, {}, None)
    assert load_report(tmp_path / "report.json")["summary"]["questions"] == 3
    assert load_report(tmp_path)["summary"]["questions"] == 3  # a run directory works too

    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(SourceError, match="broken.json"):
        load_report(broken)
    other = tmp_path / "other.json"
    other.write_text('{"records": []}', encoding="utf-8")
    with pytest.raises(SourceError, match="other.json: not an eval report"):
        load_report(other)
    with pytest.raises(SourceError, match="missing.json"):
        load_report(tmp_path / "missing.json")


def test_rich_table_columns_and_values() -> None:
    records = _records()
    summary, by_type = summarise(records), summarise_by_type(records)
    table = rich_table(summary, by_type, compare_summaries(dict(summary, **{"hits@1": 0.25}), summary))
    headers = [str(c.header) for c in table.columns]
    assert headers == ["metric", "all", "factoid", "quote", "unanswerable", "old", "Δ"]
    assert table.row_count == len(summary)
    console = Console(file=io.StringIO(), width=200, record=True)
    console.print(table)
    text = console.export_text()
    assert "+0.2500" in text and "—" in text
    assert [str(c.header) for c in rich_table(summary, by_type).columns][-1] == "unanswerable"
