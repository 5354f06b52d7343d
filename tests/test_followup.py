"""Follow-up questions: the previous turn's topic is carried into retrieval when the question leans on it."""

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from core.types import Article
from qa.chain import Turn
from qa.followup import LLMRewriter, carry_context, leans_on_history, names


@pytest.mark.parametrize(
    ("question", "leans"),
    [
        ("When did he resign?", True),
        ("How many rehearsals did the choir hold before her debut?", True),
        ("By late Tuesday night, how far ahead was the 'No' side?", True),  # no name of its own
        ("What about Germany?", True),
        ("What did Biden say about it?", True),
        ("Who won the 2022 World Cup?", False),
        ("What did Le Drian say?", False),
        ("Whom did Ilse Varga replace when she became Norland's finance minister in October 2023?", False),
    ],
)
def test_leans_on_history(question, leans):
    assert leans_on_history(question) is leans


def test_names():
    assert names("Odile Brand, chosen along with pilot Rui Tavora.") == ["Odile Brand", "Rui Tavora"]
    assert names("What did the Varnholm company Norvexa Robotics say?") == ["Varnholm", "Norvexa Robotics"]


def test_carry_context_adds_the_previous_topic():
    history = [Turn(question="Which founder of the Harbour Pilots Guild was named to the Maritime Roll of Honour?",
                    answer="Odile Brand, chosen along with pilot Rui Tavora. [1]")]
    step = carry_context("How often had she been turned down until then?", history)
    assert step.carried
    assert "Harbour Pilots Guild" in step.query and "Odile Brand" in step.query
    assert step.focus.startswith("How often had she been turned down until then?")
    assert "Odile Brand" in step.focus and "[1]" not in step.query


def test_a_new_topic_is_left_alone():
    history = [Turn(question="What did Le Drian say?", answer="Le Drian said NATO rediscovered itself.")]
    step = carry_context("Who won the 2022 World Cup?", history)
    assert not step.carried and step.query == step.focus == "Who won the 2022 World Cup?"
    assert carry_context("When did he resign?", []).query == "When did he resign?"


def test_llm_rewriter_uses_the_reply_and_falls_back_on_nothing():
    history = [Turn(question="Who is Spain's finance minister?", answer="Maria Lopez [1].")]
    rewritten = LLMRewriter(FakeListChatModel(responses=['"When did Maria Lopez resign?"']))
    assert rewritten("When did she resign?", history).query == "When did Maria Lopez resign?"
    empty = LLMRewriter(FakeListChatModel(responses=[""]))
    assert "Spain" in empty("When did she resign?", history).query


ARTICLES = [
    Article(id="lopez", title="Spanish finance minister quits", source="Wire", published="2024-03-04",
            text="Spanish finance minister Maria Lopez presented a budget of spending cuts in February.\n\n"
                 "Lopez resigned on March 3, 2024, after parliament rejected the budget."),
    Article(id="rossi", title="Italian transport minister steps down", source="Wire", published="2023-06-10",
            text="Italian transport minister Paolo Rossi faced questions over a bridge contract.\n\n"
                 "Rossi resigned on June 9, 2023, saying he wanted to protect the government."),
]


@pytest.fixture
def ministers_desk(desk):
    assert desk.ingest([], articles=ARTICLES).ok
    return desk


def test_follow_up_answers_about_the_previous_turns_person(ministers_desk):
    first = ministers_desk.ask("What budget did Spanish finance minister Maria Lopez present?")
    assert not first.refused and first.citations[0].article_id == "lopez"
    history = [Turn(question=first.question, answer=first.answer,
                    cited_articles=[c.article_id for c in first.citations])]
    follow = ministers_desk.ask("When did she resign?", history=history)
    assert not follow.refused
    assert "March 3, 2024" in follow.answer and "June 9" not in follow.answer
    assert "Maria Lopez" in follow.query


def test_a_follow_up_with_a_subject_of_its_own_is_focused_on_that_subject():
    history = [Turn(question="What did Sherry Ruiz say about the floods in Velmar?",
                    answer="Ruiz said the floods were the worst in decades. [1]")]
    step = carry_context("And what did the UN secretary-general say?", history)
    assert step.carried and "floods in Velmar" in step.query  # retrieval keeps the story
    assert step.focus == "And what did the UN secretary-general say?"  # the answer is about the new speaker
    pointing = carry_context("And what did she say about the dam?", history)
    assert "Ruiz" in pointing.focus


