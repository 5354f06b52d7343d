"""The add-articles tab: uploaded files, article URLs and feeds go through the same ingest as `newsdesk ingest`.

Each input is ingested on its own, so the progress bar moves item by item and every article gets a result.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from html import escape
from pathlib import Path
from typing import Any

import gradio as gr

from core.errors import NewsdeskError
from index.fetch import is_web_url
from index.walk import READABLE_SUFFIXES
from ui.render import table_html
from ui.users import Access
from ui.web_desk import WebDesk

# Past this many rows the table is a wall: the rest is summed up in one line.
_MAX_ROWS = 200
# Feed, sitemap and URL-list files are read too: their links are fetched like pasted URLs.
FILE_TYPES = (*READABLE_SUFFIXES, ".urls")
RESULTS = ("added", "updated", "unchanged", "duplicate", "failed", "skipped")
RESULTS_PLACEHOLDER = '<div class="nd-empty">Results appear here, one line per article.</div>'
Row = tuple[str, str, str, str]


def _stored_copy(desk: WebDesk, upload: str) -> Path:
    """Uploads are kept under NEWSDESK_HOME/uploads by file name, so re-uploading a file updates its article."""
    src = Path(upload)
    folder = Path(desk.settings.home) / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    dest = folder / src.name
    if src.resolve() != dest.resolve():
        shutil.copyfile(src, dest)
    return dest


def _where(where: str) -> str:
    return where if is_web_url(where) else Path(where).name


def rows_for(desk: WebDesk, item: str, report: Any) -> list[Row]:
    """One row (input, article, result, detail) per article of one input's ingest report."""
    ids = [*report.added, *report.updated, *report.unchanged, *(d for pair in report.duplicates for d in pair)]
    titles = desk.titles(ids)
    notes = {n.article_id: n.message for n in report.notes if n.article_id}
    rows: list[Row] = []
    for status, found, detail in (
        ("added", report.added, ""),
        ("updated", report.updated, "a changed version replaced the old one"),
        ("unchanged", report.unchanged, "already indexed, skipped"),
    ):
        rows += [(item, titles.get(i, i), status, notes.get(i, detail)) for i in found]
    for dup, canonical in report.duplicates:
        rows.append((item, titles.get(dup, dup), "duplicate",
                     f"same story as “{titles.get(canonical, canonical)}”, not indexed twice"))
    rows += [(item, "", "failed", f"{f.reason} ({_where(f.where)})") for f in report.failures]
    rows += [(item, "", "note", n.message) for n in report.notes if not n.article_id]
    rows += [(item, "", "skipped", f"not read, file type {s.kind} ({_where(s.where)})") for s in report.skipped]
    return rows


def add_articles(desk: WebDesk, uploads: Sequence[str] | None = None, urls: str = "",
                 progress: gr.Progress | None = None) -> tuple[str, list[Row]]:
    """Ingest each upload and each URL (an article page or a feed); a one-line summary and the rows."""
    inputs = [(Path(u).name, u, False) for u in (uploads or []) if u]
    inputs += [(line.strip(), line.strip(), True) for line in (urls or "").splitlines()
               if line.strip() and not line.strip().startswith("#")]
    if not inputs:
        raise gr.Error("Choose files or paste URLs first (files: " + " ".join(FILE_TYPES) + ").")
    rows: list[Row] = []
    for i, (label, spec, is_url) in enumerate(inputs):
        if progress is not None:
            progress((i, len(inputs)), desc=f"indexing {label}", unit="inputs")
        if is_url and not is_web_url(spec):
            rows.append((label, "", "failed", "not an http:// or https:// URL"))
            continue
        try:
            report = desk.ingest([spec if is_url else _stored_copy(desk, spec)])
        except (NewsdeskError, OSError) as exc:
            rows.append((label, "", "failed", str(exc)))
            continue
        rows += rows_for(desk, label, report) or [(label, "", "failed", "nothing readable: no article found")]
    if progress is not None:
        progress((len(inputs), len(inputs)), desc="done", unit="inputs")
    counts = {s: sum(1 for r in rows if r[2] == s) for s in RESULTS}
    return ", ".join(f"{n} {s}" for s, n in counts.items() if n) or "nothing to add", rows


def results_html(summary: str, rows: Sequence[Row]) -> str:
    shown = list(rows[:_MAX_ROWS])
    table = table_html(["input", "article", "result", "detail"], shown, css_class="nd-table nd-results",
                       row_classes=[f"nd-{r[2]}" for r in shown])
    more = f"<p>… and {len(rows) - _MAX_ROWS} more.</p>" if len(rows) > _MAX_ROWS else ""
    return f'<div id="nd-add-results"><p><strong>{escape(summary)}</strong></p>{table}{more}</div>'


def add_urls(desk: WebDesk, urls: list[str] | str) -> dict[str, Any]:
    """The /add endpoint: article pages and feeds by URL, one result row per article."""
    text = urls if isinstance(urls, str) else "\n".join(str(u) for u in urls or [])
    summary, rows = add_articles(desk, None, text)
    return {"summary": summary, "results": [dict(zip(("input", "article", "result", "detail"), r)) for r in rows]}


def build_add_tab(desk: WebDesk, access: Access | None = None) -> Any:
    """Upload and URL forms with the results; returns the ingest event, so the app can refresh the other tabs.
    Only editors may run it: the handler checks the role itself, so calling it past the hidden tab fails too."""
    access = access or Access()
    gr.Markdown("Add articles from files, web pages, RSS/Atom feeds or news sitemaps. Unchanged articles are "
                "skipped, syndicated copies of an indexed story are recorded as duplicates, and a changed file "
                "replaces its old version. `.json`/`.jsonl` records carry `title, text, source, url, published`; a "
                "`.txt` file's first line is its title; PDF (with a text layer), Word `.docx` and `.eml` e-mails "
                "are one article each (an e-mail's PDF and Word attachments one more each); a `.urls` file lists "
                "URLs, one per line.")
    with gr.Row(equal_height=True):
        files = gr.File(label="Article files (" + " ".join(FILE_TYPES) + ")", file_count="multiple",
                        file_types=list(FILE_TYPES), elem_id="nd-upload", height=150, scale=1)
        urls = gr.Textbox(label="Article or feed URLs, one per line", lines=5, elem_id="nd-urls", scale=1,
                          placeholder="https://www.example.com/news/2024/03/story.html\n"
                                      "https://www.example.com/rss.xml")
    go = gr.Button("Add to the index", variant="primary", elem_id="nd-add")
    results = gr.HTML(RESULTS_PLACEHOLDER, elem_id="nd-add-results-box")

    def run(uploads: list[str] | None, url_text: str, request: gr.Request,
            progress: gr.Progress = gr.Progress()) -> tuple[str, None, str]:  # noqa: B008 - Gradio's idiom
        try:
            access.require_editor(request.username, "add articles")
        except NewsdeskError as exc:
            raise gr.Error(str(exc)) from None
        summary, rows = add_articles(desk, uploads, url_text, progress)
        return results_html(summary, rows), None, ""

    return go.click(run, [files, urls], [results, files, urls], api_visibility="private")
