"""The citation check on hand-written answers, good and bad, with the real embedding model."""

import pytest

from core.settings import AnswerSettings
from core.types import Chunk, Passage
from qa.cite import CitationChecker, parse_answer
from qa.claim_names import claim_names, unknown_names
from qa.extractive import ExtractiveAnswerer
from qa.figures import misbound_figures, quantities, spelled, unsupported_figures
from qa.negated import unnegated
from qa.prompts import REFUSAL


def _passage(text: str, article: str, position: int = 0, title: str = "Budget vote") -> Passage:
    chunk = Chunk(id=Chunk.make_id(article, position), article_id=article, position=position, text=text,
                  title=title, source="Wire", published="2024-02-01", url="https://news.test/" + article)
    return Passage(chunk=chunk, score=1.0)


PASSAGES = [
    _passage("The summit opened in Brussels on Monday. Delegates discussed energy prices at length.", "a1",
             title="Summit opens"),
    _passage("Finance minister Maria Lopez said the budget “will be balanced by 2026.” The vote passed 212 to 190.",
             "a2"),
    _passage("“We will not raise taxes on families,” Lopez said after the vote. The opposition rejected the plan.",
             "a2", position=1),
]
QUESTION = "What did Lopez say about the budget?"


@pytest.fixture
def checker(embedder):
    return CitationChecker(embedder, AnswerSettings())


@pytest.fixture
def lenient(embedder):
    return CitationChecker(embedder, AnswerSettings(strict_citations=False))


def test_parse_answer_markers():
    drafts = parse_answer("Lopez backed the plan [2]. It passed. [2][3] Taxes stay [2, 3]. Odd claim [9].", 3)
    assert [(d.text, d.cites) for d in drafts] == [
        ("Lopez backed the plan.", [1]),
        ("It passed.", [1, 2]),
        ("Taxes stay.", [1, 2]),
        ("Odd claim.", []),
    ]
    assert [d.cites for d in parse_answer("No marker here. Another [1].", 1)] == [[], [0]]


def test_paraphrase_with_the_right_citation_is_supported(checker):
    answer = checker.check_text(QUESTION, "Maria Lopez said the budget will be balanced by 2026 [2].", PASSAGES)
    assert not answer.refused
    assert [s.supported for s in answer.sentences] == [True]
    # The citation is rebuilt with the passage sentence, verbatim.
    assert answer.citations[0].quote == "Finance minister Maria Lopez said the budget “will be balanced by 2026.”"
    assert answer.citations[0].chunk_id == PASSAGES[1].chunk.id
    assert answer.answer.endswith("[1]")


def test_invented_quote_is_unsupported_and_dropped(checker, lenient):
    text = "Lopez said “we will cut every tax next year” [3]."
    loose = lenient.check_text(QUESTION, text, PASSAGES)
    assert [s.supported for s in loose.sentences] == [False]
    strict = checker.check_text(QUESTION, text, PASSAGES)
    assert strict.refused and strict.answer.startswith(REFUSAL) and not strict.citations


def test_real_quote_with_curly_or_straight_marks_is_supported(checker):
    answer = checker.check_text(QUESTION, 'Lopez said "We will not raise taxes on families" after the vote [3].',
                                PASSAGES)
    assert [s.supported for s in answer.sentences] == [True]


def test_wrong_passage_cited_is_unsupported(lenient):
    answer = lenient.check_text(QUESTION, "Lopez said taxes on families will not be raised [1].", PASSAGES)
    assert [s.supported for s in answer.sentences] == [False]


def test_invented_figure_is_unsupported(lenient):
    answer = lenient.check_text(QUESTION, "The vote passed 250 to 190 [2].", PASSAGES)
    assert [s.supported for s in answer.sentences] == [False]


def test_out_of_range_citation_is_dropped(lenient):
    answer = lenient.check_text(QUESTION, "The vote passed 212 to 190 [7].", PASSAGES)
    assert answer.sentences[0].citations == [] and not answer.sentences[0].supported
    assert answer.citations == [] and "[7]" not in answer.answer


