"""The onnx embedding backend gives torch's vectors and token counts, keeps the input order, and fails clearly."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from core.errors import ConfigError
from core.settings import Settings, packaged_model_path
from index.embed import Embedder, cpu_has_bf16
from tests.conftest import FIXTURES, SAMPLE


def _real_texts() -> list[str]:
    """Paragraphs of the bundled article and the fixture articles, a text past the model's 256 tokens, a word."""
    paragraphs = [p.strip() for p in SAMPLE.read_text(encoding="utf-8").split("\n") if p.strip()]
    for line in (FIXTURES / "articles.jsonl").read_text(encoding="utf-8").splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue  # the fixture holds broken lines on purpose (loader tests)
        if isinstance(record, dict):
            paragraphs.append(str(record.get("text") or record.get("body") or ""))
    too_long = " ".join(paragraphs)
    return [p for p in paragraphs if p] + [too_long, "Brussels", "NATO ministers met on Tuesday."]


@pytest.fixture(scope="module")
def torch_embedder(embedder) -> Embedder:
    """The reference: torch in float32."""
    if (embedder.backend, embedder.dtype) == ("torch", "float32"):
        return embedder
    e = Embedder(packaged_model_path(), backend="torch", precision="float32")
    e.encode(["warm up"])
    return e


@pytest.fixture(scope="module")
def onnx_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("onnx-cache")


@pytest.fixture(scope="module")
def onnx_embedder(onnx_cache: Path) -> Embedder:
    """Exported from the packaged weights into a fresh cache: the first-use path a new machine takes."""
    e = Embedder(packaged_model_path(), backend="onnx", cache_dir=onnx_cache, precision="float32")
    e.encode(["warm up"])
    return e


@pytest.mark.slow
def test_onnx_gives_the_torch_vectors_on_real_text(torch_embedder, onnx_embedder):
    texts = _real_texts()
    assert torch_embedder.count_tokens(texts[-3]) > torch_embedder.max_tokens  # truncation is exercised
    ref, got = torch_embedder.encode(texts), onnx_embedder.encode(texts)
    assert got.shape == ref.shape == (len(texts), 384) and got.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    cosines = (ref * got).sum(axis=1)
    assert cosines.min() >= 0.999, cosines.round(5).tolist()
    # A query must rank the same passage first on both backends.
    for backend in (torch_embedder, onnx_embedder):
        query = backend.embed_query("What did the ministers discuss about transatlantic ties?")
        assert int(np.argmax(ref @ np.asarray(query))) == int(np.argmax(got @ np.asarray(query)))


@pytest.mark.slow
def test_bfloat16_gives_the_float32_vectors_on_real_text(torch_embedder):
    bf16 = Embedder(packaged_model_path(), backend="torch", precision="bfloat16")
    assert bf16.dtype == "bfloat16" and torch_embedder.dtype == "float32"
    texts = _real_texts()
    ref, got = torch_embedder.encode(texts), bf16.encode(texts)
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)  # renormalised after bf16 pooling
    cosines = (ref * got).sum(axis=1)
    assert cosines.min() >= 0.999, cosines.round(5).tolist()
    assert bf16.count_tokens_batch(texts) == torch_embedder.count_tokens_batch(texts)


@pytest.mark.slow
def test_onnx_counts_tokens_and_limits_like_torch(torch_embedder, onnx_embedder):
    texts = _real_texts()
    assert onnx_embedder.count_tokens_batch(texts) == torch_embedder.count_tokens_batch(texts)
    assert (onnx_embedder.max_tokens, onnx_embedder.dimension) == (torch_embedder.max_tokens, 384)
    assert onnx_embedder.count_tokens_batch([]) == []


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["torch", "onnx"])
def test_length_sorted_batches_keep_the_input_order(backend, torch_embedder, onnx_embedder):
    base = torch_embedder if backend == "torch" else onnx_embedder
    texts = _real_texts()
    # Lengths interleaved so sorting must reorder, and a batch size that leaves a short last batch.
    mixed = [t for pair in zip(texts[::-1], texts) for t in pair][:12]
    one_by_one = np.stack([base.encode([t])[0] for t in mixed])
    saved, base.batch_size = base.batch_size, 3
    try:
        batched = base.encode(mixed)
    finally:
        base.batch_size = saved
    assert ((batched * one_by_one).sum(axis=1) >= 0.9999).all()
    assert base.encode([]).shape == (0, 384)


@pytest.mark.slow
def test_the_export_is_reused_not_redone(onnx_embedder, onnx_cache):
    graphs = list(onnx_cache.rglob("model.onnx"))
    assert len(graphs) == 1 and not list(onnx_cache.rglob("*.tmp"))
    stamp = graphs[0].stat().st_mtime_ns
    again = Embedder(packaged_model_path(), backend="onnx", cache_dir=onnx_cache)
    assert again.count_tokens("Brussels") == onnx_embedder.count_tokens("Brussels")
    again.encode(["Brussels"])
    assert graphs[0].stat().st_mtime_ns == stamp and list(onnx_cache.rglob("model.onnx")) == graphs


