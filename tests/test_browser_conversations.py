"""Saved and shared conversations in a real browser: Debian's chromium driven by Playwright against `newsdesk serve`.

Ask, reload, still there; Share, a fresh browser reads the snapshot; an altered token shows nothing of it; a
revoked link shows the not-found page; a restart of the server keeps the browser's conversations.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SAMPLE_DIR
from tests.servers import free_port, serve_env, stop, wait_until_serving
from tests.test_browser import CHROMIUM, FLAGS, QUESTION_BOX

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian chromium: apt-get install -y chromium"),
]
QUOTES = ("rediscovered itself", "impossible without NATO")


class Server:
    """`newsdesk serve` over the bundled article, restartable on the same port and data directory."""

    def __init__(self, root, *args: str) -> None:
        self.root, self.args, self.port = root, args, free_port()
        self.env = serve_env(root / "home")
        self.url = f"http://127.0.0.1:{self.port}/"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        log = self.root / "serve.log"
        with log.open("a") as out:
            self.proc = subprocess.Popen([sys.executable, "-m", "ui", "serve", "--host", "127.0.0.1", "--port",
                                          str(self.port), *self.args], cwd=self.root, env=self.env, stdout=out,
                                         stderr=subprocess.STDOUT)
        wait_until_serving(self.proc, self.url, log)

    def stop(self, kill: bool = False) -> None:
        if self.proc is not None:
            if kill:  # kill -9: no shutdown code runs
                self.proc.kill()
                self.proc.wait()
            else:
                stop(self.proc)
            self.proc = None


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("conversations")
    s = Server(root)
    ingest = subprocess.run([sys.executable, "-m", "ui", "ingest", str(SAMPLE_DIR)], cwd=root, env=s.env,
                            capture_output=True, text=True, timeout=600)
    assert ingest.returncode == 0, ingest.stderr
    s.start()
    try:
        yield s
    finally:
        s.stop()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield b
        b.close()


def open_chat(context, url: str):
    page = context.new_page()
    page.dialogs = []
    page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
    page.goto(url, wait_until="domcontentloaded")  # networkidle never comes: Gradio keeps a connection open
    page.locator(QUESTION_BOX).wait_for(timeout=120_000)
    return page


def ask(page, question: str) -> None:
    box = page.locator(QUESTION_BOX)
    box.fill(question)
    box.press("Enter")
    page.locator("#nd-sources .nd-source").first.wait_for(timeout=180_000)
    # Saved, then listed: the list shows the new conversation once the answer is stored.
    page.locator("#nd-conversations label").filter(has_text=question).first.wait_for(timeout=60_000)


def wait_for_answer(page) -> str:
    page.locator("#nd-sources .nd-source").first.wait_for(timeout=120_000)
    page.locator("#nd-chat").get_by_text(QUOTES[0], exact=False).first.wait_for(timeout=60_000)
    return page.locator("#nd-chat").inner_text()


def test_reload_share_revoke_in_chromium(server, browser, tmp_path):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = open_chat(context, server.url)
    ask(page, "What did Le Drian say?")
    assert all(q in page.locator("#nd-chat").inner_text() for q in QUOTES)

    page.reload(wait_until="domcontentloaded")
    page.locator(QUESTION_BOX).wait_for(timeout=120_000)
    chat = wait_for_answer(page)
    assert "What did Le Drian say?" in chat and all(q in chat for q in QUOTES)
    panel = page.locator("#nd-sources")
    assert "NATO ministers reaffirm" in panel.inner_text() and panel.locator("mark").count() >= 2
    # The [n] markers still lead to their sources after the reload.
    hrefs = page.locator("#nd-chat a[href^='#nd-source-']").evaluate_all("els => els.map(e => e.hash)")
    assert hrefs and all(page.locator(f"#nd-sources {h}").count() == 1 for h in hrefs)

    with page.expect_download() as download:
        page.locator("#nd-download").click()
    draft = Path(download.value.path()).read_text(encoding="utf-8")
    assert draft.startswith("# What did Le Drian say?\n") and "## Sources" in draft and QUOTES[1] in draft

    page.locator("#nd-share").click()
    link_box = page.locator("#nd-share-url textarea, #nd-share-url input").first
    link_box.wait_for(timeout=60_000)
    page.wait_for_function("() => { const e = document.querySelector('#nd-share-url textarea, #nd-share-url input');"
                           " return e && e.value.includes('/share/'); }", timeout=60_000)
    link = link_box.input_value()
    assert link.startswith(server.url + "share/")
    token = link.rsplit("/", 1)[1]
    assert len(token) >= 22  # >= 128 bits of URL-safe base64
    page.screenshot(path=str(tmp_path / "shared-chat.png"), full_page=True)

    fresh = browser.new_context()  # no cookies, no localStorage: someone the link was sent to
    reader = fresh.new_page()
    reader.dialogs = []
    reader.on("dialog", lambda d: (reader.dialogs.append(d.message), d.dismiss()))
    response = reader.goto(link)
    assert response.status == 200
    text = reader.locator("body").inner_text()
    assert "What did Le Drian say?" in text and all(q in text for q in QUOTES)
    assert "NATO ministers reaffirm" in text and reader.locator("mark").count() >= 2
    assert reader.locator("textarea, input").count() == 0  # read-only: no question box
    assert reader.locator("#nd-continue").inner_text() == "Continue as my own conversation"
    reader.screenshot(path=str(tmp_path / "shared-page.png"), full_page=True)

    altered = token[:-1] + ("A" if token[-1] != "A" else "B")
    response = reader.goto(server.url + "share/" + altered)
    assert response.status == 404
    text = reader.locator("body").inner_text()
    assert "Le Drian" not in text and "NATO" not in text and "does not exist" in text
    not_found = reader.content()

    page.locator("#nd-my-links").click()
    page.locator("#nd-links-table").get_by_text(f"/share/{token}").wait_for(timeout=30_000)
    page.locator("#nd-revoke-pick input").click()
    page.get_by_role("option").filter(has_text="What did Le Drian say?").first.click()
    page.locator("#nd-revoke").click()
    page.locator("#nd-links-table").get_by_text("revoked").wait_for(timeout=30_000)

    response = reader.goto(link)
    assert response.status == 404
    assert "Le Drian" not in reader.locator("body").inner_text()
    # Revoked and never-existing look the same (the nonce of the page's style aside).
    assert _without_nonce(reader.content()) == _without_nonce(not_found)
    assert page.dialogs == [] and reader.dialogs == []
    assert no_error_shown(page)
    fresh.close()
    context.close()


def no_error_shown(page) -> bool:
    return not any("Error" in t for t in page.locator(".toast-body").all_inner_texts())


def _without_nonce(page_html: str) -> str:
    import re

    return re.sub(r'nonce="[^"]+"', "", page_html)


def test_a_fresh_browser_continues_a_shared_conversation_as_its_own(server, browser):
    owner = browser.new_context()
    page = open_chat(owner, server.url)
    ask(page, "What did Blinken say?")
    page.locator("#nd-share").click()
    page.wait_for_function("() => { const e = document.querySelector('#nd-share-url textarea, #nd-share-url input');"
                           " return e && e.value.includes('/share/'); }", timeout=60_000)
    link = page.locator("#nd-share-url textarea, #nd-share-url input").first.input_value()

    other = browser.new_context()
    reader = other.new_page()
    reader.goto(link)
    reader.locator("#nd-continue").click()
    reader.locator(QUESTION_BOX).wait_for(timeout=120_000)
    reader.locator("#nd-conversations label").filter(has_text="What did Blinken say?").first.wait_for(timeout=60_000)
    assert "What did Blinken say?" in reader.locator("#nd-chat").inner_text()
    # A follow-up in the copy leans on the copied history and is saved in the reader's conversation only.
    box = reader.locator(QUESTION_BOX)
    box.fill("What else did he say?")
    box.press("Enter")
    reader.locator("#nd-chat").get_by_text("What else did he say?").wait_for(timeout=60_000)
    reader.wait_for_function("() => !document.querySelector('#nd-chat').innerText.includes('Searching the indexed')",
                             timeout=180_000)
    reader.reload(wait_until="domcontentloaded")
    reader.locator(QUESTION_BOX).wait_for(timeout=120_000)
    reader.locator("#nd-chat").get_by_text("What else did he say?").wait_for(timeout=60_000)
    assert "What did Blinken say?" in reader.locator("#nd-chat").inner_text()
    page.reload(wait_until="domcontentloaded")
    page.locator(QUESTION_BOX).wait_for(timeout=120_000)
    page.locator("#nd-chat").get_by_text("What did Blinken say?").first.wait_for(timeout=60_000)
    assert "What else did he say?" not in page.locator("#nd-chat").inner_text()
    assert no_error_shown(page) and no_error_shown(reader)
    owner.close()
    other.close()


def test_a_stored_hostile_answer_is_inert_on_the_shared_page(server, browser):
    """An answer quoting a hostile article, saved as it was shown, then opened from its link in Chromium."""
    from conversations.store import ConversationStore
    from tests.test_share_page import HOSTILE, hostile_answer

    store = ConversationStore(server.root / "home" / "conversations.sqlite3")  # the server's own store
    cid, _ = store.add_turn("browser:" + "h" * 32, None, HOSTILE, hostile_answer())
    token = store.share("browser:" + "h" * 32, cid).token
    context = browser.new_context()
    page = context.new_page()
    page.dialogs = []
    page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
    assert page.goto(f"{server.url}share/{token}").status == 200
    text = page.locator("body").inner_text()
    assert '<script>alert("a")</script>' in text  # shown as text
    assert page.dialogs == [] and page.locator("#injected").count() == 0 and page.locator("img").count() == 0
    assert page.locator("a[href^='javascript']").count() == 0 and page.locator("script").count() == 0
    # Continued as one's own, its hostile question becomes a title in the list and a message in the chat.
    page.locator("#nd-continue").click()
    page.locator(QUESTION_BOX).wait_for(timeout=120_000)
    page.locator("#nd-conversations label").filter(has_text='<script>alert("a")</script>').first.wait_for(
        timeout=60_000)
    page.locator("#nd-sources .nd-source").first.wait_for(timeout=60_000)
    assert '<script>alert("a")</script>' in page.locator("#nd-chat").inner_text()
    assert page.dialogs == [] and page.locator("#injected").count() == 0 and page.locator("img[src='x']").count() == 0
    assert page.locator("a[href^='javascript']").count() == 0
    assert page.evaluate("[...document.scripts].filter(s => s.textContent.includes('alert')).length") == 0
    context.close()


def test_conversations_survive_a_kill_9_and_restart_of_serve(server, browser):
    context = browser.new_context()
    page = open_chat(context, server.url)
    ask(page, "What did Le Drian say?")
    server.stop(kill=True)
    server.start()
    page.goto(server.url, wait_until="domcontentloaded")
    page.locator(QUESTION_BOX).wait_for(timeout=120_000)
    chat = wait_for_answer(page)
    assert all(q in chat for q in QUOTES)
    assert page.locator("#nd-conversations label").filter(has_text="What did Le Drian say?").count() >= 1
    context.close()
