"""Batches of pairs of similar length: CPU training pays for every padding token.

A batch is padded to its longest pair; drawn at random, most batches hold one long pair and pay for it 32 times.
Shuffled, then sorted by length within windows of many batches, then the batches shuffled, every batch stays a
random mix of questions and labels while padding falls to a few tokens. No sampler of sentence-transformers or
transformers does this for cross-encoder datasets (transformers' length grouping needs tokenised columns).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

from sentence_transformers.base.sampler import DefaultBatchSampler

_WINDOW = 50  # batches sorted together


class LengthGroupedBatchSampler(DefaultBatchSampler):
    def __init__(self, dataset: Any, batch_size: int, drop_last: bool, valid_label_columns: list[str] | None = None,
                 generator: Any = None, seed: int = 0) -> None:
        super().__init__(dataset, batch_size=batch_size, drop_last=drop_last, valid_label_columns=valid_label_columns,
                         generator=generator, seed=seed)
        self.lengths = [len(a) + len(b) for a, b in zip(dataset["first"], dataset["second"], strict=True)]

    def __iter__(self) -> Iterator[list[int]]:
        rng = random.Random(self.seed + self.epoch)
        order = list(range(len(self.lengths)))
        rng.shuffle(order)
        span = self.batch_size * _WINDOW
        batches = []
        for start in range(0, len(order), span):
            window = sorted(order[start : start + span], key=self.lengths.__getitem__)
            batches += [window[i : i + self.batch_size] for i in range(0, len(window), self.batch_size)]
        if self.drop_last:
            batches = [b for b in batches if len(b) == self.batch_size]
        rng.shuffle(batches)
        yield from batches

    def __len__(self) -> int:
        n = len(self.lengths)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
