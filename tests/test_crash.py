"""kill -9 in the middle of `newsdesk ingest`, then the same ingest again: exactly the state of one clean run.

The ingest runs as `python -m ui ingest` in a subprocess that kills itself with SIGKILL at a chosen write stage
(NEWSDESK_TEST_CRASH_AFTER=STAGE:N, read by index/write.py); the rerun and the clean reference run in-process.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from core.settings import Settings
from index.handle import IndexHandle
from index.write import CRASH_ENV
from qa.desk import Desk
from tests.conftest import REPO

pytestmark = pytest.mark.slow

QUERIES = ["What did the ferry cost in Eastport?", "Which town opened a new library?", "storm damage bridge"]
_WORDS = ["council", "harbour", "bridge", "ferry", "library", "school", "storm", "budget", "museum", "festival",
          "railway", "market", "river", "park", "hospital", "station", "tunnel", "airport", "stadium", "theatre",
          "garden", "factory", "port", "clinic", "college"]
_TOWNS = ["Eastport", "Northfield", "Westbury", "Southam", "Lakeside", "Hillcrest", "Riverton", "Oakdale",
          "Fairview", "Brookside"]


def _article(n: int, rng: random.Random, paragraphs: int) -> dict:
    town, thing = _TOWNS[n % len(_TOWNS)], _WORDS[n % len(_WORDS)]
    paras = [f"The {thing} in {town} cost {1000 + n * 37} dollars, officials said in report number {n}."]
    for p in range(paragraphs):
        words = " ".join(rng.choice(_WORDS) for _ in range(40))
        paras.append(f"Section {p} of item {n}: {words}.")
    return {"id": f"art-{n:03d}", "title": f"{thing.title()} news from {town} #{n}", "source": "Wire",
            "published": f"2024-02-{1 + n % 28:02d}", "text": "\n\n".join(paras)}


def write_corpus(folder: Path, version: int) -> Path:
    """70 articles (two groups of writes), two near-duplicates, one bad line; version 2 changes a few."""
    rng = random.Random(7)
    records = [_article(n, rng, 12 if n % 9 == 0 else 2) for n in range(68)]
    copies = [dict(records[3], id="copy-03", source="Other Wire", title="Copy of three"),
              dict(records[40], id="copy-40", source="Third Wire")]
    if version == 2:
        records[5]["text"] += "\n\nUpdate: the ferry in Eastport now runs hourly."
        records[9]["text"] = records[9]["text"].split("\n\n")[0]  # shorter: fewer chunks
        copies.append(dict(records[10], id="copy-10", source="Late Wire"))
        records.append(_article(100, rng, 3))
    folder.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps(r) for r in records[:40]] + ["{not json"] + [json.dumps(r) for r in records[40:] + copies]
    (folder / "wire.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "extra.json").write_text(json.dumps({
        "id": "extra", "title": "Library opens in Northfield",
        "text": f"Northfield opened a new library on Monday with {40_000 * version:,} books."}), encoding="utf-8")
    return folder


def run_cli(home: Path, folder: Path, crash: str | None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSDESK_")}
    env.update(NEWSDESK_HOME=str(home), HF_HUB_OFFLINE="1", PYTHONPATH=str(REPO))
    if crash:
        env[CRASH_ENV] = crash
    return subprocess.run([sys.executable, "-m", "ui", "ingest", "--json", str(folder)], env=env, cwd=home.parent,
                          capture_output=True, text=True, timeout=600)


def ingest_in_process(home: Path, folder: Path, embedder) -> dict:
    settings = Settings(home=home)
    handle = IndexHandle(settings, embedder=embedder)
    try:
        report = Desk(settings, handle=handle).ingest([folder])
        return {"failed": len(report.failures), "repaired": report.repaired}
    finally:
        handle.close()


def snapshot(home: Path, embedder) -> dict:
    settings = Settings(home=home)
    handle = IndexHandle(settings, embedder=embedder)
    try:
        manifest = handle.manifest
        assert manifest.pending() == [] and manifest.work("promote") == [] and manifest.work("aliases") == []
        got = handle.store.collection.get(include=["documents", "metadatas"])
        chunks = {i: (d, m) for i, d, m in zip(got["ids"], got["documents"], got["metadatas"], strict=True)}
        assert len(chunks) == handle.store.count()
        lexical = handle.lexical()
        desk = Desk(settings, handle=handle)
        return {
            "rows": {r["id"]: (r["hash"], r["canonical"], r["chunks"], r["source"]) for r in manifest.all_rows()},
            "chunks": chunks,
            "lexical": sorted(lexical.ids()),
            "top": [[p.chunk.id for p in desk.retriever.retrieve(q, k=5)] for q in QUERIES],
        }
    finally:
        handle.close()


@pytest.fixture(scope="module")
def clean(tmp_path_factory, embedder) -> dict[int, dict]:
    """One clean run of version 1, and of version 1 then version 2."""
    base = tmp_path_factory.mktemp("clean")
    home = base / "home"
    out = {}
    for version in (1, 2):
        ingest_in_process(home, write_corpus(base / f"v{version}", version), embedder)
        out[version] = snapshot(home, embedder)
    return out


@pytest.mark.parametrize(("stage", "incremental"), [
    ("pending:1", False), ("delete:2", False), ("upsert:1", False), ("done:1", False),
    ("duplicates:1", False), ("lexical:1", False), ("lexical:1", True), ("upsert:1", True), ("pending:2", True),
])
def test_kill_9_then_rerun_equals_a_clean_run(stage, incremental, tmp_path, clean, embedder):
    home = tmp_path / "home"
    version = 2 if incremental else 1
    if incremental:
        ingest_in_process(home, write_corpus(tmp_path / "v1", 1), embedder)
    folder = write_corpus(tmp_path / f"v{version}", version)

    crashed = run_cli(home, folder, stage)
    assert crashed.returncode == -signal.SIGKILL, (crashed.returncode, crashed.stderr[-2000:])

    rerun = ingest_in_process(home, folder, embedder)
    assert rerun["failed"] == 1  # the bad line, reported again
    after = snapshot(home, embedder)
    reference = clean[version]
    assert after["rows"] == reference["rows"]
    assert set(after["chunks"]) == set(reference["chunks"])  # no orphans, no duplicates, nothing missing
    assert after["chunks"] == reference["chunks"]  # same texts and metadata (sources of the collapsed copies)
    assert after["lexical"] == reference["lexical"] == sorted(reference["chunks"])
    assert after["top"] == reference["top"]


def test_the_clean_reference_is_what_the_cli_writes(tmp_path, clean, embedder):
    home = tmp_path / "home"
    result = run_cli(home, write_corpus(tmp_path / "v1", 1), None)
    assert result.returncode == 3, result.stderr[-2000:]  # the bad line
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert len(report["added"]) == 69 and len(report["duplicates"]) == 2
    assert snapshot(home, embedder) == clean[1]
