"""The web chat in a real browser: Debian's chromium driven by Playwright against `newsdesk serve`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SAMPLE_DIR
from tests.servers import free_port, serve_env, stop, wait_until_serving

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run", "--disable-quic"]
pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian chromium: apt-get install -y chromium"),
]
# Hostile in text, title, source and URL: any of it running would set data-pwned, open a dialog or leave an
# element with id "injected" in the page.
HOSTILE = {
    "id": "hostile-1",
    "url": "javascript:alert('url')",
    "title": "Harbour festival <script>alert('title')</script><img src=x id=injected "
             "onerror=\"document.body.dataset.pwned='title'\"> <a href=\"javascript:alert('t')\">more</a>",
    "source": "Harbour <b id=injected>Gazette</b>",
    "published": "2024-02-03",
    "text": "The harbour festival drew record crowds on Saturday. Mayor Quinlan said the fireworks "
            "<script>alert('text')</script> were the best the town had ever seen <img src=x id=injected "
            "onerror=\"document.body.dataset.pwned='text'\"> and promised a longer show next year. "
            "See [the programme](javascript:alert('md')) and <a href=\"javascript:alert('a')\" id=injected>"
            "tickets</a>.\n\nOrganisers said 40,000 people attended, twice as many as last year, and that the "
            "ferry ran every ten minutes.",
}
QUESTION_BOX = "#nd-question textarea"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`newsdesk serve` on a free loopback port over the bundled article and a hostile one."""
    root = tmp_path_factory.mktemp("served")
    hostile = root / "hostile.jsonl"
    hostile.write_text(json.dumps(HOSTILE) + "\n", encoding="utf-8")
    env = serve_env(root / "home")
    ingest = subprocess.run([sys.executable, "-m", "ui", "ingest", str(SAMPLE_DIR), str(hostile)], cwd=root,
                            env=env, capture_output=True, text=True, timeout=600)
    assert ingest.returncode == 0, ingest.stderr
    port = free_port()
    log = root / "serve.log"
    with log.open("w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "ui", "serve", "--host", "127.0.0.1", "--port", str(port)],
                                cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}/"
        wait_until_serving(proc, url, log)
        yield url
    finally:
        stop(proc)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(viewport={"width": 1400, "height": 950})
    pg = context.new_page()
    pg.dialogs = []  # every alert/confirm/prompt the page tried to open
    pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))
    # networkidle never comes: Gradio keeps a connection open.
    pg.goto(server, wait_until="domcontentloaded")
    pg.locator(QUESTION_BOX).wait_for(timeout=120_000)
    yield pg
    context.close()


def ask(page, question: str) -> str:
    box = page.locator(QUESTION_BOX)
    box.fill(question)
    box.press("Enter")
    page.locator("#nd-sources .nd-source").first.wait_for(timeout=180_000)
    return page.locator("#nd-chat").inner_text()


def test_chat_answers_le_drian_with_both_quotes_and_sources(page, tmp_path):
    chat = ask(page, "What did Le Drian say?")
    assert "rediscovered itself" in chat
    assert "impossible without NATO" in chat
    panel = page.locator("#nd-sources")
    assert "NATO ministers reaffirm" in panel.inner_text()
    assert panel.locator("mark").count() >= 2  # the cited sentences are highlighted
    # Each [n] marker in the answer links to its entry in the sources panel.
    hrefs = page.locator("#nd-chat a[href^='#nd-source-']").evaluate_all("els => els.map(e => e.hash)")
    assert hrefs and all(page.locator(f"#nd-sources {h}").count() == 1 for h in hrefs)
    shot = tmp_path / "answered-chat.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    page.locator("#nd-new").click()
    page.locator("#nd-sources .nd-source").first.wait_for(state="detached", timeout=30_000)
    assert "rediscovered itself" not in page.locator("#nd-chat").inner_text()


def test_hostile_article_renders_inert(page, tmp_path):
    chat = ask(page, "What did Mayor Quinlan say about the fireworks?")
    page.locator("#nd-sources details summary").first.click()  # unfold the uncited passages too
    page.screenshot(path=str(tmp_path / "hostile.png"), full_page=True)
    assert "Mayor Quinlan said the fireworks" in chat
    assert "<script>" in chat  # shown as text, not dropped and not run
    panel = page.locator("#nd-sources").inner_text()
    assert "Harbour festival <script>alert('title')</script>" in panel
    assert page.dialogs == []
    assert page.evaluate("document.body.dataset.pwned") is None
    assert page.locator("#injected").count() == 0
    assert page.locator("img[src='x']").count() == 0
    assert page.locator("a[href^='javascript']").count() == 0
    scripts = page.evaluate("[...document.scripts].map(s => s.textContent).filter(t => t.includes('alert'))")
    assert scripts == []


def test_index_tab_shows_counts_and_last_ingest(page):
    page.get_by_role("tab", name="Index").click()
    summary = page.locator("#nd-index-summary")
    summary.wait_for(timeout=60_000)
    text = summary.inner_text()
    assert "articles" in text and "last ingest" in text and "never" not in text
    assert page.locator("#nd-by-source").is_visible() and page.locator("#nd-by-month").is_visible()


def test_upload_adds_an_article_that_can_then_be_asked_about(page, tmp_path):
    article = tmp_path / "port-strike.txt"
    article.write_text("Port strike ends after two weeks\n\nDockworkers voted on Monday to end a two-week strike. "
                       "\u201cWe won what we came for,\u201d union leader Maria Santos told reporters.\n",
                       encoding="utf-8")
    page.get_by_role("tab", name="Add articles").click()
    page.locator("#nd-upload input[type=file]").set_input_files(str(article))
    page.locator("#nd-upload").get_by_text("port-strike.txt").first.wait_for(timeout=30_000)
    page.locator("#nd-add").click()
    results = page.locator("#nd-add-results")
    results.wait_for(timeout=180_000)
    assert "Port strike ends after two weeks" in results.inner_text()
    assert results.locator("tr.nd-added").count() == 1
    page.get_by_role("tab", name="Chat").click()
    assert "We won what we came for" in ask(page, "What did Maria Santos say?")
