"""Durations as people write them: `30s`, `15m`, `1h`, `1h30m`, or plain seconds."""

from __future__ import annotations

import re

from core.errors import ConfigError

_PART = re.compile(r"(\d+(?:\.\d+)?)([smhd])")
_UNIT = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


def parse_duration(text: str | float, what: str = "duration") -> float:
    """Seconds in `text`; a ConfigError quoting it when it is not a positive duration."""
    if isinstance(text, int | float):
        seconds = float(text)
    else:
        value = text.strip().lower().replace(" ", "")
        try:
            seconds = float(value)
        except ValueError:
            parts = _PART.findall(value)
            if not parts or "".join(n + u for n, u in parts) != value:
                raise ConfigError(f"{what} {text!r} is not a duration: write e.g. 30s, 15m, 1h or 1h30m") from None
            seconds = sum(float(n) * _UNIT[u] for n, u in parts)
    if seconds <= 0:
        raise ConfigError(f"{what} {text!r} must be longer than zero: write e.g. 30s, 15m or 1h")
    return seconds
