"""Read articles from text files: .txt/.md, .html/.htm, .json and .jsonl (folders: `index.walk`).

A bad input never raises: it becomes a `LoadFailure` saying where and why, so one broken line in a 2,451-line
dump costs one article, not the ingest.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from core.types import Article
from index.clean import (
    SNIFF_BYTES,
    clean_text,
    decode_bytes,
    derive_title,
    strip_invisible,
)
from index.dates import iso_date
from index.outcomes import LoadFailure, article_id_for
from index.webpage import article_from_html

__all__ = ["DEFAULT_MAX_BYTES", "TEXT_SUFFIXES", "LoadFailure", "article_id_for", "load_text_file"]

TEXT_SUFFIXES: tuple[str, ...] = (".txt", ".md", ".html", ".htm", ".json", ".jsonl")
DEFAULT_MAX_BYTES = 20_000_000
_BINARY = "binary file (NUL bytes in the first 8 KB)"
# A first line this long is a paragraph, not a headline: using it as the title would lose it from the text.
_TXT_TITLE_MAX_CHARS = 200
# Markdown heading markers around a title ("# Title", "## Title ##"); a '#' inside ("C# 12 released") stays.
_MD_HEADING = re.compile(r"^\s*#+\s*|\s+#+\s*$")


def load_text_file(path: Path, size: int, max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[Article | LoadFailure]:
    """The articles of one regular file of `size` bytes with a TEXT_SUFFIXES suffix.

    Files over `max_bytes` are refused, except .jsonl, which is streamed and where the cap applies to each line.
    """
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        yield from _load_jsonl(path, max_bytes)
        return
    text = _read_text(path, size, max_bytes)
    if isinstance(text, LoadFailure):
        yield text
    elif suffix in (".txt", ".md"):
        yield _from_plain_text(path, text)
    elif suffix in (".html", ".htm"):
        yield article_from_html(text, where=str(path), key=str(path.resolve()))
    else:
        yield from _load_json(path, text)


def _read_text(path: Path, size: int, max_bytes: int) -> str | LoadFailure:
    where = str(path)
    if size > max_bytes:
        return LoadFailure(where, f"file is {size:,} bytes, over the {max_bytes:,}-byte limit")
    try:
        with path.open("rb") as handle:
            # Read one byte past the cap: the file may have grown since stat().
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        return LoadFailure(where, f"cannot read: {exc.strerror or exc}")
    if len(data) > max_bytes:
        return LoadFailure(where, f"file is over the {max_bytes:,}-byte limit")
    text = decode_bytes(data)
    if text is None:
        return LoadFailure(where, _BINARY)
    return text if text.strip() else LoadFailure(where, "empty article")


def _from_plain_text(path: Path, text: str) -> Article | LoadFailure:
    lines = text.splitlines()
    first = next((i for i, line in enumerate(lines) if line.strip()), 0)
    title = _MD_HEADING.sub("", strip_invisible(lines[first])).strip()
    rest = "\n".join(lines[first + 1 :])
    if len(title) > _TXT_TITLE_MAX_CHARS:
        title, rest = "", text
    body = clean_text(rest, title or None)
    if not body:
        return LoadFailure(str(path), "empty article")
    return Article(
        id=article_id_for(str(path.resolve())), title=title or derive_title(body), text=body, origin=str(path)
    )


def _load_json(path: Path, text: str) -> Iterator[Article | LoadFailure]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        yield LoadFailure(str(path), f"invalid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}")
        return
    resolved = str(path.resolve())
    if isinstance(data, dict):
        yield _from_record(data, where=str(path), fallback_key=resolved)
    elif isinstance(data, list):
        for i, item in enumerate(data):
            yield _from_record(item, where=f"{path}[{i}]", fallback_key=f"{resolved}[{i}]")
    else:
        yield LoadFailure(str(path), f"expected a JSON object or a list of objects, got {type(data).__name__}")


def _load_jsonl(path: Path, max_bytes: int) -> Iterator[Article | LoadFailure]:
    resolved, seen_record = str(path.resolve()), False
    try:
        with path.open("rb") as handle:
            if b"\x00" in handle.read(SNIFF_BYTES):
                yield LoadFailure(str(path), _BINARY)
                return
            handle.seek(0)
            for lineno, line in _lines(handle, max_bytes):
                where = f"{path}:{lineno}"
                if line is None:
                    yield LoadFailure(where, f"line is over the {max_bytes:,}-byte limit")
                    continue
                text = decode_bytes(line)
                if text is None or not text.strip():
                    continue
                seen_record = True
                try:
                    record = json.loads(text)
                except json.JSONDecodeError as exc:
                    yield LoadFailure(where, f"invalid JSON: {exc.msg} at column {exc.colno}")
                    continue
                yield _from_record(record, where=where, fallback_key=f"{resolved}:{lineno}")
    except OSError as exc:
        yield LoadFailure(str(path), f"cannot read: {exc.strerror or exc}")
        return
    if not seen_record:
        yield LoadFailure(str(path), "empty article")


def _lines(handle: BinaryIO, max_bytes: int) -> Iterator[tuple[int, bytes | None]]:
    # A line over the cap comes back as None after being skipped in bounded chunks, never held whole in memory.
    lineno = 0
    while True:
        line = handle.readline(max_bytes + 1)
        if not line:
            return
        lineno += 1
        if len(line) > max_bytes and not line.endswith(b"\n"):
            while (rest := handle.readline(1 << 20)) and not rest.endswith(b"\n"):
                pass
            yield lineno, None
        else:
            yield lineno, line


def _from_record(record: Any, where: str, fallback_key: str) -> Article | LoadFailure:
    if not isinstance(record, dict):
        return LoadFailure(where, f"expected a JSON object, got {type(record).__name__}")
    problems: list[str] = []
    fields = {name: _optional_str(record, name, problems) for name in ("url", "title", "source")}
    raw_id = record.get("id")
    if raw_id is not None and (isinstance(raw_id, bool) or not isinstance(raw_id, (str, int))):
        problems.append(f"'id' must be a string or an integer, got {type(raw_id).__name__}")
    authors = _authors(record.get("authors"), problems)
    text_key = next((k for k in ("text", "body", "content") if record.get(k) is not None), None)
    raw_text = record.get(text_key) if text_key else None
    if text_key is None:
        problems.append("missing 'text' (or 'body'/'content')")
    elif not isinstance(raw_text, str):
        problems.append(f"'{text_key}' must be a string, got {type(raw_text).__name__}")
    if problems:
        return LoadFailure(where, "; ".join(problems))
    title = strip_invisible(fields["title"] or "").strip()
    body = clean_text(str(raw_text), title or None)
    if not body:
        return LoadFailure(where, "empty article")
    url = (fields["url"] or "").strip() or None
    given_id = str(raw_id) if raw_id is not None else ""
    return Article(
        id=given_id or article_id_for(url or fallback_key),
        title=title or derive_title(body),
        text=body,
        source=(fields["source"] or "").strip(),
        url=url,
        published=iso_date(record.get("published")),
        authors=authors,
        origin=where,
    )


def _optional_str(record: dict[str, Any], name: str, problems: list[str]) -> str | None:
    value = record.get(name)
    if value is None or isinstance(value, str):
        return value
    problems.append(f"'{name}' must be a string, got {type(value).__name__}")
    return None


def _authors(value: Any, problems: list[str]) -> list[str]:
    if value is None or isinstance(value, str):
        value = [value or ""]
    if isinstance(value, list) and all(isinstance(name, str) for name in value):
        return [name.strip() for name in value if name.strip()]
    problems.append("'authors' must be a string or a list of strings")
    return []
