"""The product's promise over the bundled article, with the real model and real Chroma in tmp_path."""

import json

from typer.testing import CliRunner

from qa.prompts import REFUSAL
from tests.conftest import SAMPLE, SAMPLE_DIR
from ui.cli import app

ARTICLE = SAMPLE.read_text(encoding="utf-8")


def test_le_drian_answer_spans_two_paragraphs(sample_desk):
    answer = sample_desk.ask("What did Le Drian say?")
    assert not answer.refused
    assert "rediscovered itself" in answer.answer
    assert "impossible without NATO" in answer.answer
    assert answer.citations
    for c in answer.citations:
        assert c.quote in ARTICLE, c.quote
        assert c.title == "NATO ministers reaffirm ‘strong transatlantic ties’"
    assert len({c.chunk_id for c in answer.citations}) == 2  # two paragraphs, two passages


def test_unrelated_question_is_refused(sample_desk):
    answer = sample_desk.ask("Who won the 2022 World Cup?")
    assert answer.refused
    assert answer.answer.startswith(REFUSAL)
    assert "NATO ministers reaffirm" in answer.answer


def test_ingesting_twice_keeps_the_chunk_count(sample_desk):
    before = sample_desk.handle.store.count()
    report = sample_desk.ingest([SAMPLE_DIR])
    assert report.unchanged and not report.added and report.chunks == 0
    assert sample_desk.handle.store.count() == before
    assert len(sample_desk.handle.lexical()) == before


def test_hybrid_retrieval_brings_the_continuation_paragraph(sample_desk):
    passages = sample_desk.retriever.retrieve("What did Le Drian say?", k=1)
    texts = " ".join(p.chunk.text for p in passages)
    assert "rediscovered itself" in texts and "impossible without NATO" in texts


def test_cli_ask_json_contract(tmp_path):
    runner = CliRunner()
    result = runner.invoke(app, ["ingest", str(SAMPLE_DIR)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["ask", "--json", "What did Le Drian say?"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout.strip().splitlines()[-1])
    assert set(data) >= {"question", "answer", "refused", "citations", "passages"}
    assert data["refused"] is False
    assert "rediscovered itself" in data["answer"] and "impossible without NATO" in data["answer"]
    for c in data["citations"]:
        assert set(c) >= {"n", "article_id", "title", "source", "published", "url", "quote"}
        assert c["quote"] in ARTICLE
    for p in data["passages"]:
        assert set(p) >= {"article_id", "chunk_id", "score", "text"}

    refused = json.loads(runner.invoke(app, ["ask", "--json", "Who won the 2022 World Cup?"]).stdout)
    assert refused["refused"] is True

    status = json.loads(runner.invoke(app, ["status", "--json"]).stdout)
    assert status["articles"] == 1 and status["chunks"] >= 2


def test_cli_bad_input_is_one_line_and_keeps_the_index(tmp_path):
    runner = CliRunner()
    assert runner.invoke(app, ["ingest", str(SAMPLE_DIR)]).exit_code == 0
    before = json.loads(runner.invoke(app, ["status", "--json"]).stdout)
    odd = tmp_path / "table.xlsx"
    odd.write_bytes(b"PK\x03\x04")
    result = runner.invoke(app, ["ingest", str(tmp_path / "missing.txt"), str(odd)])
    assert result.exit_code == 3
    lines = [line for line in result.stderr.splitlines() if line.startswith("skipped")]
    assert any("missing.txt" in line and "no such file" in line for line in lines)
    assert any("table.xlsx" in line and "unsupported file type" in line for line in lines)
    assert "Traceback" not in result.output
    after = json.loads(runner.invoke(app, ["status", "--json"]).stdout)
    assert after["chunks"] == before["chunks"] and after["articles"] == 1


def test_cli_rejects_bad_k_and_dates():
    runner = CliRunner()
    result = runner.invoke(app, ["ask", "--k", "0", "anything"])
    assert result.exit_code == 2 and "--k must be at least 1, got 0" in result.stderr
    result = runner.invoke(app, ["ask", "--since", "yesterday-ish", "anything"])
    assert result.exit_code == 2 and "'yesterday-ish' is not a date" in result.stderr
