"""`newsdesk watch`, and the same watcher inside `newsdesk serve --watch`."""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from core.durations import parse_duration
from core.errors import ConfigError
from ui.errors import cli_errors

if TYPE_CHECKING:
    from index.watch import Watcher
    from qa.desk import Desk

EVERY_HELP = "Time between two checks of a source: 30s, 15m, 1h (default NEWSDESK_WATCH_EVERY, 15m)."


def make_watcher(desk: Desk, sources: list[str], urls: list[Path], every: str | None,
                 stop: threading.Event) -> Watcher:
    from index.watch import Watcher, read_url_list

    specs = list(sources)
    for url_list in urls:
        try:
            specs += read_url_list(url_list)
        except OSError as exc:
            raise ConfigError(f"--urls {str(url_list)!r} cannot be read ({exc.strerror or exc}): give a text "
                              "file of URLs, one per line") from None
    if not specs:
        raise ConfigError("nothing to watch: give feed or page URLs, files or folders, or --urls FILE")
    seconds = parse_duration(every, "--every") if every is not None else None
    return Watcher(desk.handle, specs, seconds, stop=stop, notify=lambda m: print(m, file=sys.stderr, flush=True))


def start_in_background(watcher: Watcher) -> threading.Thread:
    """The watcher on a thread of the serving process: it shares the process's one index and its locks."""
    thread = threading.Thread(target=watcher.run, name="newsdesk-watch", daemon=True)
    thread.start()
    return thread


def stop_background(watcher: Watcher, thread: threading.Thread) -> None:
    """Ask the watcher to stop and wait for the write in progress, if any, to finish."""
    watcher.stop.set()
    print("stopping the watcher after the write in progress ...", file=sys.stderr, flush=True)
    thread.join()


def _on_signal(stop: threading.Event) -> None:
    def handler(signum: int, _frame: Any) -> None:
        print(f"{signal.Signals(signum).name}: stopping after the write in progress ...", file=sys.stderr,
              flush=True)
        stop.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


@cli_errors
def watch_command(
    sources: Annotated[list[str] | None, typer.Argument(
        help="Feed or page URLs, feed files, folders or article files to check again and again.")] = None,
    urls: Annotated[list[Path] | None, typer.Option(
        "--urls", help="A text file of URLs to watch, one per line (repeatable).")] = None,
    every: Annotated[str | None, typer.Option(help=EVERY_HELP)] = None,
    once: Annotated[bool, typer.Option(help="Check every source once and exit (for cron).")] = False,
) -> None:
    """Watch feeds, pages and folders: new and changed articles are indexed as they appear, until stopped.

    Each URL is fetched with a conditional GET, only new or changed feed entries are fetched, a failing source
    is retried later and later and never stops the others. Ctrl-C or SIGTERM stops between two writes.
    `newsdesk status --json` shows each source's health. Against a local index that `newsdesk serve` is
    serving, use `newsdesk serve --watch` instead.

    Examples: newsdesk watch https://example.com/rss.xml --every 15m; newsdesk watch --urls feeds.urls --once
    """
    from index.serving import refuse_if_served
    from ui.cli_common import make_desk

    desk = make_desk()
    refuse_if_served(desk.handle)
    stop = threading.Event()
    watcher = make_watcher(desk, list(sources or []), list(urls or []), every, stop)
    _on_signal(stop)
    try:
        if once:
            results = watcher.run_once(force=True)
            if any(r.outcome == "failed" for r in results):
                raise typer.Exit(3)
        else:
            print(f"watching {len(watcher.sources)} sources every {watcher.every:g}s; Ctrl-C stops",
                  file=sys.stderr, flush=True)
            watcher.run()
    finally:
        desk.handle.close()


def serve_command(host: str | None, port: int | None, share: bool, auth: str | None, public: bool,
                  watch: list[str], urls: list[Path], every: str | None, users: str | None = None,
                  public_links: bool | None = None) -> None:
    """`newsdesk serve`: the chat, with a watcher thread when sources are given. SIGTERM stops like Ctrl-C."""
    from index.serving import serving
    from ui.cli_common import load_settings, make_desk
    from ui.web import launch

    settings = load_settings()
    desk = make_desk(settings)
    watcher = make_watcher(desk, watch, urls, every, threading.Event()) if watch or urls else None

    def interrupt(_signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt  # Gradio's serving loop closes the server on it

    signal.signal(signal.SIGTERM, interrupt)
    with serving(desk.handle):
        thread = start_in_background(watcher) if watcher is not None else None
        try:
            launch(desk, host=host or settings.ui.host, port=port or settings.ui.port, share=share,
                   auth=auth if auth is not None else settings.auth, public=public,
                   users=users if users is not None else settings.users, public_links=public_links)
        finally:
            if watcher is not None and thread is not None:
                stop_background(watcher, thread)
