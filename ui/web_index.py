"""The index tab: how many articles, from which sources and months, and when the last ingest ran."""

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


def index_view(desk: WebDesk) -> tuple[str, pd.DataFrame, pd.DataFrame, str]:
    status = desk.status()
    return summary_html(status), sources_frame(status), months_frame(status), sources_table(status)


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
    refresh = gr.Button("Refresh", size="sm", elem_id="nd-index-refresh")
    outputs: list[gr.components.Component] = [summary, by_source, by_month, table]
    refresh.click(lambda: index_view(desk), None, outputs, api_visibility="private")
    return outputs, refresh
