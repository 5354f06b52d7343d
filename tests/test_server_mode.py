"""Chroma server mode: a real `chroma run` started here; every command goes through NEWSDESK_CHROMA_HOST/PORT."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from core.settings import Settings
from index.handle import IndexHandle
from tests.conftest import FIXTURES, SAMPLE, SAMPLE_DIR
from tests.servers import free_port, stop, wait_until_serving
from ui.cli import app

pytestmark = pytest.mark.server
CHROMA = Path(sys.executable).parent / "chroma"


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[int]:
    if not CHROMA.exists():
        pytest.skip(f"no chroma CLI at {CHROMA}")
    port = free_port()
    log = (tmp_path / "chroma.log").open("wb")
    proc = subprocess.Popen([str(CHROMA), "run", "--path", str(tmp_path / "server-data"), "--host", "127.0.0.1",
                             "--port", str(port)], stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_until_serving(proc, f"http://127.0.0.1:{port}/api/v2/heartbeat", tmp_path / "chroma.log", limit=120)
        yield port
    finally:
        stop(proc)
        log.close()


def server_count(port: int) -> int:
    import chromadb
    from chromadb.config import Settings as ChromaConfig

    client = chromadb.HttpClient(host="127.0.0.1", port=port, settings=ChromaConfig(anonymized_telemetry=False))
    return client.get_collection("newsdesk").count()


def test_ingest_ask_remove_through_a_chroma_server(chroma_server, tmp_path, monkeypatch):
    monkeypatch.setenv("NEWSDESK_CHROMA_HOST", "127.0.0.1")
    monkeypatch.setenv("NEWSDESK_CHROMA_PORT", str(chroma_server))
    monkeypatch.setenv("NEWSDESK_CHROMA_TOKEN", "not-checked-by-a-local-server")
    runner = CliRunner()
    result = runner.invoke(app, ["ingest", "--json", str(SAMPLE_DIR), str(FIXTURES / "articles.json")])
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout.splitlines()[-1])["added"]) == 3
    status = json.loads(runner.invoke(app, ["status", "--json"]).stdout)
    assert status["articles"] == 3 and status["chunks"] == server_count(chroma_server)
    home = Path(status["home"])
    assert not (home / "chroma").exists()  # nothing went to a local store

    # The lexical index is local: deleted, it is rebuilt from the server's chunks on the next question.
    handle = IndexHandle(Settings())
    lexical_dir = handle.lexical_dir
    handle.close()
    assert lexical_dir.is_dir()
    shutil.rmtree(lexical_dir)
    answer = json.loads(runner.invoke(app, ["ask", "--json", "What did Le Drian say?"]).stdout)
    assert not answer["refused"] and "rediscovered itself" in answer["answer"]
    assert all(c["quote"] in SAMPLE.read_text(encoding="utf-8") for c in answer["citations"])
    assert lexical_dir.is_dir()

    nato = answer["citations"][0]["article_id"]
    removed = runner.invoke(app, ["remove", "--json", "--id", nato])
    assert removed.exit_code == 0, removed.output
    assert server_count(chroma_server) == status["chunks"] - json.loads(removed.stdout.splitlines()[-1])["chunks"]
    assert json.loads(runner.invoke(app, ["ask", "--json", "What did Le Drian say?"]).stdout)["refused"]


def test_a_lost_local_manifest_does_not_wipe_the_server(chroma_server, monkeypatch):
    monkeypatch.setenv("NEWSDESK_CHROMA_HOST", "127.0.0.1")
    monkeypatch.setenv("NEWSDESK_CHROMA_PORT", str(chroma_server))
    runner = CliRunner()
    assert runner.invoke(app, ["ingest", str(SAMPLE_DIR)]).exit_code == 0
    chunks = server_count(chroma_server)
    handle = IndexHandle(Settings())
    manifest_path, lexical_dir = handle.manifest.path, handle.lexical_dir
    handle.close()
    manifest_path.unlink()  # another machine, or a wiped NEWSDESK_HOME: the server keeps the articles
    shutil.rmtree(lexical_dir)

    status = json.loads(runner.invoke(app, ["status", "--json"]).stdout)
    assert status["chunks"] == chunks
    result = runner.invoke(app, ["ingest", "--json", str(FIXTURES / "articles.json")])
    assert result.exit_code == 0, result.output
    assert json.loads(runner.invoke(app, ["status", "--json"]).stdout)["articles"] == 3  # adopted, not deleted
    assert server_count(chroma_server) > chunks
    answer = json.loads(runner.invoke(app, ["ask", "--json", "What did Le Drian say?"]).stdout)
    assert not answer["refused"]
