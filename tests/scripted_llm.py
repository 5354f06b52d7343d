"""A scripted OpenAI-compatible chat server on 127.0.0.1: the stand-in for a real LLM where a test needs the LLM to
say something exact (a flipped negation). No real LLM that could be told to do so runs on these machines; the
real llama.cpp server with the tiny gemma model is used where any answer will do (tests/test_llm_server.py)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def _completion(text: str, model: str) -> dict:
    return {"id": "chatcmpl-scripted", "object": "chat.completion", "created": int(time.time()), "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}


def _chunk(text: str | None, model: str) -> bytes:
    delta = {"role": "assistant", "content": text} if text is not None else {}
    body = {"id": "chatcmpl-scripted", "object": "chat.completion.chunk", "created": int(time.time()),
            "model": model, "choices": [{"index": 0, "delta": delta,
                                         "finish_reason": None if text is not None else "stop"}]}
    return f"data: {json.dumps(body)}\n\n".encode()


@contextmanager
def scripted_server(reply: str) -> Iterator[tuple[str, list[dict]]]:
    """Serves `reply` to every chat completion; yields (base_url, the requests received)."""
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
            received.append(body)
            model = body.get("model", "scripted")
            if body.get("stream"):
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                self.wfile.write(_chunk(reply, model) + _chunk(None, model) + b"data: [DONE]\n\n")
                return
            data = json.dumps(_completion(reply, model)).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1", received
    finally:
        server.shutdown()
        server.server_close()
