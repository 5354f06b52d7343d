"""`newsdesk eval`: offline evaluation of a dataset over a corpus, with a report directory and a JSON last line."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError

from core.errors import ConfigError
from core.settings import AnswerSettings, RetrievalSettings, Settings
from ui.errors import cli_errors


def _with_overrides(settings: Settings, answerer: str | None, passages: int | None) -> Settings:
    """Settings with the command-line answerer / passage count, validated like their environment variables."""
    try:
        answer = AnswerSettings.model_validate({**settings.answer.model_dump(),
                                                **({"answerer": answerer} if answerer else {})})
        retrieval = RetrievalSettings.model_validate({**settings.retrieval.model_dump(),
                                                      **({"k": passages} if passages is not None else {})})
    except ValidationError as exc:
        raise ConfigError(f"invalid --answerer {answerer!r} or --passages {passages!r}: {exc}") from exc
    return settings.model_copy(update={"answer": answer, "retrieval": retrieval})


def _meta(dataset: Path, corpus: Path, settings: Settings, run: Any, k: int, filters: Any,
          limit: int | None) -> dict[str, Any]:
    from qa.evaluate import ingest_counts

    return {
        "dataset": str(dataset),
        "corpus": str(corpus),
        "collection": run.collection,
        "home": str(settings.home),
        "k": k,
        "limit": limit,
        "filters": filters.model_dump(),
        "answerer": f"{settings.answer.answerer} ({run.answerer})",
        "retrieval": settings.retrieval.model_dump(),
        "refusal_threshold": settings.answer.refusal_threshold,
        "ingest": ingest_counts(run.ingest),
        "missing_gold": run.missing_gold,
        "gold_aliases": run.gold_aliases,
        "finished": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }


def _advance(bar: Any, task: Any, say: Callable[[str], None]) -> None:
    bar.update(task, advance=1)
    if not bar.console.is_terminal:
        # A redirected stderr gets no live bar (a log of a long run would show nothing): a line a tenth instead.
        done, total = int(bar.tasks[0].completed), int(bar.tasks[0].total or 0)
        if done == total or done % max(1, total // 10) == 0:
            say(f"asked {done}/{total}")


@cli_errors
def eval_command(
    dataset: Annotated[Path, typer.Argument(help="Questions, one JSON object a line (see README: Evaluation).")],
    corpus: Annotated[Path, typer.Option(help="Articles to index for this dataset (.jsonl as `ingest` reads).")],
    out: Annotated[Path | None, typer.Option(help="Report directory (default runs/<timestamp>).")] = None,
    k: Annotated[int, typer.Option(help="Ranking cutoff for the retrieval check (distinct articles).")] = 10,
    compare: Annotated[Path | None, typer.Option(help="An earlier report.json to compare with.")] = None,
    since: Annotated[str | None, typer.Option(help="Only articles published on or after YYYY-MM-DD.")] = None,
    until: Annotated[str | None, typer.Option(help="Only articles published on or before YYYY-MM-DD.")] = None,
    source: Annotated[list[str] | None, typer.Option(help="Only this source (repeatable).")] = None,
    answerer: Annotated[str | None, typer.Option(help="extractive, openai or llamacpp (default: settings).")] = None,
    passages: Annotated[int | None, typer.Option(help="Passages handed to the answerer (as `ask --k`).")] = None,
    limit: Annotated[int | None, typer.Option(help="Only the first N questions (quick runs).")] = None,
) -> None:
    """Evaluate newsdesk on a question set: retrieval, answers, citations, refusals and latency.

    Indexes the corpus into its own collection (reused next time) and asks every question.
    Writes report.json, report.md and PNG plots to --out; the last line printed is the summary as JSON.

    Example: newsdesk eval ../shared/eval/dev.jsonl --corpus ../shared/data/news-articles.jsonl
    """
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from qa.evalset import load_dataset
    from qa.evaluate import run_eval
    from qa.report import compare_records, compare_summaries, load_report, rich_table, write_report
    from ui.cli_common import cli_filters, load_settings

    if k < 1:
        raise ConfigError(f"--k must be at least 1, got {k}")
    if limit is not None and limit < 1:
        raise ConfigError(f"--limit must be at least 1, got {limit}")
    filters = cli_filters(since, until, source)
    settings = _with_overrides(load_settings(), answerer, passages)
    # Bad inputs fail before the (possibly long) indexing starts.
    items = load_dataset(dataset)[:limit]
    old = load_report(compare) if compare is not None else None
    out = out or Path("runs") / time.strftime("%Y%m%d-%H%M%S")

    err = Console(stderr=True)

    def say(message: str) -> None:
        err.print(message, markup=False, highlight=False, soft_wrap=True)

    bar = Progress(TextColumn("asking"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=err)
    task = bar.add_task("asking", total=len(items), start=False)
    try:
        run = run_eval(
            items, corpus, settings, k=k, filters=filters, progress=sys.stdout.isatty() and sys.stderr.isatty(),
            notify=say,
            on_indexed=lambda _r: (bar.start(), bar.start_task(task)),
            on_record=lambda _r: _advance(bar, task, say),
        )
    finally:
        bar.stop()
    summary, by_type = run.summary, run.by_type
    comparison = compare_summaries(old["summary"], summary) if old is not None else None
    changes = compare_records(old.get("records", []), run.records) if old is not None else None
    meta = _meta(dataset, corpus, settings, run, k, filters, limit)
    if compare is not None:
        meta["compared_with"] = str(compare)
    paths = write_report(out, summary, by_type, run.records, meta, compare=comparison, changes=changes)
    Console(file=sys.stdout, width=max(100, 22 + 11 * (len(by_type) + 3))).print(
        rich_table(summary, by_type, comparison)
    )
    say(f"report: {paths['md']} (and {', '.join(p.name for kind, p in paths.items() if kind != 'md')})")
    print(json.dumps(summary), flush=True)
