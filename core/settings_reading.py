"""The reading models' settings group (NEWSDESK_READING_*): which reader and verifier, and how answers use them."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Literal

from pydantic import Field

from core.errors import ConfigError
from core.settings_group import Group as _Group


def bundled_reading_model(name: str) -> str:
    """Path of one of newsdesk's own trained reading models (the `reader` room of the repository)."""
    spec = importlib.util.find_spec("reader")
    path = Path(next(iter(spec.submodule_search_locations))) / "models" / name if spec and \
        spec.submodule_search_locations else None
    if path is None or not (path / "config.json").is_file():
        raise ConfigError(
            f"newsdesk's reading model {name!r} is missing (looked in {str(path)!r}): reinstall newsdesk, run "
            "`make train`, or set NEWSDESK_READING_READER / NEWSDESK_READING_VERIFIER to a model directory or 'off'."
        )
    return str(path)


class ReadingSettings(_Group):
    reader: str = Field(
        default="bundled",
        description="Answer reader: a local cross-encoder directory scoring (question, sentence); 'bundled' means "
        "newsdesk's own (reader/models/answer-reader), 'off' the heuristic sentence score alone.",
    )
    verifier: str = Field(
        default="bundled",
        description="Citation verifier: a local cross-encoder directory scoring (evidence, claim); 'bundled' means "
        "newsdesk's own (reader/models/citation-verifier), 'off' the word-overlap and similarity check alone.",
    )
    reader_threshold: float = Field(
        default=0.16, ge=0, le=1,
        description="Reader probability below which no sentence answers and the answer is a refusal (calibrated by "
        "bench/calibrate.py).",
    )
    verifier_threshold: float = Field(
        default=0.20, ge=0, le=1,
        description="Verifier probability below which a sentence is not supported by its citation (calibrated by "
        "bench/calibrate.py; with precision int8 it chooses 0.22).",
    )
    heuristic_weight: float = Field(
        default=0.5, ge=0, le=1,
        description="Share of the heuristic score (scaled to the best candidate's) in a sentence's rank; the rest is "
        "the reader's probability. The refusal looks at the reader's probability alone.",
    )
    runner_up_ratio: float = Field(
        default=0.5, ge=0, le=1,
        description="A runner-up of the best sentence's article joins it when its rank is at least this share of "
        "the best's.",
    )
    runner_up_belief: float = Field(
        default=0.3, ge=0, le=1,
        description="A runner-up also needs at least this share of the best sentence's reader probability.",
    )
    other_article_ratio: float = Field(
        default=0.7, ge=0, le=1,
        description="The same for a runner-up of another article (it brings another citation, so it must be "
        "closer).",
    )
    answer_sentences: int = Field(
        default=3, ge=1, le=8,
        description="Most sentences the reader picks for a question (a compound question: one per part), before "
        "the rest of a quote that runs on.",
    )
    reader_candidates: int = Field(
        default=16, ge=1, le=64,
        description="Sentences per question (or part of one) the reader scores: the best by the heuristic score.",
    )
    missing_name_factor: float = Field(
        default=0.35, ge=0, le=1,
        description="The reader's probability is multiplied by this when the article it would answer from (its "
        "retrieved passages, title and source) never mentions a name the question asks about: a near miss about "
        "another person or place. 0 refuses outright, 1 does not look.",
    )
    missing_pin_factor: float = Field(
        default=0.35, ge=0, le=1,
        description="The same for a year, ordinal or numbered name the question is pinned to (\"in 2022\", \"season "
        "5\", \"Q3\") that the article it would answer from never gives, in its passages, title or date: a near "
        "miss about another edition. 0 refuses outright, 1 does not look.",
    )
    missing_kind_factor: float = Field(
        default=0.2, ge=0, le=1,
        description="A sentence's reader probability counts this much towards whether anything answers when it "
        "lacks the kind of answer asked for (a figure for \"how many\", a date for \"when\", a name for \"who\", "
        "someone's words for \"what did X say\"), or has what a question about the past asks still to come "
        "(\"will resume\" for \"did the dig resume?\"). 1 does not look.",
    )
    device: str = Field(default="cpu", description="Torch device of the reading models (the torch backend).")
    backend: Literal["onnx", "torch"] = Field(
        default="onnx",
        description="onnx (onnxruntime on the CPU, the same scores ~2x faster; exported once from the model "
        "directory into the user cache dir) or torch (sentence-transformers' CrossEncoder).",
    )
    precision: Literal["float32", "int8"] = Field(
        default="float32",
        description="Weights of the onnx backend: float32 (the trained weights' exact scores) or int8 (quantised "
        "once from the float32 export, per output channel; ~1.9x faster reading, but scores move, on average up: "
        "fewer near misses refused, see README).",
    )

    def resolved(self, which: Literal["reader", "verifier"]) -> str | None:
        """The model directory of `which`, or None when it is off."""
        value = (self.reader if which == "reader" else self.verifier).strip()
        if value.lower() in {"off", "none", ""}:
            return None
        if value.lower() == "bundled":
            return bundled_reading_model("answer-reader" if which == "reader" else "citation-verifier")
        return value
