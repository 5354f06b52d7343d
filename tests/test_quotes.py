"""Quotations that run over several sentences: where they open and where they close, from the marks."""

from __future__ import annotations

import pytest

from qa.quotes import QUOTE_REACH, closes_earlier_quote, named_speaker, opens_quote, quote_opening, speaker

OPENS_CURLY = "\u201cThe lists are not growing because hospitals are doing less."
MIDDLE = "Waiting is longest for hips and knees."
CLOSES_CURLY = "They are doing more than ever,\u201d said Dr. Niamh Kearney, chief executive of the office."
OPENS_STRAIGHT = '"Our customers have not stopped buying clothes.'
CLOSES_STRAIGHT = 'They have started buying them from apps," chief executive Thandeka Mahlangu told analysts.'


@pytest.mark.parametrize("sentence", [OPENS_CURLY, OPENS_STRAIGHT, 'She said: "We will rebuild the wall.'])
def test_a_sentence_opening_a_quotation_it_does_not_close(sentence):
    assert opens_quote(sentence)
    assert not closes_earlier_quote(sentence)


@pytest.mark.parametrize("sentence", [CLOSES_CURLY, CLOSES_STRAIGHT, 'It will not happen again!" he said.'])
def test_a_sentence_closing_a_quotation_opened_before_it(sentence):
    assert closes_earlier_quote(sentence)
    assert not opens_quote(sentence)


@pytest.mark.parametrize("sentence", [
    "\u201cWe cannot leave the fleet exposed,\u201d the mayor said.",
    '"We cannot leave the fleet exposed," the mayor said.',
    "The council voted 9 to 3 after a two-hour debate.",
    "The town's '90s-era pumps failed again.",
])
def test_a_whole_quotation_or_none_neither_opens_nor_closes(sentence):
    assert not opens_quote(sentence)
    assert not closes_earlier_quote(sentence)


def test_the_opening_is_found_back_through_sentences_without_marks():
    assert quote_opening(CLOSES_CURLY, [OPENS_CURLY]) == 1
    assert quote_opening(CLOSES_CURLY, [MIDDLE, OPENS_CURLY, "Earlier text."]) == 2
    assert quote_opening(CLOSES_STRAIGHT, [OPENS_STRAIGHT]) == 1


def test_no_opening_when_it_is_out_of_reach_or_the_marks_do_not_pair_up():
    assert quote_opening(CLOSES_CURLY, [MIDDLE] * QUOTE_REACH + [OPENS_CURLY]) == 0  # too far: likely two quotes
    assert quote_opening(CLOSES_CURLY, [MIDDLE]) == 0  # the chunk starts mid-quote
    assert quote_opening(CLOSES_CURLY, ["\u201cA whole quote,\u201d she said.", OPENS_CURLY]) == 0
    assert quote_opening(OPENS_CURLY, [MIDDLE]) == 0  # it closes nothing
    assert quote_opening(MIDDLE, [OPENS_CURLY]) == 0


@pytest.mark.parametrize(("sentence", "who"), [
    ("\u201cWe cannot leave the fleet exposed,\u201d Mayor Brendan Toal said.", "toal"),
    ("Opposition councillor Ruth Aherne said the plan ignored the ferry terminal.", "aherne"),
    ("They are doing more than ever,\u201d said Dr. Niamh Kearney, chief executive of the office.", "kearney"),
    ("Siobhan Kehoe, the union's general secretary, said the offer \"did nothing about staffing\".", "kehoe"),
    ("UN Secretary-General Antonio Guterres on Tuesday warned that the world was sleepwalking.", "guterres"),
    ("Officials said the road was closed.", None),  # a capitalised first word names nobody
    ("The council on Tuesday said it would vote on the plan.", None),
    ("The minister said the plan would go ahead.", None),  # a role alone is not a name
    ("The council voted 9 to 3 after a two-hour debate.", None),
    ("\u201cIt will take years,\u201d he told Harbourview Radio.", None),  # who listened, not who spoke
])
def test_the_speaker_named_next_to_the_verb_of_speech(sentence, who):
    assert named_speaker(sentence) == who


def test_a_quotation_or_a_she_said_takes_its_speaker_from_the_sentence_before():
    naming = "Opposition councillor Ruth Aherne said the plan ignored the ferry terminal."
    assert speaker("\u201cThe terminal floods every spring,\u201d she said.", naming) == "aherne"
    assert speaker("\u201cNobody has costed it.\u201d", naming) == "aherne"
    assert speaker("The council voted 9 to 3.", naming) is None  # nobody's words: no speaker carried over


def test_a_sentence_led_by_a_pronoun_takes_its_speaker_from_the_sentence_before():
    naming = "Opposition councillor Ruth Aherne said on Thursday that 40 homes had flooded."
    assert speaker("She called the repairs \u201ca disgrace\u201d and \u201clong overdue.\u201d", naming) == "aherne"
    assert speaker("She described the council's response as slow.", naming) == "aherne"
