"""PDF files (pypdf, text layer only): one article per document, its chunks knowing their page.

A scanned PDF has no text layer and is refused with that reason (OCR it first); so are PDFs that need a password
and damaged ones. Nothing here raises for a bad document.
"""

from __future__ import annotations

import io
import logging
import re
from collections import Counter
from typing import Any

from core.types import Article
from index.dates import iso_date
from index.document_text import dateline, heading_title, paged_article, paragraphs_of, usable_title
from index.outcomes import LoadFailure, article_id_for

# Fewer letters and digits than this on every page together: the pages are pictures of text.
_MIN_TEXT_CHARS = 20
_HEADER_WINDOW = 1024
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# Typographic ligatures would hide words from search ("\ufb01nance" is not "finance").
_LIGATURES = str.maketrans({"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl",
                            "\ufb05": "st", "\ufb06": "st"})
# Running headers and footers live in the first and last lines of a page.
_EDGE_LINES = 3
_PAGE_NUMBER = re.compile(r"^(?:page\s*)?\d{1,4}(?:\s*(?:/|of)\s*\d{1,4})?$", re.IGNORECASE)


def article_from_pdf(data: bytes, where: str, key: str, origin: str | None = None) -> Article | LoadFailure:
    """The article of the PDF in `data`; `key` gives its id (a path, or a message and attachment name)."""
    if b"%PDF-" not in data[:_HEADER_WINDOW]:
        return LoadFailure(where, "not a PDF: the file has no %PDF- header (damaged, or another format renamed)")
    # pypdf logs every repaired cross-reference as a warning: on a damaged file that is a page of noise on stderr.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        return _read(data, where, key, origin or where)
    except Exception as exc:  # pypdf raises many types (PdfReadError, KeyError, ValueError...) on damaged files
        detail = str(exc).strip() or type(exc).__name__
        return LoadFailure(where, f"damaged PDF, cannot be read: {detail[:200]}; re-save or re-export it and retry")


def _read(data: bytes, where: str, key: str, origin: str) -> Article | LoadFailure:
    from pypdf import PdfReader
    from pypdf.errors import DependencyError

    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted:
        try:
            # Many PDFs are "protected" only against editing: an empty user password opens them for reading.
            opened = reader.decrypt("")
        except DependencyError as exc:
            return LoadFailure(where, f"encrypted PDF that cannot be opened here: {exc}")
        if not opened:
            return LoadFailure(where, "encrypted PDF: it needs a password to open; save an unprotected copy "
                                      "(print to PDF) and ingest that")
    texts = _without_running_lines([_page_text(page) for page in reader.pages])
    pages = [(number, paragraphs_of(text)) for number, text in enumerate(texts, start=1)]
    letters = sum(ch.isalnum() for _, paras in pages for p in paras for ch in p)
    if letters < _MIN_TEXT_CHARS:
        return LoadFailure(where, f"no text layer: {_pages(len(pages))} only images (a scan?); run "
                                  "OCR on it (e.g. ocrmypdf) and ingest the result")
    meta = _metadata(reader)
    opening = [p for _, paras in pages[:1] for p in paras]
    title = usable_title(meta.get("title")) or heading_title(opening)
    published = dateline([p for p in opening if p != title]) or iso_date(meta.get("created"))
    article = paged_article(pages, article_id=article_id_for(key), title=title, origin=origin,
                            published=published, authors=_authors(meta.get("author")))
    return article or LoadFailure(where, "empty article: the PDF's text is only boilerplate")


def _page_text(page: Any) -> str:
    # Layout mode marks paragraph breaks with blank lines from the vertical gaps; plain mode is the fallback.
    for mode in ("layout", "plain"):
        try:
            return _CONTROL.sub(" ", page.extract_text(extraction_mode=mode)).translate(_LIGATURES)
        except Exception:  # one unreadable page must not cost the document
            continue
    return ""


def _without_running_lines(texts: list[str]) -> list[str]:
    """Page texts without page numbers and without the header and footer lines that repeat on at least half
    the pages (digits aside: "Page 3 of 9", a print date); a removed line leaves a paragraph break."""
    pages = [text.split("\n") for text in texts]
    edges = [_edge_indices(lines) for lines in pages]
    keys = [{i: _line_key(lines[i]) for i in found} for lines, found in zip(pages, edges, strict=True)]
    seen = Counter(key for page in keys for key in set(page.values()))
    repeated = {key for key, n in seen.items() if n >= 2 and 2 * n >= len(pages)}
    for lines, page in zip(pages, keys, strict=True):
        for i, key in page.items():
            if key in repeated or _PAGE_NUMBER.match(" ".join(lines[i].split())):
                lines[i] = ""
    return ["\n".join(lines) for lines in pages]


def _edge_indices(lines: list[str]) -> list[int]:
    filled = [i for i, line in enumerate(lines) if line.strip()]
    return sorted(set(filled[:_EDGE_LINES] + filled[-_EDGE_LINES:]))


def _line_key(line: str) -> str:
    return re.sub(r"\d+", "#", " ".join(line.split())).casefold()


def _metadata(reader: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    try:
        info = reader.metadata
    except Exception:
        return out
    if info is None:
        return out
    for name, attr in (("title", "title"), ("author", "author"), ("created", "creation_date")):
        try:
            out[name] = getattr(info, attr)
        except Exception:  # a malformed date string in the info dictionary
            out[name] = None
    return out


def _authors(value: object) -> list[str]:
    text = " ".join(str(value or "").split())
    return [name.strip() for name in re.split(r";|\band\b|,(?=\s*[A-Z][a-z]+\s+[A-Z])", text) if name.strip()]


def _pages(n: int) -> str:
    return "its one page holds" if n == 1 else f"its {n} pages hold"
