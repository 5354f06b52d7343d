"""`newsdesk conversations list|show|export`: the web chat's saved conversations, read on the server."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from core.errors import ConfigError
from ui.errors import cli_errors

conversations_app = typer.Typer(no_args_is_help=True,
                                help="Conversations saved by the web chat: list, show, export (Markdown or JSON).")


def _store():  # noqa: ANN202 - a ConversationStore; imported late like the desk
    from conversations.store import ConversationStore
    from ui.cli_common import load_settings

    return ConversationStore.from_settings(load_settings())


def _owner(user: str | None) -> str | None:
    return f"user:{user}" if user else None


@conversations_app.command("list")
@cli_errors
def list_command(
    user: Annotated[str | None, typer.Option(help="Only this logged-in user's conversations.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON lines.")] = False,
) -> None:
    """Saved conversations, newest first: id, owner, questions, last change, title.

    Owners are `user:NAME` (a login) or `browser:ID` (a chat without logins).
    Example: newsdesk conversations list --user alice
    """
    found = _store().conversations(_owner(user))
    if as_json:
        for c in found:
            print(json.dumps(c.model_dump(), ensure_ascii=False))
        return
    if not found:
        print("no saved conversations" + (f" of {user}" if user else ""))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{len(found)} conversation{'s' if len(found) != 1 else ''}")
    for column in ("id", "owner", "questions", "updated (UTC)"):
        table.add_column(column, no_wrap=True)
    table.add_column("title")
    for c in found:
        owner = c.owner if len(c.owner) <= 24 else c.owner[:20] + "…"
        table.add_row(c.id, owner, str(c.turns), c.updated[:16].replace("T", " "), c.title)
    Console().print(table)


@conversations_app.command("show")
@cli_errors
def show_command(conversation_id: Annotated[str, typer.Argument(help="An id from `newsdesk conversations list`.")]
                 ) -> None:
    """Print a conversation as Markdown: each question, its cited answer, then the numbered sources.

    Example: newsdesk conversations show 3f9c2a1b7d4e5f60
    """
    from conversations.export import to_markdown
    from conversations.store import utc_now

    print(to_markdown(_store().get(conversation_id, None), utc_now()), end="")


@conversations_app.command("export")
@cli_errors
def export_command(
    conversation_id: Annotated[str, typer.Argument(help="An id from `newsdesk conversations list`.")],
    fmt: Annotated[str, typer.Option("--format", help="md (for a story draft) or json (every answer's "
                                                       "`ask --json` object).")] = "md",
    out: Annotated[Path | None, typer.Option(help="Write to this file instead of stdout.")] = None,
) -> None:
    """Export a conversation as Markdown (answers, numbered citations, sources with title, outlet, date, link)
    or JSON.

    Examples: newsdesk conversations export 3f9c2a1b7d4e5f60 --format md --out draft.md;
    newsdesk conversations export 3f9c2a1b7d4e5f60 --format json
    """
    from conversations.export import to_json, to_markdown
    from conversations.store import utc_now

    if fmt not in {"md", "json"}:
        raise ConfigError(f"--format {fmt!r} is not md or json")
    conversation = _store().get(conversation_id, None)
    now = utc_now()
    text = to_markdown(conversation, now) if fmt == "md" else \
        json.dumps(to_json(conversation, now), ensure_ascii=False, indent=2) + "\n"
    if out is None:
        print(text, end="")
        return
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"--out {str(out)!r} cannot be written ({exc}): choose a writable path") from None
    print(f"wrote {out}")
