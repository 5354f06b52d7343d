"""The written training set in the repo: checked, of the promised size and shape, split without leaks, and turned
into the pairs and eval set the training and benches use."""

from __future__ import annotations

import json
from collections import Counter

from reader.check import main as check_main
from reader.dataset import WRITTEN, load_articles, reader_pairs, reader_questions, split_of, verifier_examples
from reader.evalset import questions, write


def _rows(kind: str) -> list[dict]:
    return [json.loads(x) for p in sorted(WRITTEN.glob(f"*.{kind}.jsonl"))
            for x in p.read_text(encoding="utf-8").splitlines() if x.strip()]


def test_the_written_set_passes_its_checker(capsys):
    assert check_main([]) == 0, capsys.readouterr().out


def test_the_written_set_has_the_size_and_mix_the_models_need():
    articles, questions_, claims = _rows("articles"), _rows("questions"), _rows("claims")
    assert len(articles) >= 300 and len(questions_) >= 3000 and len(claims) >= 2000
    kinds = Counter(q["kind"] for q in questions_)
    assert kinds["near_miss"] / len(questions_) >= 0.2
    assert all(kinds[k] >= 50 for k in ("who", "when", "how_many", "quote", "followup", "compound"))
    errors = Counter(c["kind"] for c in claims if c["label"] == "unfaithful")
    assert all(errors[k] >= 100 for k in ("negation", "entity_swap", "wrong_number", "wrong_date", "misattribution",
                                          "unsupported_addition", "fabricated_quote"))


def test_stories_never_straddle_the_split():
    articles = load_articles()
    splits: dict[str, set[str]] = {}
    for a in articles.values():
        splits.setdefault(a.story, set()).add(split_of(a))
    assert all(len(s) == 1 for s in splits.values())
    test = sum(split_of(a) == "test" for a in articles.values())
    assert 0.08 <= test / len(articles) <= 0.25


def test_reader_pairs_hold_every_answer_and_refuse_nothing_to_near_misses():
    articles = load_articles()
    items = reader_questions(articles, "test")
    near = [i for i in items if i.kind == "near_miss"]
    assert near and all(not i.answers for i in near)
    pairs = reader_pairs(articles, "test", seed=1)
    positives = {q for q, _, y in pairs if y == 1.0}
    assert all(i.question in positives for i in items if i.answers)
    assert not any(i.question in positives for i in near)


def test_verifier_examples_mix_written_and_rule_made_errors():
    examples = verifier_examples(load_articles(), "test", seed=1)
    kinds = Counter(k for *_, k in examples)
    assert kinds["loose"] and kinds["wrong_citation"] and kinds["negation"] and kinds["verbatim"]
    assert {y for _, _, y, _ in examples} == {0.0, 1.0}


def test_the_test_split_exports_as_an_eval_set(tmp_path):
    from qa.evalset import load_dataset

    corpus, dataset = write(tmp_path)
    items = load_dataset(dataset)
    assert len(items) == len(questions()) and any(not i.answerable for i in items)
    ids = {json.loads(x)["id"] for x in corpus.read_text(encoding="utf-8").splitlines()}
    assert all(g.article_id in ids for i in items for g in i.gold)
