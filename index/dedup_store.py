"""The near-duplicate lookup kept in the manifest: LSH buckets of every signature, maintained by SQLite triggers.

`DedupIndex.build` reads every signature into datasketch's in-memory LSH: ~5 s per ingest at 100k articles, which
alone would make adding a few articles to an archive cost more than to a small index. Here the buckets are rows
(band, the band's signature bytes, id) written with the article row, so a lookup is one indexed query. Banding is
datasketch's own for the threshold (`MinHashLSH(threshold).b/.r`), so candidates, and with the same exact
similarity check, matches are what the in-memory index finds. Bucket rows exist for every row with a signature;
the lookup keeps indexed (done, canonical) articles, as `Manifest.signatures` does.

What one ingest changes before writing (an article planned as indexed, or no longer indexed) is held in memory on
top, as the in-memory index would hold it.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

from index.dedup import NUM_PERM, DedupIndex, from_bytes, similarity
from index.manifest import Manifest

_SCHEMA = """
CREATE TABLE IF NOT EXISTS lsh_bands (band INTEGER PRIMARY KEY, start INTEGER NOT NULL, size INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS lsh (band INTEGER NOT NULL, bucket BLOB NOT NULL, id TEXT NOT NULL,
                                PRIMARY KEY (band, bucket, id)) WITHOUT ROWID;
CREATE TRIGGER IF NOT EXISTS lsh_add AFTER INSERT ON articles WHEN NEW.signature IS NOT NULL BEGIN
    INSERT OR IGNORE INTO lsh (band, bucket, id)
    SELECT band, substr(NEW.signature, start, size), NEW.id FROM lsh_bands;
END;
CREATE TRIGGER IF NOT EXISTS lsh_drop AFTER DELETE ON articles WHEN OLD.signature IS NOT NULL BEGIN
    DELETE FROM lsh WHERE (band, bucket, id) IN (SELECT band, substr(OLD.signature, start, size), OLD.id
                                                 FROM lsh_bands);
END;
"""
_BYTES = 4  # one uint32 hash value


@lru_cache(maxsize=8)
def bands(threshold: float) -> tuple[int, int]:
    """(bands, rows per band) datasketch chooses for this threshold."""
    from datasketch import MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
    return int(lsh.b), int(lsh.r)


def prepare(manifest: Manifest, threshold: float) -> tuple[int, int]:
    """Create the bucket table, or rebuild it when the threshold (and so the banding) changed; (bands, rows)."""
    db = manifest.db
    db.executescript(_SCHEMA)
    # datasketch's optimal banding takes ~0.5 s to integrate: remembered with the threshold it is for.
    if manifest.get_meta("lsh_threshold") == repr(threshold):
        stored = db.execute("SELECT count(*), max(size) FROM lsh_bands").fetchone()
        if stored[0]:
            return int(stored[0]), int(stored[1]) // _BYTES
    b, r = bands(threshold)
    wanted = [(i, i * r * _BYTES + 1, r * _BYTES) for i in range(b)]
    if [tuple(row) for row in db.execute("SELECT band, start, size FROM lsh_bands ORDER BY band")] != wanted:
        db.execute("DELETE FROM lsh_bands")
        db.executemany("INSERT INTO lsh_bands (band, start, size) VALUES (?, ?, ?)", wanted)
        db.execute("DELETE FROM lsh")
        db.execute("INSERT OR IGNORE INTO lsh (band, bucket, id) SELECT band, substr(signature, start, size), id "
                   "FROM articles, lsh_bands WHERE signature IS NOT NULL")
        db.commit()
    manifest.set_meta("lsh_threshold", repr(threshold))
    return b, r


class StoredDedupIndex(DedupIndex):
    """`DedupIndex` over the manifest's buckets, with this run's additions and removals in memory."""

    def __init__(self, threshold: float, manifest: Manifest) -> None:
        super().__init__(threshold)
        self.manifest = manifest
        self.removed: set[str] = set()
        self.b, self.r = prepare(manifest, threshold)

    def add(self, article_id: str, sig: np.ndarray) -> None:
        self.removed.discard(article_id)
        super().add(article_id, sig)

    def remove(self, article_id: str) -> None:
        self.removed.add(article_id)
        super().remove(article_id)

    def match(self, sig: np.ndarray, exclude: str | None = None) -> tuple[str, float] | None:
        best = super().match(sig, exclude)
        for candidate, stored in self._stored_candidates(sig):
            if candidate == exclude or candidate in self.removed or candidate in self.signatures:
                continue  # this run's own view of the article (in memory) is the one that counts
            score = similarity(sig, stored)
            if score < self.threshold:
                continue
            if best is None or score > best[1] or (score == best[1] and candidate < best[0]):
                best = (candidate, score)
        return best

    def _stored_candidates(self, sig: np.ndarray) -> list[tuple[str, np.ndarray]]:
        raw = np.asarray(sig, dtype="<u4").tobytes()
        size = self.r * _BYTES
        keys: list[Any] = []
        for band in range(self.b):
            keys += [band, raw[band * size : (band + 1) * size]]
        # One primary-key lookup per band: a row-value IN list would use the band alone and scan its bucket rows.
        lookups = " UNION ".join(["SELECT id FROM lsh WHERE band = ? AND bucket = ?"] * self.b)
        # CROSS JOIN keeps this order: from the few bucket hits to their rows, not through every indexed row.
        rows = self.manifest.db.execute(
            f"SELECT a.id, a.signature FROM ({lookups}) AS hit CROSS JOIN articles AS a ON a.id = hit.id "
            "WHERE a.state = 'done' AND a.canonical IS NULL", keys).fetchall()
        return [(i, from_bytes(s)) for i, s in rows]
