"""kill -9 in the middle of writing a conversation: what was committed is all there, nothing half-written is."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap

import pytest

from conversations.store import ConversationStore
from tests.conftest import REPO

# A writer that saves big turns (and now and then a share) as fast as it can, saying when each one starts and
# when it is committed.
WRITER = textwrap.dedent("""
    import sys
    from conversations.store import ConversationStore
    from core.types import Answer, AnswerSentence, Chunk, Citation, Passage

    store = ConversationStore(sys.argv[1])
    text = "Le Drian said NATO has rediscovered itself. " * 4000  # ~180 KB a passage, ~1.4 MB a turn
    chunks = [Chunk(id=f"a:{i:04d}", article_id="a", position=i, text=text, title="NATO") for i in range(8)]
    cite = Citation(n=1, article_id="a", chunk_id="a:0000", title="NATO", source="AP", published=None, url=None,
                    quote="Le Drian said NATO has rediscovered itself.")
    conversation = None
    for i in range(10_000):
        answer = Answer(question=f"Q{i}", answer=f"A{i} [1]", refused=False, citations=[cite],
                        passages=[Passage(chunk=c, score=1.0) for c in chunks],
                        sentences=[AnswerSentence(text=f"A{i}", citations=[1])])
        print(f"writing {i}", flush=True)
        conversation, _ = store.add_turn("user:alice", conversation, f"Q{i}", answer)
        if i % 3 == 2:
            store.share("user:alice", conversation)
        print(f"committed {i} {conversation}", flush=True)
""")


@pytest.mark.slow
@pytest.mark.parametrize("kill_at", [0, 2, 5])
def test_kill_9_mid_write_keeps_every_committed_turn_and_no_torn_one(tmp_path, kill_at):
    path = tmp_path / "home" / "conversations.sqlite3"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE, text=True, env=env,
                            cwd=tmp_path)
    committed, conversation = -1, None
    try:
        for line in proc.stdout:
            word, number, *rest = line.split()
            if word == "committed":
                committed, conversation = int(number), rest[0]
            elif int(number) == kill_at + 1:
                break  # turn kill_at + 1 is being written right now
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    assert committed == kill_at and conversation
    assert proc.returncode == -signal.SIGKILL

    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    store = ConversationStore(path)  # reopening recovers from the WAL
    saved = store.get(conversation, "user:alice")
    positions = [t.position for t in saved.history]
    # Every committed turn is there; the one being written is there whole or not at all.
    assert positions == list(range(len(positions))) and len(positions) in (committed + 1, committed + 2)
    for turn in saved.history:
        assert turn.answer.answer == f"A{turn.position} [1]" and len(turn.answer.passages) == 8
    for link in store.links("user:alice"):
        assert store.shared(link.token) is not None
    store.add_turn("user:alice", conversation, "After the crash?", saved.history[0].answer)
    assert store.get(conversation, "user:alice").turns == len(positions) + 1
