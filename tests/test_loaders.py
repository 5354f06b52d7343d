"""index/loaders over real files: fixtures, tmp_path files and the bundled sample (text cleaning: test_clean_text)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.types import Article
from index.loaders import LoadFailure, article_id_for
from index.outcomes import SkippedFile
from index.walk import iter_articles

FIXTURES = Path(__file__).parent / "fixtures"
SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample" / "nato-ministers-transatlantic-ties.txt"


def load(path: Path, **kwargs: int) -> tuple[list[Article], list[LoadFailure]]:
    items = list(iter_articles(path, **kwargs))
    return [i for i in items if isinstance(i, Article)], [i for i in items if isinstance(i, LoadFailure)]


def only_article(path: Path) -> Article:
    articles, failures = load(path)
    assert failures == [] and len(articles) == 1, failures
    return articles[0]


def only_failure(path: Path, **kwargs: int) -> LoadFailure:
    articles, failures = load(path, **kwargs)
    assert articles == [] and len(failures) == 1, articles
    return failures[0]


def test_txt_fixture_title_boilerplate_and_metadata() -> None:
    path = FIXTURES / "boilerplate.txt"
    article = only_article(path)
    assert article.title == "City council approves \u201cgreen roofs\u201d plan"
    assert article.text.split("\n\n") == [
        "The city council on Tuesday approved a plan requiring green roofs on all new commercial buildings.",
        "Supporters said the roofs would cut summer temperatures and absorb rain water.",
        "Critics warned of higher construction costs, but the measure passed 7 to 2.",
    ]
    assert article.id == article_id_for(str(path.resolve()))
    assert (article.source, article.url, article.published, article.origin) == ("", None, None, str(path))


def test_markdown_heading_markers_are_stripped_but_inner_hashes_stay(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("\n\n## C# 12 released ##\n\nThe language gained primary constructors.\n")
    article = only_article(tmp_path / "a.md")
    assert article.title == "C# 12 released"
    assert article.text == "The language gained primary constructors."


def test_txt_starting_with_a_paragraph_keeps_it_in_the_text(tmp_path: Path) -> None:
    paragraph = "The council met on Monday. " * 10
    (tmp_path / "p.txt").write_text(paragraph + "\n\nSecond paragraph.")
    article = only_article(tmp_path / "p.txt")
    assert article.text.startswith("The council met") and article.title == "The council met on Monday."


def test_html_fixture_metadata_from_trafilatura() -> None:
    article = only_article(FIXTURES / "article.html")
    assert article.title == "Harbour bridge reopens after repairs"
    assert article.authors == ["Jane Doe", "John Roe"]
    assert article.published == "2024-03-03"
    assert article.source == "The Coastal Gazette"
    assert article.url == "https://gazette.example/news/harbour-bridge"
    assert article.id == article_id_for("https://gazette.example/news/harbour-bridge")
    assert article.text.startswith("The harbour bridge reopened")
    assert "Advertisement" not in article.text and "READ MORE" not in article.text
    assert "\n\nEngineers replaced" in article.text


def test_html_without_metadata_does_not_invent_a_date(tmp_path: Path) -> None:
    body = "<p>On Jan 25, 2005 the bakery on Main Street opened its doors for the first time to customers.</p>" * 3
    (tmp_path / "page.htm").write_text(f"<html><body><article>{body}</article></body></html>")
    article = only_article(tmp_path / "page.htm")
    assert article.published is None and article.url is None
    assert article.id == article_id_for(str((tmp_path / "page.htm").resolve()))


def test_jsonl_fixture_good_and_bad_lines_with_line_numbers() -> None:
    path = FIXTURES / "articles.jsonl"
    articles, failures = load(path)
    assert [a.id for a in articles] == ["a-001", "42", article_id_for("https://example.org/news/untitled")]
    first, second, third = articles
    assert first.authors == ["Ana Lopez", "Ben Okafor"] and first.published == "2024-03-03"
    assert first.text.split("\n\n")[1] == "The strike had halted most intercity trains for nine days."
    assert second.authors == ["Chris Park"] and second.published == "2003-06-10"
    assert second.text.startswith("The central library")  # from "body"
    assert third.title == "Farmers in the valley reported the earliest apple blossom on record this spring."
    assert third.origin == f"{path}:5" and third.published == "2024-03-03"  # from "content", epoch date
    assert [f.where for f in failures] == [f"{path}:3", f"{path}:4"]
    assert "invalid JSON" in failures[0].reason and "'text'" in failures[1].reason


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        ([1, 2], "expected a JSON object"),
        ({"title": "t", "text": ""}, "empty article"),
        ({"title": "t", "text": "\u200b \n Advertisement \n"}, "empty article"),
        ({"title": "t", "text": 5}, "'text' must be a string"),
        ({"title": 7, "text": "ok"}, "'title' must be a string"),
        ({"authors": [1], "text": "ok"}, "'authors' must be"),
        ({"id": {"x": 1}, "text": "ok"}, "'id' must be"),
    ],
)
def test_bad_jsonl_records_fail_alone(tmp_path: Path, record: object, reason: str) -> None:
    good = {"id": "good", "title": "Fine", "text": "A valid article."}
    path = tmp_path / "x.jsonl"
    path.write_text(f"{json.dumps(good)}\n\n{json.dumps(record)}\n{json.dumps(good | {'id': 'later'})}\n")
    articles, failures = load(path)
    assert [a.id for a in articles] == ["good", "later"]
    assert len(failures) == 1 and failures[0].where == f"{path}:3" and reason in failures[0].reason


def test_json_fixture_list_and_single_object(tmp_path: Path) -> None:
    path = FIXTURES / "articles.json"
    articles = load(path)[0]
    assert [a.id for a in articles] == ["j-1", article_id_for("https://example.org/news/tram")]
    assert articles[0].published == "2024-03-03" and articles[0].source == "Port Weekly"
    assert articles[1].origin == f"{path}[1]"
    (tmp_path / "one.json").write_text(json.dumps({"title": "Solo", "text": "Just one."}))
    solo = only_article(tmp_path / "one.json")
    assert solo.id == article_id_for(str((tmp_path / "one.json").resolve())) and solo.title == "Solo"
    (tmp_path / "num.json").write_text("3")
    assert "expected a JSON object or a list" in only_failure(tmp_path / "num.json").reason
    (tmp_path / "bad.json").write_text("{oops")
    assert "invalid JSON" in only_failure(tmp_path / "bad.json").reason


def test_jsonl_line_over_the_cap_fails_alone(tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    lines = [{"id": "a", "text": "small"}, {"id": "b", "text": "x" * 5000}, {"id": "c", "text": "small too"}]
    path.write_text("\n".join(json.dumps(r) for r in lines) + "\n")
    articles, failures = load(path, max_bytes=1000)
    assert [a.id for a in articles] == ["a", "c"]
    assert [f.where for f in failures] == [f"{path}:2"] and "1,000" in failures[0].reason


def test_invalid_utf8_falls_back_to_cp1252_and_latin1(tmp_path: Path) -> None:
    (tmp_path / "cp.txt").write_bytes(b"Caf\xe9 news\n\n\x93Quoted\x94 text \x81here.\n")
    article = only_article(tmp_path / "cp.txt")
    assert article.title == "Caf\u00e9 news" and "Quoted" in article.text
    (tmp_path / "w.txt").write_bytes(b"Title\n\n\x93Quoted\x94 caf\xe9.\n")
    assert only_article(tmp_path / "w.txt").text == "\u201cQuoted\u201d caf\u00e9."
    (tmp_path / "l.jsonl").write_bytes(b'{"id": "l", "text": "Stra\xdfe"}\n')
    assert only_article(tmp_path / "l.jsonl").text == "Stra\u00dfe"


def test_utf16_with_bom_is_read(tmp_path: Path) -> None:
    (tmp_path / "u.txt").write_bytes("Title\n\nBody text.".encode("utf-16"))
    assert only_article(tmp_path / "u.txt").text == "Body text."


@pytest.mark.parametrize("name", ["bin.txt", "bin.jsonl", "bin.html"])
def test_binary_file_is_a_failure(tmp_path: Path, name: str) -> None:
    (tmp_path / name).write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    assert "binary" in only_failure(tmp_path / name).reason


@pytest.mark.parametrize("name", ["empty.txt", "blank.md", "empty.jsonl", "title-only.txt"])
def test_empty_inputs_are_empty_articles(tmp_path: Path, name: str) -> None:
    content = {"empty.txt": "", "blank.md": "\n \n\t\n", "empty.jsonl": "\n\n", "title-only.txt": "Just a title\n"}
    (tmp_path / name).write_text(content[name])
    assert only_failure(tmp_path / name).reason == "empty article"


def test_file_over_the_size_cap_names_its_size(tmp_path: Path) -> None:
    (tmp_path / "big.txt").write_text("Title\n\n" + "x" * 2000)
    failure = only_failure(tmp_path / "big.txt", max_bytes=1000)
    assert "2,007 bytes" in failure.reason and "1,000" in failure.reason


def test_unsupported_and_missing_paths(tmp_path: Path) -> None:
    (tmp_path / "notes.xyz").write_text("hello")
    failure = only_failure(tmp_path / "notes.xyz")
    assert failure.reason == ("unsupported file type '.xyz' (supported: .txt .md .html .htm .json .jsonl .pdf .docx "
                              ".eml .rss .atom .xml .urls)")
    assert failure.where == str(tmp_path / "notes.xyz")
    assert only_failure(tmp_path / "nope.txt").reason == "no such file or directory"
    assert only_failure(tmp_path / "nope").reason == "no such file or directory"


def test_folder_recursion_is_sorted_and_skips_hidden_and_unknown(tmp_path: Path) -> None:
    for rel in ["b/2.txt", "a.txt", "b/1.md", ".hidden.txt", ".git/x.txt", "c/image.png", "c/readme.xyz"]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(f"{rel}\n\nBody of {rel}.")
    articles, failures = load(tmp_path)
    assert failures == []
    assert [a.title for a in articles] == ["a.txt", "b/1.md", "b/2.txt"]
    skipped = [i for i in iter_articles(tmp_path) if isinstance(i, SkippedFile)]
    assert [(Path(s.where).name, s.kind) for s in skipped] == [("image.png", ".png"), ("readme.xyz", ".xyz")]


def test_symlink_loops_terminate_and_load_each_file_once(tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "story.txt").write_text("Story\n\nIt happened.")
    (tmp_path / "a" / "b" / "up").symlink_to(tmp_path / "a", target_is_directory=True)
    (tmp_path / "a" / "self").symlink_to(tmp_path / "a", target_is_directory=True)
    (tmp_path / "a" / "dangling.txt").symlink_to(tmp_path / "missing.txt")
    articles, failures = load(tmp_path / "a")
    assert [a.title for a in articles] == ["Story"]
    assert [f.reason for f in failures] == ["no such file or directory"]


def test_bundled_sample_article() -> None:
    article = only_article(SAMPLE)
    assert article.title == "NATO ministers reaffirm \u2018strong transatlantic ties\u2019"
    assert "ALSO READ" not in article.text
    assert "NATO ministers reaffirm" not in article.text
    assert article.text.startswith("Secretary of State Blinken said the US wants to \u201crevive the alliance\u201d")
    assert "rediscovered itself" in article.text
    assert "\n\n\n" not in article.text
