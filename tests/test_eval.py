"""`newsdesk eval` over a small checked-in corpus and question set, with the real model and real Chroma."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from core.errors import SourceError
from core.settings import Settings
from core.types import Answer
from qa.chain import Turn
from qa.desk import Desk
from qa.evalset import QUESTION_TYPES, load_dataset
from qa.evaluate import ask_item, collection_for, index_corpus, load_corpus, open_eval_desk, run_eval
from qa.metrics import SUMMARY_KEYS, QuestionRecord
from qa.report import compare_records
from qa.retrieve import ranked_articles
from tests.conftest import FIXTURES
from ui.cli import app

EVAL = FIXTURES / "eval"
CORPUS = EVAL / "corpus.jsonl"
QUESTIONS = EVAL / "questions.jsonl"
ARTICLES = 10  # the corpus's 11th line cleans to nothing and is skipped
PNG = b"\x89PNG\r\n\x1a\n"


def _last_json(stdout: str) -> dict:
    return json.loads(stdout.strip().splitlines()[-1])


def _eval(*args: str):
    return CliRunner().invoke(app, ["eval", str(QUESTIONS), "--corpus", str(CORPUS), *args])


@pytest.fixture(scope="module")
def eval_desk(tmp_path_factory: pytest.TempPathFactory, embedder):
    """The fixture corpus indexed once for the module's API-level tests."""
    desk = open_eval_desk(Settings(home=tmp_path_factory.mktemp("evalhome")), CORPUS, embedder=embedder)
    report = index_corpus(desk, CORPUS)
    assert len(report.added) == ARTICLES and len(report.failures) == 1
    yield desk
    desk.handle.close()


@pytest.mark.slow
def test_cli_eval_writes_reports_and_a_rerun_embeds_nothing(tmp_path: Path) -> None:
    first = _eval("--out", str(tmp_path / "run1"))
    assert first.exit_code == 0, first.output
    summary = _last_json(first.stdout)
    assert list(summary) == list(SUMMARY_KEYS)
    assert summary["questions"] == 8

    report = json.loads((tmp_path / "run1" / "report.json").read_text(encoding="utf-8"))
    assert report["summary"] == summary
    assert set(report["by_type"]) == set(QUESTION_TYPES)
    assert sum(s["questions"] for s in report["by_type"].values()) == 8
    assert report["meta"]["ingest"]["added"] == ARTICLES and report["meta"]["ingest"]["skipped"] == 1
    assert report["meta"]["missing_gold"] == []
    records = {r["id"]: QuestionRecord.model_validate(r) for r in report["records"]}
    assert set(records) == {item.id for item in load_dataset(QUESTIONS)}
    for r in records.values():
        assert len(set(r.retrieved)) == len(r.retrieved) and r.latency_ms > 0
        if r.type != "filtered":  # "According to The Week" leaves only The Week's articles to rank
            # The ranking is deepened past the answer's passages to every article of this small corpus.
            assert len(r.retrieved) == ARTICLES
    assert records["f01"].retrieved[0] == "wh-bridge-0109"  # its words occur in no other article
    assert records["t01"].retrieved[0] == "am-museum-0228"
    assert records["m01"].gold == ["pv-storm-0116", "pv-schools-0122"]
    assert records["n01"].gold == [] and not records["n01"].answerable

    md = (tmp_path / "run1" / "report.md").read_text(encoding="utf-8")
    assert "## By question type" in md and "| hits@1 |" in md
    for name in ("metrics_by_type.png", "latency.png"):
        assert (tmp_path / "run1" / name).read_bytes()[:8] == PNG

    second = _eval("--out", str(tmp_path / "run2"), "--compare", str(tmp_path / "run1" / "report.json"))
    assert second.exit_code == 0, second.output
    again = json.loads((tmp_path / "run2" / "report.json").read_text(encoding="utf-8"))
    assert again["meta"]["collection"] == report["meta"]["collection"]
    assert again["meta"]["ingest"] | {"seconds": 0} == {
        "added": 0, "updated": 0, "unchanged": ARTICLES, "duplicates": 0, "skipped": 1, "chunks": 0, "seconds": 0
    }
    assert set(again["compare"]["summary"]) == set(SUMMARY_KEYS)
    assert again["compare"]["summary"]["questions"] == {"old": 8, "new": 8, "delta": 0}
    assert (tmp_path / "run2" / "compare.png").read_bytes()[:8] == PNG
    assert "## Compared with the earlier run" in (tmp_path / "run2" / "report.md").read_text(encoding="utf-8")
    assert list(_last_json(second.stdout)) == list(SUMMARY_KEYS)


