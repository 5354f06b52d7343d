"""The web app's parts in process: chat turns, rendering, filters, uploads, index view, /ask and --share rules."""

from __future__ import annotations

import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import gradio as gr
import pytest

from core.errors import ConfigError
from core.types import Answer, AnswerSentence, Chunk, Citation, Passage
from qa.chain import Turn
from qa.prompts import REFUSAL
from tests.conftest import SAMPLE
from ui.render import answer_markdown, escape_markdown, highlight, safe_url, sources_html
from ui.web import ask_api, build_app, chat, check_share, example_questions, parse_auth
from ui.web_add import add_articles, results_html
from ui.web_chat import parse_filters
from ui.web_desk import WebDesk
from ui.web_index import index_view

HOSTILE = '<script>alert(1)</script> <img src=x onerror=alert(2)> [click](javascript:alert(3)) ![i](x.png)'


@pytest.fixture
def web(sample_desk):
    w = WebDesk(sample_desk)
    yield w
    w.close()


def hostile_answer(supported: bool = True) -> Answer:
    chunk = Chunk(id="h:0000", article_id="h", position=0, text=f"Intro. {HOSTILE} Outro.", title=HOSTILE,
                  source="<b>Evil</b>", published="2024-02-03", url="javascript:alert(4)")
    cite = Citation(n=1, article_id="h", chunk_id="h:0000", title=HOSTILE, source="<b>Evil</b>",
                    published="2024-02-03", url="javascript:alert(4)", quote=HOSTILE)
    return Answer(question="q", answer=f"{HOSTILE} [1]", refused=False, citations=[cite],
                  passages=[Passage(chunk=chunk, score=1.0)],
                  sentences=[AnswerSentence(text=HOSTILE, citations=[1], supported=supported)])


def test_chat_function_streams_a_cited_answer_with_sources(sample_desk):
    steps = list(chat(sample_desk, "What did Le Drian say?", [], []))
    assert len(steps) > 2  # a placeholder first, then the answer sentence by sentence
    assert steps[0][0][-1]["content"].startswith("*Searching")
    history, panel, turns = steps[-1]
    assert history[0] == {"role": "user", "content": "What did Le Drian say?"}
    final = history[-1]["content"]
    assert "rediscovered itself" in final and "impossible without NATO" in final
    assert "[\\[1\\]](#nd-source-1)" in final  # the marker links to its sources panel entry
    assert 'id="nd-source-1"' in panel and "NATO ministers reaffirm" in panel and "<mark>" in panel
    assert len(turns) == 1 and turns[0].cited_articles


class StreamingAnswerer:
    """The extractive answer written out word by word, its last sentence flagged unsupported: what an LLM
    answerer whose citation check rejected a sentence looks like to the UI."""

    def __init__(self, embedder) -> None:
        from qa.extractive import ExtractiveAnswerer

        self.inner = ExtractiveAnswerer(embedder)

    def answer(self, question, passages, query=None):
        return self.inner.answer(question, passages, query=query)

    def stream(self, question, passages, query=None):
        final = self.inner.answer(question, passages, query=query)
        for word in final.answer.split(" "):
            yield word + " "
        final.sentences[-1].supported = False
        yield final


def test_streamed_answer_grows_then_is_replaced_by_the_checked_one(settings, handle, embedder):
    from qa.desk import Desk

    desk = Desk(settings, handle=handle, answerer=StreamingAnswerer(embedder))
    desk.ingest([SAMPLE])
    steps = [history[-1]["content"] for history, _, _ in chat(desk, "What did Le Drian say?", [], [])]
    drafts = [s for s in steps if s.endswith("▍")]
    assert len(drafts) > 10 and all(len(a) < len(b) for a, b in zip(drafts, drafts[1:]))
    assert "](#nd-source-" not in drafts[-1]  # markers become links only in the checked answer
    assert "](#nd-source-1)" in steps[-1] and "⚠️" in steps[-1] and "not supported by" in steps[-1]


class FailingAnswerer:
    def answer(self, question, passages, query=None):
        from core.errors import AnswerError

        raise AnswerError("the LLM server at http://127.0.0.1:9/v1 is unreachable: start it")


def test_a_failed_answer_replaces_the_placeholder_then_raises(settings, handle):
    from core.errors import AnswerError
    from qa.desk import Desk

    desk = Desk(settings, handle=handle, answerer=FailingAnswerer())
    desk.ingest([SAMPLE])
    steps = chat(desk, "What did Le Drian say?", [], [])
    assert next(steps)[0][-1]["content"].startswith("*Searching")
    assert "No answer" in next(steps)[0][-1]["content"]
    with pytest.raises(AnswerError, match="unreachable"):
        next(steps)