def test_strict_keeps_only_supported_sentences_and_renumbers(checker):
    text = ("The summit opened in Brussels [1]. Lopez promised free housing for everyone [2]. "
            "The vote passed 212 to 190 [2].")
    answer = checker.check_text(QUESTION, text, PASSAGES)
    assert [s.text for s in answer.sentences] == ["The summit opened in Brussels.", "The vote passed 212 to 190."]
    assert all(s.supported for s in answer.sentences)
    assert [c.n for c in answer.citations] == [1, 2]
    assert answer.citations[1].quote == "The vote passed 212 to 190."
    assert "free housing" not in answer.answer


def test_non_strict_keeps_and_flags(lenient):
    answer = lenient.check_text(QUESTION, "The summit opened in Brussels [1]. Lopez resigned in anger [2].",
                                PASSAGES)
    assert [s.supported for s in answer.sentences] == [True, False]
    assert "resigned" in answer.answer


def test_refusal_sentinel_and_empty_text_are_refusals(checker):
    for text in (REFUSAL, f"  {REFUSAL.lower()}  ", ""):
        answer = checker.check_text(QUESTION, text, PASSAGES)
        assert answer.refused and answer.answer.startswith(REFUSAL)


def test_sentence_without_any_marker_is_unsupported(lenient):
    answer = lenient.check_text(QUESTION, "The vote passed 212 to 190.", PASSAGES)
    assert [s.supported for s in answer.sentences] == [False]


def test_extractive_answers_pass_the_check_unchanged(embedder, checker):
    answer = ExtractiveAnswerer(embedder, AnswerSettings()).answer(QUESTION, PASSAGES)
    checked = checker.check_answer(answer)
    assert not checked.refused
    assert all(s.supported for s in checked.sentences)
    assert [c.quote for c in checked.citations] == [c.quote for c in answer.citations]
    assert checked.answer == answer.answer


def test_a_hedged_round_figure_is_checked_against_the_passage_within_a_quarter():
    passage = "About 2,312 workers walked out on Monday, and 812 homes lost power."
    assert not unsupported_figures("More than 2,000 workers walked out.", passage)
    assert not unsupported_figures("Nearly 800 homes lost power.", passage)
    assert unsupported_figures("2,000 workers walked out.", passage) == {"2000"}  # unhedged: must be exact
    assert unsupported_figures("Nearly 500 homes lost power.", passage) == {"500"}  # hedged, but far off


def test_a_difference_of_two_figures_counting_the_same_thing_is_stated():
    passage = ("A sack of maize that cost 1,450 shillings in March now sells for 2,100 shillings. Turnout was 64 "
               "percent, up from 52 percent; 38,940 people voted, against 26,300 in 2021.")
    assert not unsupported_figures("A sack now costs 650 shillings more than in March.", passage)
    assert not unsupported_figures("Turnout rose 12 points.", passage)
    assert not unsupported_figures("Turnout rose by 12 percentage points.", passage)
    assert not unsupported_figures("Turnout grew by about 12,600 people.", passage)  # 12,640, hedged
    assert unsupported_figures("Turnout grew by 12,600 people.", passage) == {"12600"}  # unhedged: exact
    assert unsupported_figures("A sack now costs 650 euros more.", passage) == {"650"}  # counts something else
    assert unsupported_figures("The price rose on March 12.", passage) == {"12"}  # a bare figure: not a difference
    # Not stated as a difference: one of the things counted, and wrong (26,300 + 12,640 people, not 12,640).
    assert unsupported_figures("38,940 people voted, and 12,640 people stayed away.", passage) == {"12640"}


def test_a_figure_the_passage_spells_out_is_stated():
    passage = '"Nine hundred families will have no income by winter," he said. Eleven of the centres close.'
    assert not unsupported_figures("Ndlovu said 900 families would have no income by winter.", passage)
    assert not unsupported_figures("11 centres close.", passage)
    assert unsupported_figures("9 centres close.", passage) == {"9"}
    assert spelled("twenty-five thousand three hundred and two") == {"25302"}


