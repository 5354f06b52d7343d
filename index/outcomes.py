"""What reading an input gives besides articles, and the ids articles get.

Every reader (text files, HTML, PDF, Word, e-mail, feeds, sitemaps) shares these, so none of them imports
another just for its failure type.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass


@dataclass(frozen=True)
class LoadFailure:
    where: str
    reason: str


@dataclass(frozen=True)
class SkippedFile:
    """A file of a folder that no reader takes (an image, a spreadsheet): counted by type, not a failure."""

    where: str
    kind: str
    """The file's suffix ('.png'), or '(none)'; '.xml' also for XML that is neither a feed nor a sitemap."""


def article_id_for(key: str) -> str:
    """Stable 12-hex-digit id for a URL or an absolute path (the same key always gives the same id)."""
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:12]
