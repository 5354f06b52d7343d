"""Text cleaning, dates and ids that every loader shares: what an article's text and metadata become."""

from __future__ import annotations

import datetime as dt
import hashlib
import time

import pytest

from index.clean import clean_text, derive_title, normalise_quotes, strip_invisible
from index.dates import iso_date
from index.loaders import article_id_for


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-03-03", "2024-03-03"),
        ("2024-03-03T10:00:00Z", "2024-03-03"),
        ("2024-03-03T23:30:00-05:00", "2024-03-03"),
        ("2024-03-03 10:00:00.123+00:00", "2024-03-03"),
        ("Tue, 10 Jun 2003 04:00:00 GMT", "2003-06-10"),
        ("Sat, 02 Mar 2024 23:30:00 -0500", "2024-03-02"),
        ("March 3, 2024", "2024-03-03"),
        ("3 March 2024", "2024-03-03"),
        ("Published: March 3, 2024", "2024-03-03"),
        ("Mar 3 2024 10:00 EST", "2024-03-03"),
        ("20240303", "2024-03-03"),
        ("1709459200", "2024-03-03"),
        (1709459200, "2024-03-03"),
        (1709459200000, "2024-03-03"),
        (1709459200.5, "2024-03-03"),
        (time.gmtime(1709459200), "2024-03-03"),
        (dt.datetime(2024, 3, 3, 23, 59), "2024-03-03"),
        (dt.date(2024, 3, 3), "2024-03-03"),
    ],
)
def test_iso_date_reads_every_published_shape(value: object, expected: str) -> None:
    assert iso_date(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "   ",
        "not a date",
        "yesterday",
        "today",
        "Tuesday",
        "March 2024",
        "2024",
        "2024-02-30",
        0,
        True,
        float("nan"),
        10**20,
        [2024, 3, 3],
    ],
)
def test_iso_date_never_invents_a_date(value: object) -> None:
    assert iso_date(value) is None


def test_clean_text_paragraphs_boilerplate_and_trailing_spaces() -> None:
    raw = (
        "First line.   \r\nSame paragraph.\r\n\r\n\r\n\r\n\r\nSecond.\n\n\nALSO READ:\u00a0 Other story\n"
        "read more: elsewhere\nRelated: thing\nADVERTISEMENT\nSign up for alerts\nSubscribe now\n"
        "Click here to win\nShare this article\nEditor\u2019s note: For the latest news, see our updates here.\n"
        "Third.\n\n\n"
    )
    assert clean_text(raw, None) == "First line.\nSame paragraph.\n\nSecond.\n\nThird."


def test_clean_text_keeps_lines_that_only_mention_boilerplate_words() -> None:
    raw = (
        '"Subscribe," she said, "and you will see."\nSubscribers complained about the price.\n'
        "Readers were told to read more carefully.\nAdvertisements for the game ran all week."
    )
    assert clean_text(raw, None) == raw


def test_clean_text_drops_the_repeated_title_across_quote_styles() -> None:
    title = "Minister\u2019s \u201cbold\u201d plan"
    raw = "  minister's \"BOLD\" plan.  \n\nThe minister's plan is bold.\n\nMINISTER\u2019S \u00abBOLD\u00bb PLAN"
    assert clean_text(raw, title) == "The minister's plan is bold."
    assert clean_text(raw, None).startswith("  minister's")


def test_invisible_and_bidi_characters_are_stripped() -> None:
    hostile = "Pay\u200b\u200c\u200d\ufeff\u2060 no\u202e\u202a\u202b\u202c\u202d one\u2066\u2067\u2068\u2069 now"
    assert strip_invisible(hostile) == "Pay no one now"
    assert clean_text(hostile + "\n\nA\u200bdvertisement", None) == "Pay no one now"


def test_normalise_quotes() -> None:
    assert (
        normalise_quotes("\u2018a\u2019 \u201ab\u201b \u201cc\u201d \u201ed\u201f \u00abe\u00bb")
        == '\'a\' \'b\' "c" "d" "e"'
    )


def test_derive_title_takes_the_first_sentence_within_120_chars() -> None:
    assert derive_title("\n\nShort lead. Second sentence.\nMore.") == "Short lead."
    long_title = derive_title("word " * 60)
    assert len(long_title) <= 120 and long_title.endswith("\u2026") and "  " not in long_title


def test_article_id_is_the_first_12_hex_of_sha1() -> None:
    assert article_id_for("https://example.org/a") == hashlib.sha1(b"https://example.org/a").hexdigest()[:12]
    assert article_id_for("x") == article_id_for("x") != article_id_for("y")


def test_a_url_escaped_line_is_unescaped_and_a_lone_percent_is_kept():
    text = "%27I%27ll go fix the boat%2C%27 Corrigan said in a statement\n\nGDP fell 32.9% in Q2, 50%2 left."
    cleaned = clean_text(text)
    assert cleaned.startswith("'I'll go fix the boat,' Corrigan said in a statement")
    assert "32.9% in Q2, 50%2 left." in cleaned
