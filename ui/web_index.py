"""The index tab: how many articles, from which sources and months, when the last ingest ran, and the health of
watched feeds."""

from __future__ import annotations

import html
from typing import Any

import gradio as gr
import pandas as pd

from ui.render import table_html
from ui.web_desk import WebDesk

# More bars than this make an unreadable chart: the rest of the sources are summed as "other".
_TOP_SOURCES = 12


def source_names(status: dict[str, Any]) -> list[str]:
    """Sources a question can be filtered to (articles without a source cannot be picked)."""
    return sorted(s for s in status["sources"] if s != "(none)")


def summary_html(status: dict[str, Any]) -> str:
    span = status.get("date_range") or []
    cells = [
        ("articles", f"{status['articles']:,}"),
        ("passages", f"{status['chunks']:,}"),
        ("sources", f"{len(status['sources']):,}"),
        ("published", f"{span[0]} → {span[1]}" if span else "unknown"),
        ("last ingest", (status.get("last_ingest") or "never").replace("T", " ")),
    ]
    boxes = "".join(f'<div class="nd-stat"><div class="nd-stat-value">{html.escape(v)}</div>'
                    f'<div class="nd-stat-label">{html.escape(k)}</div></div>' for k, v in cells)
    return f'<div class="nd-stats" id="nd-index-summary">{boxes}</div>'


def sources_frame(status: dict[str, Any]) -> pd.DataFrame:
    items = list(status["sources"].items())
    top = items[:_TOP_SOURCES]
    rest = sum(n for _, n in items[_TOP_SOURCES:])
    if rest:
        top.append(("other", rest))
    return pd.DataFrame(top, columns=["source", "articles"])


def months_frame(status: dict[str, Any]) -> pd.DataFrame:
    return pd.DataFrame(list(status["months"].items()), columns=["month", "articles"])


def sources_table(status: dict[str, Any]) -> str:
    return table_html(["source", "articles"], [(s, f"{n:,}") for s, n in status["sources"].items()])


def feeds_html(status: dict[str, Any]) -> str:
    """One row per watched source: when it was checked, when it last brought a new article, its errors."""
    feeds = status.get("feeds") or []
    if not feeds:
        return ('<div class="nd-empty" id="nd-feeds">No watched feeds: start with '
                '<code>newsdesk serve --watch URL --every 15m</code>.</div>')

    def when(value: str | None) -> str:
        return (value or "never").replace("T", " ")

    rows = [(f["source"], when(f["last_checked"]), when(f["last_new_article"]), str(f["consecutive_errors"]),
             when(f["next_check"]), f["last_error"]) for f in feeds]
    table = table_html(["source", "last checked", "last new article", "errors in a row", "next check", "last error"],
                       rows)
    return f'<div id="nd-feeds">{table}</div>'


def index_view(desk: WebDesk) -> tuple[str, pd.DataFrame, pd.DataFrame, str, str]:
    status = desk.status()
    return (summary_html(status), sources_frame(status), months_frame(status), sources_table(status),
            feeds_html(status))


def build_index_tab(desk: WebDesk) -> tuple[list[gr.components.Component], gr.Button]:
    """Components showing `desk.status()`, in the order `index_view` fills them, and the refresh button."""
    summary = gr.HTML(elem_id="nd-index-summary-box")
    with gr.Row():
        by_source = gr.BarPlot(x="source", y="articles", title="Articles by source", sort="-y", height=300,
                               y_lim=[0, None], x_label_angle=-30, elem_id="nd-by-source")
        by_month = gr.BarPlot(x="month", y="articles", title="Articles by month of publication", height=300,
                              y_lim=[0, None],
                              x_label_angle=-45, elem_id="nd-by-month")
    with gr.Accordion("All sources", open=False):
        table = gr.HTML()
    gr.Markdown("**Watched feeds**")
    feeds = gr.HTML(elem_id="nd-feeds-box")
    refresh = gr.Button("Refresh", size="sm", elem_id="nd-index-refresh")
    outputs: list[gr.components.Component] = [summary, by_source, by_month, table, feeds]
    refresh.click(lambda: index_view(desk), None, outputs, api_visibility="private")
    return outputs, refresh
