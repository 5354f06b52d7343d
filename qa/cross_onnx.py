"""A cross-encoder (the reading models, or any local sequence-classification directory) run by onnxruntime.

On 2 CPU cores the reader's batch of 16 shortlisted sentences (~80 tokens each) is ~165 ms of torch compute and
~73 ms of onnxruntime with the same float32 weights, the difference between meeting the `ask` latency target or
not. The graph is exported once from the local directory (eager attention, which onnxruntime fuses into its
Attention kernel), checked against torch on pairs of every length, and cached like the embedder's export
(index/onnx_model.py): keyed by the model files and library versions, written atomically under a lock.

With `int8` (NEWSDESK_READING_PRECISION=int8, opt-in) the weights are then quantised (onnxruntime's dynamic
quantisation, one scale per output channel, activations quantised per batch at run time) and cached beside the
float32 graph: the shortlist's 16 pairs take ~62 ms instead of ~116 ms on a Xeon with AVX512-VNNI. One scale per
tensor read clearly worse. Per channel the reader's logits still move (on its train split by +0.10 on average,
std 0.19), enough to answer near misses float32 refuses, so float32 stays the default (README, Reading models,
stop 24). The int8 graph is checked against the float32 one on the same pairs, with a looser bound.
"""

from __future__ import annotations

import json
import os
import tempfile
import warnings
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from core.errors import ConfigError
from index.length_groups import BATCH_COST_TOKENS, length_groups
from index.onnx_model import OnnxEncoder, cached_export, cpu_session, default_cache_dir, export_key, quantize_int8

# Bump when the exported graph changes; old cache entries are then ignored.
EXPORT_FORMAT = 1
_OPSET = 17
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
# Largest logit difference from torch an export may show on the check pairs before it is used.
_EXPORT_MAX_DIFF = 1e-3
_CHECK_PAIRS = (
    ("Who chaired the meeting?", "The mayor chaired the meeting, officials said."),
    ("How much will the repairs cost?", "The repairs will cost 2.4 million euros and are due to start in April, "
     "the council engineer said, adding that the work would take most of the summer to complete."),
    ("x", "y"),
)
_FALLBACK = "NEWSDESK_READING_BACKEND=torch"
# Largest logit difference of the int8 graph from the float32 one on the check pairs (seen: <= 0.16).
_INT8_MAX_DIFF = 0.5
_INT8_FALLBACK = "NEWSDESK_READING_PRECISION=float32"


def _max_length(path: Path) -> int:
    """The length the model was trained with, as transformers reads it (tokenizer_config.json), without loading
    transformers on every start."""
    for name, key in (("tokenizer_config.json", "model_max_length"), ("config.json", "max_position_embeddings")):
        try:
            value = json.loads((path / name).read_text(encoding="utf-8")).get(key)
        except (OSError, ValueError):
            continue
        if isinstance(value, int) and 0 < value <= 100_000:
            return value
    return 512


