"""What the `newsdesk` commands share: settings and the desk they build, date filters, exit codes."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from core.errors import ConfigError
from core.settings import Settings
from core.types import Filters

if TYPE_CHECKING:
    from qa.desk import Desk

SAMPLE_DIR = Path(__file__).resolve().parent.parent / "data" / "sample"
# Exit code of `ingest` when some inputs failed and the rest went in (documented in the README).
PARTIAL_EXIT = 3


def load_settings() -> Settings:
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    try:
        return Settings()
    except Exception as exc:  # pydantic's ValidationError lists each bad NEWSDESK_* value
        raise ConfigError(f"invalid configuration: {exc}") from exc


def make_desk(settings: Settings | None = None) -> Desk:
    from qa.desk import Desk  # imported here: torch start-up is slow

    return Desk(settings or load_settings())


def cli_filters(since: str | None, until: str | None, sources: list[str] | None) -> Filters:
    from index.dates import iso_date

    def check(name: str, value: str | None) -> str | None:
        if value is None:
            return None
        iso = iso_date(value)
        if iso is None:
            raise ConfigError(f"--{name} {value!r} is not a date: use YYYY-MM-DD")
        return iso

    return Filters(since=check("since", since), until=check("until", until), sources=list(sources or []))
