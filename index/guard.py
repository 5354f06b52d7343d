"""Failures of the data directory and the store, told as one `StoreError`: read-only, full, unreachable.

Chroma reports a full disk as "Error in compaction: Failed to apply logs to the metadata segment" and SQLite as
"attempt to write a readonly database": true, but no help to the user. The data directory is probed instead, so
the message says what is wrong and what to do.
"""

from __future__ import annotations

import errno
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from core.errors import StoreError

# Below this much free space a write failure is a full disk (SQLite and Chroma need room for their journals).
_NEARLY_FULL = 4 * 1024 * 1024


def _existing(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def storage_error(exc: BaseException, action: str, home: Path | str, server: str = "") -> StoreError:
    """A StoreError for `exc` raised while trying to `action` (e.g. "write the index") under `home`."""
    if isinstance(exc, StoreError):
        return exc
    detail = f"{type(exc).__name__}: {exc}".strip()
    if server:
        return StoreError(f"cannot {action}: the Chroma server at {server} failed or is unreachable ({detail}); "
                          "start it (`chroma run --path DIR --host 127.0.0.1 --port N`) or unset NEWSDESK_CHROMA_HOST. "
                          "An interrupted ingest is repaired by the next `newsdesk ingest`.")
    home = Path(home)
    probe = _existing(home)
    code = getattr(exc, "errno", None)
    if code == errno.EROFS or not os.access(probe, os.W_OK):
        return StoreError(f"cannot {action}: the data directory {str(home)!r} is read-only ({detail}); make it "
                          "writable or set NEWSDESK_HOME to a writable folder.")
    try:
        free = shutil.disk_usage(probe).free
    except OSError:
        free = None
    if code in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG) or (free is not None and free < _NEARLY_FULL):
        room = f"{free:,} bytes free" if free is not None else "no space left"
        return StoreError(f"cannot {action}: the disk holding {str(home)!r} is full ({room}; {detail}); free some "
                          "space and run `newsdesk ingest` again: the interrupted ingest is repaired then.")
    return StoreError(f"cannot {action} under {str(home)!r} ({detail}); check NEWSDESK_HOME, or set "
                      "NEWSDESK_DEBUG=1 to see the traceback.")


class Guarded:
    """`target` with every method call's failure raised as `storage_error(...)`; attributes pass through."""

    def __init__(self, target: Any, action: str, home: Path | str, server: str = "") -> None:
        self._target = target
        self._action = action
        self._home = home
        self._server = server

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._target, name)
        if not callable(attr):
            return attr

        def call(*args: Any, **kwargs: Any) -> Any:
            try:
                return attr(*args, **kwargs)
            except Exception as exc:
                raise storage_error(exc, f"{self._action} ({name})", self._home, self._server) from exc

        return call


def guarded_call(func: Callable[[], Any], action: str, home: Path | str) -> Any:
    """`func()`, its OS failure (read-only, full) raised as a StoreError."""
    try:
        return func()
    except OSError as exc:
        raise storage_error(exc, action, home) from exc