def test_backend_setting_is_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("NEWSDESK_EMBEDDING_BACKEND", "onnx")
    monkeypatch.setenv("NEWSDESK_EMBEDDING_PRECISION", "auto")
    e = Embedder.from_settings(Settings().embedding)
    assert (e.backend, e.precision, e.dtype) == ("onnx", "auto", "float32")  # auto never asks onnx for bf16
    monkeypatch.setenv("NEWSDESK_EMBEDDING_BACKEND", "torch")
    e = Embedder.from_settings(Settings().embedding)
    assert e.dtype == ("bfloat16" if cpu_has_bf16() else "float32")
    monkeypatch.setenv("NEWSDESK_EMBEDDING_BACKEND", "tensorflow")
    with pytest.raises(ValueError, match="tensorflow"):
        Settings()


def test_bad_backend_choices_are_config_errors(tmp_path):
    with pytest.raises(ConfigError, match="'jax'"):
        Embedder(packaged_model_path(), backend="jax")
    with pytest.raises(ConfigError, match="'float8'"):
        Embedder(packaged_model_path(), precision="float8")
    with pytest.raises(ConfigError, match="'bfloat16'"):
        Embedder(packaged_model_path(), backend="onnx", precision="bfloat16")
    with pytest.raises(ConfigError, match="'cuda'"):
        Embedder(packaged_model_path(), backend="onnx", device="cuda")
    with pytest.raises(ConfigError, match="does not exist"):
        Embedder(str(tmp_path / "nowhere"), backend="onnx").encode(["x"])


def test_unsupported_model_layout_is_refused_before_any_export(tmp_path):
    """A CLS-pooling model would get mean-pooled vectors from our graph: refuse it, naming the torch way out."""
    model = tmp_path / "cls-model"
    (model / "1_Pooling").mkdir(parents=True)
    (model / "modules.json").write_text(json.dumps([
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
    ]))
    (model / "1_Pooling" / "config.json").write_text(json.dumps({"pooling_mode_cls_token": True}))
    cache = tmp_path / "cache"
    with pytest.raises(ConfigError, match="NEWSDESK_EMBEDDING_BACKEND=torch"):
        Embedder(str(model), backend="onnx", cache_dir=cache).encode(["x"])
    assert not cache.exists() or not any(cache.rglob("*.onnx"))



def test_question_time_encodes_run_on_onnx_while_ingest_stays_on_torch(torch_embedder, onnx_cache):
    """A serving process answers on onnxruntime without ever loading torch's copy; a bulk encode still uses it."""
    e = Embedder(packaged_model_path(), backend="torch", cache_dir=onnx_cache, precision="float32",
                 question_backend="onnx")
    texts = _real_texts()
    question = e.encode([texts[0]])
    sentences = e.encode(texts[1:9])
    assert "_impl" not in e.__dict__  # the torch model was never loaded
    assert e._question[0] == "onnx" and e.dimension == 384
    ref = torch_embedder.encode(texts[:9])
    assert float((np.vstack([question, sentences]) * ref).sum(axis=1).min()) >= 0.999
    bulk = e.encode(texts * (70 // len(texts) + 1))  # an ingest-sized batch
    assert "_impl" in e.__dict__ and e._impl.__class__.__name__ == "_TorchBackend"
    assert float((bulk[: len(texts)] * torch_embedder.encode(texts)).sum(axis=1).min()) >= 0.999


def test_auto_question_backend_keeps_torch_for_a_model_onnx_cannot_run(tmp_path):
    """The ONNX graph mean-pools: a CLS-pooling copy of the model must keep torch at question time too."""
    model = tmp_path / "cls-copy"
    shutil.copytree(packaged_model_path(), model)
    (model / "1_Pooling" / "config.json").write_text(json.dumps(
        {"word_embedding_dimension": 384, "pooling_mode_cls_token": True, "pooling_mode_mean_tokens": False}))
    e = Embedder(str(model), backend="torch", cache_dir=tmp_path / "cache", question_backend="auto")
    assert e.encode(["Who chaired the meeting?"]).shape == (1, 384)
    assert e._question[0] == "torch"
    assert not (tmp_path / "cache").exists()
    assert Embedder(packaged_model_path(), question_backend="auto")._question[0] == "onnx"


def test_bad_question_backend_is_named(monkeypatch):
    with pytest.raises(ConfigError, match="'jax'.*NEWSDESK_EMBEDDING_QUESTION_BACKEND"):
        Embedder(packaged_model_path(), question_backend="jax")
    monkeypatch.setenv("NEWSDESK_EMBEDDING_QUESTION_BACKEND", "tensorflow")
    with pytest.raises(ValueError, match="tensorflow"):
        Settings()
