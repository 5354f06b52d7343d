"""`newsdesk remove`, and the printed report of `newsdesk ingest`."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Annotated

import typer

from core.errors import ConfigError
from ui.errors import cli_errors

if TYPE_CHECKING:
    from index.ingest import IngestReport


def print_ingest_report(report: IngestReport, as_json: bool, verbose: bool = False) -> None:
    """Each skipped input and each note on stderr (`skipped WHERE: WHY`), the files of folders skipped for their
    type as one count (each one with `verbose`), then the summary on stdout."""
    for failure in report.failures:
        print(f"skipped {failure.where}: {failure.reason}", file=sys.stderr)
    for note in report.notes:
        print(f"note {note.where}: {note.message}", file=sys.stderr)
    if verbose:
        for skipped in report.skipped:
            print(f"skipped {skipped.where}: not read, file type {skipped.kind}", file=sys.stderr)
    if report.skipped:
        hint = "" if verbose else " (--verbose lists them)"
        print(f"skipped {len(report.skipped)} files by type: {report.skipped_summary()}{hint}", file=sys.stderr)
    if report.failures:
        print(f"{len(report.failures)} inputs skipped: {report.failure_summary()}", file=sys.stderr)
    if report.read_nothing:
        from index.walk import READABLE_SUFFIXES

        print("nothing readable: no article came out of the inputs. newsdesk reads " + " ".join(READABLE_SUFFIXES)
              + " and .urls files, folders of them, and http(s) URLs of pages, feeds and sitemaps", file=sys.stderr)
    print(json.dumps(report.to_json()) if as_json else report.summary())


@cli_errors
def remove_command(
    article_id: Annotated[list[str] | None, typer.Option("--id", help="An article id (repeatable).")] = None,
    source: Annotated[list[str] | None, typer.Option(
        help="Articles of this source, any case (repeatable).")] = None,
    before: Annotated[str | None, typer.Option(
        help="Articles published before this date (YYYY-MM-DD); undated articles are kept.")] = None,
    dry_run: Annotated[bool, typer.Option(help="Only list what would be removed.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Remove articles from the index. Given several criteria, an article must match all of them.

    A near-duplicate of a removed article is indexed in its place. Exit code 3 when an --id is not in the index.

    Examples: newsdesk remove --id 5a054058d4d6; newsdesk remove --source CNN --before 2020-01-01
    """
    from index.dates import iso_date
    from index.remove import remove
    from ui.cli_common import PARTIAL_EXIT, make_desk

    day = iso_date(before) if before is not None else None
    if before is not None and day is None:
        raise ConfigError(f"--before {before!r} is not a date: use YYYY-MM-DD")
    if not (article_id or source or before):
        raise ConfigError("say what to remove: --id ID, --source NAME and/or --before YYYY-MM-DD")
    desk = make_desk()
    report = remove(desk.handle, ids=article_id or [], sources=source or [], before=day, dry_run=dry_run,
                    notify=lambda m: print(m, file=sys.stderr))
    if dry_run and not as_json:
        for removed in report.removed:
            print(removed)
    for unknown in report.unknown:
        print(f"not in the index: {unknown}", file=sys.stderr)
    print(json.dumps(report.to_json()) if as_json else report.summary())
    if report.unknown:
        raise typer.Exit(PARTIAL_EXIT)
