from core.settings import AnswerSettings
from core.types import Chunk, Passage
from qa.extractive import ExtractiveAnswerer, question_names
from qa.prompts import REFUSAL
from qa.quotes import continues_quote


def _passage(text: str, article: str = "art1", position: int = 0, title: str = "Summit news") -> Passage:
    chunk = Chunk(id=Chunk.make_id(article, position), article_id=article, position=position, text=text,
                  title=title, source="Wire", published="2024-02-01", url="https://news.test/x")
    return Passage(chunk=chunk, score=1.0 / (position + 1))


PASSAGES = [
    _passage("The summit opened in Brussels on Monday. Delegates discussed energy prices at length.", position=0),
    _passage("Finance minister Maria Lopez said the budget “will be balanced by 2026.”", position=1),
    _passage("“We will not raise taxes on families,” she said after the vote. The opposition rejected the plan. "
             "Markets rose slightly.", position=2),
]


def test_question_names():
    assert question_names("What did Le Drian say?") == ["Le Drian"]
    assert question_names("What did Maria Lopez promise about the budget?") == ["Maria Lopez"]
    assert question_names("who won the cup?") == []


def test_continues_quote():
    assert continues_quote("Lopez said the budget “will be balanced.”", "“We will not raise taxes,” she said.")
    assert not continues_quote("Delegates discussed energy.", "“We will not raise taxes,” she said.")
    assert not continues_quote("Lopez said the budget is fine.", "Markets rose slightly.")


def test_picks_the_speaker_sentence_and_its_continuation(embedder):
    answer = ExtractiveAnswerer(embedder, AnswerSettings()).answer("What did Lopez say about the budget?", PASSAGES)
    assert not answer.refused
    quotes = [c.quote for c in answer.citations]
    assert quotes[0].startswith("Finance minister Maria Lopez said")
    assert any(q.startswith("“We will not raise taxes on families,”") for q in quotes)
    # Article order, one citation per sentence, each [n] in the text.
    assert [c.n for c in answer.citations] == list(range(1, len(quotes) + 1))
    for c in answer.citations:
        assert f"[{c.n}]" in answer.answer
        assert c.quote in PASSAGES[[p.chunk.id for p in PASSAGES].index(c.chunk_id)].chunk.text
    assert "energy prices" not in answer.answer


def test_refuses_below_threshold(embedder):
    answer = ExtractiveAnswerer(embedder, AnswerSettings()).answer("Who won the 2022 World Cup final?", PASSAGES)
    assert answer.refused
    assert answer.answer.startswith(REFUSAL)
    assert "Summit news" in answer.answer  # the nearest article is named
    assert answer.citations == []


def test_threshold_setting_controls_refusal(embedder):
    question = "What did Lopez say about the budget?"
    strict = ExtractiveAnswerer(embedder, AnswerSettings(refusal_threshold=0.99)).answer(question, PASSAGES)
    assert strict.refused


def test_citation_markers_inside_articles_are_defused(embedder):
    hostile = [_passage("Lopez said the budget plan [1] is final [99] and balanced.", position=0)]
    answer = ExtractiveAnswerer(embedder, AnswerSettings()).answer("What did Lopez say about the budget?", hostile)
    assert not answer.refused
    assert "[99]" not in answer.answer and "(99)" in answer.answer
    assert answer.citations[0].quote == "Lopez said the budget plan [1] is final [99] and balanced."


def test_max_sentences_is_respected(embedder):
    many = [_passage(f"Lopez said the budget point {i} matters.", position=i) for i in range(8)]
    answer = ExtractiveAnswerer(embedder, AnswerSettings(max_sentences=2)).answer(
        "What did Lopez say about the budget?", many)
    assert 1 <= len(answer.citations) <= 2


def test_a_sentence_holding_the_kind_asked_for_is_embedded_within_a_small_budget(embedder):
    # Three sentences share the question's words equally; only the last holds a date. With room for two, the date
    # must be among those embedded, or the "when" question can only be answered by an echo.
    passages = [_passage("The council budget drew a crowd. The council budget was debated for hours. "
                         "The council budget was approved on March 3, 2024.")]
    question = "When did the council approve the budget?"
    answerer = ExtractiveAnswerer(embedder, AnswerSettings(candidate_sentences=2))
    cands = answerer.candidates(passages)
    answerer.score(question, passages, cands)
    assert sum(c.score > 0 for c in cands) == 2  # the budget is respected
    dated = next(c for c in cands if "March 3" in c.text)
    assert dated.score == max(c.score for c in cands)
    assert "March 3, 2024" in answerer.answer(question, passages).answer


def test_an_editors_pointer_line_in_an_older_index_answers_nothing(embedder):
    # Indexed before cleaning dropped such lines: it shares the question's words but says nothing.
    passages = [_passage("Editor's note: For the latest news on the Burning Man festival, see our updates here. "
                         "Organisers said about 73,000 people were told to conserve food and water at Burning Man.")]
    answer = ExtractiveAnswerer(embedder, AnswerSettings()).answer(
        "What is the latest news on the Burning Man festival?", passages)
    assert "Editor's note" not in answer.answer
