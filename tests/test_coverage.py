"""The names a question asks about, looked up in the article an answer would come from."""

from __future__ import annotations

import pytest

from qa.coverage import unmentioned

ARTICLE = [
    "Ghana's teachers end three-week strike",
    "Harrowgate Wire",
    "ACCRA, Oct. 3 - Teachers in Ghana returned to classrooms on Friday after Yaw Boateng, head of the union, "
    "accepted the ministry's offer. Schools in Accra and Tamale reopened first.",
]


@pytest.mark.parametrize("question", [
    "How many teachers were arrested in Kumasi?",  # a place the article never mentions
    "What did Kofi Mensah say about the offer?",  # another person
    "When did schools in Kumasi and Accra reopen?",  # one of two places missing is enough
])
def test_a_name_the_article_never_mentions_is_reported(question):
    assert unmentioned(question, ARTICLE)


@pytest.mark.parametrize("question", [
    "What did Yaw Boateng accept?",
    "What did Boateng's union accept?",  # possessive, surname alone
    "When did Ghanaian teachers return to work?",  # a demonym of a country the article names
    "Where did schools reopen first?",  # capitalised only because it opens the question
    "How long did the strike last, according to the Harrowgate Wire?",  # the source, not the text
    "What happened on Friday in October?",  # days and months are no names
    "What did the UN say about the strike?",  # acronyms are spelt too many ways to require
])
def test_names_the_article_holds_are_not(question):
    assert unmentioned(question, ARTICLE) == []


def _ranked(prob: float, text: str = ARTICLE[2], title: str = ARTICLE[0], published: str | None = None
            ) -> tuple[list, list]:
    """One candidate sentence, the only sentence of its article's one retrieved passage."""
    from core.types import Chunk, Passage
    from qa.extractive import Candidate

    chunk = Chunk(id="a:0000", article_id="a", position=0, text=text, title=title, source=ARTICLE[1],
                  published=published)
    return [Candidate(0, 0, len(text), text, score=1.0, prob=prob)], [Passage(chunk=chunk, score=1.0)]


@pytest.mark.parametrize(("question", "prob", "answered"), [
    ("What did Yaw Boateng accept?", 0.2, True),
    ("What did Kofi Mensah accept?", 0.2, False),  # 0.2 x 0.35 falls under the threshold of 0.1
    ("What did Kofi Mensah accept?", 0.9, True),  # a sure reader is scaled, not overruled
])
def test_a_missing_name_scales_the_readers_belief(question, prob, answered):
    from core.settings import ReadingSettings
    from qa.reader_select import select

    settings = ReadingSettings(reader_threshold=0.1, missing_name_factor=0.35)
    ranked, passages = _ranked(prob)
    assert bool(select(ranked, passages, settings, 3, question=question)) is answered
    off = settings.model_copy(update={"missing_name_factor": 1.0})
    assert select(ranked, passages, off, 3, question=question)  # 1: the names are not looked up


FESTIVAL = "The harbour festival drew 41,000 visitors over three days, organisers said on Sunday."
FESTIVAL_TITLE = "Harbour festival returns"


@pytest.mark.parametrize(("question", "published", "answered"), [
    ("How many visitors did the 2024 harbour festival draw?", "2024-08-12", True),  # the year is the article's date
    ("How many visitors did the 2023 harbour festival draw?", "2024-08-12", False),  # another edition
    ("How many visitors did the harbour festival draw in week 2?", None, False),  # a numbered part never given
    ("How many visitors did the harbour festival draw?", None, True),  # pinned to nothing
])
def test_an_edition_the_article_never_gives_scales_the_readers_belief(question, published, answered):
    from core.settings import ReadingSettings
    from qa.reader_select import select

    settings = ReadingSettings(reader_threshold=0.1, missing_pin_factor=0.35)
    ranked, passages = _ranked(0.2, FESTIVAL, FESTIVAL_TITLE, published)
    assert bool(select(ranked, passages, settings, 3, question=question)) is answered
    off = settings.model_copy(update={"missing_pin_factor": 1.0})
    assert select(ranked, passages, off, 3, question=question)


@pytest.mark.parametrize(("question", "answered"), [
    ("How many visitors did the harbour festival draw?", True),  # a figure, as asked
    ("When did the harbour festival open?", True),  # "Sunday" is a date
    ("Who opened the harbour festival?", False),  # no name beyond the question's own words
    ("What did the mayor say about the harbour festival?", True),  # "organisers said": someone's words
])
def test_a_sentence_without_the_kind_of_answer_asked_for_counts_less(question, answered):
    from core.settings import ReadingSettings
    from qa.reader_select import select

    settings = ReadingSettings(reader_threshold=0.1, missing_kind_factor=0.2, missing_name_factor=1.0)
    ranked, passages = _ranked(0.3, FESTIVAL, FESTIVAL_TITLE)
    assert bool(select(ranked, passages, settings, 3, question=question)) is answered
    off = settings.model_copy(update={"missing_kind_factor": 1.0})
    assert select(ranked, passages, off, 3, question=question)


@pytest.mark.parametrize(("question", "answered"), [
    ("How many visitors did the harbour festival draw?", True),
    # The festival is reported, its outcome is not: "will return" for "did it return?" holds no answer.
    ("Did the harbour festival return to the quay?", False),
])
def test_a_sentence_with_the_asked_outcome_still_to_come_counts_less(question, answered):
    from core.settings import ReadingSettings
    from qa.reader_select import select

    text = FESTIVAL + " Organisers said the festival will return to the quay next summer."
    settings = ReadingSettings(reader_threshold=0.1, missing_kind_factor=0.2, missing_name_factor=1.0)
    ranked, passages = _ranked(0.3, text, FESTIVAL_TITLE)
    assert bool(select(ranked, passages, settings, 3, question=question)) is answered
    off = settings.model_copy(update={"missing_kind_factor": 1.0})
    assert select(ranked, passages, off, 3, question=question)


