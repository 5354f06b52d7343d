"""Compound questions are split into parts that each get their own answer sentences."""

from core.settings import AnswerSettings
from core.types import Chunk, Passage
from qa.compound import asked_part, split_compound
from qa.extractive import ExtractiveAnswerer


def test_parts_share_the_opening_phrase_and_the_statement_before_the_question():
    assert split_compound("In the second series of 'Harbour Lights', which actor plays Mayor Toal, and which actor "
                          "plays Ruth Aherne?") == [
        "In the second series of 'Harbour Lights', which actor plays Mayor Toal?",
        "In the second series of 'Harbour Lights', which actor plays Ruth Aherne?",
    ]
    parts = split_compound("Aoife Deasy was named captain in March 2025. How many years at sea had she logged, "
                           "and on what date did the company confirm her?")
    assert parts == ["Aoife Deasy was named captain in March 2025. How many years at sea had she logged?",
                     "Aoife Deasy was named captain in March 2025. on what date did the company confirm her?"]


def test_the_reader_reads_a_part_without_the_statement_the_question_opens_with():
    question = ("Aoife Deasy was named the first woman captain of the Kilrush ferry. How many years at sea does she "
                "have, and when will she take command?")
    first, second = (asked_part(question, p) for p in split_compound(question))
    assert first.startswith("How many years at sea does she have") and "Aoife Deasy" in first
    assert "captain" not in first and "captain" not in second
    assert second.startswith("when will she take command")
    # Nothing to leave out: a question of one sentence, or a part that is not the question's (a rewritten follow-up).
    assert asked_part("What did Le Drian say?", "What did Le Drian say?") == "What did Le Drian say?"
    assert asked_part("She won. Who?", "Who won the Booker Prize?") == "Who won the Booker Prize?"


def test_a_later_part_that_points_back_gets_the_names_before_it():
    parts = split_compound("Which magistrate was annoyed when K. Doyle missed a court date in Ballyvane, and which "
                           "magistrate fined him 400 euros?")
    assert parts[0] == "Which magistrate was annoyed when K. Doyle missed a court date in Ballyvane?"
    assert parts[1].startswith("which magistrate fined him 400 euros")
    assert "K. Doyle" in parts[1]


def test_one_question_stays_whole():
    for question in ("What did Le Drian say?", "Which city and which country hosted it?",
                     "Who won the cup and the league?", "What did he say, and why?"):
        assert split_compound(question) == [question]


def _passage(text: str, article: str, position: int = 0) -> Passage:
    chunk = Chunk(id=Chunk.make_id(article, position), article_id=article, position=position, text=text,
                  title=f"{article} news", source="Wire", published="2024-02-01")
    return Passage(chunk=chunk, score=1.0 / (position + 1))


def test_each_part_of_a_compound_question_is_answered(embedder):
    passages = [
        _passage("The council met on Monday. Mayor Ana Ruiz presented the new budget to the council. "
                 "The budget plans a new library and a bigger park.", "budget"),
        _passage("The city marathon drew runners from twelve countries. Kenyan runner Peter Oloo won the marathon "
                 "in two hours and nine minutes. Heavy rain slowed the second half.", "marathon"),
    ]
    answer = ExtractiveAnswerer(embedder, AnswerSettings()).answer(
        "Who presented the new budget to the council, and who won the city marathon?", passages)
    assert not answer.refused
    assert "Ana Ruiz" in answer.answer and "Peter Oloo" in answer.answer
    assert {c.article_id for c in answer.citations} == {"budget", "marathon"}
