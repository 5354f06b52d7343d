"""Split an article into chunks by paragraphs, then sentences, within the embedding model's token budget."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from core.types import Article, Chunk

TokenCounter = Callable[[list[str]], list[int]]


@lru_cache(maxsize=1)
def _segmenter():  # noqa: ANN202 - pysbd has no type hints
    import pysbd

    return pysbd.Segmenter(language="en", clean=False, char_span=True)


# pysbd's time grows with the square of its input: one 60,000-character paragraph took 12 s, and a scraped page
# with no line breaks (hundreds of KB) would take hours. Longer paragraphs are cut first, at an obvious sentence
# end where there is one, else at a space, into windows of at most this many characters.
SEGMENT_WINDOW = 4000
_OBVIOUS_END = re.compile(r"(?<=[.!?])[\"'\u201d\u2019)]?\s+(?=[\"'\u201c\u2018(]?[A-Z])")


_ABBREVIATIONS = {"mr", "mrs", "ms", "dr", "st", "jr", "sr", "gen", "sen", "rep", "gov", "lt", "col", "capt", "prof",
                  "inc", "co", "corp", "ltd", "no", "vs", "jan", "feb", "mar", "apr", "aug", "sept", "sep", "oct",
                  "nov", "dec"}


def _abbreviation(text: str, end: int) -> bool:
    """Is the word ending at `end` (just before its full stop) an abbreviation or an initial ("Mr", "U.S", "J")?"""
    word = text[max(0, end - 12) : end].split()[-1:] or [""]
    bare = word[0].strip("\"'(\u201c\u2018").rstrip(".!?")
    return bare.lower() in _ABBREVIATIONS or len(bare.replace(".", "")) <= 2


def _windows(text: str) -> list[tuple[int, str]]:
    """(offset, piece) windows of `text` no longer than SEGMENT_WINDOW, cut where a sentence surely ends."""
    out: list[tuple[int, str]] = []
    start = 0
    while len(text) - start > SEGMENT_WINDOW:
        lo, hi = start + SEGMENT_WINDOW // 2, start + SEGMENT_WINDOW
        ends = [m.end() for m in _OBVIOUS_END.finditer(text, lo, hi) if not _abbreviation(text, m.start())]
        space = text.rfind(" ", lo, hi)
        cut = ends[-1] if ends else (space + 1 if space > 0 else hi)
        out.append((start, text[start:cut]))
        start = cut
    out.append((start, text[start:]))
    return out


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) character spans of the sentences of `text`, whitespace trimmed, verbatim slices."""
    spans: list[tuple[int, int]] = []
    # pysbd is slow on long inputs and treats newlines inconsistently: segment paragraph by paragraph.
    for para in re.finditer(r"[^\n]+", text):
        for offset, piece in _windows(para.group()):
            base = para.start() + offset
            for seg in _segmenter().segment(piece):
                start, end = base + seg.start, base + seg.end
                while start < end and text[start].isspace():
                    start += 1
                while end > start and text[end - 1].isspace():
                    end -= 1
                if end > start:
                    spans.append((start, end))
    return spans


def embedding_text(title: str, text: str) -> str:
    """What is embedded and BM25-indexed: the headline gives every chunk of an article its topic."""
    return f"{title}\n{text}" if title else text


def _split_long(unit: str, budget: int, count: TokenCounter) -> list[str]:
    """Split one paragraph over budget into sentences, and a sentence over budget into word windows."""
    sentences = [unit[s:e] for s, e in sentence_spans(unit)] or [unit]
    out: list[str] = []
    for sent, n in zip(sentences, count(sentences), strict=True):
        if n <= budget:
            out.append(sent)
            continue
        words = sent.split()
        # Word windows sized by the observed tokens-per-word ratio, then checked again.
        step = max(1, int(len(words) * budget / n * 0.9))
        for i in range(0, len(words), step):
            piece = " ".join(words[i : i + step])
            while count([piece])[0] > budget and step > 1:
                step = max(1, step // 2)
                piece = " ".join(words[i : i + step])
            out.append(piece)
    return out


def chunk_article(article: Article, max_tokens: int, count: TokenCounter) -> list[Chunk]:
    """Pack paragraphs (and, if needed, sentences) into chunks whose embedded text fits `max_tokens`.

    `count` returns the model's token counts (special tokens included) for a batch of strings. A paged
    document is packed page by page, so every chunk lies on one page and a citation can name it.
    """
    title_cost = count([article.title])[0] if article.title else 0
    budget = max_tokens - title_cost
    if budget < 16:
        # A pathological headline must not starve the body: drop it from the budget rather than the text.
        budget = max_tokens
    # The first page starts at 0 whatever was recorded: no text may fall outside every page.
    starts = [0, *(offset for offset, _ in article.pages[1:])]
    spans = list(zip(starts, [*starts[1:], len(article.text)], strict=True))
    pages = [page for _, page in article.pages] or [None]
    placed = [(text, page) for (start, end), page in zip(spans, pages, strict=True)
              for text in _pack(article.text[start:end], budget, count)]
    return [
        Chunk(
            id=Chunk.make_id(article.id, position),
            article_id=article.id,
            position=position,
            text=text,
            title=article.title,
            source=article.source,
            published=article.published,
            url=article.url,
            page=page,
        )
        for position, (text, page) in enumerate(placed)
    ]


def _pack(text: str, budget: int, count: TokenCounter) -> list[str]:
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    units: list[str] = []
    for para, n in zip(paragraphs, count(paragraphs), strict=True):
        units.extend([para] if n <= budget else _split_long(para, budget, count))

    # Word-piece tokens do not cross whitespace, so a joined chunk costs the sum of its units' tokens
    # (minus their special tokens): an exact bound without re-tokenising every candidate.
    texts: list[str] = []
    current: list[str] = []
    used = 2
    for unit, n in zip(units, count(units), strict=True):
        cost = n - 2
        if current and used + cost > budget:
            texts.append("\n\n".join(current))
            current, used = [], 2
        current.append(unit)
        used += cost
    if current:
        texts.append("\n\n".join(current))
    return texts