def test_asked_for_someones_words_runners_up_quoting_another_named_person_are_left_out():
    from core.settings import ReadingSettings
    from core.types import Chunk, Passage
    from qa.extractive import Candidate
    from qa.reader_select import select

    sentences = ["Opposition councillor Ruth Aherne said the plan ignored the ferry terminal.",
                 "\u201cThe terminal floods every spring and nobody has costed it,\u201d she said.",
                 "\u201cWe cannot leave the fishing fleet exposed for another winter,\u201d Mayor Brendan Toal said."]
    text = " ".join(sentences)
    chunk = Chunk(id="h:0000", article_id="h", position=0, text=text, title="Harbour repairs approved")
    ranked = [Candidate(0, 0, len(s), s, score=1.0 - 0.1 * i, prob=0.9 - 0.05 * i, index=i,
                        previous=sentences[i - 1] if i else "") for i, s in enumerate(sentences)]
    passages = [Passage(chunk=chunk, score=1.0)]
    settings = ReadingSettings(reader_threshold=0.1)

    def chosen(question: str) -> list[str]:
        return [c.text for c in select(ranked, passages, settings, 3, question=question)]

    assert chosen("What did the opposition councillor say about the harbour?") == sentences[:2]
    # Named in the question, the other speaker is asked about too; not asked for words, no speaker is checked.
    assert chosen("What did Ruth Aherne and Mayor Toal say about the harbour?") == sentences
    assert chosen("Which part of the harbour plan was criticised?") == sentences


@pytest.mark.parametrize(("prob", "first"), [(0.5, "Corrigan"), (0.2, "Harbourview")])
def test_asked_for_a_named_persons_words_theirs_go_first_when_the_reader_half_believes_them(prob, first):
    from core.settings import ReadingSettings
    from core.types import Chunk, Passage
    from qa.extractive import Candidate
    from qa.reader_select import select

    sentences = ["Harbourview TV said Tamsin Hale would take over the show in March.",
                 "\u201cI'll finally get to fix the boat,\u201d Corrigan said in a statement."]
    chunk = Chunk(id="t:0000", article_id="t", position=0, text=" ".join(sentences), title="Corrigan hands over")
    ranked = [Candidate(0, 0, 1, sentences[0], score=1.0, prob=0.9),
              Candidate(0, 0, 1, sentences[1], score=0.6, prob=prob, index=1)]
    settings = ReadingSettings(reader_threshold=0.1, runner_up_belief=0.3)
    chosen = select(ranked, [Passage(chunk=chunk, score=1.0)], settings, 3,
                    question="What joke did Declan Corrigan make about leaving the show?")
    assert first in chosen[0].text
    assert len(chosen) == 1  # one speaker's words: the other is left out either way


@pytest.mark.parametrize(("first_prob", "first"), [(0.5, "ordered"), (0.9, "board")])
def test_an_answer_is_a_sentence_the_reader_believes_not_one_the_heuristic_carried(first_prob, first):
    from core.settings import ReadingSettings
    from core.types import Chunk, Passage
    from qa.extractive import Candidate
    from qa.reader_select import select

    # The board sentence leads the blended rank (its words match) but gives no figure for "how many": believed at
    # a fifth of its probability, below the threshold unless the reader is sure of it.
    texts = ["Harbourline's board met on Tuesday in Dunmore to discuss its ferries.",
             "Harbourline ordered four electric ferries from a Galway shipyard."]
    passages = [Passage(chunk=Chunk(id=f"{k}:0000", article_id=k, position=0, text=t, title="Harbourline ferries"),
                        score=1.0) for k, t in zip("ab", texts, strict=True)]
    ranked = [Candidate(0, 0, len(texts[0]), texts[0], score=0.9, prob=first_prob),
              Candidate(1, 0, len(texts[1]), texts[1], score=0.6, prob=0.4)]
    settings = ReadingSettings(reader_threshold=0.15, missing_kind_factor=0.2, missing_name_factor=1.0)
    chosen = select(ranked, passages, settings, 1, question="How many ferries did Harbourline order?")
    assert first in chosen[0].text


@pytest.mark.parametrize(("question", "grows"), [
    ("What did the harbour master say about the pier?", False),  # the next quotation is another speaker's
    ("What did Ellen Quigley and Tadhg Moran say about the pier?", True),  # both asked about
])
def test_asked_for_someones_words_a_quotation_naming_another_speaker_does_not_carry_the_answer_on(question, grows):
    from core.types import Chunk, Passage
    from qa.extractive import Candidate, ExtractiveAnswerer

    sentences = ["Harbour master Ellen Quigley said on Monday the pier would close for a month.",
                 "\u201cThe pier is how we earn a living,\u201d said Tadhg Moran, a fisherman."]
    text = " ".join(sentences)
    passages = [Passage(chunk=Chunk(id="p:0000", article_id="p", position=0, text=text, title="Pier closes"),
                        score=1.0)]
    cands = [Candidate(0, text.index(s), text.index(s) + len(s), s, index=i) for i, s in enumerate(sentences)]
    extra = ExtractiveAnswerer(None)._continuations(cands[:1], cands, passages, question, quotes_only=True)
    assert bool(extra) is grows
