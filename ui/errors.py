"""Turning domain errors into messages at the edges; NEWSDESK_DEBUG=1 keeps the traceback."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

import click
import typer

from core.errors import NewsdeskError

# Exits and aborts are how a command ends on purpose: they pass through the last-resort handler untouched.
_CLI_FLOW = (typer.Exit, typer.Abort, click.exceptions.Exit, click.exceptions.ClickException, click.exceptions.Abort)
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
        except _CLI_FLOW:
            raise
        except Exception as exc:
            # Last resort: a bug or an unforeseen failure is still one line, never a traceback, unless asked for.
            if debug_enabled():
                raise
            print(f"error: unexpected {type(exc).__name__}: {exc} (set NEWSDESK_DEBUG=1 to see the traceback)",
                  file=sys.stderr)
            raise typer.Exit(1) from None

    return wrapper
