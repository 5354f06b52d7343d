"""What PDF, Word and e-mail documents share: wrapped lines made paragraphs, a dateline read, a title checked,
and the article assembled page by page."""

from __future__ import annotations

import re
from collections.abc import Sequence

from core.types import Article
from index.clean import clean_text, derive_title, strip_invisible
from index.dates import iso_date

_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_DATE = (rf"(?:{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}|\d{{1,2}}\s+{_MONTH},?\s+\d{{4}}"
         r"|\d{4}-\d{2}-\d{2})")
# A dateline opens a release or memo: "PORTSMOUTH, Maine, March 4, 2024 —", "Date: 5 March 2024",
# "FOR IMMEDIATE RELEASE March 4, 2024", or the date alone on its line. A date inside a sentence ("will open on
# March 4, 2026") is an event, not the publication date, so the date must come first or after a place and a comma.
_DATELINE = re.compile(
    rf"^\s*(?:(?i:(?:for\s+immediate\s+release|date[d]?|issued|published|released)\b)\s*[:\-\u2013\u2014]?\s*"
    rf"|[A-Z][A-Za-z.'\u2019 -]{{1,40}}(?:,\s*[A-Z][A-Za-z. ]{{1,25}})?\s*[,(\u2013\u2014-]\s*)?"
    rf"(?:(?i:mon|tue|wed|thu|fri|sat|sun)[a-z]*,?\s+)?(?P<date>(?i:{_DATE}))"
    rf"(?=\s*(?:$|[-\u2013\u2014:|/)(]|\n))",
)
_DATELINE_PARAGRAPHS = 4
# Titles that tools write when the author wrote none: "Untitled", "Microsoft Word - memo.docx", "scan0001.pdf".
_TOOL_TITLE = re.compile(
    r"^(?:untitled(?:\s+document)?|document\d*|microsoft\s+\w+\s+-\s+.*|.*\.(?:pdf|docx?|rtf|odt|txt|html?)|"
    r"slide\s*\d+|title|(?:microsoft\s+)?(?:word\s+document|powerpoint\s+presentation)|\W*)$",
    re.IGNORECASE,
)
_LIST_ITEM = re.compile(r"^\s*(?:[-*\u2022\u25aa\u2013]|\d{1,3}[.)]|[a-z][.)])\s+")
TITLE_MAX_CHARS = 200


def unwrap(lines: Sequence[str]) -> str:
    """The lines of one paragraph as one line: sentence segmentation works line by line, so a sentence
    wrapped over two lines would become two. List items keep their own lines."""
    out: list[str] = []
    for raw in lines:
        line = " ".join(raw.split())
        if not line:
            continue
        if out and not _LIST_ITEM.match(line):
            # A word hyphenated at the line end keeps its hyphen: "well-known" must stay whole.
            out[-1] += line if out[-1].endswith("-") and line[:1].islower() else " " + line
        else:
            out.append(line)
    return "\n".join(out)


def paragraphs_of(text: str) -> list[str]:
    """Paragraphs of plain text whose paragraphs are separated by blank lines, each unwrapped."""
    blocks = re.split(r"\n\s*\n", text.replace("\r\n", "\n").replace("\r", "\n"))
    return [p for p in (unwrap(b.split("\n")) for b in blocks) if p]


def dateline(paragraphs: Sequence[str]) -> str | None:
    """The ISO date written at the top of a document (see `_DATELINE`), else None."""
    for para in paragraphs[:_DATELINE_PARAGRAPHS]:
        for line in para.split("\n")[:3]:
            found = _DATELINE.match(line)
            if found and (day := iso_date(found.group("date").replace(".", ""))):
                return day
    return None


def usable_title(value: object) -> str:
    """A title from document metadata, or "" when it is a tool's placeholder or a file name."""
    text = " ".join(strip_invisible(str(value or "")).split())
    if not text or len(text) > TITLE_MAX_CHARS or _TOOL_TITLE.match(text):
        return ""
    return text


def heading_title(paragraphs: Sequence[str]) -> str:
    """The first paragraph as a title when it reads like a heading: one short line, no sentence end."""
    first = paragraphs[0].strip() if paragraphs else ""
    if first and "\n" not in first and len(first) <= TITLE_MAX_CHARS and not first.endswith((".", ",", ";")) \
            and not _DATELINE.match(first):
        return first
    return ""


def paged_article(pages: Sequence[tuple[int, list[str]]], *, article_id: str, title: str, origin: str,
                  source: str = "", url: str | None = None, published: str | None = None,
                  authors: Sequence[str] = ()) -> Article | None:
    """One article from (page number, paragraphs) pages; None when no text is left after cleaning.

    Each page is cleaned on its own (a running header repeating the title goes on every page), and where each
    page's text starts is kept, so chunks and citations know their page. Pass a single page 0 for unpaged text.
    """
    paged = any(number > 0 for number, _ in pages)
    parts: list[str] = []
    starts: list[tuple[int, int]] = []
    offset = 0
    for number, paras in pages:
        text = clean_text("\n\n".join(paras), title or None)
        if not text:
            continue
        if parts:
            offset += 2
        starts.append((offset, number))
        parts.append(text)
        offset += len(text)
    body = "\n\n".join(parts)
    if not body:
        return None
    return Article(id=article_id, title=title or derive_title(body), text=body, source=source, url=url,
                   published=published, authors=[a for a in authors if a], origin=origin,
                   pages=starts if paged else [])
