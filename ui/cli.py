"""`newsdesk` command line: ingest, ask, status, serve, demo, eval, remove, watch, users, conversations."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from core.errors import ConfigError, SourceError
from ui.cli_common import PARTIAL_EXIT, SAMPLE_DIR, cli_filters, load_settings, make_desk
from ui.cli_conversations import conversations_app
from ui.cli_eval import eval_command
from ui.cli_index import print_ingest_report, remove_command
from ui.cli_users import users_app
from ui.cli_watch import EVERY_HELP, serve_command, watch_command
from ui.errors import cli_errors

app = typer.Typer(
    add_completion=False, no_args_is_help=True, help="Chat Q&A over news articles, with checked citations."
)


@app.command()
@cli_errors
def ingest(
    paths: Annotated[list[str] | None, typer.Argument(
        help="Files or folders (.txt .md .html .json .jsonl .pdf .docx .eml), feeds (.rss .atom .xml), sitemaps "
             "(.xml), URL lists (.urls), or http(s) URLs of articles, feeds or sitemaps.")] = None,
    urls: Annotated[list[Path] | None, typer.Option(
        "--urls", help="A text file of URLs, one per line (repeatable).")] = None,
    prune: Annotated[list[Path] | None, typer.Option(
        help="Read this folder and remove the indexed articles whose files are gone from it (repeatable).")] = None,
    strict: Annotated[bool, typer.Option(help="Stop at the first bad input, before anything is written.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    limit: Annotated[int | None, typer.Option(
        help="Most pages read from each sitemap, newest first (default NEWSDESK_FETCH_SITEMAP_LIMIT).")] = None,
    verbose: Annotated[bool, typer.Option(
        "--verbose", "-v", help="List each file of a folder skipped for its type, not only the count.")] = False,
) -> None:
    """Index articles. Unchanged articles are skipped, near-duplicates collapsed; bad inputs reported and skipped.

    Exit code 0 when everything went in, 3 when some inputs were skipped or nothing at all was readable.

    Examples: newsdesk ingest data/sample ~/news/dump.jsonl https://example.com/rss.xml;
    newsdesk ingest --urls links.txt; newsdesk ingest --prune ~/news; newsdesk ingest https://example.com/sitemap.xml
    --limit 50
    """
    if not (paths or urls or prune):
        raise ConfigError("nothing to ingest: give files, folders, feeds or URLs, --urls FILE or --prune FOLDER")
    if limit is not None and limit < 1:
        raise ConfigError(f"--limit must be at least 1, got {limit}")
    settings = load_settings()
    if limit is not None:
        settings = settings.model_copy(update={"fetch": settings.fetch.model_copy(update={"sitemap_limit": limit})})
    desk = make_desk(settings)
    report = desk.ingest(
        list(paths or []), url_lists=list(urls or []), prune=list(prune or []), strict=strict,
        progress=not as_json and sys.stderr.isatty(), notify=lambda m: print(m, file=sys.stderr),
    )
    print_ingest_report(report, as_json, verbose)
    if report.failures or report.read_nothing:
        raise typer.Exit(PARTIAL_EXIT)


@app.command()
@cli_errors
def ask(
    question: Annotated[str, typer.Argument(help="The question.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the answer as one JSON object.")] = False,
    k: Annotated[int | None, typer.Option(help="Passages to retrieve.")] = None,
    history: Annotated[Path | None, typer.Option(help="JSON list of {question, answer} turns before this one.")] = None,
    since: Annotated[str | None, typer.Option(help="Only articles published on or after YYYY-MM-DD.")] = None,
    until: Annotated[str | None, typer.Option(help="Only articles published on or before YYYY-MM-DD.")] = None,
    source: Annotated[list[str] | None, typer.Option(help="Only this source (repeatable).")] = None,
) -> None:
    """Answer a question from the indexed articles, every sentence cited.

    Example: newsdesk ask "What did Le Drian say?" --json
    """
    if k is not None and k < 1:
        raise ConfigError(f"--k must be at least 1, got {k}")
    turns = _load_history(history) if history else []
    answer = make_desk().ask(question, history=turns, filters=cli_filters(since, until, source), k=k)
    if as_json:
        print(json.dumps(answer.to_json(), ensure_ascii=False))
        return
    for note in answer.notes:  # filters read from the question are shown, so a refusal is never a mystery
        print(f"({note})")
    print(answer.answer)
    for c in answer.citations:
        meta = ", ".join(x for x in (c.source, c.published or "", f"p. {c.page}" if c.page else "") if x)
        print(f"[{c.n}] {c.title}" + (f" ({meta})" if meta else "") + (f" {c.url}" if c.url else ""))


def _load_history(path: Path):  # noqa: ANN202
    from qa.chain import Turn

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return [Turn(**turn) for turn in data]
    except (OSError, ValueError, TypeError) as exc:
        raise SourceError(f"--history {str(path)!r} is not a JSON list of {{question, answer}} turns: {exc}") from exc


@app.command()
@cli_errors
def status(as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False) -> None:
    """Articles, chunks, sources and date range of the index, and the health of watched feeds."""
    info = make_desk().status()
    if as_json:
        print(json.dumps(info))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"newsdesk index {info['collection']} ({info['home']})")
    table.add_column("what")
    table.add_column("value")
    for key in ("articles", "chunks", "date_range", "last_ingest"):
        table.add_row(key, str(info[key]))
    for src, n in info["sources"].items():
        table.add_row(f"source: {src}", str(n))
    for feed in info["feeds"]:
        health = f"checked {feed['last_checked']}, {feed['consecutive_errors']} errors in a row" + (
            f" ({feed['last_error']})" if feed["last_error"] else "")
        table.add_row(f"watched: {feed['source']}", health)
    Console().print(table)


@app.command()
@cli_errors
def serve(
    host: Annotated[str | None, typer.Option(help="Address to bind (default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default 7860).")] = None,
    share: Annotated[bool, typer.Option(help="Ask Gradio for a public share link (needs --auth).")] = False,
    auth: Annotated[str | None, typer.Option(help="USER:PASS required to use the chat.")] = None,
    public: Annotated[bool, typer.Option(help="Allow --share without --auth.")] = False,
    watch: Annotated[list[str] | None, typer.Option(
        help="A feed or page URL, file or folder to watch while serving (repeatable); see `newsdesk watch`.")] = None,
    urls: Annotated[list[Path] | None, typer.Option("--urls", help="A text file of URLs to watch.")] = None,
    every: Annotated[str | None, typer.Option(help=EVERY_HELP)] = None,
    users: Annotated[str | None, typer.Option(
        help="Users file (name:role:hash lines, roles viewer and editor): each logs in with their own password.")
    ] = None,
    public_links: Annotated[bool | None, typer.Option(
        "--public-links", help="Shared conversation links open without a login.")] = None,
) -> None:
    """Serve the web chat, optionally watching feeds into its index. Questions are answered during ingests.

    Examples: newsdesk serve --port 7860; newsdesk serve --users users.txt;
    newsdesk serve --watch https://example.com/rss.xml --every 15m
    """
    serve_command(host, port, share, auth, public, list(watch or []), list(urls or []), every, users, public_links)


@app.command()
@cli_errors
def demo(
    host: Annotated[str | None, typer.Option(help="Address to bind (default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default 7860).")] = None,
) -> None:
    """Index the bundled NATO article if the index is empty, then serve the chat."""
    from ui.web import launch

    settings = load_settings()
    desk = make_desk(settings)
    if desk.handle.store.count() == 0:
        print(desk.ingest([SAMPLE_DIR]).summary())
    launch(desk, host=host or settings.ui.host, port=port or settings.ui.port)


app.command(name="eval")(eval_command)

app.command(name="remove")(remove_command)

app.command(name="watch")(watch_command)

app.add_typer(users_app, name="users")

app.add_typer(conversations_app, name="conversations")


def main() -> None:
    app()
