"""The /ask endpoint through gradio_client, and `newsdesk serve` guarding --share."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from tests.servers import free_port, serve_env, stop, wait_until_serving


@pytest.fixture
def served(sample_desk):
    """The app over the indexed sample article, launched in this process on a free loopback port."""
    from ui.web import CSS, build_app
    from ui.web_desk import WebDesk

    web = WebDesk(sample_desk)
    app = build_app(web)
    app.queue().launch(server_name="127.0.0.1", server_port=free_port(), prevent_thread_lock=True, quiet=True,
                       css=CSS, auth=("editor", "s3cret"))
    try:
        yield app.local_url
    finally:
        app.close()
        web.close()


def client(url: str, auth: tuple[str, str] | None = ("editor", "s3cret")):
    from gradio_client import Client

    return Client(url, auth=auth, verbose=False, analytics_enabled=False, download_files=False)


def test_ask_endpoint_answers_with_citations(served):
    result = client(served).predict("What did Le Drian say?", [], api_name="/ask")
    assert result["refused"] is False
    assert "rediscovered itself" in result["answer"] and "impossible without NATO" in result["answer"]
    assert result["citations"] and result["citations"][0]["title"].startswith("NATO ministers reaffirm")
    assert {"question", "answer", "refused", "citations", "sentences", "passages"} <= set(result)


def test_ask_endpoint_takes_history_and_filters(served):
    c = client(served)
    history = [{"question": "What did Le Drian say?", "answer": "NATO has rediscovered itself."}]
    follow = c.predict("What else did he say?", history, api_name="/ask")
    assert "citations" in follow
    filtered = c.predict("What did Le Drian say?", [], {"sources": ["No Such Paper"]}, api_name="/ask")
    assert filtered["refused"] is True and filtered["citations"] == []


def test_ask_endpoint_reports_bad_filters(served):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match="not a date"):
        client(served).predict("What did Le Drian say?", [], {"since": "last tuesday"}, api_name="/ask")


def test_served_app_requires_its_credentials(served):
    with pytest.raises(Exception):  # noqa: B017 - gradio_client raises a plain ValueError or httpx error here
        client(served, auth=("editor", "wrong")).predict("What did Le Drian say?", [], api_name="/ask")


@pytest.mark.slow
def test_serve_share_without_auth_is_refused(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "ui", "serve", "--share", "--port", str(free_port())], cwd=tmp_path,
                          env=serve_env(tmp_path / "home"), capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2
    assert "--share publishes the chat on a public link: pass --auth USER:PASS" in proc.stderr


@pytest.mark.slow
def test_serve_share_without_internet_keeps_serving_locally(tmp_path):
    port = free_port()
    log = tmp_path / "serve.log"
    # A dead proxy stands in for "no internet" even on a machine that has it: no public link may be created.
    dead = f"http://127.0.0.1:{free_port()}"
    env = serve_env(tmp_path / "home", HTTPS_PROXY=dead, HTTP_PROXY=dead, ALL_PROXY=dead,
                    NO_PROXY="127.0.0.1,localhost", NEWSDESK_AUTH="editor:s3cret")
    with log.open("w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "ui", "serve", "--share", "--port", str(port)], cwd=tmp_path,
                                env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_until_serving(proc, f"http://127.0.0.1:{port}/", log)
        deadline = time.monotonic() + 120
        while "share link unavailable" not in log.read_text() and time.monotonic() < deadline:
            assert proc.poll() is None, log.read_text()
            time.sleep(0.5)
        text = log.read_text()
        lines = [line for line in text.splitlines() if "share link" in line.lower()]
        assert len(lines) == 1 and lines[0].startswith("share link unavailable"), text
        assert "Running on public URL" not in text
        assert proc.poll() is None
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as response:
            assert response.status == 200
    finally:
        stop(proc)