def test_what_a_figure_counts_is_the_word_after_it_or_its_sign():
    text = ("A 31-year-old paid $700 of the $2.4 million, 7.5% more; twenty-five people and 3 per cent, 87th in "
            "2026, a six-book list, 14 of the 17 seats, four times the limit.")
    assert quantities(text) == [("700", "dollar"), ("2.4", "million"), ("7.5", "percent"), ("25", "people"),
                                ("3", "percent"), ("87", "ordinal"), ("14", None), ("17", "seat"), ("4", None)]


def test_a_figure_counting_something_else_in_the_passage_is_misbound():
    passage = "The probe has used about 62 percent of its propellant, leaving roughly 18 months, the lab said."
    assert misbound_figures("It has used about 18 percent, leaving roughly 62 months.", passage) == \
        ["18 percent", "62 month"]
    assert not misbound_figures("About 62% is used; 18 more months remain.", passage)
    council = "The repairs will cost 2.4 million euros. Councillors voted 9 to 3 in favour."
    assert misbound_figures("The repairs will cost 9 million euros.", council) == ["9 million"]  # a scale is exact
    # A figure stated without what it counts ("12 of them") may count anything; a paraphrase keeps its word.
    homes = "The fire reached 40 homes and 12 of them burned down."
    assert not misbound_figures("12 homes burned down.", homes)
    assert not misbound_figures("Ndlovu, 31, said 40 homes were reached.", "A 31-year-old said 40 homes were reached.")


def test_the_names_a_sentence_uses():
    claim = ("Slovenia's Matej Kranjc told the EU, the French club and Mrs Foley in Ulaanbaatar that Chinese shoppers "
             "at the Mekong Green plant and Kim Mi-kyung saw 6 degrees Celsius.")
    assert claim_names(claim) == ["Slovenia", "Matej Kranjc", "Foley", "Ulaanbaatar", "Mekong Green", "Kim Mi-kyung"]
    # The first word is a name when a capitalised word or a verb of speech follows it.
    assert claim_names("Kranjc said the race was over.") == ["Kranjc"]
    assert claim_names("According to the doctor, he abandoned.") == []


def test_a_name_the_context_never_uses_is_unknown_whatever_its_case():
    context = "The prime minister, Kavitha Ramanna, said South African families in Kyoto paid more."
    assert not unknown_names("Prime Minister Kavitha Ramanna said South Africans in Kyoto paid more.", context)
    assert unknown_names("Ramanna said families in Osaka paid more.", context) == ["Osaka"]
    # A name is judged by its last word: a first name the passages leave out is no swap, a surname is.
    assert not unknown_names("It was Kavitha Ramanna who said so.", "Ramanna said so.")
    assert unknown_names("It was Kavitha Menon who said so.", "Kavitha Ramanna said so.") == ["Kavitha Menon"]
    # A word's forms are one word; a short name is still a name.
    assert not unknown_names("It grew Senegal's trade, Dean Rao said.", "Senegalese traders grew it, Rao said.")
    assert unknown_names("It grew, Dean Roy said.", "It grew, Rao said.") == ["Dean Roy"]


def test_a_word_the_cited_sentences_only_negate_stated_plainly_is_found():
    cited = "The council did not approve the ferry budget. Engineers said the wall would not hold another winter."
    assert unnegated("The council approved the ferry budget.", cited) == "approved"
    assert unnegated("The wall will hold, engineers said.", cited) == "hold"
    # A sentence negating in its own way is not judged; the negation reaches the first word after it only.
    assert unnegated("The council declined to approve the ferry budget.", cited) is None
    assert unnegated("Engineers spoke of another winter.", cited) is None
    # Curly apostrophes negate as straight ones do, in the cited sentences and in the claim.
    assert unnegated("The council approved the ferry budget.", "The council didn\u2019t approve it.") == "approved"
    assert unnegated("The council didn\u2019t approve the ferry budget.", cited) is None
    # A word the cited sentences also state plainly is not only negated.
    assert unnegated("The budget was approved.", cited + " The harbour budget was approved in May.") is None


def test_dates_are_weekdays_months_and_years_not_the_verb_may():
    from qa.cite import _dates

    assert _dates("It may open on Friday, March 3, 2025.") == {"Friday", "March", "2025"}
