from qa.chain import Turn
from ui.render import answer_markdown, escape_markdown, safe_url, sources_html
from ui.web import build_app, chat, example_questions


def test_chat_function_streams_a_cited_answer_with_sources(sample_desk):
    steps = list(chat(sample_desk, "What did Le Drian say?", [], []))
    assert len(steps) > 2  # streamed in pieces
    history, panel, turns = steps[-1]
    assert history[0] == {"role": "user", "content": "What did Le Drian say?"}
    final = history[-1]["content"]
    assert "rediscovered itself" in final and "impossible without NATO" in final and "\\[1\\]" in final
    assert "NATO ministers reaffirm" in panel and "<mark>" in panel
    assert len(turns) == 1 and turns[0].cited_articles


def test_follow_up_turns_are_per_call_state(sample_desk):
    _, _, turns = list(chat(sample_desk, "What did Le Drian say?", [], []))[-1]
    _, _, other = list(chat(sample_desk, "What did Blinken say?", [], []))[-1]
    assert [t.question for t in turns] == ["What did Le Drian say?"]
    assert [t.question for t in other] == ["What did Blinken say?"]
    assert isinstance(turns[0], Turn)


def test_examples_come_from_the_corpus(sample_desk):
    examples = example_questions(sample_desk)
    assert "What did Le Drian say?" in examples


def test_app_builds(sample_desk):
    app = build_app(sample_desk)
    assert app.title == "newsdesk"


def test_rendering_is_inert():
    hostile = '<script>alert(1)</script> <img src=x onerror=alert(2)> [click](javascript:alert(3))'
    md = escape_markdown(hostile)
    assert "<script>" not in md and "<img" not in md and "](javascript" not in md
    assert safe_url("javascript:alert(1)") is None
    assert safe_url("data:text/html,hi") is None
    assert safe_url("https://example.com/a") == "https://example.com/a"
    assert sources_html(None).startswith("<div")


def test_answer_markdown_escapes_article_text(sample_desk):
    answer = sample_desk.ask("What did Le Drian say?")
    answer.sentences[0].text = "<b>bold</b> *x*"
    md = answer_markdown(answer)
    assert "<b>" not in md and "&lt;b&gt;" in md and "\\*x\\*" in md
