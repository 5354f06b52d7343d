"""Which process may write a local index while `newsdesk serve` reads it: only the serving process itself.

Chroma's `PersistentClient` is not safe with a second process writing while the serving one reads. `serve`
holds a shared lock on a file beside the index for as long as it serves; `newsdesk watch` tries to take it
exclusively and, against a local store that is being served, refuses and says to use `serve --watch` (which
runs the same watcher inside the serving process) or a Chroma server. flock: released by the kernel when the
holder dies, so a killed server never leaves the index locked.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from core.errors import ConfigError
from index.handle import IndexHandle


def _path(handle: IndexHandle) -> Path:
    return handle.lock_path.with_suffix(".serving")


@contextmanager
def serving(handle: IndexHandle) -> Iterator[None]:
    """Mark the index as served by this process (a local store only: a Chroma server is safe to share)."""
    if handle.settings.chroma.host:
        yield
        return
    path = _path(handle)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH)
        yield
    finally:
        os.close(fd)


def refuse_if_served(handle: IndexHandle) -> None:
    """A ConfigError when another process serves this local index (see the module docstring)."""
    if handle.settings.chroma.host:
        return
    path = _path(handle)
    if not path.exists():
        return
    fd = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise ConfigError(
            f"a `newsdesk serve` process is serving the local index in {str(handle.home)!r}, and a second process "
            "must not write to it: stop it and run `newsdesk serve --watch SOURCE... --every 15m` instead, or "
            "use a Chroma server (NEWSDESK_CHROMA_HOST), which a separate `newsdesk watch` may share"
        ) from None
    finally:
        os.close(fd)
