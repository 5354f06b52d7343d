"""A sentence-transformers model run by onnxruntime: exported once from the local weights, then torch-free.

The graph is the model's transformer followed by the same mean pooling and L2 normalisation as
sentence-transformers' `Pooling` and `Normalize` modules, exported with `torch.onnx.export` from the files on
disk (nothing is downloaded) and kept in a cache directory keyed by the model files and library versions. An
export is checked against torch before it is published, and written atomically under a file lock, so a crash
or two processes starting at once never leave a half-written or mismatched graph behind.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import warnings
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np

from core.errors import ConfigError

# Bump when the exported graph changes (inputs, pooling, opset): old cache entries are then ignored.
EXPORT_FORMAT = 1
_OPSET = 17
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
# Cosine an export must reach against torch on the check sentences before it is used.
_EXPORT_MIN_COSINE = 0.9999
_CHECK_SENTENCES = (
    "NATO foreign ministers met in Brussels to discuss transatlantic ties.",
    "Short one.",
    "Health inspectors fined 37 restaurants in the Kelvinmoor district for breaking hygiene rules on Tuesday.",
)


def default_cache_dir() -> Path:
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("newsdesk")) / "onnx"


def _read_json(path: Path) -> dict[str, Any] | list[Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, json.JSONDecodeError) as exc:
        raise ConfigError(f"Cannot read {str(path)!r} ({exc}): the model directory looks damaged.") from exc


def _pkg_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "absent"


class ModelSpec:
    """What the ONNX path needs to know about a sentence-transformers directory, checked up front."""

    def __init__(self, model_dir: str) -> None:
        root = Path(model_dir)
        modules = _read_json(root / "modules.json")
        modules = modules if isinstance(modules, list) else []
        kinds = {str(m.get("type", "")).rsplit(".", 1)[-1]: str(m.get("path", "")) for m in modules}
        pool_cfg = _read_json(root / kinds.get("Pooling", "1_Pooling") / "config.json")
        assert isinstance(pool_cfg, dict)
        modes = [k for k, v in pool_cfg.items() if k.startswith("pooling_mode") and v]
        if list(kinds)[:2] != ["Transformer", "Pooling"] or set(kinds) - {"Transformer", "Pooling", "Normalize"} \
                or modes != ["pooling_mode_mean_tokens"]:
            raise ConfigError(
                f"The ONNX embedding backend runs Transformer + mean Pooling (+ Normalize) models; {model_dir!r} "
                f"has modules {list(kinds) or 'unknown'} and pooling {modes or 'unknown'}: "
                "set NEWSDESK_EMBEDDING_BACKEND=torch for this model."
            )
        self.dir = root / kinds["Transformer"]
        if not (self.dir / "tokenizer.json").is_file():
            raise ConfigError(
                f"{str(self.dir)!r} has no tokenizer.json (a fast tokenizer), which the ONNX embedding backend "
                "reads: set NEWSDESK_EMBEDDING_BACKEND=torch for this model."
            )
        st_cfg = _read_json(root / "sentence_bert_config.json")
        hf_cfg = _read_json(self.dir / "config.json")
        assert isinstance(st_cfg, dict) and isinstance(hf_cfg, dict)
        self.max_seq_length = int(st_cfg.get("max_seq_length") or hf_cfg.get("max_position_embeddings") or 512)
        self.lowercase = bool(st_cfg.get("do_lower_case", False))
        self.dimension = int(pool_cfg.get("word_embedding_dimension") or hf_cfg["hidden_size"])

    def key(self) -> str:
        return export_key(f"{EXPORT_FORMAT}|{self.dir.resolve()}|{self.max_seq_length}", self.dir)


def export_key(head: str, model_dir: Path) -> str:
    """A cache key that changes whenever the weights, the config or the exporting and running libraries change."""
    h = hashlib.sha256(head.encode())
    for name in ("torch", "transformers", "onnxruntime"):
        h.update(f"|{name}={_pkg_version(name)}".encode())
    for path in sorted(p for p in model_dir.iterdir() if p.is_file()):
        st = path.stat()
        h.update(f"|{path.name}:{st.st_size}:{st.st_mtime_ns}".encode())
    return h.hexdigest()[:20]


def cpu_session(graph: Path, threads: int = 0) -> Any:
    """An onnxruntime session on the CPU, all graph optimisations on (attention fused)."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.intra_op_num_threads = threads or len(os.sched_getaffinity(0))
    options.inter_op_num_threads = 1
    # Spinning worker threads would burn the cores that chunking and other processes need between batches.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.log_severity_level = 3
    return ort.InferenceSession(str(graph), options, providers=["CPUExecutionProvider"])