class OnnxCrossEncoder:
    """`logits(pairs)`: one score per (first, second) text pair, as the torch CrossEncoder computes it."""

    def __init__(self, path: str | Path, max_length: int | None = None, cache_dir: Path | None = None,
                 int8: bool = False) -> None:
        self.path = Path(path)
        if not (self.path / "tokenizer.json").is_file():
            raise ConfigError(f"{str(self.path)!r} has no tokenizer.json (a fast tokenizer), which the ONNX reading "
                              f"backend reads: set {_FALLBACK}.")
        self.max_length = max_length or _max_length(self.path)
        key = export_key(f"cross|{EXPORT_FORMAT}|{self.path.resolve()}|{self.max_length}", self.path)
        graph = cached_export((cache_dir or default_cache_dir()) / key / "model.onnx", self._export, _FALLBACK)
        self.tok = self._tokenizer()
        if int8:
            graph = cached_export(graph.parent / "model-int8.onnx", partial(self._quantize, graph), _INT8_FALLBACK)
        self.graph = graph
        self.session = cpu_session(graph)

    def _tokenizer(self) -> Any:
        from tokenizers import Tokenizer

        tok = Tokenizer.from_file(str(self.path / "tokenizer.json"))
        # As transformers' tokenizer call in CrossEncoder.predict: pad to the batch's longest, truncate the pair
        # longest-first at the model's length.
        tok.no_padding()
        tok.enable_truncation(max_length=self.max_length, strategy="longest_first")
        return tok

    def logits(self, pairs: Sequence[tuple[str, str]], batch_size: int = 32) -> np.ndarray:
        encodings = self.tok.encode_batch([tuple(p) for p in pairs])
        out = np.zeros(len(encodings), dtype=np.float32)
        # Runs of similar length, so no pair pays for another's padding: the shortlist's 16 pairs (50-96 tokens)
        # took ~20% less time than in one batch.
        lengths = [len(e.ids) for e in encodings]
        groups = [g[i : i + batch_size] for g in length_groups(lengths, BATCH_COST_TOKENS["onnx"])
                  for i in range(0, len(g), batch_size)]
        for rows in groups:
            got = self.session.run(None, self._feeds([encodings[i] for i in rows]))[0]
            out[rows] = np.asarray(got, dtype=np.float32).reshape(-1)
        return out

    @staticmethod
    def _feeds(encodings: list[Any]) -> dict[str, np.ndarray]:
        return dict(zip(_INPUTS, OnnxEncoder.pad(encodings), strict=True))

    def _quantize(self, source: Path, target: Path) -> None:
        feeds = self._feeds(self.tok.encode_batch(list(_CHECK_PAIRS)))
        expected = cpu_session(source).run(None, feeds)[0]

        def check(graph: Path) -> None:
            diff = float(np.abs(expected - cpu_session(graph).run(None, feeds)[0]).max())
            if diff > _INT8_MAX_DIFF:
                raise ConfigError(f"The int8 graph of {str(self.path)!r} differs from float32 (logits by "
                                  f"{diff:.3f}): set {_INT8_FALLBACK}.")

        quantize_int8(source, target, check)

    def _export(self, target: Path) -> None:
        import torch
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        model = AutoModelForSequenceClassification.from_pretrained(
            str(self.path), local_files_only=True, attn_implementation="eager", dtype=torch.float32).eval()
        tokenizer = AutoTokenizer.from_pretrained(str(self.path), local_files_only=True)
        feats = tokenizer([a for a, _ in _CHECK_PAIRS], [b for _, b in _CHECK_PAIRS], padding=True, truncation=True,
                          max_length=self.max_length, return_tensors="pt")
        args = tuple(feats[n] for n in _INPUTS)

        class Logits(torch.nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.model = model

            def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
                return self.model(input_ids=input_ids, attention_mask=attention_mask,
                                  token_type_ids=token_type_ids).logits

        graph = Logits().eval()
        fd, tmp = tempfile.mkstemp(suffix=".onnx.tmp", dir=target.parent)
        os.close(fd)
        try:
            with torch.no_grad(), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                expected = graph(*args).numpy()
                torch.onnx.export(graph, args, tmp, input_names=list(_INPUTS), output_names=["logits"],
                                  dynamic_axes={**{n: {0: "batch", 1: "tokens"} for n in _INPUTS},
                                                "logits": {0: "batch"}},
                                  opset_version=_OPSET, dynamo=False)
            got = cpu_session(Path(tmp)).run(None, {n: feats[n].numpy() for n in _INPUTS})[0]
            diff = float(np.abs(expected - got).max())
            if diff > _EXPORT_MAX_DIFF:
                raise ConfigError(f"The ONNX export of {str(self.path)!r} differs from torch (logits by {diff:.4f}): "
                                  f"set {_FALLBACK}.")
            os.replace(tmp, target)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
