"""Shared fixtures: a temp NEWSDESK_HOME for every test, no outside network, one real embedding model."""

from __future__ import annotations

import ipaddress
import os
import socket
from pathlib import Path

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
os.environ["ANONYMIZED_TELEMETRY"] = "False"

REPO = Path(__file__).resolve().parent.parent
SAMPLE_DIR = REPO / "data" / "sample"
SAMPLE = SAMPLE_DIR / "nato-ministers-transatlantic-ties.txt"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHARED = REPO.parent / "shared"

requires_shared = pytest.mark.skipif(not (SHARED / "data").is_dir(), reason="../shared data is absent")


def _loopback(address: object) -> bool:
    if not isinstance(address, tuple):
        return True  # unix sockets
    host = str(address[0])
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test gets its own data dir, no .env of the developer, and no connection beyond loopback."""
    monkeypatch.setenv("NEWSDESK_HOME", str(tmp_path / "home"))
    for name in list(os.environ):
        if name.startswith("NEWSDESK_") and name != "NEWSDESK_HOME":
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)

    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def guarded(self: socket.socket, address: object) -> object:
        if not _loopback(address):
            raise ConnectionRefusedError(f"tests may not reach {address!r}: outside network is blocked")
        return real_connect(self, address)

    def guarded_ex(self: socket.socket, address: object) -> object:
        if not _loopback(address):
            raise ConnectionRefusedError(f"tests may not reach {address!r}: outside network is blocked")
        return real_connect_ex(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)
    monkeypatch.setattr(socket.socket, "connect_ex", guarded_ex)


@pytest.fixture(scope="session")
def embedder():
    """The real packaged all-MiniLM-L6-v2, loaded once for the session."""
    from core.settings import EmbeddingSettings
    from index.embed import Embedder

    e = Embedder.from_settings(EmbeddingSettings())
    e.encode(["warm up"])
    return e


@pytest.fixture
def settings(tmp_path: Path):
    from core.settings import Settings

    return Settings(home=tmp_path / "home")


@pytest.fixture
def handle(settings, embedder):
    from index.handle import IndexHandle

    h = IndexHandle(settings, embedder=embedder)
    yield h
    h.close()


@pytest.fixture
def desk(settings, handle):
    from qa.desk import Desk

    return Desk(settings, handle=handle)


@pytest.fixture
def sample_desk(desk):
    """A desk with the bundled NATO article indexed."""
    report = desk.ingest([SAMPLE_DIR])
    assert report.ok and len(report.added) == 1
    return desk
