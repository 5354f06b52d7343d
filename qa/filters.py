"""Constraints written in the question itself ("according to CNN", "since 2023", "last week") as `Filters`.

Only phrasings that are about the articles become hard filters: a source named with "according to", "from", "in",
"by" or a possessive ("CNN's report"), and publication periods ("since 2023", "last week", "CNN's February 2024
report", "articles from January 2024"). A bare "in June 2022" usually dates the event, not the article (a 2023
story can explain what happened in 1986), so it only makes articles of that period preferred (`prefer`), never
required. Everything applied is described in `notes`, which the answer shows.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from core.types import Filters

_MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_name) if m}
_MONTHS |= {m.lower(): i for i, m in enumerate(calendar.month_abbr) if m}
_MONTHS["sept"] = 9
_MONTH = r"(?:" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_YEAR = r"(?:19|20)\d\d"
# A point in time: "2024-01-05", "January 5, 2024", "Jan. 2024", "2024".
_WHEN = rf"(?:{_YEAR}-\d\d-\d\d|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+{_YEAR}|{_MONTH}\s+{_YEAR}|{_YEAR})"
_UNITS = {"day": 1, "days": 1, "week": 7, "weeks": 7, "month": 30, "months": 30}
_NUMBER_WORDS = {"a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "ten": 10}
_MEDIA = r"(?:report|reports|reported|reporting|story|stories|article|articles|piece|coverage|look|analysis|" \
         r"interview|investigation|news)"

_SINCE = re.compile(rf"\b(?:since|after|from)\s+({_WHEN})(?!\s*(?:-|to|until|through|and)\s)", re.IGNORECASE)
_UNTIL = re.compile(rf"\b(?:before|until|till|through|prior\s+to)\s+({_WHEN})", re.IGNORECASE)
_BETWEEN = re.compile(rf"\b(?:between|from)\s+({_WHEN})\s+(?:and|to|until|through|-)\s+({_WHEN})", re.IGNORECASE)
_PUBLISHED = re.compile(rf"\b(?:published|written|reported|articles?|stories|news|coverage)\s+(?:in|from|during|on)"
                        rf"\s+({_WHEN})", re.IGNORECASE)
_DATED_MEDIA = re.compile(rf"(?:'s|\u2019s)\s+({_WHEN})\s+{_MEDIA}\b", re.IGNORECASE)
_EVENT = re.compile(rf"\b(?:in|during|on)\s+(?:early\s+|late\s+|mid-)?({_WHEN})\b", re.IGNORECASE)
# News periods: "last week", "this month", "the past 3 days", "yesterday". Years ("last year", "the past five
# years") are left alone: "sales fell over the past five years" dates the facts, not the article.
_RELATIVE = re.compile(
    r"(?<!the\s)\b(?:(?P<this>this|last|past|previous)\s+(?P<unit>week|month)|"
    r"(?:in\s+)?the\s+(?:last|past)\s+(?P<n>\d+|a|one|two|three|four|five|six|seven|ten)\s+(?P<units>days?|weeks?|"
    r"months?)|(?P<day>yesterday|today))\b",
    re.IGNORECASE,
)


@dataclass
class ParsedConstraints:
    filters: Filters = field(default_factory=Filters)
    prefer: Filters | None = None
    notes: list[str] = field(default_factory=list)


def period(text: str) -> tuple[date, date] | None:
    """First and last day of a written date: a day, a month or a year."""
    text = text.strip().rstrip(",")
    if m := re.fullmatch(r"(\d{4})-(\d\d)-(\d\d)", text):
        try:
            day = date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            return None
        return day, day
    if m := re.fullmatch(rf"({_MONTH})\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+({_YEAR})", text, re.IGNORECASE):
        try:
            day = date(int(m[3]), _MONTHS[m[1].lower().rstrip(".")], int(m[2]))
        except ValueError:
            return None
        return day, day
    if m := re.fullmatch(rf"({_MONTH})\s+({_YEAR})", text, re.IGNORECASE):
        year, month = int(m[2]), _MONTHS[m[1].lower().rstrip(".")]
        return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
    if re.fullmatch(_YEAR, text):
        return date(int(text), 1, 1), date(int(text), 12, 31)
    return None


def _relative(m: re.Match[str], today: date) -> tuple[date, date]:
    if m["day"]:
        day = today if m["day"].lower() == "today" else today - timedelta(days=1)
        return day, day
    if m["n"]:
        n = _NUMBER_WORDS.get(m["n"].lower()) or int(m["n"])
        return today - timedelta(days=n * _UNITS[m["units"].lower()]), today
    which, unit = m["this"].lower(), m["unit"].lower()
    if which == "past":
        return today - timedelta(days=_UNITS[unit]), today
    if unit == "week":
        monday = today - timedelta(days=today.weekday())
        return (monday, today) if which == "this" else (monday - timedelta(days=7), monday - timedelta(days=1))
    first = today.replace(day=1)
    if which == "this":
        return first, today
    last = first - timedelta(days=1)
    return last.replace(day=1), last


def _source_pattern(source: str) -> re.Pattern[str]:
    name = r"\s+".join(re.escape(w) for w in source.split())
    return re.compile(
        rf"(?P<cue>\baccording\s+to|\b(?:from|in|by|on|per|via)|\breported\s+by)\s+(?P<a>{name})\b(?!-)"
        rf"|(?P<b>(?<![\w-]){name})(?=(?P<own>'s|\u2019s)\b|\s+(?:{_MEDIA}|say|said|says)\b)",
        re.IGNORECASE,
    )


def _source_hits(question: str, sources: Sequence[str]) -> tuple[list[str], list[tuple[int, int]]]:
    """Sources named in the question, and the spans of every source-like phrase (to keep out of date parsing)."""
    found: list[str] = []
    spans: list[tuple[int, int]] = []
    for source in sorted({s for s in sources if s.strip()}, key=len, reverse=True):
        for m in _source_pattern(source).finditer(question):
            span = m.span("a") if m["a"] else m.span("b")
            spans.append(span)
            written = question[span[0] : span[1]]
            # "in the week before" is not The Week: a lower-case name of several words counts only after
            # "according to" or before a word like "report"; a one-word name ("cnn") always counts.
            strong = (m["cue"] or "").lower().startswith("according") or (m["b"] and not m["own"])
            if written.islower() and len(source.split()) > 1 and not strong:
                continue
            if source not in found:
                found.append(source)
    return found, spans


def _blank(text: str, spans: Sequence[tuple[int, int]]) -> str:
    out = list(text)
    for a, b in spans:
        out[a:b] = " " * (b - a)
    return "".join(out)


def parse_constraints(question: str, sources: Sequence[str], today: date) -> ParsedConstraints:
    """Filters stated in `question`. `sources` are the index's source names; `today` anchors "last week"."""
    out = ParsedConstraints()
    found, spans = _source_hits(question, sources)
    if found:
        out.filters.sources = found
        out.notes.append("source: " + ", ".join(found))
    # Source names can hold date words ("USA Today", "The Week"): they are not read as dates.
    text = _blank(question, spans)
    since: date | None = None
    until: date | None = None
    if m := _BETWEEN.search(text):
        a, b = period(m[1]), period(m[2])
        if a and b:
            since, until = a[0], b[1]
    elif (m := _PUBLISHED.search(text)) or (m := _DATED_MEDIA.search(text)):
        if p := period(m[1]):
            since, until = p
    else:
        if (m := _SINCE.search(text)) and (p := period(m[1])):
            since = p[0] if m.group().lower().startswith(("since", "from")) else p[1] + timedelta(days=1)
        if (m := _UNTIL.search(text)) and (p := period(m[1])):
            until = p[1] if m.group().lower().startswith(("until", "till", "through")) else p[0] - timedelta(days=1)
        if since is None and until is None and (m := _RELATIVE.search(text)):
            since, until = _relative(m, today)
    if since or until:
        out.filters.since = since.isoformat() if since else None
        out.filters.until = until.isoformat() if until else None
        out.notes.append(describe_dates(out.filters))
    elif (m := _EVENT.search(text)) and (p := period(m[1])):
        out.prefer = Filters(since=p[0].isoformat(), until=p[1].isoformat())
        out.notes.append("preferring articles " + describe_dates(out.prefer))
    return out


def describe_dates(f: Filters) -> str:
    if f.since and f.until:
        return f"published {f.since} to {f.until}" if f.since != f.until else f"published {f.since}"
    if f.since:
        return f"published since {f.since}"
    return f"published until {f.until}"


def merge(explicit: Filters | None, parsed: Filters) -> Filters:
    """Filters given as options win, field by field, over those read from the question."""
    explicit = explicit or Filters()
    return Filters(
        since=explicit.since or parsed.since,
        until=explicit.until or parsed.until,
        sources=list(explicit.sources) or list(parsed.sources),
    )


def describe(filters: Filters) -> str:
    """One line for the user: 'source: CNN; published 2024-01-01 to 2024-01-31'."""
    parts = []
    if filters.sources:
        parts.append("source: " + ", ".join(filters.sources))
    if filters.since or filters.until:
        parts.append(describe_dates(filters))
    return "; ".join(parts)
