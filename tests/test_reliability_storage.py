"""Reliability: the data directory goes read-only or fills up. A clear one-line error, exit code 4, and an index
that is consistent afterwards: the next run (with the disk writable again) ends where one clean run ends.

A read-only directory and a full disk need a mount (root): a read-only bind mount and a tiny tmpfs. Without mount
rights the tests fall back to what an unprivileged user has: `chmod` for read-only (only when not root, since
root ignores modes) and RLIMIT_FSIZE (a file-size quota) for the full disk.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from core.errors import StoreError
from core.settings import Settings
from index.handle import IndexHandle
from qa.desk import Desk
from tests.conftest import SAMPLE_DIR
from tests.test_reliability_inputs import assert_clean_failure, run_cli


def _mount(*args: str) -> bool:
    if os.geteuid() != 0 or not shutil.which("mount"):
        return False
    return subprocess.run(["mount", *args], capture_output=True, check=False).returncode == 0


def _umount(path: Path) -> None:
    for _ in range(20):  # a process that just exited may still hold a file for a moment
        if subprocess.run(["umount", str(path)], capture_output=True, check=False).returncode == 0:
            return
        subprocess.run(["sleep", "0.2"], check=False)
    subprocess.run(["umount", "-l", str(path)], check=False)


@contextlib.contextmanager
def read_only(path: Path) -> Iterator[str]:
    """`path` read-only for the processes started inside; yields how ("mount" or "chmod")."""
    if _mount("--bind", str(path), str(path)):
        try:
            if subprocess.run(["mount", "-o", "remount,ro,bind", str(path)], check=False).returncode != 0:
                raise RuntimeError("remount read-only failed")
            yield "mount"
        finally:
            _umount(path)
        return
    if os.geteuid() == 0:
        pytest.skip("root without mount rights: neither a read-only mount nor chmod can make a folder read-only")
    modes = {p: p.stat().st_mode for p in [path, *path.rglob("*")]}
    for p in modes:
        p.chmod(modes[p] & ~0o222)
    try:
        yield "chmod"
    finally:
        for p, mode in modes.items():
            p.chmod(mode)


@contextlib.contextmanager
def small_disk(path: Path, size: str = "48m") -> Iterator[Callable[[], None] | None]:
    """A tmpfs at `path`; yields None when mounting is not allowed (the caller then uses a file-size quota)."""
    path.mkdir(parents=True, exist_ok=True)
    if not _mount("-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)):
        yield None
        return
    try:
        yield lambda: None
    finally:
        _umount(path)


def _fill(disk: Path, leave: int) -> Path:
    """A filler file that leaves about `leave` bytes free on the disk holding `disk`."""
    filler = disk / "filler.bin"
    free = shutil.disk_usage(disk).free
    with filler.open("wb") as handle:
        handle.truncate(0)
        chunk = b"\0" * (1 << 20)
        remaining = max(0, free - leave)
        while remaining > 0:
            remaining -= handle.write(chunk[: min(len(chunk), remaining)])
    return filler


# Eighteen distinct small stories: distinct words and figures, so no two rank as a tie whatever the write order.
STORIES = [
    ("harbour master", "Portwell", "closed the north quay for dredging", 1200),
    ("rail union", "Eastbrook", "called a two-day strike over rosters", 5400),
    ("school board", "Millford", "approved free breakfasts in every primary school", 3100),
    ("river authority", "Greyford", "raised the flood barrier a month early", 870),
    ("market traders", "Oldgate", "won a cut in stall rents", 240),
    ("county court", "Highcross", "fined the landlord for unsafe wiring", 65),
    ("fire brigade", "Lowmoor", "opened a volunteer training school", 48),
    ("museum director", "Kingsbury", "returned a bronze statue to Benin", 1),
    ("farmers' cooperative", "Ashvale", "bought a shared grain dryer", 19),
    ("airport operator", "Northfield", "cancelled the night flights trial", 7300),
    ("water utility", "Redcliff", "lifted the hosepipe ban", 46000),
    ("tram company", "Westmere", "ordered twelve low-floor trams", 12),
    ("library trustees", "Brackley", "extended Sunday opening hours", 900),
    ("hospital chief", "Sandown", "hired forty night nurses", 40),
    ("zoo keepers", "Fernhill", "welcomed twin snow leopard cubs", 2),
    ("football club", "Stonebridge", "froze season ticket prices", 15000),
    ("energy regulator", "Coldharbour", "capped standing charges", 2200000),
    ("fishing fleet", "Seacombe", "agreed a cod quota with Norway", 310),
]
QUESTIONS = ["What did Le Drian say?", "Why did the rail union strike?", "What did the zoo keepers welcome?",
             "Which library extended its opening hours?"]


def _corpus(path: Path, n: int = 12, start: int = 0) -> Path:
    lines = []
    for i in range(start, start + n):
        who, town, did, figure = STORIES[i]
        text = (f"The {who} in {town} {did} on Tuesday, a spokesperson said. The decision concerns {figure:,} "
                f"people in {town}. Critics of the {who} said the plan had been rushed through.")
        lines.append(json.dumps({"id": f"s{i:02d}", "title": f"{town} {who} {did}", "text": text}))
    path.write_text("\n".join(lines) + "\n")
    return path


def _state(home: Path, embedder) -> dict:
    """Articles, chunk ids and top results of the index under `home` (read in this process)."""
    from chromadb.api.client import SharedSystemClient

    # Chroma caches one client per path: one opened before a subprocess wrote would not see its writes.
    SharedSystemClient.clear_system_cache()
    handle = IndexHandle(Settings(home=home), embedder=embedder)
    try:
        desk = Desk(handle.settings, handle=handle)
        chunk_ids = sorted(c.id for c in handle.store.iter_chunks())
        top = {q: [p.chunk.id for p in desk.retriever.retrieve(q, k=3)] for q in QUESTIONS}
        return {"articles": sorted(r["id"] for r in handle.manifest.rows()), "chunks": chunk_ids, "top": top,
                "pending": handle.manifest.pending()}
    finally:
        handle.close()


def _clean_state(tmp_path: Path, embedder, *paths: Path) -> dict:
    home = tmp_path / "clean-home"
    handle = IndexHandle(Settings(home=home), embedder=embedder)
    try:
        Desk(handle.settings, handle=handle).ingest(list(paths))
    finally:
        handle.close()
    return _state(home, embedder)


@pytest.mark.slow
def test_read_only_data_dir_is_a_clear_error_and_the_index_survives(tmp_path, embedder):
    home = tmp_path / "ro-home"
    handle = IndexHandle(Settings(home=home), embedder=embedder)
    Desk(handle.settings, handle=handle).ingest([SAMPLE_DIR])
    handle.close()
    before = _state(home, embedder)
    more = tmp_path / "more.json"
    more.write_text(json.dumps({"title": "Late news", "text": "The council voted to rebuild the old bridge."}))

    with read_only(home) as how:
        result = run_cli("ingest", str(more), home=home)
        assert_clean_failure(result)
        assert result.returncode == 4, result.stderr[-2000:]
        assert "read-only" in result.stderr and str(home) in result.stderr, result.stderr
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr

        try:  # readers may work on a read-only index, or say clearly why they cannot
            answer = _state(home, embedder)
        except StoreError as exc:
            assert "read-only" in str(exc), exc
        else:
            assert answer == before
        if how == "mount":
            # A data dir that does not exist yet, under a read-only parent: nothing can be created.
            with pytest.raises(StoreError, match="read-only"):
                fresh = IndexHandle(Settings(home=home / "nested"), embedder=embedder)
                Desk(fresh.settings, handle=fresh).ingest([more])

    assert _state(home, embedder) == before


@pytest.mark.slow
def test_full_disk_mid_ingest_then_rerun_equals_one_clean_run(tmp_path, embedder):
    corpus = _corpus(tmp_path / "news.jsonl")
    clean = _clean_state(tmp_path, embedder, SAMPLE_DIR, corpus)
    disk = tmp_path / "disk"
    with small_disk(disk) as mounted:
        home = disk / "home"
        quota: dict[str, str] = {}
        if mounted:
            handle = IndexHandle(Settings(home=home), embedder=embedder)
            Desk(handle.settings, handle=handle).ingest([SAMPLE_DIR])
            handle.close()
            filler = _fill(disk, leave=20_000)
            result = run_cli("ingest", str(corpus), home=home)
        else:
            # No tmpfs: every file the ingest writes may grow to at most 400 KB, as under a quota.
            limit = 400_000
            result = subprocess.run(
                [*_cli(), "ingest", str(SAMPLE_DIR), str(corpus)], capture_output=True, text=True,
                env={**os.environ, "NEWSDESK_HOME": str(home)}, timeout=300, check=False,
                preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit)),
            )
            quota["mode"] = "rlimit"
        assert_clean_failure(result)
        assert result.returncode == 4, (result.returncode, result.stderr[-2000:])
        lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
        assert len(lines) == 1, result.stderr
        if mounted:
            assert "is full" in lines[0] and "free some space" in lines[0], lines[0]

        if mounted:
            filler.unlink()
        # The same ingest once there is room again (in this process: the CLI path was checked above).
        from chromadb.api.client import SharedSystemClient

        SharedSystemClient.clear_system_cache()
        handle = IndexHandle(Settings(home=home), embedder=embedder)
        try:
            assert Desk(handle.settings, handle=handle).ingest([SAMPLE_DIR, corpus]).failures == []
        finally:
            handle.close()
        assert _state(home, embedder) == clean


def _cli() -> list[str]:
    import sys

    return [sys.executable, "-m", "ui"]