def test_cli_bad_dataset_line_names_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    lines = QUESTIONS.read_text(encoding="utf-8").splitlines()
    bad.write_text("\n".join([lines[0], '{"id": "x", "question": "no type"}', *lines[1:]]) + "\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["eval", str(bad), "--corpus", str(CORPUS), "--out", str(tmp_path / "r")])
    assert result.exit_code == SourceError.exit_code
    assert f"{bad}:2" in result.stderr
    assert not (tmp_path / "r").exists()


def test_cli_bad_corpus_line_names_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "corpus.jsonl"
    lines = CORPUS.read_text(encoding="utf-8").splitlines()
    bad.write_text("\n".join([*lines[:3], '{"id": "broken", "title": "x", "text": ', *lines[3:]]) + "\n",
                   encoding="utf-8")
    result = _eval_with_corpus(bad, tmp_path)
    assert result.exit_code == SourceError.exit_code
    assert f"{bad}:4" in result.stderr and "invalid JSON" in result.stderr


def _eval_with_corpus(corpus: Path, tmp_path: Path):
    return CliRunner().invoke(app, ["eval", str(QUESTIONS), "--corpus", str(corpus), "--out", str(tmp_path / "r")])


@pytest.mark.parametrize("args, fragment", [(["--k", "0"], "--k must be at least 1"),
                                             (["--limit", "0"], "--limit must be at least 1"),
                                             (["--answerer", "oracle"], "invalid --answerer 'oracle'"),
                                             (["--since", "soon"], "--since 'soon' is not a date")])
def test_cli_rejects_bad_options(args: list[str], fragment: str) -> None:
    result = _eval(*args)
    assert result.exit_code == 2
    assert fragment in result.stderr


def test_collection_is_named_from_corpus_content(tmp_path: Path) -> None:
    copy = tmp_path / "elsewhere.jsonl"
    shutil.copy(CORPUS, copy)
    assert collection_for(copy) == collection_for(CORPUS)
    copy.write_text(CORPUS.read_text(encoding="utf-8").replace("$48 million", "$49 million"), encoding="utf-8")
    assert collection_for(copy) != collection_for(CORPUS)
    assert 3 <= len(collection_for(CORPUS)) <= 63
    with pytest.raises(SourceError, match="does not exist"):
        collection_for(tmp_path / "missing.jsonl")


def test_load_corpus_skips_empty_articles_and_rejects_empty_corpus(tmp_path: Path) -> None:
    articles, skipped = load_corpus(CORPUS)
    assert len(articles) == ARTICLES and [s.where for s in skipped] == [f"{CORPUS}:11"]
    only_empty = tmp_path / "empty.jsonl"
    only_empty.write_text(CORPUS.read_text(encoding="utf-8").splitlines()[-1] + "\n", encoding="utf-8")
    with pytest.raises(SourceError, match="holds no articles"):
        load_corpus(only_empty)


def test_ranking_is_deepened_beyond_the_answer_passages(eval_desk) -> None:
    item = next(i for i in load_dataset(QUESTIONS) if i.id == "f02")
    record = ask_item(eval_desk, item, k=10, passages=1)
    answer = eval_desk.ask(item.question, k=1)
    own = ranked_articles(answer.passages)
    assert len(own) < ARTICLES  # one passage and its neighbours cannot reach ten articles...
    assert record.retrieved[: len(own)] == own  # ...so they lead, and the retriever fills the rest
    assert len(record.retrieved) == ARTICLES == len(set(record.retrieved))
    assert record.retrieved[0] == "hc-marathon-0303"


def test_followup_is_asked_with_its_history(eval_desk) -> None:
    class RecordingDesk(Desk):
        """The real desk, noting the history each question is asked with."""

        histories: list[list[Turn]] = []

        def ask(self, question: str, history: list[Turn] | None = None, **kwargs: Any) -> Answer:
            self.histories.append(list(history or []))
            return super().ask(question, history=history, **kwargs)

    item = next(i for i in load_dataset(QUESTIONS) if i.type == "followup")
    desk = RecordingDesk(eval_desk.settings, handle=eval_desk.handle)
    record = ask_item(desk, item)
    assert desk.histories == [[Turn(question="Which company recalled ground turkey in February 2024?",
                                    answer="Greenfield Farms.")]]
    assert record.gold[0] in record.retrieved[:3]


def test_run_eval_reuses_the_index_and_reports_each_record(eval_desk) -> None:
    items = [i for i in load_dataset(QUESTIONS) if i.type in {"factoid", "unanswerable"}]
    seen: list[str] = []
    run = run_eval(items, CORPUS, eval_desk.settings, embedder=eval_desk.handle.embedder,
                   on_record=lambda r: seen.append(r.id))
    assert seen == [i.id for i in items]
    assert not run.ingest.added and run.ingest.chunks == 0 and len(run.ingest.unchanged) == ARTICLES
    assert run.collection == collection_for(CORPUS)
    assert run.summary["questions"] == len(items) and list(run.by_type) == ["factoid", "unanswerable"]
    assert all(r.gold[0] == r.retrieved[0] for r in run.records if r.answerable)


def test_gold_collapsed_as_near_duplicate_is_scored_as_the_kept_article(tmp_path: Path, embedder) -> None:
    lines = CORPUS.read_text(encoding="utf-8").splitlines()
    panda = json.loads(lines[1])
    copy = panda | {"id": "panda-syndicated", "title": "Red panda cub Juniper charms zoo visitors",
                    "source": "USA TODAY", "url": "https://www.usatoday.com/story/news/2024/02/15/red-panda/"}
    corpus = tmp_path / "syndicated.jsonl"
    corpus.write_text("\n".join([*lines, json.dumps(copy)]) + "\n", encoding="utf-8")
    item = next(i for i in load_dataset(QUESTIONS) if i.id == "q01")
    item = item.model_copy(update={"gold": [item.gold[0].model_copy(update={"article_id": "panda-syndicated"})]})
    run = run_eval([item], corpus, Settings(home=tmp_path / "home"), embedder=embedder)
    assert run.ingest.duplicates == [("panda-syndicated", "lz-panda-0214")]
    assert run.gold_aliases == {"panda-syndicated": "lz-panda-0214"} and run.missing_gold == []
    record = run.records[0]
    assert record.gold == ["lz-panda-0214"] and record.retrieved[0] == "lz-panda-0214"
    assert run.summary["hits@1"] == 1.0


def test_compare_records_fixed_broken_added_removed() -> None:
    def rec(i: str, failed: list[str]) -> dict:
        return {"id": i, "failed": failed}

    old = [rec("a", ["answer"]), rec("b", []), rec("c", []), rec("gone", [])]
    new = [QuestionRecord(id="a", type="factoid", question="?", answerable=True, answer="x", refused=False),
           rec("b", ["refusal"]), rec("c", []), rec("new", ["answer"])]
    assert compare_records(old, new) == {"fixed": ["a"], "broken": ["b"], "added": ["new"], "removed": ["gone"]}
