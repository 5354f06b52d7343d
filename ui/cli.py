"""`newsdesk` command line: ingest, ask, status, serve, demo, eval, remove, users, conversations."""

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
from ui.errors import cli_errors

app = typer.Typer(
    add_completion=False, no_args_is_help=True, help="Chat Q&A over news articles, with checked citations."
)


@app.command()
@cli_errors
def ingest(
    paths: Annotated[list[str] | None, typer.Argument(
        help="Files or folders (.txt .md .html .json .jsonl), feeds (.rss .atom .xml), URL lists (.urls), "
             "or http(s) URLs of articles or feeds.")] = None,
    urls: Annotated[list[Path] | None, typer.Option(
        "--urls", help="A text file of URLs, one per line (repeatable).")] = None,
    prune: Annotated[list[Path] | None, typer.Option(
        help="Read this folder and remove the indexed articles whose files are gone from it (repeatable).")] = None,
    strict: Annotated[bool, typer.Option(help="Stop at the first bad input, before anything is written.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Index articles. Unchanged articles are skipped, near-duplicates collapsed; bad inputs reported and skipped.

    Exit code 0 when everything went in, 3 when some inputs were skipped.

    Examples: newsdesk ingest data/sample ~/news/dump.jsonl https://example.com/rss.xml;
    newsdesk ingest --urls links.txt; newsdesk ingest --prune ~/news
    """
    if not (paths or urls or prune):
        raise ConfigError("nothing to ingest: give files, folders, feeds or URLs, --urls FILE or --prune FOLDER")
    desk = make_desk()
    report = desk.ingest(
        list(paths or []), url_lists=list(urls or []), prune=list(prune or []), strict=strict,
        progress=not as_json and sys.stderr.isatty(), notify=lambda m: print(m, file=sys.stderr),
    )
    print_ingest_report(report, as_json)
    if report.failures:
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
        meta = ", ".join(x for x in (c.source, c.published or "") if x)
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
    """Articles, chunks, sources and date range of the index."""
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
    Console().print(table)


@app.command()
@cli_errors
def serve(
    host: Annotated[str | None, typer.Option(help="Address to bind (default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default 7860).")] = None,
    share: Annotated[bool, typer.Option(help="Ask Gradio for a public share link (needs --auth).")] = False,
    auth: Annotated[str | None, typer.Option(help="USER:PASS required to use the chat.")] = None,
    public: Annotated[bool, typer.Option(help="Allow --share without --auth.")] = False,
    users: Annotated[str | None, typer.Option(
        help="Users file (name:role:hash lines, roles viewer and editor): each logs in with their own password.")
    ] = None,
    public_links: Annotated[bool | None, typer.Option(
        "--public-links", help="Shared conversation links open without a login.")] = None,
) -> None:
    """Serve the web chat. Examples: newsdesk serve --port 7860; newsdesk serve --users users.txt"""
    from ui.web import launch

    settings = load_settings()
    launch(
        make_desk(settings),
        host=host or settings.ui.host,
        port=port or settings.ui.port,
        share=share,
        auth=auth if auth is not None else settings.auth,
        public=public,
        users=users if users is not None else settings.users,
        public_links=public_links,
    )


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

app.add_typer(users_app, name="users")

app.add_typer(conversations_app, name="conversations")


def main() -> None:
    app()
