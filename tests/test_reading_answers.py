"""The reading models inside answers: the detail asked for, the right speaker, near misses refused, short answers,
and an LLM's flipped negation flagged end to end through `ask --json`."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import SAMPLE_DIR
from tests.scripted_llm import scripted_server

HARBOUR = """Dunmore council approves harbour wall repairs after winter storms

DUNMORE, Feb. 6 - Dunmore's council on Tuesday approved a plan to repair the harbour wall damaged by January's storms.

The repairs will cost 2.4 million euros and are due to start in April, council engineer Niamh Calloway said.

Councillors voted 9 to 3 in favour after a two-hour debate at the town hall.

\u201cWe cannot leave the fishing fleet exposed for another winter,\u201d Mayor Brendan Toal said.

Opposition councillor Ruth Aherne said the plan ignored the ferry terminal.

\u201cThe terminal floods every spring and nobody has costed it,\u201d she said.
"""


def _indexed(desk, tmp_path, filename: str, text: str):
    """The desk with one article file indexed."""
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / filename).write_text(text, encoding="utf-8")
    assert desk.ingest([folder]).ok
    return desk


@pytest.fixture
def harbour_desk(desk, tmp_path):
    return _indexed(desk, tmp_path, "dunmore-harbour.txt", HARBOUR)


def test_the_answer_is_the_detail_asked_for_in_one_or_two_sentences(harbour_desk):
    answer = harbour_desk.ask("How much will the Dunmore harbour repairs cost?")
    assert not answer.refused
    assert "2.4 million euros" in answer.answer
    assert 1 <= len(answer.sentences) <= 2
    assert all(s.supported and s.reason for s in answer.sentences)


def test_a_follow_up_about_another_person_answers_about_that_person(harbour_desk):
    from qa.chain import Turn

    first = harbour_desk.ask("What did Mayor Brendan Toal say about the harbour?")
    assert "fishing fleet" in first.answer
    assert "Aherne" not in first.answer  # the mayor's words only, not the councillor's beside them
    turn = Turn(question=first.question, answer=first.answer, query=first.query)
    second = harbour_desk.ask("And what did the opposition councillor say?", history=[turn])
    assert "ferry terminal" in second.answer or "terminal floods" in second.answer, second.answer
    assert "fishing fleet" not in second.answer


@pytest.mark.parametrize("question", [
    pytest.param("How much will the Dunmore ferry terminal repairs cost?", marks=pytest.mark.xfail(
        strict=True, reason="known limit of the shipped reader: sure of the wall's cost for the terminal's")),
    "What did Niamh Calloway say about the ferry terminal flooding?",
    # Someone the article never names: the missing name scales down the reader's belief below the threshold.
    "What did harbour master Declan Furey say about the repairs?",
])
def test_near_miss_questions_are_refused(harbour_desk, question):
    assert harbour_desk.ask(question).refused


LE_DRIAN_FLIPPED = "Le Drian said that European defense is possible without NATO [1]."


@pytest.mark.slow
def test_an_llm_sentence_with_a_flipped_negation_is_flagged_in_ask_json(tmp_path):
    home = tmp_path / "home"
    env = {**os.environ, "NEWSDESK_HOME": str(home), "HF_HUB_OFFLINE": "1"}
    ingest = subprocess.run([sys.executable, "-m", "ui", "ingest", str(SAMPLE_DIR)], env=env, capture_output=True,
                            text=True, timeout=600)
    assert ingest.returncode == 0, ingest.stderr
    # The scripted server stands in for a real LLM, which cannot run here: it says exactly the flipped sentence.
    with scripted_server(LE_DRIAN_FLIPPED) as (base_url, received):
        llm_env = {**env, "NEWSDESK_ANSWER_ANSWERER": "openai", "NEWSDESK_LLM_BASE_URL": base_url,
                   "NEWSDESK_ANSWER_STRICT_CITATIONS": "false"}
        shown = subprocess.run([sys.executable, "-m", "ui", "ask", "What did Le Drian say?", "--json"],
                               env=llm_env, capture_output=True, text=True, timeout=600)
        strict = subprocess.run([sys.executable, "-m", "ui", "ask", "What did Le Drian say?", "--json"],
                                env={**llm_env, "NEWSDESK_ANSWER_STRICT_CITATIONS": "true"}, capture_output=True,
                                text=True, timeout=600)
    assert received, "the answerer never called the scripted server"
    assert shown.returncode == 0, shown.stderr
    sentences = json.loads(shown.stdout)["sentences"]
    flipped = [s for s in sentences if "possible without NATO" in s["text"]]
    assert flipped and flipped[0]["supported"] is False, sentences
    assert "verifier" in flipped[0]["reason"], flipped[0]
    assert strict.returncode == 0, strict.stderr
    assert "possible without NATO" not in json.loads(strict.stdout)["answer"]


RELIEF = """Aid slow to reach flooded Tessaly valley

