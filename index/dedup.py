"""Near-duplicate detection: MinHash signatures over word 5-grams, looked up through datasketch's LSH.

Syndicated copies of one wire story differ in headline, byline and footer but share nearly every run of five
words, so the Jaccard similarity of their 5-gram sets stays high while two different stories on one topic
share almost none. Shingles are hashed here with numpy, all of an article's at once, then go through
datasketch's vectorised permutations (about 4x faster than datasketch's per-shingle SHA-1). Signatures are
stored in the manifest, so a copy arriving in a later ingest is matched against everything indexed before.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

import numpy as np

from index.clean import normalise_quotes

NUM_PERM = 128
SHINGLE_WORDS = 5
_SIG_DTYPE = np.dtype("<u4")
_WORD = re.compile(r"\w+")
_MIX = np.uint64(0x9E3779B97F4A7C15)
# Signatures are persisted: every process must use the same seed and permutation scheme.
_SEED = 1
_SCHEME = "affine32"
_WORD_CACHE: dict[str, int] = {}
_WORD_CACHE_MAX = 500_000
_BLOCK = 4096


def _word_hash(word: str) -> int:
    value = _WORD_CACHE.get(word)
    if value is None:
        # blake2b, not hash(): Python salts str hashes per process and signatures must survive restarts.
        value = int.from_bytes(hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest(), "little")
        if len(_WORD_CACHE) < _WORD_CACHE_MAX:
            _WORD_CACHE[word] = value
    return value


def shingle_hashes(text: str, size: int = SHINGLE_WORDS) -> np.ndarray:
    """Distinct 64-bit hashes of the `size`-word shingles of `text` (case, quote style and punctuation ignored)."""
    words = _WORD.findall(normalise_quotes(text).casefold())
    hashes = np.fromiter((_word_hash(w) for w in words), dtype=np.uint64, count=len(words))
    n = max(1, len(hashes) - size + 1)
    out = np.zeros(n, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(min(size, len(hashes))):
            # Order-sensitive mix of the window's word hashes; uint64 arithmetic wraps, which is what we want.
            out = out * _MIX + hashes[j : j + n]
            out ^= out >> np.uint64(29)
    return np.unique(out)


def _identity(value: int) -> int:
    return value


def signature(text: str) -> np.ndarray:
    """MinHash signature (NUM_PERM uint32 values, datasketch's "affine32" scheme) of the shingles of `text`."""
    from datasketch import MinHash

    minhash = MinHash(num_perm=NUM_PERM, seed=_SEED, hashfunc=_identity, scheme=_SCHEME)
    shingles = (shingle_hashes(text) >> np.uint64(32)).astype(np.uint32)
    # In blocks: a very long article must not allocate shingles x NUM_PERM values at once.
    for start in range(0, len(shingles), _BLOCK):
        minhash.update_batch(shingles[start : start + _BLOCK])
    return np.asarray(minhash.hashvalues, dtype=_SIG_DTYPE)


def to_bytes(sig: np.ndarray) -> bytes:
    return np.asarray(sig, dtype=_SIG_DTYPE).tobytes()


def from_bytes(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype=_SIG_DTYPE)


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity of the shingle sets behind two signatures."""
    return float(np.mean(a == b))


class DedupIndex:
    """Signatures of the indexed (canonical) articles, with LSH candidate lookup and an exact-estimate check."""

    def __init__(self, threshold: float) -> None:
        from datasketch import MinHashLSH

        if not 0.0 < threshold <= 1.0:
            raise ValueError(f"dedup threshold must be in (0, 1], got {threshold}")
        self.threshold = threshold
        self.lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
        self.signatures: dict[str, np.ndarray] = {}

    @classmethod
    def build(cls, threshold: float, items: Iterable[tuple[str, bytes]]) -> DedupIndex:
        index = cls(threshold)
        for article_id, data in items:
            index.add(article_id, from_bytes(data))
        return index

    def __len__(self) -> int:
        return len(self.signatures)

    def __contains__(self, article_id: str) -> bool:
        return article_id in self.signatures

    def add(self, article_id: str, sig: np.ndarray) -> None:
        from datasketch import LeanMinHash

        if article_id in self.signatures:
            self.remove(article_id)
        self.signatures[article_id] = sig
        self.lsh.insert(article_id, LeanMinHash(seed=_SEED, hashvalues=sig, scheme=_SCHEME))

    def remove(self, article_id: str) -> None:
        if self.signatures.pop(article_id, None) is not None:
            self.lsh.remove(article_id)

    def match(self, sig: np.ndarray, exclude: str | None = None) -> tuple[str, float] | None:
        """The most similar indexed article at or above the threshold (ties: the smaller id), or None."""
        from datasketch import LeanMinHash

        best: tuple[str, float] | None = None
        for candidate in self.lsh.query(LeanMinHash(seed=_SEED, hashvalues=sig, scheme=_SCHEME)):
            if candidate == exclude:
                continue
            score = similarity(sig, self.signatures[candidate])
            if score < self.threshold:
                continue
            if best is None or score > best[1] or (score == best[1] and candidate < best[0]):
                best = (candidate, score)
        return best
