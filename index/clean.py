"""Raw bytes to clean article text: decoding, no boilerplate, no repeated title, no invisible characters."""

from __future__ import annotations

import re
import unicodedata

TITLE_MAX_CHARS = 120
# Text files have no NUL bytes in their first 8 KB; nearly every binary format has some.
SNIFF_BYTES = 8192
_SENTENCE_END = re.compile(r"(?<=[.!?])\s")

_QUOTES = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2039": "'", "\u203a": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u00ab": '"', "\u00bb": '"',
})

# Invisible characters let a hostile article hide or reorder text that the reader of an answer never sees:
# zero-width spaces/joiners, BOM, word joiner, soft hyphen, bidi embeddings/overrides/isolates and marks.
# C0 controls other than tab and newline only ever come from broken or hostile input.
_INVISIBLE = re.compile(
    "[\u200b-\u200f\ufeff\u2060\u00ad\u061c\u202a-\u202e\u2066-\u2069"
    "\x00-\x08\x0e-\x1f\x7f]"
)

# Every line break Python's str.splitlines() knows, so a \u2028 cannot glue a boilerplate line to a paragraph.
_LINE_BREAKS = re.compile("\r\n|[\r\x0b\x0c\x1c\x1d\x1e\x85\u2028]")

# Markers a boilerplate line may start with ("» ALSO READ", "[Related: ...]", "- Advertisement").
# Quote marks are deliberately absent: '"Subscribe," she said' is a quote, not a widget.
_LEAD = r"^[\s\-\u2013\u2014\u2022*>#\[(|\u00bb]*"

# Case-insensitive, matched at the start of a line; a match drops the whole line.
BOILERPLATE_PATTERNS: tuple[str, ...] = (
    r"also\s+read\b",
    r"read\s+(?:more|also|next)\b",
    r"see\s+also\s*:",
    r"related(?:\s+(?:articles?|stories|story|coverage|content|reading|news|links?))?\s*:",
    r"recommended(?:\s+(?:for\s+you|reading|stories))?\s*:",
    r"advertisement\b",
    r"advertising\s*$",
    r"sponsored(?:\s+content)?\s*$",
    r"story\s+continues\s+below\b",
    r"continue\s+reading\b",
    r"sign\s+up\s+for\b",
    r"subscribe\b",
    r"click\s+here\b",
    r"share\s+this\b",
    r"follow\s+us\s+on\b",
    r"scroll\s+to\s+continue\b",
    r"editor['\u2019]?s\s+note\b",
)
_BOILERPLATE = re.compile(_LEAD + r"(?:" + "|".join(BOILERPLATE_PATTERNS) + r")", re.IGNORECASE)


def decode_bytes(data: bytes) -> str | None:
    """`data` as text: UTF-16 by BOM, else UTF-8, else cp1252, else latin-1; None when it looks binary."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            return None
    if b"\x00" in data[:SNIFF_BYTES]:
        return None
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    # latin-1 maps every byte, so a stray byte that even cp1252 leaves undefined cannot crash the load.
    return data.decode("latin-1")


def normalise_quotes(text: str) -> str:
    """Curly, low-9 and angle quotes as their straight ASCII forms (' and ")."""
    return text.translate(_QUOTES)


def strip_invisible(text: str) -> str:
    """`text` without zero-width, bidi-control and other invisible or control characters (tab/newline kept)."""
    return _INVISIBLE.sub("", text)


def _comparable(line: str) -> str:
    # Two renderings of one headline differ in quote style, case, spacing and end punctuation only.
    text = " ".join(normalise_quotes(strip_invisible(line)).casefold().split())
    start, end = 0, len(text)
    while start < end and _is_edge(text[start]):
        start += 1
    while end > start and _is_edge(text[end - 1]):
        end -= 1
    return text[start:end]


def _is_edge(char: str) -> bool:
    return char.isspace() or unicodedata.category(char).startswith("P")


def is_boilerplate(line: str) -> bool:
    """True when `line` is a navigation or promotion line ("ALSO READ: ...", "Advertisement", ...)."""
    return _BOILERPLATE.match(line) is not None


# Percent-escaped punctuation (%27 for an apostrophe): a scraper put a URL slug where a line of text belonged.
_URL_ESCAPE = re.compile(r"%(?:2[0-9A-F]|3[A-F]|40|5[B-F]|7[B-E])", re.IGNORECASE)


def unescape_slug(line: str) -> str:
    """'%27I%27ll be there%2C%27 he said' -> "'I'll be there,' he said"; lines without two escapes are left alone."""
    if len(_URL_ESCAPE.findall(line)) < 2:
        return line
    from urllib.parse import unquote

    return unquote(line)


def clean_text(text: str, title: str | None = None) -> str:
    """Paragraphs separated by one blank line, without boilerplate lines, repeats of `title` or invisible characters.

    Lines inside a paragraph keep their single newlines; trailing spaces go, leading indentation stays.
    """
    text = _LINE_BREAKS.sub("\n", text).replace("\u2029", "\n\n")
    text = strip_invisible(text)
    title_key = _comparable(title) if title else ""
    kept: list[str] = []
    for raw in text.split("\n"):
        line = unescape_slug(raw.rstrip())
        if not line.strip():
            # A run of blank lines, however long, becomes a single paragraph break.
            if kept and kept[-1] != "":
                kept.append("")
            continue
        if is_boilerplate(line) or (title_key and _comparable(line) == title_key):
            # Dropping a line must not weld the paragraphs around it together or leave a double break.
            if kept and kept[-1] != "":
                kept.append("")
            continue
        kept.append(line)
    while kept and kept[-1] == "":
        kept.pop()
    return "\n".join(kept)


def derive_title(text: str) -> str:
    """A title for an article that has none: its first sentence, cut at a word to at most 120 characters."""
    first_line = next((line.strip() for line in text.splitlines() if line.strip()), "")
    sentence = _SENTENCE_END.split(first_line, maxsplit=1)[0]
    if len(sentence) <= TITLE_MAX_CHARS:
        return sentence
    cut = sentence[: TITLE_MAX_CHARS - 1]
    if " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:-\u2013\u2014") + "\u2026"


# A menu label or separator ("Home", "|", "Sign in"): no line of an article's prose is this short and a link.
_LABEL_MAX_WORDS = 3


def is_navigation(html: str, body: str) -> bool:
    """True when the text extracted from `html` is only its links and short labels: a menu page, not an article.

    trafilatura falls back to any text it finds, so a page of nothing but navigation comes back as a list of
    link texts; indexing it would put "Section 1 / Section 2 ..." in answers.
    """
    import lxml.html
    from lxml.etree import ParserError

    try:
        tree = lxml.html.fromstring(html)
    except (ParserError, ValueError):
        return False
    links = {" ".join(a.text_content().split()) for a in tree.iter("a")} - {""}
    lines = [" ".join(line.split()) for line in body.splitlines() if line.strip()]
    linked = [line in links for line in lines]
    return any(linked) and all(is_link or len(line.split()) <= _LABEL_MAX_WORDS
                               for line, is_link in zip(lines, linked, strict=True))
