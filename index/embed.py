"""The embedding model: a LangChain `Embeddings` over sentence-transformers, loaded from local files only."""

from __future__ import annotations

import os
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
from langchain_core.embeddings import Embeddings

from core.errors import ConfigError
from core.settings import EmbeddingSettings

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer


class Embedder(Embeddings):
    """Normalised embeddings (dot product = cosine) plus the model's own token counter.

    Chunk budgets are counted with this tokenizer because a chunk longer than `max_seq_length` is silently
    truncated by the model: the tail would never be found by dense retrieval.
    """

    def __init__(self, model: str, device: str = "cpu", batch_size: int = 64) -> None:
        self.model_path = model
        self.device = device
        self.batch_size = batch_size

    @classmethod
    def from_settings(cls, settings: EmbeddingSettings) -> Embedder:
        return cls(settings.resolved_model(), settings.device, settings.batch_size)

    @cached_property
    def lc(self):  # noqa: ANN201 - langchain_huggingface is imported lazily (torch start-up is slow)
        # Nothing may reach a model hub at run time: the model is a local directory.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        from langchain_huggingface import HuggingFaceEmbeddings

        if not os.path.isdir(self.model_path):
            raise ConfigError(
                f"Embedding model directory {self.model_path!r} does not exist: set NEWSDESK_EMBEDDING_MODEL "
                "to a local sentence-transformers directory (models are never downloaded)."
            )
        return HuggingFaceEmbeddings(
            model_name=self.model_path,
            model_kwargs={"device": self.device, "local_files_only": True},
            encode_kwargs={"normalize_embeddings": True, "batch_size": self.batch_size},
        )

    @property
    def model(self) -> SentenceTransformer:
        return self.lc._client

    @property
    def max_tokens(self) -> int:
        """Longest input (in model tokens, special tokens included) the model reads without truncation."""
        return int(self.model.max_seq_length)

    def count_tokens(self, text: str) -> int:
        """Tokens the model will see for `text`, including [CLS] and [SEP]."""
        return len(self.model.tokenizer(text, add_special_tokens=True, truncation=False)["input_ids"])

    def count_tokens_batch(self, texts: list[str]) -> list[int]:
        if not texts:
            return []
        enc = self.model.tokenizer(texts, add_special_tokens=True, truncation=False)["input_ids"]
        return [len(ids) for ids in enc]

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        # Length-sorted batches waste less padding; the model sorts within encode() already.
        return self.model.encode(
            texts, batch_size=self.batch_size, normalize_embeddings=True, convert_to_numpy=True,
            show_progress_bar=False,
        ).astype(np.float32)

    @cached_property
    def dimension(self) -> int:
        return int(self.model.get_embedding_dimension())

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.encode(list(texts)).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.encode([text])[0].tolist()
