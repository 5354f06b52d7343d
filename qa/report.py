"""Evaluation reports: report.json, report.md, PNG plots, a rich table, and comparison with an earlier run."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from rich.table import Table

from core.errors import SourceError
from qa.metrics import SUMMARY_KEYS, QuestionRecord

Summary = Mapping[str, Any]
# Metrics on a 0..1 scale: only these share an axis in the bar charts; latency and counts would dwarf them.
RATE_KEYS: tuple[str, ...] = tuple(k for k in SUMMARY_KEYS if not k.startswith("latency") and k != "questions")


def _number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def compare_summaries(old: Summary, new: Summary) -> dict[str, dict[str, Any]]:
    """Per metric {old, new, delta}; delta is None unless both sides are numbers (a metric may be None)."""
    keys = list(dict.fromkeys([*new, *old]))
    out: dict[str, dict[str, Any]] = {}
    for key in keys:
        o, n = old.get(key), new.get(key)
        delta = round(n - o, 4) if _number(o) and _number(n) else None
        out[key] = {"old": o, "new": n, "delta": delta}
    return out


def compare_records(
    old: Sequence[QuestionRecord | Mapping[str, Any]], new: Sequence[QuestionRecord | Mapping[str, Any]]
) -> dict[str, list[str]]:
    """Question ids whose outcome changed between runs: `fixed` (failed before, passes now), `broken` (the
    reverse), and ids only in `new` or only in `old` (the dataset changed)."""

    def failed(records: Sequence[QuestionRecord | Mapping[str, Any]]) -> dict[str, bool]:
        out = {}
        for r in records:
            rec = r.model_dump() if isinstance(r, QuestionRecord) else r
            out[str(rec.get("id"))] = bool(rec.get("failed"))
        return out

    before, after = failed(old), failed(new)
    return {
        "fixed": [i for i, f in after.items() if i in before and before[i] and not f],
        "broken": [i for i, f in after.items() if i in before and not before[i] and f],
        "added": [i for i in after if i not in before],
        "removed": [i for i in before if i not in after],
    }


def load_report(path: str | Path) -> dict[str, Any]:
    """Read an earlier report.json (or a directory holding one) for --compare."""
    path = Path(path)
    if path.is_dir():
        path = path / "report.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SourceError(
            f"{path}: cannot read the earlier report ({exc}) — pass a report.json written by eval"
        ) from exc
    if not isinstance(data, dict) or not isinstance(data.get("summary"), dict):
        raise SourceError(f'{path}: not an eval report (no "summary" object) — pass a report.json written by eval')
    return data


def fmt(key: str, value: Any, signed: bool = False) -> str:
    """A metric for display: '—' for None, ms with one decimal, rates with four."""
    if value is None:
        return "—"
    if not _number(value):
        return str(value)
    sign = "+" if signed else ""
    if key == "questions":
        return f"{value:{sign}d}" if isinstance(value, int) else f"{value:{sign}g}"
    return f"{value:{sign},.1f}" if key.startswith("latency") else f"{value:{sign}.4f}"


def rich_table(
    summary: Summary, by_type: Mapping[str, Summary], compare: Mapping[str, Mapping[str, Any]] | None = None
) -> Table:
    """Metrics as rows; columns: all questions, each type, and with `compare` the earlier value and the delta."""
    table = Table(title="Evaluation", show_lines=False)
    table.add_column("metric", style="bold")
    table.add_column("all", justify="right")
    for t in by_type:
        table.add_column(t, justify="right")
    if compare is not None:
        table.add_column("old", justify="right", style="dim")
        table.add_column("Δ", justify="right")
    for key in summary:
        row = [key, fmt(key, summary[key]), *(fmt(key, s.get(key)) for s in by_type.values())]
        if compare is not None:
            c = compare.get(key, {})
            row += [fmt(key, c.get("old")), fmt(key, c.get("delta"), signed=True)]
        table.add_row(*row)
    return table


def _cell(text: Any) -> str:
    # Pipes and newlines would break a markdown table row.
    return str(text).replace("|", "\\|").replace("\n", " ")


def _md_table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    lines = ["| " + " | ".join(map(_cell, header)) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(map(_cell, row)) + " |" for row in rows]
    return lines + [""]


def _markdown(
    summary: Summary,
    by_type: Mapping[str, Summary],
    records: Sequence[QuestionRecord],
    meta: Mapping[str, Any],
    compare: Mapping[str, Mapping[str, Any]] | None,
    changes: Mapping[str, Sequence[str]] | None = None,
) -> str:
    lines = ["# newsdesk evaluation", ""]
    # JSON rather than Python reprs for nested values: `None`/`{'a': ...}` mean nothing to a dataset author.
    lines += [f"- **{k}**: {_cell(json.dumps(v, default=str) if isinstance(v, dict | list) else v)}"
              for k, v in meta.items()] + [""]
    lines += ["## Summary", ""] + _md_table(["metric", "value"], [[k, fmt(k, v)] for k, v in summary.items()])
    types = list(by_type)
    lines += ["## By question type", ""] + _md_table(
        ["metric", *types], [[k, *(fmt(k, by_type[t].get(k)) for t in types)] for k in summary]
    )
    if compare is not None:
        lines += ["## Compared with the earlier run", ""] + _md_table(
            ["metric", "old", "new", "delta"],
            [[k, fmt(k, c["old"]), fmt(k, c["new"]), fmt(k, c["delta"], signed=True)] for k, c in compare.items()],
        )
    if changes is not None:
        lines += ["## Questions whose outcome changed", ""]
        lines += [f"- **{kind}** ({len(ids)}): {', '.join(ids) or '—'}" for kind, ids in changes.items()] + [""]
    failed = [r for r in records if r.failed]
    lines += [f"## Failed questions ({len(failed)} of {len(records)})", ""]
    for r in failed:
        lines += [
            f"### {r.id} ({r.type}) — failed: {', '.join(r.failed)}",
            "",
            f"- **question**: {_cell(r.question)}",
            f"- **answer**{' (refused)' if r.refused else ''}: {_cell(r.answer)}",
            f"- **expected**: {_cell(' / '.join(r.expected) if r.answerable else 'a refusal')}",
            f"- **gold articles**: {', '.join(r.gold) or '—'}",
            f"- **retrieved (top 10)**: {', '.join(r.retrieved[:10]) or '—'}",
            f"- **cited**: {', '.join(r.citations) or '—'}",
            "",
        ]
    return "\n".join(lines)


def _figure(width: float, height: float) -> Any:
    # Lazy and pyplot-free: a bare Figure on an Agg canvas needs no display and leaves no global state behind.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _plot_by_type(summary: Summary, by_type: Mapping[str, Summary], path: Path) -> None:
    groups = {"all": summary, **by_type}
    keys = [k for k in RATE_KEYS if any(_number(s.get(k)) for s in groups.values())] or list(RATE_KEYS)
    fig = _figure(max(8.0, 1.1 * len(keys)), 4.5)
    ax = fig.add_subplot()
    width = 0.8 / len(groups)
    for i, (name, s) in enumerate(groups.items()):
        # None (no eligible question) is left as a gap rather than drawn as a misleading zero.
        values = [s.get(k) if _number(s.get(k)) else math.nan for k in keys]
        ax.bar([x + (i - (len(groups) - 1) / 2) * width for x in range(len(keys))], values, width, label=name)
    ax.set_xticks(range(len(keys)), keys, rotation=30, ha="right")
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("score")
    ax.set_title("Metrics by question type (gaps: no eligible question)")
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.0, 1.0))  # outside: bars reach 1.0
    fig.savefig(path, dpi=100)


def _plot_latency(records: Sequence[QuestionRecord], summary: Summary, path: Path) -> None:
    fig = _figure(7.0, 4.0)
    ax = fig.add_subplot()
    latencies = [r.latency_ms for r in records]
    if latencies:
        ax.hist(latencies, bins=min(30, max(5, len(latencies) // 3)), color="tab:blue", alpha=0.8)
        for key, style in (("latency_p50_ms", "--"), ("latency_p95_ms", ":")):
            if _number(summary.get(key)):
                ax.axvline(summary[key], color="black", linestyle=style, label=f"{key} = {fmt(key, summary[key])}")
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize="small")
    else:
        ax.text(0.5, 0.5, "no questions", ha="center", va="center", transform=ax.transAxes)
    ax.set_xlabel("latency per question (ms)")
    ax.set_ylabel("questions")
    ax.set_title("Answer latency")
    fig.savefig(path, dpi=100)


def _plot_compare(compare: Mapping[str, Mapping[str, Any]], path: Path) -> None:
    panels = [[k for k in RATE_KEYS if k in compare], [k for k in ("latency_p50_ms", "latency_p95_ms") if k in compare]]
    panels = [p for p in panels if p] or [list(RATE_KEYS)]
    fig = _figure(max(8.0, 1.1 * sum(map(len, panels))), 4.5)
    axes = fig.subplots(1, len(panels), width_ratios=[len(p) for p in panels], squeeze=False)[0]
    for ax, keys in zip(axes, panels, strict=True):
        old = [compare.get(k, {}).get("old") for k in keys]
        new = [compare.get(k, {}).get("new") for k in keys]
        xs = range(len(keys))
        ax.bar([x - 0.2 for x in xs], [v if _number(v) else math.nan for v in old], 0.4, label="old", color="0.65")
        bars = ax.bar([x + 0.2 for x in xs], [v if _number(v) else math.nan for v in new], 0.4, label="new")
        labels = [fmt(k, compare.get(k, {}).get("delta"), signed=True) for k in keys]
        ax.bar_label(bars, labels=labels, fontsize="x-small", padding=2)
        ax.set_xticks(list(xs), keys, rotation=30, ha="right")
        if keys[0].startswith("latency"):
            ax.set_ylabel("ms")
        else:
            ax.set_ylim(0, 1.15)
        ax.legend(fontsize="small")
    fig.suptitle("Old vs new (labels: delta)")
    fig.savefig(path, dpi=100)


def write_report(
    out_dir: str | Path,
    summary: Summary,
    by_type: Mapping[str, Summary],
    records: Sequence[QuestionRecord | Mapping[str, Any]],
    meta: Mapping[str, Any],
    compare: Mapping[str, Mapping[str, Any]] | None = None,
    changes: Mapping[str, Sequence[str]] | None = None,
) -> dict[str, Path]:
    """Write report.json, report.md and the plots into out_dir; returns the paths by kind.

    `compare` (from compare_summaries) and `changes` (from compare_records) are kept in report.json too.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    recs = [r if isinstance(r, QuestionRecord) else QuestionRecord.model_validate(r) for r in records]
    paths = {
        "json": out / "report.json",
        "md": out / "report.md",
        "metrics_by_type": out / "metrics_by_type.png",
        "latency": out / "latency.png",
    }
    # default=str: meta often carries Paths and datetimes, which should not make the report unwritable.
    doc = {
        "meta": dict(meta),
        "summary": dict(summary),
        "by_type": {t: dict(s) for t, s in by_type.items()},
        "records": [r.model_dump() for r in recs],
    }
    if compare is not None:
        doc["compare"] = {"summary": {k: dict(v) for k, v in compare.items()},
                          "questions": {k: list(v) for k, v in (changes or {}).items()}}
    paths["json"].write_text(json.dumps(doc, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8")
    paths["md"].write_text(_markdown(summary, by_type, recs, meta, compare, changes), encoding="utf-8")
    _plot_by_type(summary, by_type, paths["metrics_by_type"])
    _plot_latency(recs, summary, paths["latency"])
    if compare is not None:
        paths["compare"] = out / "compare.png"
        _plot_compare(compare, paths["compare"])
    return paths
