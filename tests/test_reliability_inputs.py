"""Reliability: what real archives contain. Every good article goes in, every bad item is reported (where, why),
nothing reaches the user as a traceback, and the exit code is the documented one.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from index.ingest import IngestReport, load_all
from index.loaders import LoadFailure
from index.walk import iter_articles

GOOD_TEXT = "The harbour reopened on Tuesday after the storm passed, the port authority said."


def run_cli(*args: str, home: Path | None = None, timeout: float = 300, **env: str) -> subprocess.CompletedProcess:
    """`newsdesk ARGS` in a fresh interpreter, as a user runs it (no NEWSDESK_DEBUG)."""
    environ = {**os.environ, **env}
    environ.pop("NEWSDESK_DEBUG", None)
    if home is not None:
        environ["NEWSDESK_HOME"] = str(home)
    return subprocess.run([sys.executable, "-m", "ui", *args], capture_output=True, text=True, env=environ,
                          timeout=timeout, check=False)


def assert_clean_failure(result: subprocess.CompletedProcess) -> None:
    """No traceback, and every line the user sees on stderr is a message of ours or a skipped input."""
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout, result.stderr[-3000:]
    assert "File \"" not in result.stderr, result.stderr[-3000:]


def skipped(stderr: str) -> dict[str, str]:
    """WHERE -> WHY of every `skipped WHERE: WHY` line (WHERE never holds ': ' here)."""
    out = {}
    for line in stderr.splitlines():
        if line.startswith("skipped "):
            where, _, why = line[len("skipped "):].partition(": ")
            out[where] = why
    return out


def _bad_corpus(root: Path) -> tuple[dict[str, str], set[str]]:
    """A folder of good and bad inputs: (bad WHERE -> expected reason fragment, titles that must be indexed)."""
    c = root / "corpus"
    c.mkdir()
    bad: dict[str, str] = {}
    good: set[str] = set()

    (c / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00" + bytes(range(256)) * 8)
    bad["binary.txt"] = "binary file"
    (c / "empty.txt").write_bytes(b"")
    bad["empty.txt"] = "empty article"
    line = b"The quick brown fox jumps over the lazy dog and the council votes on the budget again. " * 20 + b"\n"
    with (c / "huge.txt").open("wb") as handle:
        for _ in range(50_000_000 // len(line) + 1):
            handle.write(line)
    bad["huge.txt"] = "over the 20,000,000-byte limit"

    (c / "latin1.txt").write_bytes("Café owners in München\n\nThe café owners of München said rents rose by "
                                   "12 percent over the winter.".encode("latin-1"))
    good.add("Café owners in München")
    (c / "badutf8.txt").write_bytes(b"Broken bytes\n\nThe mayor said \xff\xfe\x80 the bridge reopens on Monday.")
    good.add("Broken bytes")
    (c / "truncated.html").write_text("<html><head><title>Flood warning issued</title></head><body><article>"
                                      "<p>The river rose two metres overnight, officials said, and the town "
                                      "ordered evacuations.</p><p>Residents were told to")
    good.add("Flood warning issued")
    (c / "soup.html").write_text("<html><body><div><p>Tag soup <b><i>council approves <p>budget</b></i> of 4 "
                                 "million dollars for new schools</div></span></td><p>Second paragraph: the vote "
                                 "passed 7 to 2 after a long debate.")
    good.add("Tag soup council approves")
    nav = "".join(f'<li><a href="/s{i}">Section {i}</a></li>' for i in range(30))
    (c / "nav.html").write_text(f"<html><body><header><a href='/'>Home</a> | <span>Menu</span></header>"
                                f"<nav><ul>{nav}</ul></nav><footer>Copyright</footer></body></html>")
    bad["nav.html"] = "only navigation"

    records = [
        json.dumps({"id": "g1", "title": "Harbour reopens", "text": GOOD_TEXT}),
        '{"id": "g2", "title": broken',
        '{"id": "g3", "title": "No text here"}',
        '{"id": "g4", "title": "Wrong type", "text": 42}',
        '{"id": ["x"], "text": "The id is a list."}',
        '{"id": "dup", "title": "Trains late", "text": "Trains ran late all week, the rail operator said."}',
        '{"id": "dup", "title": "Buses late", "text": "A different story: buses ran late, the city said."}',
        "[1, 2, 3]",
        '"just a string"',
        "",
    ]
    (c / "mixed.jsonl").write_text("\n".join(records) + "\n")
    good |= {"Harbour reopens", "Trains late"}
    bad |= {"mixed.jsonl:2": "invalid JSON", "mixed.jsonl:3": "missing 'text'", "mixed.jsonl:4": "'text' must be",
            "mixed.jsonl:5": "'id' must be", "mixed.jsonl:7": "duplicate id 'dup'",
            "mixed.jsonl:8": "expected a JSON object", "mixed.jsonl:9": "expected a JSON object"}

    (c / "list.json").write_text(json.dumps([
        {"title": "Farmers protest", "text": "Farmers protested in the capital on Monday over fuel prices."},
        {"title": "Rates on hold", "text": "The central bank held rates steady at 4 percent."},
        "not an object",
    ]))
    good |= {"Farmers protest", "Rates on hold"}
    bad["list.json[2]"] = "expected a JSON object"
    (c / "object.json").write_text(json.dumps({"title": "Statue returned",
                                               "text": "The museum returned the statue to its country."}))
    good.add("Statue returned")
    (c / "scalar.json").write_text("42")
    bad["scalar.json"] = "expected a JSON object or a list"

    (c / "loop" / "inner").mkdir(parents=True)
    (c / "loop" / "inner" / "up").symlink_to(c / "loop", target_is_directory=True)
    (c / "loop" / "inner" / "story.txt").write_text("Fire brigade drill\n\nThe fire brigade held a drill downtown.")
    good.add("Fire brigade drill")
    # A file listed and then gone: what a file deleted during the ingest looks like to the loader.
    (c / "vanished.txt").symlink_to(c / "deleted-meanwhile.txt")
    bad["vanished.txt"] = "no such file"
    return {str(c / where): why for where, why in bad.items()}, good


@pytest.mark.slow
def test_cli_ingest_of_a_hostile_folder_reports_each_bad_item_and_indexes_the_rest(tmp_path, handle, desk):
    bad, good = _bad_corpus(tmp_path)
    home = Path(os.environ["NEWSDESK_HOME"])
    result = run_cli("ingest", "--json", str(tmp_path / "corpus"), home=home)
    assert_clean_failure(result)
    assert result.returncode == 3, result.stderr[-3000:]
    reported = skipped(result.stderr)
    assert set(reported) == set(bad), (sorted(reported), sorted(bad))
    for where, fragment in bad.items():
        assert fragment in reported[where], (where, reported[where])
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert len(summary["added"]) == len(good) and len(summary["failed"]) == len(bad)

    rows = handle.manifest.rows()
    assert {r["title"] for r in rows} == good
    texts = {c.title: c.text for c in handle.store.iter_chunks()}
    assert "rents rose by 12 percent" in texts["Café owners in München"]  # Latin-1 decoded, not mojibake
    assert texts["Trains late"].startswith("Trains ran late")  # the first of the duplicate ids is kept
    assert "Section 3" not in " ".join(texts.values())
    assert sum(1 for r in rows if r["title"] == "Fire brigade drill") == 1  # the symlink loop is walked once
    assert handle.store.count() == len(good)  # one chunk each: every article short

    # The same folder again: nothing re-embedded, the same items reported, the index unchanged.
    again: IngestReport = desk.ingest([tmp_path / "corpus"])
    assert again.added == [] and again.updated == [] and len(again.unchanged) == len(good)
    assert {f.where for f in again.failures} == set(bad)
    assert handle.store.count() == len(good)


def test_a_file_deleted_while_its_folder_is_being_read_is_reported_and_the_rest_loads(tmp_path):
    folder = tmp_path / "news"
    folder.mkdir()
    for name in ("a.txt", "b.txt", "c.txt"):
        (folder / name).write_text(f"Story {name}\n\nSomething happened in {name} on Monday.")
    report = IngestReport()
    articles = load_all([folder], report)
    first = next(articles)  # the folder is listed by now, b.txt and c.txt not yet read
    (folder / "b.txt").unlink()
    rest = list(articles)
    assert [a.title for a in [first, *rest]] == ["Story a.txt", "Story c.txt"]
    assert [(f.where, f.reason) for f in report.failures] == [(str(folder / "b.txt"), "no such file or directory")]


def test_a_file_replaced_by_a_folder_mid_walk_is_not_a_crash(tmp_path):
    folder = tmp_path / "news"
    folder.mkdir()
    (folder / "a.txt").write_text("A\n\nFirst story.")
    (folder / "b.txt").write_text("B\n\nSecond story.")
    items = iter_articles(folder)
    next(items)
    (folder / "b.txt").unlink()
    (folder / "b.txt").mkdir()
    assert list(items) == []  # walked as the (empty) folder it now is


def test_duplicate_ids_with_different_text_are_reported_and_strict_stops(tmp_path, desk):
    path = tmp_path / "dups.jsonl"
    same = {"id": "s", "title": "Same", "text": "Identical copies of one record are not a problem."}
    path.write_text("\n".join(json.dumps(r) for r in [
        {"id": "d", "title": "First", "text": "The first text of id d."},
        same,
        {"id": "d", "title": "Second", "text": "Another text under the same id d."},
        same,
    ]) + "\n")
    report = desk.ingest([path])
    assert sorted(report.added) == ["d", "s"]
    assert [f.where for f in report.failures] == [f"{path}:3"]
    assert "duplicate id 'd'" in report.failures[0].reason and f"{path}:1" in report.failures[0].reason
    assert {r["title"] for r in desk.handle.manifest.rows()} == {"First", "Same"}

    from core.errors import SourceError

    path.write_text(path.read_text().replace("first text", "first, edited text"))
    with pytest.raises(SourceError, match="duplicate id 'd'"):
        desk.ingest([path], strict=True)


@pytest.mark.parametrize(
    "html",
    [
        "<html><body><nav>" + "".join(f"<a href='/{i}'>Section {i}</a>" for i in range(20)) + "</nav></body></html>",
        "<html><body><header><a href=/>Home</a> <a href=/w>World</a></header><nav><a href=/p>Politics</a> | "
        "<a href=/s>Sports</a></nav><div><span>Menu</span><ul><li><a href=/a>About us</a><li><a href=/c>Contact"
        "</a></ul></div></body></html>",
    ],
)
def test_navigation_only_pages_are_not_articles(tmp_path, html):
    (tmp_path / "menu.html").write_text(html)
    (item,) = list(iter_articles(tmp_path / "menu.html"))
    assert isinstance(item, LoadFailure) and "only navigation" in item.reason


def test_an_article_with_links_and_a_menu_is_still_an_article(tmp_path):
    body = ("<p>The council approved the <a href='/budget'>budget</a> on Tuesday after a long debate.</p>"
            "<p><a href='/more'>Read the full report</a></p>"
            "<p>Opposition members said the plan cuts school funding by 3 percent.</p>")
    html = (f"<html><head><title>Budget passes</title></head><body><nav><a href=/>Home</a><a href=/n>News</a>"
            f"</nav><article>{body}</article></body></html>")
    (tmp_path / "story.html").write_text(html)
    (item,) = list(iter_articles(tmp_path / "story.html"))
    assert not isinstance(item, LoadFailure), item
    assert "school funding" in item.text
