"""PDF and Word files over real documents: Chromium-printed PDFs (two pages, a picture-only one, encrypted and
damaged copies) and .docx memos written with python-docx."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.types import Article
from index.chunking import chunk_article
from index.docx import MAX_INFLATED_BYTES, article_from_docx
from index.manifest import content_hash
from index.outcomes import LoadFailure
from index.pdf import article_from_pdf
from index.walk import iter_articles
from tests.documents import (
    CHROMIUM,
    PICTURE_HTML,
    RELEASE_HTML,
    encrypt_pdf,
    print_pdf,
    write_memo,
)

no_chromium = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian chromium: apt-get install chromium")


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    if not CHROMIUM.exists():
        pytest.skip("needs Debian chromium")
    folder = tmp_path_factory.mktemp("pdfs")
    release = print_pdf(RELEASE_HTML, folder / "release.pdf")
    untitled = RELEASE_HTML.replace("<title>Harbor Authority approves new ferry terminal</title>", "")
    return {
        "release": release,
        "untitled": print_pdf(untitled, folder / "untitled.pdf"),
        "headed": print_pdf(RELEASE_HTML, folder / "headed.pdf", header_footer=True),
        "picture": print_pdf(PICTURE_HTML, folder / "scan.pdf"),
        "locked": encrypt_pdf(release, folder / "locked.pdf", user_password="s3cret"),
        "owner_only": encrypt_pdf(release, folder / "protected.pdf", user_password=""),
    }


def only(path: Path) -> Article | LoadFailure:
    (item,) = list(iter_articles(path))
    return item


@pytest.mark.browser
@no_chromium
def test_a_two_page_pdf_is_one_article_whose_chunks_know_their_page(pdfs, embedder):
    article = only(pdfs["release"])
    assert isinstance(article, Article), article
    assert article.title == "Harbor Authority approves new ferry terminal"
    assert article.published == "2024-03-04"  # the dateline, not the day it was printed
    assert article.text.startswith("PORTSMOUTH, March 4, 2024")
    # Wrapped lines are one paragraph again: the sentence runs on over the line break.
    assert "its chair said after a unanimous vote of the board." in article.text
    assert [page for _, page in article.pages] == [1, 2]
    second = article.text[article.pages[1][0]:]
    assert second.startswith("Funding") and "federal grant of $12 million" in second
    chunks = chunk_article(article, 200, embedder.count_tokens_batch)
    assert {c.page for c in chunks} == {1, 2}
    assert all(c.page == 2 for c in chunks if "federal grant" in c.text)
    assert all(c.page == 1 for c in chunks if "$48 million" in c.text)
    assert next(c for c in chunks if c.page == 2).metadata()["page"] == 2


@pytest.mark.browser
@no_chromium
def test_without_a_metadata_title_the_first_heading_is_the_title(pdfs):
    article = only(pdfs["untitled"])
    assert isinstance(article, Article)
    assert article.title == "Harbor Authority approves new ferry terminal"
    assert "Harbor Authority approves new ferry terminal" not in article.text


@pytest.mark.browser
@no_chromium
def test_running_headers_footers_and_page_numbers_are_not_text(pdfs):
    plain, headed = only(pdfs["release"]), only(pdfs["headed"])
    assert isinstance(headed, Article)
    assert (headed.title, headed.text, headed.pages) == (plain.title, plain.text, plain.pages)


@pytest.mark.browser
@no_chromium
def test_a_picture_only_pdf_is_skipped_as_having_no_text_layer(pdfs):
    failure = only(pdfs["picture"])
    assert isinstance(failure, LoadFailure)
    assert failure.reason.startswith("no text layer") and "OCR" in failure.reason


@pytest.mark.browser
@no_chromium
def test_encrypted_pdfs_need_their_password_unless_only_editing_is_protected(pdfs):
    locked = only(pdfs["locked"])
    assert isinstance(locked, LoadFailure) and locked.reason.startswith("encrypted PDF: it needs a password")
    opened = only(pdfs["owner_only"])
    assert isinstance(opened, Article) and "federal grant" in opened.text


@pytest.mark.browser
@no_chromium
def test_damaged_pdfs_are_failures_with_their_reason(pdfs, tmp_path):
    data = pdfs["release"].read_bytes()
    cases = {"cut.pdf": data[: len(data) // 2], "garbage.pdf": b"%PDF-1.7\n" + bytes(range(256)) * 20,
             "renamed.pdf": b"PK\x03\x04 a zip file under a .pdf name"}
    for name, content in cases.items():
        (tmp_path / name).write_bytes(content)
    reasons = {name: only(tmp_path / name).reason for name in cases}
    assert reasons["cut.pdf"].startswith("damaged PDF, cannot be read: ")
    assert reasons["garbage.pdf"].startswith("damaged PDF, cannot be read: ")
    assert reasons["renamed.pdf"].startswith("not a PDF: the file has no %PDF- header")


@pytest.mark.browser
@no_chromium
def test_pages_are_part_of_the_content_hash_only_for_paged_documents(pdfs):
    article = only(pdfs["release"])
    moved = article.model_copy(update={"pages": [(0, 1), (article.pages[1][0] - 9, 2)]})
    assert content_hash(moved) != content_hash(article)
    unpaged = Article(id="x", title="T", text="Body.")
    assert content_hash(unpaged) == content_hash(unpaged.model_copy(update={"pages": []}))


def test_a_word_memo_has_its_title_author_date_headings_and_table(tmp_path):
    article = only(write_memo(tmp_path / "memo.docx"))
    assert isinstance(article, Article), article
    assert (article.title, article.authors, article.published) == ("Memo: library hours", ["City Clerk"],
                                                                    "2024-03-05")
    paragraphs = article.text.split("\n\n")
    assert paragraphs[0].startswith("The central library will stay open until 9 p.m.")
    assert "Staffing" in paragraphs  # a heading is a paragraph of its own
    assert "Weekdays | 9 a.m. to 9 p.m." in paragraphs and "Saturday | 10 a.m. to 5 p.m." in paragraphs
    assert article.pages == []


def test_a_word_file_without_properties_takes_its_title_from_the_text_and_no_template_date(tmp_path):
    import docx

    document = docx.Document()  # python-docx's template says author "python-docx", created 2013-12-23
    document.add_paragraph("Council approves bike lanes")
    document.add_paragraph("Date: 12 February 2024")
    document.add_paragraph("The council approved two new bike lanes on Main Street on Monday.")
    document.save(str(tmp_path / "bare.docx"))
    article = only(tmp_path / "bare.docx")
    assert isinstance(article, Article)
    assert (article.title, article.published, article.authors) == ("Council approves bike lanes", "2024-02-12", [])

    document = docx.Document()
    document.add_paragraph("Budget shortfall ahead")
    document.add_paragraph("The finance office expects a shortfall of $3 million next year.")
    document.save(str(tmp_path / "undated.docx"))
    assert only(tmp_path / "undated.docx").published is None


def test_broken_and_bomb_word_files_are_failures(tmp_path, monkeypatch):
    (tmp_path / "old.docx").write_bytes(b"\xd0\xcf\x11\xe0 an old binary .doc renamed")
    assert "not a Word .docx file" in only(tmp_path / "old.docx").reason
    import zipfile

    with zipfile.ZipFile(tmp_path / "empty.docx", "w") as archive:
        archive.writestr("hello.txt", "not a word document")
    assert only(tmp_path / "empty.docx").reason.startswith("damaged Word file, cannot be read")
    memo = write_memo(tmp_path / "memo.docx").read_bytes()
    monkeypatch.setattr("index.docx.MAX_INFLATED_BYTES", 1000)
    failure = article_from_docx(memo, "memo.docx", "memo")
    assert isinstance(failure, LoadFailure) and "over the 1,000-byte limit" in failure.reason
    assert MAX_INFLATED_BYTES == 200_000_000


def test_missing_and_empty_pdfs_are_failures(tmp_path):
    assert only(tmp_path / "missing.pdf").reason == "no such file or directory"
    (tmp_path / "empty.pdf").write_bytes(b"")
    assert only(tmp_path / "empty.pdf").reason == "empty file"
    assert article_from_pdf(b"%PDF", "x.pdf", "k").reason.startswith("not a PDF")
