"""Metric functions on hand-made cases whose values are worked out in the comments."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from core.errors import SourceError
from core.types import Answer, AnswerSentence, Chunk, Citation, Passage
from qa.evalset import EvalItem, load_dataset
from qa.metrics import (
    SUMMARY_KEYS,
    QuestionRecord,
    answer_correct,
    build_record,
    distinct_articles,
    hits_at,
    mrr_at,
    ndcg_at,
    nearest_rank,
    normalise_answer,
    summarise,
    summarise_by_type,
)

SHARED_EVAL = Path(__file__).resolve().parents[2] / "shared" / "eval"


def test_normalise_answer_quotes_case_whitespace() -> None:
    assert normalise_answer("  ‘Jews  Not\tWelcome’\n") == "'jews not welcome'"
    assert normalise_answer("“Vote” „x‟ ‚y‛") == '"vote" "x" \'y\''
    assert normalise_answer("STRASSE") == normalise_answer("straße")


def test_answer_correct_substring_and_aliases() -> None:
    assert answer_correct("The chapter was Sigma Alpha Epsilon (SAE).", ["Sigma Alpha Epsilon", "SAE"])
    assert answer_correct("It was the sae chapter", ["Sigma Alpha Epsilon", "SAE"])
    assert not answer_correct("It was Kappa Sigma.", ["Sigma Alpha Epsilon", "SAE"])
    assert answer_correct("He said “press ‘confirm’ for 22”", ["press 'confirm' for 22"])
    assert not answer_correct("anything", [])
    assert not answer_correct("anything", ["", "  "])


def test_answer_correct_require_all() -> None:
    answers = ["36 years", "May 11"]
    assert answer_correct("She served 36 years and was confirmed on May 11.", answers, require_all=True)
    assert not answer_correct("She served 36 years.", answers, require_all=True)
    assert answer_correct("She served 36 years.", answers)


def test_distinct_articles_keeps_first_occurrence() -> None:
    assert distinct_articles(["a", "b", "a", "c", "b"]) == ["a", "b", "c"]
    assert distinct_articles([]) == []


def test_hits_and_mrr_dedupe_before_cutting() -> None:
    ranked = ["x", "x", "x", "g"]  # distinct: x, g -> gold at rank 2
    assert hits_at(ranked, {"g"}, 1) == 0.0
    assert hits_at(ranked, {"g"}, 2) == 1.0
    assert mrr_at(ranked, {"g"}, 10) == 0.5
    assert mrr_at(ranked, {"g"}, 1) == 0.0


def test_no_hits_and_empty_gold() -> None:
    assert hits_at(["a", "b"], {"z"}, 10) == 0.0
    assert mrr_at(["a", "b"], {"z"}, 10) == 0.0
    assert ndcg_at(["a", "b"], {"z"}, 10) == 0.0
    assert ndcg_at(["a"], set(), 10) == 0.0
    assert hits_at([], {"z"}, 5) == 0.0
    with pytest.raises(ValueError, match="k must be greater than 0"):
        hits_at(["a"], {"a"}, 0)


def test_multiple_gold_mrr_uses_first() -> None:
    assert mrr_at(["a", "g2", "g1"], {"g1", "g2"}, 10) == 0.5


def test_ndcg_by_hand() -> None:
    # One gold at rank 2: DCG = 1/log2(3), IDCG = 1.
    assert ndcg_at(["a", "g"], {"g"}, 10) == pytest.approx(1 / math.log2(3))
    assert ndcg_at(["a", "g"], {"g"}, 10) == pytest.approx(0.6309298)
    # Two gold at ranks 1 and 3: DCG = 1 + 1/2 = 1.5; IDCG = 1 + 1/log2(3) = 1.6309298 -> 0.9197208.
    assert ndcg_at(["g1", "a", "g2"], {"g1", "g2"}, 10) == pytest.approx(0.9197208, abs=1e-6)
    # Duplicates removed first: g1, a, g2 again.
    assert ndcg_at(["g1", "g1", "a", "g1", "g2"], {"g1", "g2"}, 10) == pytest.approx(0.9197208, abs=1e-6)
    # Three gold, k=2: IDCG uses min(3, 2) = 2 slots; one gold at rank 1 -> 1 / 1.6309298 = 0.6131472.
    assert ndcg_at(["g1", "a", "g2"], {"g1", "g2", "g3"}, 2) == pytest.approx(0.6131472, abs=1e-6)
    assert ndcg_at(["g2", "g1"], {"g1", "g2"}, 10) == pytest.approx(1.0)


def test_nearest_rank_percentiles() -> None:
    values = [float(v) for v in range(1, 21)]  # 1..20
    assert nearest_rank(values, 50) == 10.0  # ceil(0.5 * 20) = 10th
    assert nearest_rank(values, 95) == 19.0  # ceil(0.95 * 20) = 19th
    assert nearest_rank([7.0], 95) == 7.0
    assert nearest_rank([], 50) is None


def _rec(**kw: object) -> QuestionRecord:
    base: dict[str, object] = {"id": "q", "type": "factoid", "question": "?", "answerable": True, "answer": "a",
                               "refused": False, "latency_ms": 100.0}
    return QuestionRecord.model_validate(base | kw)


def test_summarise_known_values() -> None:
    records = [
        # gold at rank 1, correct, 2 citations both gold, 2/2 sentences supported
        _rec(id="1", retrieved=["g1", "a"], gold=["g1"], correct=True, citations=["g1", "g1"],
             supported_sentences=2, total_sentences=2, latency_ms=100.0),
        # gold at rank 2, wrong answer, 2 citations: 1 gold; 1/2 sentences supported
        _rec(id="2", retrieved=["a", "g2"], gold=["g2"], correct=False, citations=["g2", "a"],
             supported_sentences=1, total_sentences=2, latency_ms=200.0),
        # refused answerable: wrong answer and a false refusal; its citations are not counted
        _rec(id="3", retrieved=["b"], gold=["g3"], refused=True, correct=True, citations=["b"],
             supported_sentences=0, total_sentences=5, latency_ms=300.0),
        # unanswerable, refused
        _rec(id="4", type="unanswerable", answerable=False, refused=True, latency_ms=400.0),
    ]
    s = summarise(records)
    assert tuple(s) == SUMMARY_KEYS
    assert s["hits@1"] == round(1 / 3, 4)
    assert s["hits@5"] == round(2 / 3, 4)
    assert s["mrr@10"] == 0.5  # (1 + 0.5 + 0) / 3
    assert s["ndcg@10"] == round((1 + 1 / math.log2(3)) / 3, 4)
    assert s["answer_accuracy"] == round(1 / 3, 4)
    assert s["citation_precision"] == 0.75  # 3 of 4 pooled citations
    assert s["citation_support"] == 0.75  # 3 of 4 pooled sentences
    assert s["rejection_accuracy"] == 1.0
    assert s["false_refusal_rate"] == round(1 / 3, 4)
    assert s["latency_p50_ms"] == 200.0
    assert s["latency_p95_ms"] == 400.0
    assert s["questions"] == 4


def test_summarise_none_when_nothing_eligible() -> None:
    only_unanswerable = summarise([_rec(answerable=False, refused=False, type="unanswerable")])
    for key in ("hits@1", "mrr@10", "ndcg@10", "answer_accuracy", "citation_precision", "citation_support",
                "false_refusal_rate"):
        assert only_unanswerable[key] is None, key
    assert only_unanswerable["rejection_accuracy"] == 0.0
    assert summarise([_rec(gold=["g"], retrieved=["g"], correct=True)])["rejection_accuracy"] is None
    empty = summarise([])
    assert empty["questions"] == 0
    assert all(v is None for k, v in empty.items() if k != "questions")
    assert json.loads(json.dumps(empty))["hits@1"] is None


def test_summarise_by_type_order_and_split() -> None:
    by_type = summarise_by_type([
        _rec(id="u", type="unanswerable", answerable=False, refused=True),
        _rec(id="f", type="factoid", gold=["g"], retrieved=["g"], correct=True),
        _rec(id="q", type="quote", gold=["g"], retrieved=["x"], correct=False),
    ])
    assert list(by_type) == ["factoid", "quote", "unanswerable"]
    assert by_type["factoid"]["hits@1"] == 1.0
    assert by_type["quote"]["hits@10"] == 0.0
    assert by_type["unanswerable"]["rejection_accuracy"] == 1.0


def _passage(article_id: str, pos: int = 0) -> Passage:
    return Passage(chunk=Chunk(id=Chunk.make_id(article_id, pos), article_id=article_id, position=pos, text="t"),
                   score=1.0)


def _citation(article_id: str) -> Citation:
    return Citation(n=1, article_id=article_id, chunk_id=f"{article_id}:0000", title="", source="", published=None,
                    url=None, quote="q")


def test_build_record_checks() -> None:
    item = EvalItem.model_validate({"id": "d1", "type": "multi", "question": "?", "answers": ["36 years", "May 11"],
                                    "gold": [{"article_id": "g"}], "answerable": True, "require_all": True})
    answer = Answer(question="?", answer="36 years.", refused=False, citations=[_citation("x")],
                    passages=[_passage("x"), _passage("x", 1), _passage("y")],
                    sentences=[AnswerSentence(text="36 years.", citations=[1], supported=False)])
    rec = build_record(item, answer, latency_ms=12.5)
    assert rec.retrieved == ["x", "y"]
    assert rec.correct is False
    assert rec.failed == ["retrieval@10", "answer", "citation"]
    assert (rec.supported_sentences, rec.total_sentences) == (0, 1)

    refusal = Answer(question="?", answer="I could not find this.", refused=True)
    assert build_record(item, refusal, 1.0, retrieved=["g"]).failed == ["false_refusal"]
    unanswerable = item.model_copy(update={"answerable": False, "type": "unanswerable", "answers": [], "gold": []})
    assert build_record(unanswerable, answer, 1.0).failed == ["refusal"]
    assert build_record(unanswerable, refusal, 1.0).correct is None


def _write(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "dev.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


GOOD = json.dumps({"id": "d1", "type": "factoid", "question": "?", "answers": ["x"], "gold": [], "history": [],
                   "answerable": True})


def test_load_dataset_skips_blank_lines(tmp_path: Path) -> None:
    items = load_dataset(_write(tmp_path, [GOOD, "", "   ", GOOD.replace("d1", "d2")]))
    assert [i.id for i in items] == ["d1", "d2"]


@pytest.mark.parametrize(
    ("bad", "fragment"),
    [
        ('{"id": "d9", "type": "factoid"', "dev.jsonl:3: invalid JSON (Expecting"),
        (GOOD.replace('"question": "?", ', ""), "dev.jsonl:3: invalid question (question: Field required"),
        (GOOD.replace('"answerable": true', '"answerable": "yes"'), "dev.jsonl:3: invalid question (answerable:"),
        (GOOD.replace('"factoid"', '"trivia"'), "dev.jsonl:3: invalid question (type:"),
        (GOOD.replace('"gold": []', '"gold": [{"url": "u"}]'), "gold[0].article_id: Field required"),
        ("[1, 2]", "dev.jsonl:3: expected a JSON object, got list"),
        (GOOD, "dev.jsonl:3: duplicate id 'd1' (first on line 1)"),
    ],
)
def test_load_dataset_errors_name_file_and_line(tmp_path: Path, bad: str, fragment: str) -> None:
    with pytest.raises(SourceError) as info:
        load_dataset(_write(tmp_path, [GOOD, "", bad]))
    assert fragment in str(info.value)


def test_load_dataset_missing_or_empty_file(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="nope.jsonl"):
        load_dataset(tmp_path / "nope.jsonl")
    with pytest.raises(SourceError, match="no questions"):
        load_dataset(_write(tmp_path, [""]))


@pytest.mark.skipif(not SHARED_EVAL.is_dir(), reason="shared eval sets not present")
def test_shared_datasets_load() -> None:
    dev = load_dataset(SHARED_EVAL / "dev.jsonl")
    assert len(dev) == 40
    assert sum(i.require_all for i in dev) == 3
    assert all(not i.answerable for i in load_dataset(SHARED_EVAL / "rgb-reject.jsonl"))
