"""Turning domain errors into messages at the edges; NEWSDESK_DEBUG=1 keeps the traceback."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

import typer

from core.errors import NewsdeskError

P = ParamSpec("P")
R = TypeVar("R")


def debug_enabled() -> bool:
    return os.environ.get("NEWSDESK_DEBUG", "").lower() in {"1", "true", "yes"}


def cli_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Known errors become one line on stderr and the error's exit code."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except NewsdeskError as exc:
            if debug_enabled():
                raise
            print(f"error: {exc}", file=sys.stderr)
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            print("interrupted", file=sys.stderr)
            raise typer.Exit(130) from None

    return wrapper
