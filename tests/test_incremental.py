"""Incremental ingest: skip, replace, remove (id / source / date), prune; dates and authors end to end."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from core.types import Filters
from index.loaders import article_id_for
from index.remove import remove
from ui.cli import app

STORIES = {
    "bridge": ("Harbour bridge reopens", "The harbour bridge reopened to traffic on Sunday after eight months of "
               "repairs to its steel deck, the city council said."),
    "library": ("Library extends hours", "The city library will stay open until 9 p.m. on weekdays from April, "
                "after two thirds of readers asked for evening access in a survey."),
    "marathon": ("Marathon route changes", "Organisers moved the marathon start to the riverside park because "
                 "of construction work on the old town square."),
    "storm": ("Storm cuts power to thousands", "A winter storm brought down power lines across the valley, "
              "leaving 12,000 homes without electricity overnight."),
    "school": ("School board extends term", "The school board voted to extend the spring term by two weeks to "
               "make up for days lost to flooding in January."),
}
MORE = [
    "The zoo welcomed two red panda cubs, the first born there in twenty years, keepers announced on Tuesday.",
    "A local bakery won the national bread prize with a rye loaf baked to a recipe from 1890.",
    "Volunteers planted 3,000 oak saplings along the river to slow erosion of its banks.",
]
HERRING = "Fishermen landed the largest herring catch in a decade this week, the harbour authority said on Friday."


def write_story(path: Path, key: str, extra: str = "") -> Path:
    title, text = STORIES[key]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{title}\n\n{text}{extra}\n", encoding="utf-8")
    return path


def chunk_ids(handle) -> dict[str, list[str]]:
    return {a: sorted(c for c, _ in chunks) for a, chunks in handle.store.article_metadata().items()}


def test_unchanged_skipped_changed_replaced_shorter_leaves_no_chunks_behind(tmp_path, desk):
    folder = tmp_path / "news"
    for key in ("bridge", "library", "marathon"):
        write_story(folder / f"{key}.txt", key)
    long_tail = "".join(f"\n\nParagraph {i}: " + "the council discussed the budget at length. " * 30
                        for i in range(4))
    write_story(folder / "storm.txt", "storm", long_tail)
    first = desk.ingest([folder])
    assert len(first.added) == 4 and first.ok
    before = chunk_ids(desk.handle)
    storm_id = next(a for a, ids in before.items() if len(ids) > 1)

    second = desk.ingest([folder])
    assert second.added == second.updated == [] and len(second.unchanged) == 4 and second.chunks == 0
    assert chunk_ids(desk.handle) == before

    write_story(folder / "bridge.txt", "bridge", " Cyclists get a dedicated lane from April.")
    write_story(folder / "storm.txt", "storm")  # much shorter: one chunk instead of several
    third = desk.ingest([folder])
    assert len(third.updated) == 2 and len(third.unchanged) == 2
    after = chunk_ids(desk.handle)
    assert after[storm_id] == [f"{storm_id}:0000"]
    assert desk.handle.store.count() == sum(len(v) for v in after.values()) == len(desk.handle.lexical())
    assert desk.handle.manifest.done() == {a: len(v) for a, v in after.items()}
    assert "dedicated lane" in desk.ask("Will cyclists get a lane on the bridge?").answer


def test_remove_by_id_source_and_date(tmp_path, desk):
    dump = tmp_path / "dump.jsonl"
    records = [
        {"id": "b", "title": STORIES["bridge"][0], "text": STORIES["bridge"][1], "source": "Harbour Times",
         "published": "2019-05-01"},
        {"id": "l", "title": STORIES["library"][0], "text": STORIES["library"][1], "source": "Valley Wire",
         "published": "2018-01-01"},
        {"id": "m", "title": STORIES["marathon"][0], "text": STORIES["marathon"][1], "source": "harbour times",
         "published": None},
        {"id": "s", "title": STORIES["storm"][0], "text": STORIES["storm"][1], "source": "Valley Wire",
         "published": "2024-02-02"},
    ]
    dump.write_text("\n".join(json.dumps(r) for r in records), encoding="utf-8")
    desk.ingest([dump])
    handle = desk.handle

    preview = remove(handle, before="2020-01-01", dry_run=True)
    assert preview.removed == ["b", "l"] and set(handle.manifest.done()) == {"b", "l", "m", "s"}
    # Criteria combine: Harbour Times (any case) AND before 2020; the undated "m" is never "before" a date.
    assert remove(handle, sources=["HARBOUR TIMES"], before="2020-01-01").removed == ["b"]
    assert set(handle.manifest.done()) == {"l", "m", "s"}
    assert remove(handle, ids=["s", "nope"]).unknown == ["nope"]
    assert set(handle.manifest.done()) == {"l", "m"}
    assert {c.article_id for c in handle.store.iter_chunks()} == {"l", "m"}
    assert len(handle.lexical()) == handle.store.count()
    passages = desk.retriever.retrieve("storm power lines electricity", k=3)
    assert all(p.chunk.article_id in {"l", "m"} for p in passages)

    runner = CliRunner()
    result = runner.invoke(app, ["remove", "--id", "m", "--id", "zzz", "--json"])
    assert result.exit_code == 3 and "not in the index: zzz" in result.stderr
    assert json.loads(result.stdout.splitlines()[-1])["removed"] == ["m"]
    assert runner.invoke(app, ["remove"]).exit_code == 2
    bad = runner.invoke(app, ["remove", "--before", "someday"])
    assert bad.exit_code == 2 and "'someday' is not a date" in bad.stderr


def test_prune_drops_articles_whose_files_are_gone(tmp_path, desk):
    folder, other = tmp_path / "news", tmp_path / "other"
    a = write_story(folder / "bridge.txt", "bridge")
    gone = write_story(folder / "sub" / "library.txt", "library")
    broken = write_story(folder / "marathon.txt", "marathon")
    write_story(other / "storm.txt", "storm")
    dump = folder / "dump.jsonl"
    dump.write_text(json.dumps({"id": "s1", "title": "School", "text": STORIES["school"][1]}) + "\n"
                    + json.dumps({"id": "s2", "title": "Herring", "text": HERRING}) + "\n")
    desk.ingest([folder, other])
    assert len(desk.handle.manifest.done()) == 6

    gone.unlink()
    broken.write_bytes(b"\x00\x01binary now")  # fails to load this time: its article is kept
    dump.write_text(json.dumps({"id": "s1", "title": "School", "text": STORIES["school"][1]}) + "\n")
    runner = CliRunner()
    result = runner.invoke(app, ["ingest", "--json", "--prune", str(folder)])
    assert result.exit_code == 3  # the broken file
    report = json.loads(result.stdout.splitlines()[-1])
    titles = {r["title"] for r in desk.handle.manifest.rows()}
    assert titles == {"Harbour bridge reopens", "Marathon route changes", "School", "Storm cuts power to thousands"}
    assert sorted(report["removed"]) == sorted([article_id_for(str(gone.resolve())), "s2"])
    assert a.exists() and len(desk.handle.lexical()) == desk.handle.store.count()


def test_dates_authors_and_unknown_dates_end_to_end(tmp_path, desk):
    values = {
        "rfc": ("Sat, 02 Mar 2024 23:30:00 -0500", "2024-03-02"),
        "words": ("Published: March 3, 2024", "2024-03-03"),
        "epoch": (1709459200, "2024-03-03"),
        "millis": (1709459200000, "2024-03-03"),
        "offset": ("2024-03-03T23:30:00-05:00", "2024-03-03"),
        "none": (None, None),
        "empty": ("", None),
        "vague": ("sometime in spring", None),
        "zero": (0, None),
    }
    dump = tmp_path / "dates.jsonl"
    texts = [text for _, text in STORIES.values()] + [HERRING, *MORE]
    dump.write_text("\n".join(json.dumps({
        "id": key, "title": f"Story {key}", "published": raw, "text": texts[i],
        "authors": "Jane Doe" if i % 2 else ["Ann Lee", " Bo Chen ", ""],
    }) for i, (key, (raw, _)) in enumerate(values.items())), encoding="utf-8")
    report = desk.ingest([dump])
    assert report.ok and len(report.added) == len(values) and report.duplicates == []
    rows = {r["id"]: r for r in desk.handle.manifest.all_rows()}
    for key, (_, expected) in values.items():
        assert rows[key]["published"] == expected, key
    assert rows["rfc"]["authors"] == ["Ann Lee", "Bo Chen"] and rows["words"]["authors"] == ["Jane Doe"]
    chunks = {c.article_id: c for c in desk.handle.store.iter_chunks()}
    assert chunks["none"].published is None and chunks["rfc"].published == "2024-03-02"
    dated = desk.retriever.retrieve("storm school marathon library bridge", k=20,
                                    filters=Filters(since="2024-01-01"))
    assert dated and {p.chunk.article_id for p in dated} <= {"rfc", "words", "epoch", "millis", "offset"}
    status = json.loads(CliRunner().invoke(app, ["status", "--json"]).stdout)
    assert status["date_range"] == ["2024-03-02", "2024-03-03"] and status["articles"] == len(values)


def test_strict_stops_at_the_first_bad_input_before_writing(tmp_path):
    folder = tmp_path / "news"
    write_story(folder / "a.txt", "bridge")
    (folder / "b.json").write_text("{broken", encoding="utf-8")
    write_story(folder / "c.txt", "library")
    runner = CliRunner()
    result = runner.invoke(app, ["ingest", "--strict", str(folder)])
    assert result.exit_code == 3 and "b.json" in result.stderr and "invalid JSON" in result.stderr
    assert json.loads(runner.invoke(app, ["status", "--json"]).stdout)["articles"] == 0
    relaxed = runner.invoke(app, ["ingest", "--json", str(folder)])
    assert relaxed.exit_code == 3 and len(json.loads(relaxed.stdout.splitlines()[-1])["added"]) == 2
    assert runner.invoke(app, ["ingest"]).exit_code == 2  # nothing to ingest
