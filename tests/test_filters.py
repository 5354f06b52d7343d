"""Constraints read from the question, and their way into Chroma's where, the lexical index's filters and the answer."""

from datetime import date

import pytest

from core.types import Article, Filters
from qa.filters import describe, merge, parse_constraints, period

SOURCES = ["CNN", "USA Today", "The Week"]
TODAY = date(2024, 3, 14)  # a Thursday


def parse(question: str):
    return parse_constraints(question, SOURCES, TODAY)


@pytest.mark.parametrize(
    ("question", "sources", "since", "until"),
    [
        ("According to CNN, what did Biden say?", ["CNN"], None, None),
        ("what did cnn say about the strike?", ["CNN"], None, None),
        ("According to the week, how many trains ran late?", ["The Week"], None, None),
        ("In USA Today's February 2020 piece on the marina, who spoke?", ["USA Today"], "2020-02-01", "2020-02-29"),
        ("In The Week's February 2021 story about bike lanes, which towns?", ["The Week"], "2021-02-01", "2021-02-28"),
        ("What happened in Gaza last week?", [], "2024-03-04", "2024-03-10"),
        ("What did the mayor say this month?", [], "2024-03-01", "2024-03-14"),
        ("What was reported yesterday about the storm?", [], "2024-03-13", "2024-03-13"),
        ("What happened in the past 3 days?", [], "2024-03-11", "2024-03-14"),
        ("What did CNN report since 2023 about inflation?", ["CNN"], "2023-01-01", None),
        ("Which storms hit after March 2023?", [], "2023-04-01", None),
        ("News about snow before Jan. 5, 2024?", [], None, "2024-01-04"),
        ("Articles published in January 2024 about Trump?", [], "2024-01-01", "2024-01-31"),
        ("What did Biden say between March 2023 and June 2023?", [], "2023-03-01", "2023-06-30"),
    ],
)
def test_constraints_become_filters(question, sources, since, until):
    got = parse(question)
    assert (got.filters.sources, got.filters.since, got.filters.until) == (sources, since, until)
    assert got.notes  # whatever was applied is described


@pytest.mark.parametrize(
    "question",
    [
        "Who resigned in the week before the vote?",  # not The Week
        "What did the USA do today?".replace("today", "on Monday"),
        "How many bus routes have closed over the past five years?",  # dates the facts, not the article
        "What happened in the last year of his term?",
        "Who won the 2022 World Cup?",
    ],
)
def test_no_false_filters(question):
    got = parse(question)
    assert got.filters.is_empty(), got.filters


def test_source_names_are_not_read_as_dates():
    got = parse("According to USA Today, who won?")
    assert got.filters.sources == ["USA Today"] and got.filters.since is None and got.prefer is None


def test_an_event_month_is_a_preference_not_a_filter():
    got = parse("Which glacier on Mount Tarvel collapsed in 1987?")
    assert got.filters.is_empty()
    assert got.prefer == Filters(since="1987-01-01", until="1987-12-31")
    assert "preferring" in got.notes[0]


def test_period():
    assert period("February 2024") == (date(2024, 2, 1), date(2024, 2, 29))
    assert period("Sept. 3, 2022") == (date(2022, 9, 3), date(2022, 9, 3))
    assert period("2021") == (date(2021, 1, 1), date(2021, 12, 31))
    assert period("2023-02-30") is None


def test_options_win_over_the_question():
    explicit = Filters(sources=["USA Today"], since="2020-01-01")
    parsed = Filters(sources=["CNN"], since="2023-01-01", until="2023-12-31")
    assert merge(explicit, parsed) == Filters(sources=["USA Today"], since="2020-01-01", until="2023-12-31")
    assert describe(merge(None, parsed)) == "source: CNN; published 2023-01-01 to 2023-12-31"


ARTICLES = [
    Article(id="cnn-snow", title="Snowstorm closes schools", source="CNN", published="2024-01-10",
            text="A snowstorm closed schools across Ohio on Wednesday, officials said. Buses stayed home."),
    Article(id="usa-snow", title="Snow day for Ohio schools", source="USA Today", published="2023-12-05",
            text="Heavy snow closed schools in Ohio, the state said. Parents scrambled for childcare."),
    Article(id="week-snow", title="Why snow days matter", source="The Week", published="2024-02-20",
            text="Snow days in Ohio cost schools a week of learning, researchers said."),
]


@pytest.fixture
def snow_desk(desk):
    report = desk.ingest([], articles=ARTICLES)
    assert report.ok
    return desk


def test_question_filters_reach_both_retrievers(snow_desk):
    answer = snow_desk.ask("According to usa today, why did schools in Ohio close?")
    assert answer.filters.sources == ["USA Today"]
    assert {p.chunk.source for p in answer.passages} == {"USA Today"}
    assert answer.notes == ["filtered to source: USA Today"]
    assert answer.to_json()["filters"]["sources"] == ["USA Today"]
    # The BM25 side alone honours the same filters.
    hits = snow_desk.handle.lexical().search("schools Ohio snow", 10, answer.filters)
    assert hits and all(cid.startswith("usa-snow") for cid, _ in hits)


def test_relative_dates_use_today(snow_desk):
    answer = snow_desk.ask("Why did schools in Ohio close last month?", today=date(2024, 2, 15))
    assert (answer.filters.since, answer.filters.until) == ("2024-01-01", "2024-01-31")
    assert {p.chunk.article_id for p in answer.passages} == {"cnn-snow"}
    nothing = snow_desk.ask("Why did schools in Ohio close last week?", today=date(2025, 6, 1))
    assert nothing.refused and nothing.passages == []
    assert "published 2025-05-19 to 2025-05-25" in nothing.notes[0]


def test_explicit_options_override_the_question(snow_desk):
    answer = snow_desk.ask("According to CNN, why did schools in Ohio close?", filters=Filters(sources=["The Week"]))
    assert {p.chunk.source for p in answer.passages} == {"The Week"}
