"""Word files (.docx, python-docx): paragraphs and tables in document order, headings as their own paragraphs,
title, author and date from the core properties unless the text opens with a dateline."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime
from typing import Any

from core.types import Article
from index.dates import iso_date
from index.document_text import dateline, heading_title, paged_article, unwrap, usable_title
from index.outcomes import LoadFailure, article_id_for

# A .docx is a zip: its XML is inflated in memory, so a small file that inflates to gigabytes is refused first.
MAX_INFLATED_BYTES = 200_000_000
# python-docx's blank template carries these: a document made from it keeps them unless its author set others.
_TEMPLATE_AUTHOR = "python-docx"
_TEMPLATE_CREATED = datetime(2013, 12, 23, 23, 15)


def article_from_docx(data: bytes, where: str, key: str, origin: str | None = None) -> Article | LoadFailure:
    """The article of the Word document in `data`; `key` gives its id (a path, or message and attachment)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            inflated = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        return LoadFailure(where, "not a Word .docx file (it is not a zip archive; an old .doc must be saved as "
                                  ".docx first)")
    if inflated > MAX_INFLATED_BYTES:
        return LoadFailure(where, f"the .docx inflates to {inflated:,} bytes, over the {MAX_INFLATED_BYTES:,}-byte "
                                  "limit")
    try:
        import docx

        document = docx.Document(io.BytesIO(data))
        paragraphs = list(_blocks(document))
        props = document.core_properties
    except Exception as exc:  # python-docx raises KeyError, ValueError, lxml errors... on damaged packages
        detail = str(exc).strip() or type(exc).__name__
        return LoadFailure(where, f"damaged Word file, cannot be read: {detail[:200]}")
    if not paragraphs:
        return LoadFailure(where, "empty article: the document has no text")
    headed = [text for text, style in paragraphs if style.startswith("title")]
    texts = [text for text, _ in paragraphs]
    title = usable_title(props.title) or (headed[0] if headed else "") or heading_title(texts)
    template = _naive(props.created) == _TEMPLATE_CREATED
    written = None if template else iso_date(_naive(props.created) or _naive(props.modified))
    published = dateline([t for t in texts if t != title]) or written
    authors = [] if props.author == _TEMPLATE_AUTHOR else [a.strip() for a in (props.author or "").split(";")]
    article = paged_article([(0, texts)], article_id=article_id_for(key), title=title, origin=origin or where,
                            published=published, authors=authors)
    return article or LoadFailure(where, "empty article: the document's text is only boilerplate")


def _blocks(document: Any) -> Any:
    """(text, style name in lower case) of each paragraph and table row, in document order."""
    for block in document.iter_inner_content():
        if hasattr(block, "rows"):
            for row in block.rows:
                # A merged cell repeats in every column it spans: each distinct cell once.
                cells = list(dict.fromkeys(cell.text.strip() for cell in row.cells))
                line = " | ".join(c for c in cells if c)
                if line:
                    yield unwrap([line]), "table"
            continue
        text = unwrap(block.text.split("\n"))
        if text:
            style = (block.style.name if block.style is not None else "") or ""
            yield text, style.lower()


def _naive(value: Any) -> datetime | None:
    return value.replace(tzinfo=None) if isinstance(value, datetime) else None
