"""Question-time shortcuts keep their answers: length-grouped sentence encodes, and the store's remembered count."""

from __future__ import annotations

import numpy as np
import pytest

from core.types import Chunk
from index.length_groups import BATCH_COST_TOKENS, length_groups
from index.store import ChromaStore, make_client


def test_length_groups_cover_every_index_once() -> None:
    lengths = [12, 150, 30, 31, 9, 60, 33, 12, 158, 40]
    groups = length_groups(lengths, BATCH_COST_TOKENS["torch"])
    assert sorted(i for g in groups for i in g) == list(range(len(lengths)))
    # Each batch is a run of the longest-first order.
    flat = [lengths[i] for g in groups for i in g]
    assert flat == sorted(lengths, reverse=True)
    assert length_groups([], BATCH_COST_TOKENS["torch"]) == []
    assert length_groups([7], BATCH_COST_TOKENS["torch"]) == [[0]]


def test_length_groups_split_only_where_padding_costs_more_than_a_batch() -> None:
    # One long sentence among short ones: padding 23 short ones to 150 tokens costs far more than a second batch.
    assert len(length_groups([150] + [20] * 23, 120)) == 2
    # Similar lengths stay one batch.
    assert len(length_groups([30, 28, 33, 31, 29], 120)) == 1
    # A free batch means no padding at all: one batch per distinct length.
    assert len(length_groups([5, 5, 9, 9, 12], 0)) == 3


def test_grouped_encode_matches_one_batch_and_keeps_order(embedder) -> None:
    texts = ["NATO foreign ministers met in Brussels to discuss transatlantic ties.",
             " ".join(["The ministers also discussed the budget, the summit and the enlargement."] * 12),
             "Short one.", "Health inspectors fined 37 restaurants for breaking hygiene rules.", "Brussels"]
    grouped = embedder.encode(texts)
    assert grouped.shape == (len(texts), embedder.dimension)
    one_batch = np.asarray(embedder._impl.encode(texts, 64), dtype=np.float32)
    one_batch /= np.linalg.norm(one_batch, axis=1, keepdims=True)
    assert np.allclose(np.linalg.norm(grouped, axis=1), 1.0, atol=1e-4)
    assert float((grouped * one_batch).sum(axis=1).min()) >= 0.999
    # Each row is its own text's vector: encoded alone, the same text lands on the same row.
    for i, text in enumerate(texts):
        alone = embedder.encode([text])[0]
        assert float(alone @ grouped[i]) >= 0.999


@pytest.fixture
def store(settings, embedder) -> ChromaStore:
    return ChromaStore(make_client(settings), "speedpaths", embedder, settings.home)


def _chunk(article: str, pos: int, text: str) -> Chunk:
    return Chunk(id=Chunk.make_id(article, pos), article_id=article, position=pos, text=text, title=article)


def test_remembered_count_follows_own_writes(store: ChromaStore, embedder) -> None:
    assert store.count() == 0
    assert store.query(embedder.encode(["anything"])[0], 10) == []  # empty store: no results, no error
    chunks = [_chunk("a1", 0, "The mayor presented the budget."), _chunk("a1", 1, "The council voted.")]
    store.upsert(chunks, embedder.encode([c.text for c in chunks]))
    assert store.count() == 2  # a write forgets the remembered count at once
    got = store.query(embedder.encode(["budget"])[0], 50)  # more asked for than there are
    assert {c.id for c, _ in got} == {c.id for c in chunks}
    store.delete_chunks([chunks[1].id])
    assert store.count() == 1
    store.delete_articles(["a1"])
    assert store.count() == 0


def test_another_writer_is_seen_after_the_count_goes_stale(store: ChromaStore, embedder,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    import index.store as store_module

    assert store.count() == 0
    # Another process writes straight to the collection: this store keeps its count only for _COUNT_FRESH_S.
    store.collection.upsert(ids=[_chunk("b1", 0, "x").id], embeddings=embedder.encode(["x"]), documents=["x"],
                            metadatas=[_chunk("b1", 0, "x").metadata()])
    monkeypatch.setattr(store_module, "_COUNT_FRESH_S", 0.0)
    assert store.count() == 1
