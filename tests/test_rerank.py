"""Re-ranking of fused candidates: sentence evidence by default, an optional local cross-encoder."""

import pytest

from core.errors import ConfigError
from core.settings import AnswerSettings, RetrievalSettings, Settings
from core.types import Chunk, Passage
from qa.extractive import ExtractiveAnswerer
from qa.rerank import CrossEncoderReranker, SentenceReranker


def _passage(text: str, article: str, score: float) -> Passage:
    chunk = Chunk(id=Chunk.make_id(article, 0), article_id=article, position=0, text=text, title="")
    return Passage(chunk=chunk, score=score)


PASSAGES = [
    _passage("Splatoon 2 release date news. Splatoon 2 release date rumours and Splatoon 2 release date leaks.",
             "echo", 0.033),
    _passage("Fans lined up at midnight in Tokyo. Nintendo released Splatoon 2 on July 21, 2017, worldwide.",
             "answer", 0.030),
    _passage("Splatoon 3 sold well in Japan last year.", "other", 0.029),
]


def test_sentence_evidence_puts_the_answering_passage_first(embedder):
    reranker = SentenceReranker(ExtractiveAnswerer(embedder, AnswerSettings()), weight=0.5)
    ranked = reranker.rerank("When was Splatoon 2 released?", PASSAGES)
    assert [p.chunk.article_id for p in ranked][0] == "answer"
    assert sorted(p.chunk.id for p in ranked) == sorted(p.chunk.id for p in PASSAGES)
    assert ranked[0].score >= ranked[1].score >= ranked[2].score


def test_weight_zero_keeps_the_fused_order(embedder):
    reranker = SentenceReranker(ExtractiveAnswerer(embedder, AnswerSettings()), weight=0.0)
    assert [p.chunk.article_id for p in reranker.rerank("When was Splatoon 2 released?", PASSAGES)] == [
        "echo", "answer", "other"]
    with pytest.raises(ConfigError, match="1.5"):
        SentenceReranker(ExtractiveAnswerer(embedder, AnswerSettings()), weight=1.5)


def test_cross_encoder_code_path_with_a_local_model(embedder):
    # No cross-encoder can be downloaded here: the MiniLM directory loads as one with an untrained head, which
    # exercises loading, scoring and blending (not the quality of the order).
    reranker = CrossEncoderReranker(embedder.model_path, weight=0.7)
    ranked = reranker.rerank("When was Splatoon 2 released?", PASSAGES)
    assert sorted(p.chunk.id for p in ranked) == sorted(p.chunk.id for p in PASSAGES)
    assert all(0.0 <= p.score <= 1.0 for p in ranked)


def test_bad_reranker_setting_is_a_config_error(tmp_path, handle):
    from qa.desk import Desk

    settings = Settings(home=tmp_path / "h", retrieval=RetrievalSettings(rerank=str(tmp_path / "nowhere")))
    with pytest.raises(ConfigError, match="nowhere"):
        _ = Desk(settings, handle=handle).reranker
    assert Desk(Settings(home=tmp_path / "h", retrieval=RetrievalSettings(rerank="none")), handle=handle).reranker \
        is None
