"""The BM25 vocabulary: the terms the lexical index (index/lexical.py) holds and questions are matched with,
also used for word overlap by the answerer and the citation check."""

from __future__ import annotations

import re

_WORD = re.compile(r"[a-z0-9]+(?:[.,][0-9]+)*")
_STOP: frozenset[str] | None = None


def _stopwords() -> frozenset[str]:
    global _STOP
    if _STOP is None:
        from bm25s.stopwords import STOPWORDS_EN

        _STOP = frozenset(STOPWORDS_EN) | {"said", "says", "would", "could", "also"}
    return _STOP


def stem(word: str) -> str:
    """A light plural/possessive stemmer: enough to match 'ministers' with 'minister' without a stemmer package."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def terms(text: str) -> list[str]:
    """Lower-cased, stop-word-free, lightly stemmed terms: the vocabulary of BM25 and of term overlap."""
    text = text.lower().replace("\u2019", "'").replace("'s ", " ")
    stop = _stopwords()
    return [stem(w) for w in _WORD.findall(text) if w not in stop]
