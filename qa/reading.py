"""newsdesk's reading models at answer time: the answer reader and the citation verifier (cross-encoders).

Both are sentence-transformers `CrossEncoder` directories with one output logit, trained by `reader/train.py` on
our own written set (see reader/models/*/README.md). The reader scores (question, candidate sentence) pairs:
"does this sentence answer the question"; the verifier scores (evidence, claim) pairs: "does the evidence say
what the claim says". Any other local cross-encoder directory can stand in (an ms-marco re-ranker for the reader,
an NLI-style model for the verifier), or either can be off; the heuristics then decide as before.

The pair texts are built here, once, because training must see exactly what answering shows the models.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from core.errors import ConfigError

# The reader sees the sentence first (what truncation must never cut), then what tells who speaks and of what:
# the article's title and the sentence before ("..., he said" names its speaker one sentence up).
_CONTEXT = " || "


def reader_text(sentence: str, previous: str = "", title: str = "") -> str:
    context = " ".join(x.strip() for x in (title, previous) if x and x.strip())
    return f"{sentence.strip()}{_CONTEXT}{context}" if context else sentence.strip()


def verifier_pair(evidence: str, claim: str) -> tuple[str, str]:
    return evidence.strip(), claim.strip()


class CrossEncoderModel:
    """A local cross-encoder directory loaded once, lazily, offline; `probabilities` batches every pair."""

    def __init__(self, path: str | Path, device: str = "cpu", max_length: int | None = None,
                 batch_size: int = 32, backend: str = "torch", precision: str = "float32") -> None:
        self.path = Path(path)
        if not (self.path / "config.json").is_file():
            raise ConfigError(f"{str(self.path)!r} is not a cross-encoder model directory (no config.json): point "
                              "the setting at a sentence-transformers CrossEncoder directory, or set it to 'off'.")
        self.device = device
        self.max_length = max_length
        self.batch_size = batch_size
        self.backend = backend
        # int8 applies to the onnx backend only; torch always computes in float32.
        self.precision = precision
        self._lock = threading.Lock()

    @cached_property
    def onnx(self) -> Any:
        from qa.cross_onnx import OnnxCrossEncoder

        with self._lock:
            return OnnxCrossEncoder(self.path, self.max_length, int8=self.precision == "int8")

    @cached_property
    def model(self) -> Any:
        import torch
        from sentence_transformers import CrossEncoder

        with self._lock:
            # Shipped weights are fp16 to stay small; fp32 is what the CPU computes fastest and exactly.
            # The length it was trained with is saved with it (tokenizer_config.json) and used unless overridden.
            extra = {"max_length": self.max_length} if self.max_length else {}
            model = CrossEncoder(str(self.path), device=self.device, local_files_only=True,
                                 model_kwargs={"torch_dtype": torch.float32}, **extra)
            model.model.float()
            model.model.eval()
            return model

    def probabilities(self, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
        if not pairs:
            return np.zeros(0, dtype=np.float32)
        if self.backend == "onnx":
            return 1.0 / (1.0 + np.exp(-self.onnx.logits(pairs, self.batch_size)))
        import torch

        out = self.model.predict(list(pairs), batch_size=self.batch_size, show_progress_bar=False,
                                 activation_fn=torch.nn.Sigmoid(), convert_to_numpy=True)
        return np.asarray(out, dtype=np.float32).reshape(-1)


class AnswerReader(CrossEncoderModel):
    """P(sentence answers question) for each candidate (sentence, previous sentence, title)."""

    def score(self, question: str, candidates: Sequence[tuple[str, str, str]]) -> np.ndarray:
        return self.probabilities([(question, reader_text(s, p, t)) for s, p, t in candidates])


class CitationVerifier(CrossEncoderModel):
    """P(evidence supports claim); a claim is judged against each evidence window and the best one counts."""

    def support(self, claim: str, windows: Sequence[str]) -> tuple[float, int]:
        if not windows:
            return 0.0, -1
        probs = self.probabilities([verifier_pair(w, claim) for w in windows])
        best = int(np.argmax(probs))
        return float(probs[best]), best
