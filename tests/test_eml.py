"""E-mail press releases (.eml built with the standard library's email.message): headers, body, attachments."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.types import Article
from index.eml import articles_from_eml
from index.outcomes import LoadFailure
from index.walk import iter_articles
from tests.documents import CHROMIUM, PICTURE_HTML, RELEASE_HTML, print_pdf, release_email, write_memo

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def read(tmp_path: Path, data: bytes, name: str = "release.eml") -> list[Article | LoadFailure]:
    (tmp_path / name).write_bytes(data)
    return list(iter_articles(tmp_path / name))


def test_subject_date_sender_and_unwrapped_text(tmp_path):
    (article,) = read(tmp_path, release_email())
    assert isinstance(article, Article), article
    assert article.title == "Valley Water lifts boil-water notice"  # "Fwd:" dropped
    assert article.published == "2024-03-06"  # the date as written, not shifted to UTC
    assert article.source == "Valley Water Press Office"
    assert article.url == "mid:release-42@valleywater.example"
    # The mail's wrapped lines are one paragraph again, and the signature is gone.
    assert article.text.split("\n\n") == [
        "Valley Water lifted the boil-water notice for the east district on Wednesday after tests came back "
        "clean, the utility said.",
        "The utility's director, Ana Ruiz, said tap water is safe to drink again and thanked residents for "
        "their patience.",
    ]


def test_a_bare_address_gives_its_domain_as_source_and_html_only_mail_is_read(tmp_path):
    html = ("<html><body><p>The county opened a cooling centre at the Elm Street library on Tuesday as "
            "temperatures passed 38 degrees.</p><p>It will stay open until 10 p.m. through Friday, the county "
            "said.</p></body></html>")
    (article,) = read(tmp_path, release_email(subject="Cooling centre opens", sender="alerts@www.county.example",
                                              html=html))
    assert isinstance(article, Article), article
    assert article.source == "county.example"
    assert "cooling centre at the Elm Street library" in article.text and "<p>" not in article.text
    assert "until 10 p.m. through Friday" in article.text


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian chromium: apt-get install chromium")
def test_pdf_and_word_attachments_are_articles_of_their_own_linked_to_the_message(tmp_path):
    release = print_pdf(RELEASE_HTML, tmp_path / "terminal.pdf").read_bytes()
    scan = print_pdf(PICTURE_HTML, tmp_path / "scan.pdf").read_bytes()
    memo = write_memo(tmp_path / "memo.docx", created=None).read_bytes()
    data = release_email(attachments=[("terminal.pdf", release, "application/pdf"), ("memo.docx", memo, DOCX),
                                      ("logo.png", b"\x89PNG\r\n\x1a\n", "image/png"),
                                      ("scan.pdf", scan, "application/pdf")])
    (tmp_path / "mail").mkdir()
    items = read(tmp_path / "mail", data)
    message, pdf, word, failure = items
    assert isinstance(message, Article) and message.title == "Valley Water lifts boil-water notice"
    assert message.text.endswith("Attached: terminal.pdf, memo.docx.")
    assert isinstance(pdf, Article) and pdf.title == "Harbor Authority approves new ferry terminal"
    assert [page for _, page in pdf.pages] == [1, 2] and pdf.published == "2024-03-04"
    assert isinstance(word, Article) and word.title == "Memo: library hours"
    for attachment in (pdf, word):
        assert attachment.url == message.url == "mid:release-42@valleywater.example"
        assert attachment.source == "Valley Water Press Office"
        assert attachment.id != message.id
    # Without a date of its own, the memo is dated by the message that brought it.
    assert word.published == "2024-03-06"
    assert pdf.origin == f"{tmp_path / 'mail' / 'release.eml'}[1]"
    assert isinstance(failure, LoadFailure) and failure.where.endswith("release.eml[4]")
    assert failure.reason.startswith("attachment 'scan.pdf': no text layer")


def test_a_forwarded_message_attachment_is_read_too(tmp_path):
    from email import message_from_bytes, policy

    inner = message_from_bytes(release_email(subject="Road closure on Route 9", body="Route 9 will close "
                                                                                    "overnight for repaving.\n"),
                               policy=policy.default)
    outer = message_from_bytes(release_email(subject="FW: see below", body="Forwarding this one.\n"),
                               policy=policy.default)
    outer.add_attachment(inner)
    message, forwarded = read(tmp_path, bytes(outer))
    assert message.title == "see below" and forwarded.title == "Road closure on Route 9"
    assert message.text.endswith("Attached: forwarded message 'Road closure on Route 9'.")
    assert "repaving" in forwarded.text and forwarded.id != message.id


def test_not_a_message_and_an_empty_message_are_failures(tmp_path):
    (failure,) = read(tmp_path, b"just some text\nwithout headers\n", "notes.eml")
    assert failure.reason == "not an e-mail message (no From or Subject header)"
    (empty,) = articles_from_eml(release_email(body=""), "empty.eml", "k")
    assert isinstance(empty, LoadFailure) and empty.reason.startswith("empty article")
