"""Export: Markdown for a story draft (numbered citations, sources with title, outlet, date, link) and JSON; the
`newsdesk conversations` commands."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest
from typer.testing import CliRunner

from conversations.export import file_name, md_text, to_json, to_markdown
from conversations.store import ConversationStore
from core.types import Answer, AnswerSentence, Citation
from tests.test_conversations_store import answer
from ui.cli import app

EXPORTED = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
HOSTILE = "<script>alert(1)</script> [click](javascript:alert(2)) ![x](http://evil.example/t.png) `code`"


@pytest.fixture
def store(settings):
    return ConversationStore.from_settings(settings)


def test_markdown_of_a_real_conversation(sample_desk, store):
    first = sample_desk.ask("What did Le Drian say?")
    cid, _ = store.add_turn("user:alice", None, "What did Le Drian say?", first)
    # The same answer again: its quotes keep their numbers instead of getting new ones.
    store.add_turn("user:alice", cid, "Say again?", first)
    md = to_markdown(store.get(cid, "user:alice"), EXPORTED)
    lines = md.splitlines()
    assert lines[0] == "# What did Le Drian say?"
    assert "Exported from newsdesk on 2026-03-02 09:30 UTC · 2 questions." in lines[2]
    assert md.count("## What did Le Drian say?") == 1 and "## Say again?" in md
    answers = [line for line in lines if "rediscovered itself" in line and not line.startswith("   >")]
    assert len(answers) == 2 and answers[0] == answers[1]
    assert "[1]" in answers[0] and "[2]" in answers[0]
    sources = lines[lines.index("## Sources"):]
    numbered = [line for line in sources if line[:3] in {"1. ", "2. "}]
    assert len(numbered) == len(first.citations) == 2
    cite = first.citations[0]
    assert numbered[0].startswith(f"1. **{md_text(cite.title)}**")
    assert f"   > “{md_text(cite.quote)}”" in sources
    assert "3. " not in "\n".join(sources)


def test_markdown_names_the_link_only_when_it_is_http():
    good = answer()
    md = to_markdown(_one("Q?", good), EXPORTED)
    assert "1. **NATO ministers**, AP · 2021-03-24. <https://news.example/nato>" in md
    assert "*filtered to published since 2021*" in md
    bad = good.model_copy(deep=True)
    bad.citations[0].url = "javascript:alert(1)"
    assert "<javascript" not in to_markdown(_one("Q?", bad), EXPORTED)


def test_hostile_text_stays_text_in_markdown():
    cite = Citation(n=1, article_id="h", chunk_id="h:0", title=HOSTILE, source="# Evil", published=None,
                    url="https://ok.example/a", quote=HOSTILE)
    hostile = Answer(question=HOSTILE, answer=HOSTILE, refused=False, citations=[cite],
                     sentences=[AnswerSentence(text=HOSTILE, citations=[1])])
    md = to_markdown(_one(HOSTILE, hostile), EXPORTED)
    for live in ("<script>", "![x](http", "`code`"):
        assert live not in md
    assert not re.search(r"(?<!\\)\]\(", md)  # no "](" that is not escaped: no link can form
    assert "\\<script\\>" in md and "\\[click\\]" in md
    assert "\n# Evil" not in md


def test_refusals_and_unsupported_sentences_are_marked():
    refused = Answer(question="Q?", answer="I could not find this in the indexed articles.\n\nNearest:\n- A title",
                     refused=True)
    md = to_markdown(_one("Q?", refused), EXPORTED)
    assert "I could not find this in the indexed articles.  \nNearest:  \n\\- A title" in md
    weak = answer()
    weak.sentences[0].supported = False
    assert "(not supported by its citation)" in to_markdown(_one("Q?", weak), EXPORTED)


def test_json_export_holds_every_answer_object(store):
    cid, _ = store.add_turn("user:alice", None, "What did Le Drian say?", answer())
    data = to_json(store.get(cid, "user:alice"), EXPORTED)
    assert data["id"] == cid and data["title"] == "What did Le Drian say?" and "owner" not in data
    turn = data["turns"][0]
    assert turn["question"] == "What did Le Drian say?" and turn["asked_at"]
    assert turn["answer"]["citations"][0]["quote"] == "NATO has rediscovered itself."
    assert {"answer", "refused", "citations", "sentences", "passages", "filters", "notes"} <= set(turn["answer"])
    assert file_name(store.get(cid, "user:alice"), "json") == "what-did-le-drian-say.json"


def test_conversations_commands(store, tmp_path):
    alice, _ = store.add_turn("user:alice", None, "What did Le Drian say?", answer())
    store.add_turn("browser:Zx", None, "What did Blinken say?", answer("What did Blinken say?"))
    runner = CliRunner()
    listed = runner.invoke(app, ["conversations", "list", "--json"])
    assert listed.exit_code == 0, listed.output
    rows = [json.loads(line) for line in listed.output.splitlines()]
    assert {r["owner"] for r in rows} == {"user:alice", "browser:Zx"} and all(r["turns"] == 1 for r in rows)
    mine = runner.invoke(app, ["conversations", "list", "--user", "alice"])
    assert alice in mine.output and "Blinken" not in mine.output
    shown = runner.invoke(app, ["conversations", "show", alice])
    assert shown.exit_code == 0 and shown.output.startswith("# What did Le Drian say?\n")
    out = tmp_path / "draft.md"
    written = runner.invoke(app, ["conversations", "export", alice, "--format", "md", "--out", str(out)])
    assert written.exit_code == 0 and out.read_text(encoding="utf-8").startswith("# What did Le Drian say?")
    as_json = runner.invoke(app, ["conversations", "export", alice, "--format", "json"])
    assert json.loads(as_json.output)["turns"][0]["answer"]["refused"] is False
    missing = runner.invoke(app, ["conversations", "show", "nope"])
    assert missing.exit_code == 3 and "no conversation 'nope'" in missing.output
    bad = runner.invoke(app, ["conversations", "export", alice, "--format", "pdf"])
    assert bad.exit_code == 2 and "'pdf' is not md or json" in bad.output


def _one(question: str, reply: Answer):
    from conversations.model import Snapshot, StoredTurn

    return Snapshot(title=question, shared_at="2026-03-01T12:00:00+00:00",
                    history=[StoredTurn(position=0, question=question, answer=reply, asked_at="2026-03-01T12:00:00")])