TESSALY, Oct. 3 - Aid has been slow to reach villages cut off by last week's floods in the Tessaly valley, \
relief groups said on Friday.

Roads into the valley remain closed, and supplies arrive by helicopter only twice a day.

The slow pace worries people working in relief, among them Ines Maro, who coordinates volunteers \
for the Red Lantern charity in the valley.

\u201cThis is a stopgap for a problem that will last for years, and everyone here knows it.\u201d

The regional governor said the roads would reopen within ten days.
"""


def test_asked_for_someones_words_the_quote_after_the_sentence_naming_them_is_in_the_answer(desk, tmp_path):
    relief = _indexed(desk, tmp_path, "tessaly-aid.txt", RELIEF)
    answer = relief.ask("How did Ines Maro describe the aid effort in the Tessaly valley?")
    assert not answer.refused
    assert "stopgap" in answer.answer, answer.answer
    assert "regional governor" not in answer.answer


def test_asked_for_words_an_answer_grows_by_the_quotation_after_the_sentence_naming_the_speaker():
    from qa.quotes import carries_words

    naming = "The slow pace worries people working in relief, among them Ines Maro, who coordinates volunteers."
    quote = "\u201cThis is a stopgap for a problem that will last for years.\u201d"
    assert carries_words(naming, quote, "quote")
    assert not carries_words(naming, quote, None)  # not asked for anyone's words: the answer stays short
    assert not carries_words(naming, "The regional governor said the roads would reopen.", "quote")
    assert not carries_words(naming, "'90s-era pumps failed again on Tuesday.", "quote")  # an apostrophe, no quote


WAITING = """Waiting lists for hospital treatment reach record length

DUBLIN, March 3 - The number of people waiting for hospital treatment rose to a record 640,000 in February, the \
National Waiting List Office said on Monday.

Hip and knee operations had the longest waits, with some patients waiting more than two years.

\u201cThis is not a story of hospitals slowing down. Our surgeons operated on more patients last year than in any \
year before, and demand is simply running ahead of them,\u201d said Dr. Niamh Kearney, chief executive of the office.

Patient groups said the figures showed the need for a new hospital in the midlands.

\u201cPeople are waiting in pain for years,\u201d said Orla Brady of the Patients' Alliance.

The health minister said extra funding for weekend clinics would be announced in April.
"""


def test_a_quotation_that_opens_before_the_sentence_naming_its_speaker_is_answered_whole(desk, tmp_path):
    waiting = _indexed(desk, tmp_path, "waiting-lists.txt", WAITING)
    answer = waiting.ask("What did Niamh Kearney say about the waiting lists?")
    assert not answer.refused
    # The reader picks the quote's second sentence, which names her; her words open one sentence before it.
    assert answer.sentences[0].text.startswith("\u201cThis is not a story"), answer.answer
    assert "said Dr. Niamh Kearney" in answer.sentences[1].text
    assert "Orla Brady" not in answer.answer


FERRY = """Kilrush ferry names its first woman captain

KILRUSH, March 3 - Aoife Deasy was named on Monday as the first woman to command the Kilrush-Tarbert car ferry.

Shannon Ferries announced the appointment at a short ceremony on the Kilrush pier, attended by the crew.

Deasy has 22 years of experience at sea and served on cargo ships in the North Atlantic before joining the company.

She will take command of the ferry on April 14, the company said.
"""


def test_a_question_opening_with_a_statement_is_read_without_it(desk, tmp_path):
    ferry = _indexed(desk, tmp_path, "kilrush-ferry.txt", FERRY)
    answer = ferry.ask("Aoife Deasy was named as the first woman to command the Kilrush ferry. How many years of "
                       "experience at sea does she have?")
    assert not answer.refused
    # Read with its statement, the reader is surest of the sentence the statement echoes (her appointment).
    assert "22 years" in answer.sentences[0].text, answer.answer
