"""Real servers the tests and benchmarks start as subprocesses (newsdesk serve, chroma run, llama.cpp): port,
readiness, stop. No pytest here, so `bench/` can use it too: a failure raises RuntimeError with the server's log."""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve_env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSDESK_")}
    # Run from the temp dir with the repo on the path: a developer's .env in the repo must not leak in.
    env.update(NEWSDESK_HOME=str(home), PYTHONPATH=str(REPO), HF_HUB_OFFLINE="1", GRADIO_ANALYTICS_ENABLED="False",
               ANONYMIZED_TELEMETRY="False", PYTHONUNBUFFERED="1", **extra)
    return env


def wait_until_serving(proc: subprocess.Popen, url: str, log: Path, limit: float = 240.0) -> bytes:
    """Poll `url` until it answers 200 and return the body; fail with the server's log if it exits or never does."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args[:3]} exited with {proc.returncode}:\n{_tail(log)}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return response.read()
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{proc.args[:3]} did not answer on {url} within {limit:.0f}s:\n{_tail(log)}")


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _tail(log: Path) -> str:
    return log.read_text(errors="replace")[-4000:] if log.exists() else "(no log)"
