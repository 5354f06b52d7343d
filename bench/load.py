"""Load on the served chat: N concurrent sessions through gradio_client's /ask, each a question and its follow-up.

    .venv/bin/python bench/load.py [--home DIR] [--levels 1 5 20] [--rounds 2]

Starts `python -m ui demo` (the bundled article is indexed when the index is empty) on a free loopback port,
warms it up, then for each level runs that many sessions at once, each on its own gradio_client, each sending its
own history with the follow-up. Prints one line per level and, last, one JSON object:
{"levels": [{"sessions", "requests", "errors", "p50_s", "p95_s", "throughput_rps", "wall_s"}], ...}.
Latency is one /ask call as the client sees it; throughput is answered calls per second of wall time.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.servers import free_port, serve_env, stop, wait_until_serving  # noqa: E402

# Question and follow-up pairs over the bundled NATO article; each follow-up only makes sense with its own history.
PAIRS: list[tuple[str, str]] = [
    ("What did Le Drian say?", "What else did he say?"),
    ("What did Blinken say?", "What else did he say?"),
    ("What about Iran?", "Who must take the first step?"),
    ("What did the joint ministerial statement say?", "When was it issued?"),
]


@dataclass
class Session:
    index: int
    pair: tuple[str, str]
    answers: list[dict[str, Any]] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    spans: list[tuple[float, float]] = field(default_factory=list)
    error: str = ""


def start_server(home: Path, port: int, log: Path, command: str = "demo") -> subprocess.Popen:
    with log.open("w") as out:
        return subprocess.Popen([sys.executable, "-m", "ui", command, "--host", "127.0.0.1", "--port", str(port)],
                                cwd=home.parent, env=serve_env(home), stdout=out, stderr=subprocess.STDOUT)


def client(url: str) -> Any:
    from gradio_client import Client

    return Client(url, verbose=False, analytics_enabled=False, download_files=False)


def run_session(url: str, index: int, pair: tuple[str, str], ready: threading.Barrier | None = None) -> Session:
    """One chat: the question, then the follow-up with this session's own history.

    With `ready`, the session waits there after connecting, so all sessions ask at the same moment.
    """
    session = Session(index=index, pair=pair)
    try:
        try:
            c = client(url)
        finally:
            if ready is not None:
                ready.wait(timeout=300)
        history: list[dict[str, Any]] = []
        for question in pair:
            started = time.perf_counter()
            answer = c.predict(question, history, api_name="/ask")
            ended = time.perf_counter()
            session.latencies.append(ended - started)
            session.spans.append((started, ended))
            session.answers.append(answer)
            cited = list(dict.fromkeys(x["article_id"] for x in answer["citations"]))
            history = [*history, {"question": question, "answer": answer["answer"], "cited_articles": cited}]
    except Exception as exc:  # a load test counts failures instead of stopping at the first
        session.error = f"{type(exc).__name__}: {exc}"
    return session


def run_level(url: str, sessions: int, pairs: list[tuple[str, str]] = PAIRS) -> tuple[list[Session], float]:
    """`sessions` chats at once (session i asks pair i mod len(pairs)); returns them and the wall time from the
    first question sent to the last answer received (client start-up excluded)."""
    ready = threading.Barrier(sessions)
    with ThreadPoolExecutor(max_workers=sessions) as pool:
        done = list(pool.map(lambda i: run_session(url, i, pairs[i % len(pairs)], ready), range(sessions)))
    spans = [span for s in done for span in s.spans]
    wall = max(e for _, e in spans) - min(b for b, _ in spans) if spans else 0.0
    return done, wall


def nearest_rank(values: list[float], pct: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * pct // 100))
    return ordered[int(rank) - 1]


def summarise(sessions: list[Session], wall: float) -> dict[str, Any]:
    latencies = [x for s in sessions for x in s.latencies]
    errors = sum(1 for s in sessions if s.error)
    p50, p95 = nearest_rank(latencies, 50), nearest_rank(latencies, 95)
    return {"sessions": len(sessions), "requests": len(latencies), "errors": errors,
            "p50_s": round(p50, 3) if p50 is not None else None, "p95_s": round(p95, 3) if p95 is not None else None,
            "throughput_rps": round(len(latencies) / wall, 2) if wall else None, "wall_s": round(wall, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--home", type=Path, help="NEWSDESK_HOME to serve (default: a temp dir, sample indexed)")
    parser.add_argument("--levels", type=int, nargs="+", default=[1, 5, 20], help="concurrent sessions per level")
    parser.add_argument("--rounds", type=int, default=2, help="runs per level; latencies are pooled")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="newsdesk-load-") as tmp:
        home = args.home or Path(tmp) / "home"
        home.mkdir(parents=True, exist_ok=True)
        port = free_port()
        url = f"http://127.0.0.1:{port}/"
        log = Path(tmp) / "serve.log"
        proc = start_server(home, port, log)
        try:
            wait_until_serving(proc, url, log, limit=300)
            run_level(url, 1)  # warm-up: the model and the lexical index load on the first question
            levels = []
            for n in args.levels:
                pooled: list[Session] = []
                wall = 0.0
                for _ in range(args.rounds):
                    sessions, seconds = run_level(url, n)
                    pooled += sessions
                    wall += seconds
                row = summarise(pooled, wall) | {"sessions": n}
                levels.append(row)
                print(f"{n:>3} sessions: {row['requests']} requests, {row['errors']} errors, p50 {row['p50_s']}s, "
                      f"p95 {row['p95_s']}s, {row['throughput_rps']} req/s", file=sys.stderr)
        finally:
            stop(proc)
    print(json.dumps({"levels": levels, "cpus": os.cpu_count(), "rounds": args.rounds}))


if __name__ == "__main__":
    main()