def test_follow_up_turns_are_per_call_state(sample_desk):
    _, _, turns = list(chat(sample_desk, "What did Le Drian say?", [], []))[-1]
    _, _, other = list(chat(sample_desk, "What did Blinken say?", [], []))[-1]
    assert [t.question for t in turns] == ["What did Le Drian say?"]
    assert [t.question for t in other] == ["What did Blinken say?"]
    assert isinstance(turns[0], Turn)


def test_chat_notes_the_filters_it_used(sample_desk):
    filters = parse_filters("2021-01-01", None, ["No Such Paper"])
    history, panel, _ = list(chat(sample_desk, "What did Le Drian say?", [], [], filters))[-1]
    assert REFUSAL in history[-1]["content"].replace("\\", "")
    assert "*filtered to source: No Such Paper; published since 2021\\-01\\-01*" in history[-1]["content"]
    assert "nd-source\"" not in panel


def test_examples_come_from_the_corpus(sample_desk):
    examples = example_questions(sample_desk)
    assert "What did Le Drian say?" in examples


def test_app_builds_and_the_ask_endpoint_is_named(web):
    app = build_app(web)
    assert app.title == "newsdesk"
    assert "/ask" in [f"/{fn.api_name}" for fn in app.fns.values() if fn.api_name]


def test_rendering_is_inert():
    md = escape_markdown(HOSTILE)
    assert "<script>" not in md and "<img" not in md and "](javascript" not in md and "![" not in md
    assert safe_url("javascript:alert(1)") is None
    assert safe_url(" JavaScript:alert(1)") is None
    assert safe_url("data:text/html,hi") is None
    assert safe_url('https://example.com/"onmouseover=alert(1)') is None
    assert safe_url("https://example.com/a") == "https://example.com/a"


def test_markdown_escaping_keeps_apostrophes_and_entities_readable():
    md = escape_markdown("Le Drian's \"view\" & <b>")
    assert md == 'Le Drian\'s "view" &amp; &lt;b&gt;'


def test_hostile_article_renders_inert_in_the_panel_and_the_answer():
    answer = hostile_answer()
    panel = sources_html(answer)
    assert "<script" not in panel and "<img" not in panel and "javascript:" not in panel.replace(
        "javascript:alert(3)", "")  # the one left is escaped text inside the passage
    assert 'href="javascript' not in panel and "href=" not in panel  # no http(s) URL, so no link at all
    assert "&lt;script&gt;" in panel and "&lt;b&gt;Evil&lt;/b&gt;" in panel
    md = answer_markdown(answer)
    assert "<script>" not in md and "<img" not in md and "](javascript" not in md


def test_only_http_links_are_made():
    answer = hostile_answer()
    answer.citations[0].url = "https://news.example/a?b=1&c=2"
    panel = sources_html(answer)
    assert 'href="https://news.example/a?b=1&amp;c=2"' in panel and 'rel="noopener noreferrer nofollow"' in panel


def test_unsupported_sentences_are_marked():
    assert "not supported" not in answer_markdown(hostile_answer(supported=True))
    assert "⚠️" in answer_markdown(hostile_answer(supported=False))
    assert "not supported by \\[1\\]" in answer_markdown(hostile_answer(supported=False))


def test_highlight_marks_each_quote_once():
    text = "One. Two <b>. Three."
    assert highlight(text, ["Two <b>.", "Three.", "Two <b>."]) == (
        "One. <mark>Two &lt;b&gt;.</mark> <mark>Three.</mark>")
    assert highlight(text, ["not there"]) == "One. Two &lt;b&gt;. Three."


def test_refusal_lists_the_nearest_articles_escaped():
    answer = Answer(question="q", answer=f"{REFUSAL}\n\nNearest:\n- <b>Title</b> (CNN, 2024-01-01)", refused=True)
    md = answer_markdown(answer)
    assert md.startswith(escape_markdown(REFUSAL)) and "\n- &lt;b&gt;Title&lt;/b&gt; \\(CNN" in md


def test_filters_are_checked():
    assert parse_filters("2024-01-05", "", ["CNN"]).model_dump() == {"since": "2024-01-05", "until": None,
                                                                      "sources": ["CNN"]}
    with pytest.raises(gr.Error, match="not a date"):
        parse_filters("yesterday-ish", None, None)
    with pytest.raises(gr.Error, match="after until"):
        parse_filters("2024-02-01", "2024-01-01", None)


def test_ask_api_returns_the_json_contract(web):
    result = ask_api(web, "What did Le Drian say?")
    assert result["refused"] is False and "rediscovered itself" in result["answer"]
    messages = [{"role": "user", "content": "What did Le Drian say?"}, {"role": "assistant", "content": "x"}]
    assert "citations" in ask_api(web, "And Blinken?", messages, {"since": "2020-01-01"})
    with pytest.raises(gr.Error, match="filters"):
        ask_api(web, "What did Le Drian say?", [], {"nonsense": 1, "sources": "CNN"})