@pytest.mark.parametrize(("question", "last", "focus"), [
    ("And the traders' leader?", "What did Nyambo say after the vote?", "What did the traders' leader say?"),
    ("What about the patient group?", "What did the regulator's chief executive say about the price?",
     "What did the patient group say?"),
    ("And business owners?", "How did residents react to the runway ruling?", "How did business owners react?"),
    ("And what did the baker say?", "What did the mayor say?", "And what did the baker say?"),  # asks for itself
    ("And in 2023?", "How many votes did she get in 2024?", "And in 2023?"),  # no subject to swap in
    ("And in 2023?", "What did the mayor say in 2024?", "And in 2023?"),  # a time is no one to ask
    ("And yesterday?", "What did the mayor say?", "And yesterday?"),
    ("What about it?", "What did the mayor say about the bridge?", "What about it?"),
])
def test_a_follow_up_naming_only_someone_else_asks_them_what_the_last_turn_asked(question, last, focus):
    # The last question's topic ("about the price") was the last person's; the other is quoted on their own.
    step = carry_context(question, [Turn(question=last, answer="Nyambo said the budget was fair. [1]")])
    assert step.carried and last in step.query
    assert step.focus == focus


STORIES = [
    Article(id="rents", title="Corrib rents climb for a third year", source="Wire", published="2025-03-02",
            text="Rents in Corrib rose 9 percent last year, the tenancy board said.\n\n"
                 "Nurse Tomas Feeney said his rent had risen by 240 euros a month since 2023.\n\n"
                 "In a statement, the government said a new rental plan would be published in the autumn."),
    Article(id="trawlers", title="Kilbeg trawler owners to be paid for quota cut", source="Wire",
            published="2025-03-03",
            text="The government said on Monday that Kilbeg trawler owners would be paid for this year's quota cut."
                 "\n\nPayments of up to 30,000 euros will start in June, the fisheries minister said."),
]


# "And the government?" names only someone else: it is asked what the last question asked (qa/followup.about_another).
@pytest.mark.parametrize("question", ["And what did the government say?", "And the government?"])
def test_a_follow_up_with_a_subject_of_its_own_stays_in_the_conversations_story(desk, question):
    assert desk.ingest([], articles=STORIES).ok
    desk.retriever.settings = desk.retriever.settings.model_copy(update={"followup_articles": 1})
    # As in an evaluation set's history: the last answer's text, not which articles it cited.
    history = [Turn(question="What did nurse Tomas Feeney say about his rent?",
                    answer="His rent had risen by 240 euros a month since 2023. [1]")]
    follow = desk.ask(question, history=history)
    assert not follow.refused
    assert {c.article_id for c in follow.citations} == {"rents"}, follow.answer
    assert "rental plan" in follow.answer and "Feeney" not in follow.answer, follow.answer


def test_in_story_keeps_the_cited_articles_and_the_first_ones_retrieved():
    from types import SimpleNamespace

    from qa.chain import in_story

    passages = [SimpleNamespace(chunk=SimpleNamespace(article_id=a)) for a in ("b", "b", "c", "a", "d")]
    assert [p.chunk.article_id for p in in_story(passages, ["a"], 1)] == ["b", "b", "a"]
    assert [p.chunk.article_id for p in in_story(passages, [], 2)] == ["b", "b", "c"]
    assert in_story(passages, [], 0) == passages


def test_the_story_of_a_turn_given_as_text_is_the_article_holding_its_answer():
    from types import SimpleNamespace

    from qa.followup import story_of

    def passage(article: str, text: str) -> SimpleNamespace:
        return SimpleNamespace(chunk=SimpleNamespace(article_id=article, text=text))

    passages = [passage("trawlers", "The government said trawler owners would be paid in June."),
                passage("rents", "Nurse Tomas Feeney said his rent had risen by 240 euros a month since 2023.\n\n"
                                 "The government said its rental plan would cap rises at 2 percent."),
                passage("rents", "Landlords said the cap was too low.")]
    # Markers, case and curly quotes aside, a sentence of the answer is found in the article's text.
    assert story_of("His rent had risen by 240 euros a month since 2023. [1]", passages) == ["rents"]
    assert story_of("\u201cThe government said trawler owners would be paid in June\u201d [2]", passages) == [
        "trawlers"]
    assert story_of("In June. [1]", passages) == []  # too few words to tell one article from another
    assert story_of("", passages) == []
