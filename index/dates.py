"""Normalise the many shapes of a "published" value to an ISO calendar date (YYYY-MM-DD).

The rule is: a date we cannot read with certainty becomes None. A wrong date is worse than no date,
because date filters and "latest" questions would silently trust it.
"""

from __future__ import annotations

import math
import re
import time
from datetime import UTC, date, datetime, timedelta
from email.utils import parsedate_to_datetime

from dateutil import parser as dateutil_parser

# Milliseconds since the epoch (JavaScript, many APIs) are told apart from seconds by size:
# 1e11 seconds is the year 5138, while 1e11 milliseconds is 1973.
_MILLIS_THRESHOLD = 1e11

# Labels that scrapers leave in front of the date ("Published: March 3, 2024").
_LABEL = re.compile(r"^\s*(?:published|updated|posted|date|last\s+modified)\s*(?:on)?\s*[:\-]?\s*", re.IGNORECASE)

# A bare run of digits this long is an epoch timestamp, not YYYYMMDD (8 digits) or a year.
_EPOCH_DIGITS = re.compile(r"^-?\d{9,13}(?:\.\d+)?$")

# Two defaults that differ in every component: a component missing from the text shows up as a difference,
# which is how we refuse to let dateutil fill in today's year or the first of the month.
_DEFAULT_A = datetime(2000, 1, 1)
_DEFAULT_B = datetime(2001, 2, 2)


# A news article is not dated before 1800 nor more than a year from now: "99999999999" read as epoch seconds (the
# year 5138), or feedparser's 9999-11-01 for it, is a broken field, not a publication date.
_EARLIEST = date(1800, 1, 1)
_FUTURE = timedelta(days=366)


def iso_date(value: object) -> str | None:
    """`value` as `YYYY-MM-DD`, or None when it is empty, implausible or cannot be read without guessing.

    Strings keep the calendar date the publisher wrote (no timezone shift), so "2024-03-03T23:30:00-05:00"
    is 2024-03-03. Epoch numbers and `time.struct_time` (feedparser's `*_parsed`, already UTC) are read as UTC.
    """
    day = _read(value)
    if day is None or not _EARLIEST.isoformat() <= day <= (date.today() + _FUTURE).isoformat():
        return None
    return day


def _read(value: object) -> str | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time.struct_time):
        return _from_struct_time(value)
    if isinstance(value, (int, float)):
        return _from_epoch(float(value))
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    if isinstance(value, str):
        return _from_string(value)
    return None


def _from_struct_time(value: time.struct_time) -> str | None:
    try:
        return date(value.tm_year, value.tm_mon, value.tm_mday).isoformat()
    except ValueError:
        return None


def _from_epoch(seconds: float) -> str | None:
    # 0 is what feeds and databases write when they have no date; 1970-01-01 would be an invented date.
    if not math.isfinite(seconds) or seconds == 0:
        return None
    if abs(seconds) >= _MILLIS_THRESHOLD:
        seconds /= 1000.0
    try:
        return datetime.fromtimestamp(seconds, tz=UTC).date().isoformat()
    except (OverflowError, OSError, ValueError):
        return None


def _from_string(text: str) -> str | None:
    text = _LABEL.sub("", text.strip()).strip()
    if not text:
        return None
    if _EPOCH_DIGITS.match(text):
        return _from_epoch(float(text))
    try:
        # Python 3.11 reads ISO 8601 with "Z", offsets and fractional seconds.
        return datetime.fromisoformat(text).date().isoformat()
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(text).date().isoformat()
    except (TypeError, ValueError, IndexError):
        pass
    return _from_dateutil(text)


def _from_dateutil(text: str) -> str | None:
    try:
        # ignoretz: we keep the written calendar date, and unknown zone names ("EST") would only warn.
        first = dateutil_parser.parse(text, default=_DEFAULT_A, ignoretz=True)
        second = dateutil_parser.parse(text, default=_DEFAULT_B, ignoretz=True)
    except (ValueError, OverflowError, TypeError):
        return None
    if first.date() != second.date():
        return None
    return first.date().isoformat()
