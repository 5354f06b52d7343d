"""`newsdesk users hash|add`: password hashes and lines of the users file of `newsdesk serve --users FILE`."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from core.errors import ConfigError
from ui.errors import cli_errors
from ui.users import ROLES, hash_password, parse_users_line

users_app = typer.Typer(no_args_is_help=True, help="Users of the web chat (serve --users FILE): hashes and lines.")


def _password(stdin: bool) -> str:
    if stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    if not password:
        raise ConfigError("the password is empty: give one")
    return password


@users_app.command("hash")
@cli_errors
def hash_command(
    stdin: Annotated[bool, typer.Option("--stdin", help="Read the password from the first line of stdin.")] = False,
) -> None:
    """Print the hash of a password (asked twice, not shown), for a `name:role:HASH` line of the users file.

    The hash is scrypt in Werkzeug's format, scrypt:32768:8:1$salt$hex.
    Example: newsdesk users hash
    """
    print(hash_password(_password(stdin)))


@users_app.command("add")
@cli_errors
def add_command(
    file: Annotated[Path, typer.Argument(help="The users file; created (readable by you only) if missing.")],
    name: Annotated[str, typer.Argument(help="User name (no ':').")],
    role: Annotated[str, typer.Option(
        help="viewer (asks, browses, shares) or editor (also adds articles).")] = "viewer",
    stdin: Annotated[bool, typer.Option("--stdin", help="Read the password from the first line of stdin.")] = False,
) -> None:
    """Add a user to the users file, or give an existing one a new password and role.

    Example: newsdesk users add users.txt alice --role editor
    """
    if not name.strip() or ":" in name or name != name.strip():
        raise ConfigError(f"user name {name!r} must be non-empty, without ':' or surrounding spaces")
    if role not in ROLES:
        raise ConfigError(f"--role {role!r} is not one of {', '.join(ROLES)}")
    line = f"{name}:{role}:{hash_password(_password(stdin))}"
    parse_users_line(line, "new line")  # the line must read back as written
    lines = file.read_text(encoding="utf-8").splitlines() if file.exists() else [
        "# newsdesk users: name:role:password-hash (roles: viewer, editor). Make lines with `newsdesk users add`."]
    kept = [old for old in lines if old.split(":", 1)[0].strip() != name]
    replaced = len(kept) != len(lines)
    _write_private(file, "\n".join([*kept, line]) + "\n")
    print(f"{'updated' if replaced else 'added'} {name} ({role}) in {file}")


def _write_private(path: Path, text: str) -> None:
    """Written whole, then renamed over the old file: a crash leaves the old or the new file, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