def test_upload_reports_each_item(web, tmp_path):
    good = tmp_path / "strike.txt"
    good.write_text("Port strike ends\n\nDockworkers voted on Monday to end the strike, the union said.\n")
    broken = tmp_path / "broken.json"
    broken.write_text('{"title": "x"')
    copy = tmp_path / "syndicated-copy.txt"
    copy.write_text("Allies welcome Blinken\n\n" + SAMPLE.read_text(encoding="utf-8").split("\n", 1)[1])
    summary, rows = add_articles(web, [str(good), str(broken), str(copy)])
    assert summary == "1 added, 1 duplicate, 1 failed"
    assert rows[0][:3] == ("strike.txt", "Port strike ends", "added")
    assert rows[1][0] == "broken.json" and rows[1][2] == "failed" and "JSON" in rows[1][3]
    assert rows[2][2] == "duplicate" and "NATO ministers reaffirm" in rows[2][3]
    summary, rows = add_articles(web, [str(good)])
    assert summary == "1 unchanged" and rows[0][2] == "unchanged"
    assert 'class="nd-unchanged"' in results_html(summary, rows)
    with pytest.raises(gr.Error, match="Choose files or paste URLs"):
        add_articles(web, [], "  \n# a comment\n")


@pytest.fixture
def news_site(tmp_path):
    """A loopback web server with one article page and a feed linking to it."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "story.html").write_text(
        "<html><head><title>Ferry service resumes</title></head><body><article><h1>Ferry service resumes</h1>"
        "<p>The island ferry resumed service on Tuesday after a week of storms, the operator said.</p>"
        "<p>\u201cWe are glad to be back,\u201d captain Ines Duarte told passengers at the pier.</p>"
        "</article></body></html>", encoding="utf-8")
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(SimpleHTTPRequestHandler, directory=str(site)))
    base = f"http://127.0.0.1:{server.server_port}"
    (site / "feed.xml").write_text(
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>Island News</title><link>{base}/</link>'
        f"<item><title>Ferry service resumes</title><link>{base}/story.html</link>"
        "<pubDate>Tue, 05 Mar 2024 10:00:00 GMT</pubDate></item></channel></rss>", encoding="utf-8")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield base
    server.shutdown()
    server.server_close()


def test_urls_and_feeds_are_added(web, news_site):
    web.settings.fetch = web.settings.fetch.model_copy(update={"allow_private": True})  # the site is on loopback
    summary, rows = add_articles(web, None, f"{news_site}/feed.xml\njavascript:alert(1)\n{news_site}/gone.html")
    assert rows[0][0] == f"{news_site}/feed.xml" and rows[0][1] == "Ferry service resumes" and rows[0][2] == "added"
    assert rows[1] == ("javascript:alert(1)", "", "failed", "not an http:// or https:// URL")
    assert rows[2][2] == "failed" and "404" in rows[2][3]
    assert summary == "1 added, 2 failed"
    _, again = add_articles(web, None, f"{news_site}/story.html")
    assert again[0][2] != "added"  # the feed entry and the page are one article, not two


def test_upload_results_are_escaped():
    html_out = results_html("1 failed", [("<img src=x onerror=alert(1)>.txt", "", "failed", "<script>")])
    assert "<img" not in html_out and "<script>" not in html_out


def test_index_view_counts_sources_and_months(web):
    summary, by_source, by_month, table, feeds = index_view(web)
    assert "last ingest" in summary and "never" not in summary and ">1<" in summary
    assert by_source["articles"].sum() == 1 and list(by_month.columns) == ["month", "articles"]
    assert "<table" in table
    assert "No watched feeds" in feeds


def test_share_needs_auth_unless_public():
    with pytest.raises(ConfigError, match="--auth USER:PASS"):
        check_share(share=True, auth="", public=False)
    assert check_share(share=True, auth="", public=True) is None
    assert check_share(share=True, auth="ed:pw", public=False) == ("ed", "pw")
    assert check_share(share=False, auth="", public=False) is None
    with pytest.raises(ConfigError, match="not USER:PASS"):
        parse_auth("nopassword")


def test_a_url_on_this_machine_is_refused_by_default(web, news_site):
    """A URL pasted into the chat must not reach the machine's own or internal services."""
    summary, rows = add_articles(web, None, f"{news_site}/story.html\nhttp://169.254.169.254/latest/meta-data/")
    assert summary == "2 failed"
    assert "local or private address" in rows[0][3] and "NEWSDESK_FETCH_ALLOW_PRIVATE" in rows[0][3]
    assert "169.254.169.254" in rows[1][3]
