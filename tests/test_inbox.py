"""`newsdesk ingest FOLDER` over a newsroom's inbox: every file read or accounted for, then asked about."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.documents import CHROMIUM, PICTURE_HTML, RELEASE_HTML, print_pdf, release_email, write_memo
from ui.cli import app

CITY_RSS = """<?xml version="1.0"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>City Hall News</title><link>https://city.example/</link>
<item><title>Council names new fire chief</title><link>https://city.example/fire-chief</link>
<pubDate>Thu, 07 Mar 2024 10:00:00 GMT</pubDate><content:encoded><![CDATA[<p>The city council named Deputy Chief
Tom Alvarez as the new fire chief on Thursday, after a six-month search.</p>]]></content:encoded></item>
</channel></rss>"""
ATOM = """<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Valley Wire</title>
<id>urn:valley</id><updated>2024-03-06T12:00:00Z</updated><entry><title>Orchard frost</title><id>urn:1</id>
<updated>2024-03-06T12:00:00Z</updated><content type="text">A late frost damaged half of the valley's apple
blossom, growers said on Wednesday.</content></entry></feed>"""
RDF = """<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
xmlns="http://purl.org/rss/1.0/"><channel rdf:about="https://wire.example/"><title>Wire</title>
<link>https://wire.example/</link><description>d</description></channel><item rdf:about="urn:rdf-1">
<title>Tram depot</title><description>The tram depot will move to the old rail yard by 2027, the transit board
decided.</description></item></rdf:RDF>"""


def ingest(*args: str):
    return CliRunner().invoke(app, ["ingest", *args])


def ask(question: str) -> dict:
    result = CliRunner().invoke(app, ["ask", "--json", question])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_feeds_in_a_folder_are_read_and_other_files_are_counted_by_type(tmp_path):
    inbox = tmp_path / "inbox"
    (inbox / "feeds").mkdir(parents=True)
    (inbox / "feeds" / "valley.xml").write_text(ATOM)
    (inbox / "feeds" / "wire.xml").write_text(RDF)
    # Not well-formed XML (the root tag is cut), but feedparser still reads the feed: read as one.
    (inbox / "feeds" / "broken.xml").write_text('<rss version="2.0"<channel><title>Quay</title><item><title>Quay '
                                                'repairs</title><description>Repairs to the north quay will take '
                                                'until June, the port said.</description></item></channel></rss>')
    (inbox / "feeds" / "settings.xml").write_text("<?xml version='1.0'?><settings><a>1</a></settings>")
    for name in ("photo.png", "chart.png", "budget.xlsx", "README"):
        (inbox / name).write_bytes(b"\x89PNG\r\n\x1a\n" if name.endswith(".png") else b"data")
    result = ingest(str(inbox))
    assert result.exit_code == 0, result.output
    assert "3 added" in result.stdout
    assert "skipped 5 files by type: .png 2, (none) 1, .xlsx 1, .xml 1 (--verbose lists them)" in result.stderr
    assert "photo.png" not in result.stderr

    verbose = ingest(str(inbox), "--verbose", "--json")
    assert verbose.exit_code == 0
    assert f"skipped {inbox / 'feeds' / 'settings.xml'}: not read, file type .xml" in verbose.stderr
    assert f"skipped {inbox / 'photo.png'}: not read, file type .png" in verbose.stderr
    assert "skipped 5 files by type: .png 2, (none) 1, .xlsx 1, .xml 1\n" in verbose.stderr
    report = json.loads(verbose.stdout.strip().splitlines()[-1])
    assert len(report["unchanged"]) == 3
    assert {"where": str(inbox / "README"), "type": "(none)"} in report["skipped_files"]


def test_a_run_with_nothing_readable_exits_3_and_says_so(tmp_path):
    (tmp_path / "pictures").mkdir()
    (tmp_path / "pictures" / "a.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    result = ingest(str(tmp_path / "pictures"))
    assert result.exit_code == 3
    assert "skipped 1 files by type: .png 1" in result.stderr
    assert "nothing readable: no article came out of the inputs. newsdesk reads .txt .md" in result.stderr
    (tmp_path / "empty").mkdir()
    assert ingest(str(tmp_path / "empty")).exit_code == 3


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian chromium: apt-get install chromium")
def test_an_inbox_of_pdf_word_email_and_feed_is_answered_page_by_page(tmp_path: Path):
    inbox = tmp_path / "inbox"
    (inbox / "feeds").mkdir(parents=True)
    print_pdf(RELEASE_HTML, inbox / "terminal-release.pdf")
    print_pdf(PICTURE_HTML, inbox / "scanned-letter.pdf")
    write_memo(inbox / "library-memo.docx")
    (inbox / "water-release.eml").write_bytes(release_email())
    (inbox / "feeds" / "city.rss").write_text(CITY_RSS)

    result = ingest(str(inbox))
    assert result.exit_code == 3, result.output
    assert "4 added" in result.stdout
    assert (f"skipped {inbox / 'scanned-letter.pdf'}: no text layer: its one page holds only images (a scan?)"
            in result.stderr)

    cases = [
        ("How will the second phase of the ferry terminal be paid for?", "federal grant of $12 million",
         "Harbor Authority approves new ferry terminal", 2),
        ("How much will the new ferry terminal cost?", "$48 million", "Harbor Authority approves new ferry terminal",
         1),
        ("Until what time will the central library stay open on weekdays?", "9 p.m.", "Memo: library hours", None),
        ("When did Valley Water lift the boil-water notice?", "lifted the boil-water notice",
         "Valley Water lifts boil-water notice", None),
        ("Who did the city council name as the new fire chief?", "Tom Alvarez", "Council names new fire chief", None),
    ]
    for question, expected, title, page in cases:
        answer = ask(question)
        assert not answer["refused"], (question, answer["answer"])
        cited = [c for c in answer["citations"] if expected in c["quote"]]
        assert cited, (question, answer["answer"])
        assert {c["title"] for c in cited} == {title}
        assert {c["page"] for c in cited} == {page}, (question, cited)