def quantize_int8(source: Path, target: Path, check: Callable[[Path], None]) -> None:
    """`source`'s weights as int8 in `target`: onnxruntime's dynamic quantisation, one scale per output channel
    (one per tensor cost the reading models' decisions), published only when `check(graph)` accepts it."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    fd, tmp = tempfile.mkstemp(suffix=".onnx.tmp", dir=target.parent)
    os.close(fd)
    root = logging.getLogger()
    # The quantiser reports through logging.warning(), which would configure the root logger of the whole
    # process (logging.basicConfig) when it has no handler yet.
    quiet = logging.NullHandler()
    root.addHandler(quiet)
    try:
        quantize_dynamic(source, tmp, per_channel=True, weight_type=QuantType.QInt8)
        check(Path(tmp))
        os.replace(tmp, target)
    finally:
        root.removeHandler(quiet)
        if os.path.exists(tmp):
            os.unlink(tmp)


def exported_graph(spec: ModelSpec, cache_dir: Path) -> Path:
    """Path of the verified ONNX graph for `spec`, exporting it first if this cache has none."""
    return cached_export(cache_dir / spec.key() / "model.onnx", lambda target: _export(spec, target),
                         "NEWSDESK_EMBEDDING_BACKEND=torch")


def cached_export(target: Path, export: Callable[[Path], None], fallback: str) -> Path:
    """`target`, written by `export(target)` under a file lock unless it exists (two processes never export one
    graph twice, and a reader never sees half of one); `fallback` is the setting that avoids ONNX."""
    from filelock import FileLock

    if target.is_file():
        return target
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with FileLock(str(target.parent / "export.lock")):
            if not target.is_file():
                export(target)
    except OSError as exc:
        raise ConfigError(
            f"Cannot write the ONNX export to {str(target.parent)!r} ({exc}): make the cache directory writable "
            f"(XDG_CACHE_HOME) or set {fallback}."
        ) from exc
    return target


def _export(spec: ModelSpec, target: Path) -> None:
    try:
        import onnx  # noqa: F401 - torch.onnx.export needs it to write the graph
    except ImportError as exc:
        raise ConfigError("The ONNX embedding backend needs the `onnx` package to export the model once: "
                          "run `make install`, or set NEWSDESK_EMBEDDING_BACKEND=torch.") from exc
    import torch
    from transformers import AutoModel
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    # Eager attention exports as plain MatMul/Softmax, which onnxruntime fuses into its Attention kernel; the
    # SDPA path traces into a graph onnxruntime cannot fuse and runs slower than torch.
    model = AutoModel.from_pretrained(str(spec.dir), local_files_only=True, attn_implementation="eager").eval()
    # eval() on the wrapper too: the exporter restores the wrapper's mode afterwards, recursively, and a
    # wrapper left in training mode would switch dropout on in the model it wraps.
    graph = _pooled(model).eval()
    ids, mask, types = (torch.from_numpy(a) for a in _check_batch(spec))
    fd, tmp = tempfile.mkstemp(suffix=".onnx.tmp", dir=target.parent)
    os.close(fd)
    try:
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            expected = graph(ids, mask, types).numpy()
            torch.onnx.export(
                graph, (ids, mask, types), tmp, input_names=list(_INPUTS), output_names=["embedding"],
                dynamic_axes={**{n: {0: "batch", 1: "tokens"} for n in _INPUTS}, "embedding": {0: "batch"}},
                opset_version=_OPSET, dynamo=False,
            )
        got = OnnxEncoder(spec, Path(tmp), threads=1).run(ids.numpy(), mask.numpy(), types.numpy())
        cosine = float((expected * got).sum(axis=1).min())
        if cosine < _EXPORT_MIN_COSINE:
            raise ConfigError(f"The ONNX export of {str(spec.dir)!r} differs from torch (cosine {cosine:.5f}): "
                              "set NEWSDESK_EMBEDDING_BACKEND=torch.")
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _pooled(model: Any) -> Any:
    """The model wrapped as a torch Module (torch is imported only here, when exporting)."""
    import torch

    class Pooled(torch.nn.Module):
        """Transformer -> mean over real tokens -> unit length: sentence-transformers' Pooling + Normalize."""

        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            tokens = self.model(input_ids=input_ids, attention_mask=attention_mask,
                                token_type_ids=token_type_ids).last_hidden_state
            weights = attention_mask.unsqueeze(-1).to(tokens.dtype)
            mean = (tokens * weights).sum(1) / torch.clamp(weights.sum(1), min=1e-9)
            return torch.nn.functional.normalize(mean, p=2, dim=1)

    return Pooled()


