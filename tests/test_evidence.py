"""Evidence features the extractive answerer scores with: answer kind, pins, question-shaped sentences."""

from __future__ import annotations

import pytest

from qa.evidence import answer_kind, holds_kind, is_question, pinned, pins, prospective


@pytest.mark.parametrize(("question", "kind"), [
    ("What did Le Drian say?", "quote"),
    ("How did the harbour master react to the footage?", "quote"),
    ("What farewell joke did Mirela Osei make in her speech?", "quote"),
    ("According to Professor Halvorsen, what sorts of essays improve?", "quote"),
    ("When was Pixel 6 announced?", "date"),
    ("How many pupils had signed up?", "number"),
    ("Who won the 2021 Tour de France?", "name"),
    ("Why did the talks fail?", None),
])
def test_answer_kind(question, kind):
    assert answer_kind(question) == kind


def test_a_quote_question_is_held_by_quoted_or_reported_words_only():
    q = "What did the minister say?"
    assert holds_kind("quote", "\u201cWe will not back down,\u201d she told reporters.", q)
    assert holds_kind("quote", "The minister said the plan was dead.", q)
    assert not holds_kind("quote", "The minister arrived in Brussels on Tuesday.", q)


@pytest.mark.parametrize(("kind", "sentence", "question", "held"), [
    ("date", "The sitting ran past 9 in the evening.", "What time did the sitting end?", True),
    ("date", "The drone found him at about 10:40 a.m. near the ravine.", "When was the boy found?", True),
    ("date", "The sitting was long and bad-tempered.", "What time did the sitting end?", False),
    ("number", "She is the third health minister since the election.", "How many health ministers has it had?", True),
    ("number", "The ministry has had several health ministers.", "How many health ministers has it had?", False),
])
def test_a_time_of_day_is_a_when_answer_and_an_ordinal_a_count(kind, sentence, question, held):
    assert holds_kind(kind, sentence, question) is held


@pytest.mark.parametrize(("question", "expected"), [
    ("Who won the 2021 Tour de France?", {"2021"}),
    ("When was Pixel 6 announced?", {"pixel 6"}),
    ("What was Tesla's revenue in Q2 2020?", {"q2", "2020"}),
    ("Which film won at the 93rd Academy Awards?", {"93rd"}),
    ("When does season 3 of Harbour Lights premiere?", {"season 3"}),
    ("What is the release date of The Last of Us Part II?", {"part ii"}),
    # Hyphenated figures describe, they do not pin: a 5-month-old, a 2-0 win, 50% of voters.
    ("Who scored in Ballyvane's 3-1 win over the 5-month-old champions with 50% of the vote?", set()),
    ("Where was King Aldric III crowned?", set()),
    ("What did Le Drian say?", set()),
])
def test_pins(question, expected):
    assert pins(question) == expected


def test_pins_match_whole_tokens_and_spelled_quarters():
    assert pinned({"pixel 6"}, "Google showed the Pixel  6 Pro.") == 1.0
    assert pinned({"pixel 6"}, "Google showed the Pixel 6a.") == 0.0
    assert pinned({"q3", "2019"}, "Results for the third quarter of 2019.") == 1.0
    assert pinned({"no 1"}, "She ended the year as No. 1.") == 1.0
    assert pinned({"2021", "q1"}, "Revenue rose in 2021.") == 0.5
    assert pinned(set(), "anything") == 1.0


def test_a_sentence_that_asks_answers_nothing():
    assert is_question("Who directed Titanic and Avatar?")
    assert is_question("\u201cWhere do we go when the river floods again?\u201d")
    assert not is_question("He asked who had directed it.")


@pytest.mark.parametrize(("question", "kind"), [
    ("And what did the opposition councillor say?", "quote"),
    ("But when did the ferry resume?", "date"),
    ("So how many were rescued?", "number"),
    ("And who replaced him?", "name"),
])
def test_a_follow_up_opening_with_a_conjunction_asks_for_the_same_kind(question, kind):
    assert answer_kind(question) == kind


@pytest.mark.parametrize(("sentence", "question", "still_to_come"), [
    # Asked what happened, the article has it still to come: the event is reported, not its outcome.
    ("The dig will resume in January, when the team hopes to find the skull.",
     "Did the team find the skull when the dig resumed?", True),
    ("The strike is due to begin on June 1 unless the arrears are paid.", "Did the strike begin on June 1?", True),
    ("Counting is expected to finish on Friday.", "How many seats did the Greens win once counting finished?", True),
    # It happened, and something else is to come.
    ("Police charged two men, who will appear in court on Monday.", "Who was charged over the attack?", False),
    # Not a question about the past, or one about the plan itself.
    ("The plan will include four new clinics.", "What does the plan include?", False),
    ("The union wants the pay talks to end by March 3.", "When did the union want the pay talks to end?", False),
])
def test_a_sentence_with_the_asked_event_still_to_come(sentence, question, still_to_come):
    assert prospective(sentence, question) is still_to_come
