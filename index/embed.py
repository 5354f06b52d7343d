"""The embedding model as a LangChain `Embeddings`, loaded from local files only, on one of two backends.

`torch` runs the model through sentence-transformers (via langchain-huggingface), in float32 or, where the CPU
multiplies bfloat16 natively (AMX, AVX512-BF16), in bfloat16: about 2.5x faster on such CPUs at a cosine of
>= 0.9999 to float32. `onnx` runs the float32 weights through onnxruntime: the graph is exported once from the
local files (see index/onnx_model.py) and needs no torch afterwards, so it starts in well under a second.
Both alternatives are checked against torch float32 (cosine >= 0.999) by tests/test_embed_backends.py.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from functools import cached_property
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from langchain_core.embeddings import Embeddings

from core.errors import ConfigError
from core.settings import EmbeddingSettings
from index.length_groups import BATCH_COST_TOKENS, length_groups

BACKENDS: tuple[str, ...] = ("torch", "onnx")
QUESTION_BACKENDS: tuple[str, ...] = ("auto", *BACKENDS)
PRECISIONS: tuple[str, ...] = ("auto", "float32", "bfloat16")
# Token counts remembered: the chunker counts each paragraph again as a packing unit, so half its tokenising
# was repeated work. Bounded so a long-lived process does not grow with every article it has seen.
_COUNT_CACHE = 50_000
# Question-time encodes (a question, a few dozen sentences) are small and are split into length-sorted batches;
# ingest encodes groups of 256 chunks as they come.
_SMALL_ENCODE = 64
# Texts encoded alone whose vectors are remembered: retrieval, the re-ranker and the answerer each encode the
# same question, and a text encoded alone always gets the same vector.
_SINGLE_CACHE = 1024


class _Backend(Protocol):
    max_tokens: int
    dimension: int

    def count(self, texts: list[str]) -> list[int]: ...
    def encode(self, texts: list[str], batch_size: int) -> np.ndarray: ...


class Embedder(Embeddings):
    """Normalised embeddings (dot product = cosine) plus the model's own token counter.

    Chunk budgets are counted with this tokenizer because a chunk longer than `max_seq_length` is silently
    truncated by the model: the tail would never be found by dense retrieval.
    """

    def __init__(self, model: str, device: str = "cpu", batch_size: int = 64, backend: str = "torch",
                 cache_dir: Path | None = None, precision: str = "auto", question_backend: str | None = None) -> None:
        if backend not in BACKENDS:
            raise ConfigError(f"Unknown embedding backend {backend!r}: set NEWSDESK_EMBEDDING_BACKEND to one of "
                              f"{', '.join(BACKENDS)}.")
        question_backend = question_backend or backend
        if question_backend not in QUESTION_BACKENDS:
            raise ConfigError(f"Unknown question-time backend {question_backend!r}: set "
                              f"NEWSDESK_EMBEDDING_QUESTION_BACKEND to one of {', '.join(QUESTION_BACKENDS)}.")
        if precision not in PRECISIONS:
            raise ConfigError(f"Unknown embedding precision {precision!r}: set NEWSDESK_EMBEDDING_PRECISION to one "
                              f"of {', '.join(PRECISIONS)}.")
        if backend == "onnx" and device != "cpu":
            raise ConfigError(f"The onnx embedding backend runs on the CPU only, got device {device!r}: "
                              "set NEWSDESK_EMBEDDING_BACKEND=torch or NEWSDESK_EMBEDDING_DEVICE=cpu.")
        if backend == "onnx" and precision == "bfloat16":
            raise ConfigError("The onnx embedding backend runs float32 only, got precision 'bfloat16': set "
                              "NEWSDESK_EMBEDDING_BACKEND=torch or NEWSDESK_EMBEDDING_PRECISION=float32.")
        if batch_size < 1:
            raise ConfigError(f"batch_size must be at least 1, got {batch_size}")
        self.model_path = model
        self.device = device
        self.batch_size = batch_size
        self.backend = backend
        self.cache_dir = cache_dir
        self.precision = precision
        self.question_backend = question_backend
        self._counts: dict[str, int] = {}
        self._counts_lock = threading.Lock()
        self._singles: OrderedDict[str, np.ndarray] = OrderedDict()
        self._singles_lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: EmbeddingSettings) -> Embedder:
        return cls(settings.resolved_model(), settings.device, settings.batch_size, settings.backend,
                   precision=settings.precision, question_backend=settings.question_backend)

    @cached_property
    def dtype(self) -> str:
        """The precision the model runs in: 'auto' resolved against this CPU."""
        if self.precision != "auto":
            return self.precision
        return "bfloat16" if self.backend == "torch" and self.device == "cpu" and cpu_has_bf16() else "float32"

    @cached_property
    def _impl(self) -> _Backend:
        # Nothing may reach a model hub at run time: the model is a local directory.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        if not os.path.isdir(self.model_path):
            raise ConfigError(
                f"Embedding model directory {self.model_path!r} does not exist: set NEWSDESK_EMBEDDING_MODEL "
                "to a local sentence-transformers directory (models are never downloaded)."
            )
        if self.backend == "onnx":
            return _OnnxBackend(self.model_path, self.cache_dir)
        # oneDNN keeps every kernel it compiled for a (batch, length) shape, up to 1024 of them; questions rarely
        # repeat a shape, so the default let a serving process grow by ~10 MB per question (1.8 GB after 140).
        # 64 bounds it at no measurable cost in speed; compiled kernels are the same, so are the vectors.
        os.environ.setdefault("ONEDNN_PRIMITIVE_CACHE_CAPACITY", "64")
        os.environ.setdefault("LRU_CACHE_CAPACITY", "64")
        # OpenMP threads that finish a layer first sleep instead of spinning (read once, when torch loads). With
        # spinning, a thread whose core another process holds stalls every layer: 24 sentences took 357 ms on two
        # threads against 226 ms on one with one core busy; passive, 233 ms busy and 131 ms idle (one thread: 218),
        # so question-time encodes use every core whatever the load. Bulk ingest pays ~6% when idle.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        return _TorchBackend(self.model_path, self.device, self.dtype)

    @cached_property
    def _question(self) -> tuple[str, _Backend]:
        """The backend (and its name) of small encodes: a question, the sentences an answer reads.

        Ingest batches are large and run best where `backend` says (torch bfloat16 on CPUs that have it); at
        question time a forward pass is a handful of short texts, where onnxruntime's small per-run cost wins.
        Both give the same vectors to a cosine of >= 0.9999, so questions and chunks still compare."""
        wanted = self.question_backend
        if wanted == "auto":
            wanted = "onnx" if self.device == "cpu" and _onnx_runs(self.model_path) else self.backend
        if wanted == self.backend:
            return self.backend, self._impl
        if wanted == "onnx" and self.device != "cpu":
            raise ConfigError(f"The onnx question-time backend runs on the CPU only, got device {self.device!r}: "
                              "set NEWSDESK_EMBEDDING_QUESTION_BACKEND=auto or torch.")
        if not os.path.isdir(self.model_path):
            return self.backend, self._impl  # the main backend raises the clear error
        if wanted == "onnx":
            return "onnx", _OnnxBackend(self.model_path, self.cache_dir)
        return "torch", _TorchBackend(self.model_path, self.device, self.dtype)

    @property
    def max_tokens(self) -> int:
        """Longest input (in model tokens, special tokens included) the model reads without truncation."""
        return self._impl.max_tokens

    def count_tokens(self, text: str) -> int:
        """Tokens the model will see for `text`, including [CLS] and [SEP]."""
        return self.count_tokens_batch([text])[0]

    def count_tokens_batch(self, texts: list[str]) -> list[int]:
        if not texts:
            return []
        with self._counts_lock:
            todo = [t for t in dict.fromkeys(texts) if t not in self._counts]
            if len(self._counts) + len(todo) > _COUNT_CACHE:
                self._counts.clear()
                todo = list(dict.fromkeys(texts))
            if todo:
                self._counts.update(zip(todo, self._impl.count(todo), strict=True))
            return [self._counts[t] for t in texts]

    def encode(self, texts: list[str]) -> np.ndarray:
        """Unit vectors in the order of `texts`; batches are formed from texts of similar length.

        A text encoded alone (a question) is remembered: its vector does not depend on anything else, so the
        retriever, the re-ranker and the answerer encoding the same question share one forward pass.
        """
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if len(texts) == 1:
            with self._singles_lock:
                hit = self._singles.get(texts[0])
                if hit is not None:
                    self._singles.move_to_end(texts[0])
                    return hit[None, :].copy()
        if len(texts) <= _SMALL_ENCODE:
            name, impl = self._question
            lengths = [min(n, impl.max_tokens) for n in impl.count(list(texts))]
            vectors = np.empty((len(texts), impl.dimension), dtype=np.float32)
            for rows in length_groups(lengths, BATCH_COST_TOKENS[name]):
                vectors[rows] = impl.encode([texts[i] for i in rows], self.batch_size)
        else:
            vectors = self._impl.encode(list(texts), self.batch_size).astype(np.float32, copy=False)
        if self.dtype != "float32":
            # bfloat16 pooling leaves norms ~0.997: renormalise so dot products stay cosines.
            vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        if len(texts) == 1:
            with self._singles_lock:
                self._singles[texts[0]] = vectors[0].copy()
                while len(self._singles) > _SINGLE_CACHE:
                    self._singles.popitem(last=False)
        return vectors

    @property
    def dimension(self) -> int:
        # A serving process may never load the ingest backend: ask the question-time one.
        return self._question[1].dimension

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.encode(list(texts)).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.encode([text])[0].tolist()


def _onnx_runs(model_path: str) -> bool:
    """Whether the ONNX path runs this model (Transformer + mean pooling), read from its config files."""
    from index.onnx_model import ModelSpec

    try:
        ModelSpec(model_path)
    except (ConfigError, OSError, ValueError, KeyError, AssertionError):
        return False
    return True


def cpu_has_bf16() -> bool:
    """True where the CPU multiplies bfloat16 natively; elsewhere bfloat16 is emulated and slower than float32."""
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as f:
            flags = next((line for line in f if line.startswith("flags")), "").split()
    except OSError:
        return False
    return "amx_bf16" in flags or "avx512_bf16" in flags


class _TorchBackend:
    def __init__(self, model_path: str, device: str, dtype: str) -> None:
        import torch
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        from langchain_huggingface import HuggingFaceEmbeddings

        self.lc = HuggingFaceEmbeddings(
            model_name=model_path,
            model_kwargs={"device": device, "local_files_only": True,
                          "model_kwargs": {"dtype": getattr(torch, dtype)}},
            encode_kwargs={"normalize_embeddings": True},
        )
        self.model: Any = self.lc._client
        self.max_tokens = int(self.model.max_seq_length)
        self.dimension = int(self.model.get_embedding_dimension())
        # A private copy of the fast tokenizer, without truncation or padding: counting the long paragraphs the
        # chunker measures on purpose then raises no "longer than the model's maximum" warning.
        backend = getattr(self.model.tokenizer, "backend_tokenizer", None)
        self.counter: Any = None
        if backend is not None:
            from tokenizers import Tokenizer

            self.counter = Tokenizer.from_str(backend.to_str())
            self.counter.no_truncation()
            self.counter.no_padding()

    def count(self, texts: list[str]) -> list[int]:
        if self.counter is not None:
            return [len(e.ids) for e in self.counter.encode_batch(texts)]
        return [len(ids) for ids in self.model.tokenizer(texts, add_special_tokens=True, truncation=False)["input_ids"]]

    def encode(self, texts: list[str], batch_size: int) -> np.ndarray:
        # sentence-transformers sorts the texts by length inside encode() and restores their order.
        return self.model.encode(texts, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True,
                                 show_progress_bar=False)


class _OnnxBackend:
    def __init__(self, model_path: str, cache_dir: Path | None) -> None:
        from index.onnx_model import ModelSpec, OnnxEncoder, default_cache_dir, exported_graph

        spec = ModelSpec(model_path)
        self.encoder = OnnxEncoder(spec, exported_graph(spec, cache_dir or default_cache_dir()))
        self.counter = OnnxEncoder.tokenizer(spec, truncate=False)
        self.max_tokens = spec.max_seq_length
        self.dimension = spec.dimension

    def count(self, texts: list[str]) -> list[int]:
        if self.encoder.spec.lowercase:
            texts = [t.lower() for t in texts]
        return [len(e.ids) for e in self.counter.encode_batch(texts)]

    def encode(self, texts: list[str], batch_size: int) -> np.ndarray:
        return self.encoder.encode(texts, batch_size)
