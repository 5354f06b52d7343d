"""The web app with documents: PDF, Word and e-mail uploads in the Add-articles tab, pages in the sources panel."""

from __future__ import annotations

import pytest

from core.types import Answer, AnswerSentence, Chunk, Citation, Passage
from tests.documents import CHROMIUM, PICTURE_HTML, RELEASE_HTML, print_pdf, release_email, write_memo
from ui.render import sources_html
from ui.web_add import FILE_TYPES, add_articles
from ui.web_desk import WebDesk


@pytest.fixture
def web(desk):
    w = WebDesk(desk)
    yield w
    w.close()


def test_the_upload_widget_takes_the_new_types():
    assert {".pdf", ".docx", ".eml", ".rss", ".atom", ".xml", ".urls"} <= set(FILE_TYPES)


def test_the_sources_panel_names_the_page_of_a_paged_document():
    text = "The second phase will be paid for by a federal grant of $12 million, the treasurer said."
    chunk = Chunk(id="r:0001", article_id="r", position=1, text=text, title="Ferry terminal", source="Harbor",
                  published="2024-03-04", page=2)
    cite = Citation(n=1, article_id="r", chunk_id="r:0001", title="Ferry terminal", source="Harbor",
                    published="2024-03-04", url=None, page=2, quote=text)
    other = Chunk(id="m:0000", article_id="m", position=0, text="Memo text.", title="Memo", source="Clerk")
    answer = Answer(question="q", answer=f"{text} [1]", refused=False, citations=[cite],
                    passages=[Passage(chunk=chunk, score=1.0), Passage(chunk=other, score=0.5)],
                    sentences=[AnswerSentence(text=text, citations=[1])])
    panel = sources_html(answer)
    assert '<div class="nd-meta">Harbor · 2024-03-04 · p. 2</div>' in panel
    assert '<div class="nd-meta">Clerk</div>' in panel  # no page for an unpaged article
    assert cite.model_dump()["page"] == 2 and Chunk.from_metadata("r:0001", text, chunk.metadata()).page == 2
    assert "page" not in other.metadata()


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian chromium: apt-get install chromium")
def test_pdf_word_and_email_uploads_each_get_their_result(web, tmp_path):
    release = print_pdf(RELEASE_HTML, tmp_path / "terminal.pdf")
    scan = print_pdf(PICTURE_HTML, tmp_path / "scan.pdf")
    memo = write_memo(tmp_path / "memo.docx")
    mail = tmp_path / "water.eml"
    mail.write_bytes(release_email(attachments=[("terminal-copy.pdf", release.read_bytes(), "application/pdf")]))
    summary, rows = add_articles(web, [str(release), str(scan), str(memo), str(mail)])
    by_input = {}
    for label, title, result, detail in rows:
        by_input.setdefault(label, []).append((title, result, detail))
    assert by_input["terminal.pdf"] == [("Harbor Authority approves new ferry terminal", "added", "")]
    assert by_input["scan.pdf"][0][1] == "failed" and by_input["scan.pdf"][0][2].startswith("no text layer")
    assert by_input["memo.docx"] == [("Memo: library hours", "added", "")]
    # The attached copy of the release is the same text as terminal.pdf: a duplicate of it, reported as such.
    assert [r[1] for r in by_input["water.eml"]] == ["added", "duplicate"]
    assert summary == "3 added, 1 duplicate, 1 failed"
