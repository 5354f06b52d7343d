"""Sentences of retrieved chunks and their embeddings, computed once and shared by the answerer and the checker.

Sentence splitting (pysbd) and sentence embeddings are the costly part of answering; the same chunks come back
for related questions and for follow-ups, so spans are cached per chunk and vectors per sentence, and only the
sentences someone asks about are embedded.
"""

from __future__ import annotations

import hashlib
import re
from collections import OrderedDict
from collections.abc import Sequence
from threading import Lock

import numpy as np

from core.types import Chunk

# Words that end with a full stop without ending a sentence: titles, months, "No.", initials are handled apart.
_ABBREVIATIONS = frozenset({
    "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "gen", "col", "lt", "sgt", "capt", "cmdr", "adm", "gov",
    "sen", "rep", "rev", "hon", "pres", "supt", "insp", "det", "cpl", "maj", "pvt", "jan", "feb", "mar", "apr",
    "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "vs", "etc", "inc", "ltd", "co", "corp",
    "dept", "univ", "approx", "fig", "vol", "ave", "blvd", "rd", "mt", "ft", "u.s", "u.k", "u.n", "e.g", "i.e",
    "a.m", "p.m", "d.c"
})
_BOUNDARY = re.compile(r"[.!?\u2026]+[\u201d\u2019\"')\]]*(?=\s+[\u201c\u2018\"'(\[]?[A-Z0-9\u00c0-\u024f])")
_LAST_WORD = re.compile(r"([\w.]+)\.$")
# A dateline that opens a snippet or wire story ("Oct 19, 2021 ...", "19 October 2021 …") belongs to the
# sentence it dates: split off, the date would be lost to a "when" question answered by the sentence after it.
# The sentence is embedded without it, though: a date prefix pulls every snippet's vector towards every other's.
_DATELINE = re.compile(
    r"\s*(?:(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{1,2},?\s+\d{4}|"
    r"\d{1,2}\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?,?\s+\d{4}|\d{4}-\d\d-\d\d)"
    r"\s*(?:\.\.\.|\u2026)", re.IGNORECASE)


def split_sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) spans of the sentences of `text`, verbatim and trimmed; lines never share a sentence.

    A rule-based splitter: pysbd is more thorough but takes ~10-40 ms per chunk, which for the 20-40 chunks of one
    question would be most of its answer time. Full stops after titles, month names and initials do not split.
    """
    spans: list[tuple[int, int]] = []
    for line in re.finditer(r"[^\n]+", text):
        base, body = line.start(), line.group()
        start = 0
        for m in _BOUNDARY.finditer(body):
            head = body[start : m.start() + 1]
            if start == 0 and _DATELINE.fullmatch(body[: m.end()]):
                continue
            word = _LAST_WORD.search(head) if m.group().startswith(".") else None
            if word and (word.group(1).lower() in _ABBREVIATIONS or re.fullmatch(r"[A-Z]", word.group(1))
                         or (word.group(1) in {"No", "Nos", "no"} and body[m.end():].lstrip()[:1].isdigit())):
                continue
            spans.append((base + start, base + m.end()))
            start = m.end()
        spans.append((base + start, base + len(body)))
    out = []
    for a, b in spans:
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if b > a:
            out.append((a, b))
    return out


def without_dateline(sentence: str) -> str:
    """The sentence without the dateline it may open with (what its meaning is embedded from)."""
    m = _DATELINE.match(sentence)
    return sentence[m.end():].lstrip() or sentence if m else sentence


def chunk_key(chunk: Chunk) -> str:
    # The text is part of the key: a re-ingested article may keep its chunk ids with new text.
    return chunk.id + ":" + hashlib.blake2b(chunk.text.encode("utf-8"), digest_size=8).hexdigest()


class SentenceCache:
    """Least-recently-used caches: chunk -> sentence spans, (chunk, sentence number) -> normalised vector."""

    def __init__(self, embedder: object, max_chunks: int = 20000, max_sentences: int = 100000) -> None:
        if max_chunks < 1 or max_sentences < 1:
            raise ValueError(f"cache sizes must be at least 1, got {max_chunks} and {max_sentences}")
        self.embedder = embedder
        self.max_chunks = max_chunks
        self.max_sentences = max_sentences
        self._spans: OrderedDict[str, list[tuple[int, int]]] = OrderedDict()
        self._vectors: OrderedDict[tuple[str, int], np.ndarray] = OrderedDict()
        self._lock = Lock()

    def spans(self, chunk: Chunk) -> list[tuple[int, int]]:
        key = chunk_key(chunk)
        with self._lock:
            got = self._spans.get(key)
            if got is not None:
                self._spans.move_to_end(key)
                return got
        got = split_sentences(chunk.text)
        with self._lock:
            self._spans[key] = got
            while len(self._spans) > self.max_chunks:
                self._spans.popitem(last=False)
        return got

    def sentence_vectors(self, wanted: Sequence[tuple[Chunk, int]]) -> np.ndarray:
        """(len(wanted), dim) vectors of sentence number i of each chunk; the missing ones encoded in one batch."""
        keys = [(chunk_key(c), i) for c, i in wanted]
        with self._lock:
            found = {k: self._vectors[k] for k in keys if k in self._vectors}
        todo = {k: (c, i) for k, (c, i) in zip(keys, wanted, strict=True) if k not in found}
        if todo:
            texts = []
            for c, i in todo.values():
                start, end = self.spans(c)[i]
                texts.append(without_dateline(c.text[start:end]))
            encoded = np.asarray(self.embedder.encode(texts), dtype=np.float32)
            found.update(zip(todo, encoded, strict=True))
        with self._lock:
            for k in keys:
                if k in todo:
                    self._vectors[k] = found[k]
                elif k in self._vectors:
                    self._vectors.move_to_end(k)
            while len(self._vectors) > self.max_sentences:
                self._vectors.popitem(last=False)
        if not keys:
            return np.zeros((0, 0), dtype=np.float32)
        return np.stack([found[k] for k in keys])

    def chunk_vectors(self, chunk: Chunk) -> np.ndarray:
        """Vectors of every sentence of the chunk, in order."""
        n = len(self.spans(chunk))
        return self.sentence_vectors([(chunk, i) for i in range(n)]) if n else np.zeros((0, 0), dtype=np.float32)