def _check_batch(spec: ModelSpec) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The check sentences as padded arrays: padding in the traced example keeps the mask path in the graph."""
    return OnnxEncoder.pad(OnnxEncoder.tokenizer(spec, truncate=True).encode_batch(list(_CHECK_SENTENCES)))


class OnnxEncoder:
    """Tokenise, sort by length, pad per batch, run the graph, restore the input order."""

    def __init__(self, spec: ModelSpec, graph: Path, threads: int = 0) -> None:
        self.spec = spec
        self.session = cpu_session(graph, threads)
        self.tok = self.tokenizer(spec, truncate=True)

    @staticmethod
    def tokenizer(spec: ModelSpec, truncate: bool) -> Any:
        from tokenizers import Tokenizer

        tok = Tokenizer.from_file(str(spec.dir / "tokenizer.json"))
        # tokenizer.json carries its own padding and a 128-token truncation: sentence-transformers overrides
        # both (pad to the longest in the batch, truncate at max_seq_length), and so must we.
        tok.no_padding()
        if truncate:
            tok.enable_truncation(max_length=spec.max_seq_length, strategy="longest_first")
        else:
            tok.no_truncation()
        return tok

    @staticmethod
    def pad(encodings: list[Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        width = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(encodings), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        types = np.zeros_like(ids)
        for row, enc in enumerate(encodings):
            n = len(enc.ids)
            ids[row, :n] = enc.ids
            mask[row, :n] = 1
            types[row, :n] = enc.type_ids
        return ids, mask, types

    def run(self, ids: np.ndarray, mask: np.ndarray, types: np.ndarray) -> np.ndarray:
        feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
        wanted = {i.name for i in self.session.get_inputs()}
        return self.session.run(None, {k: v for k, v in feed.items() if k in wanted})[0]

    def encode(self, texts: list[str], batch_size: int) -> np.ndarray:
        if self.spec.lowercase:
            texts = [t.lower() for t in texts]
        encodings = self.tok.encode_batch(texts)
        # Longest first, so each batch pads to nearly its own length and a too-big batch fails at once.
        order = np.argsort([-len(e.ids) for e in encodings], kind="stable")
        out = np.empty((len(texts), self.spec.dimension), dtype=np.float32)
        for start in range(0, len(order), batch_size):
            rows = order[start : start + batch_size]
            out[rows] = self.run(*self.pad([encodings[i] for i in rows]))
        return out
