"""The results explorer's figures (matplotlib, drawn once per choice on the page).

Each takes a :class:`viz.results.ResultSet` and an output column and returns a
matplotlib Figure; every axis label carries the column's unit (model.outputs.unit_of).
The sensitivity and comparison figures are viz/figures.py's, as ``drugmarket`` draws them.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from model.outputs import unit_of
from viz.results import MAX_GROUPS, ResultSet, short_factor

DPI = 90


def _fig(w: float, h: float) -> Figure:
    fig = Figure(figsize=(w, h), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _message(text: str, w: float = 10.0, h: float = 1.5) -> Figure:
    fig = _fig(w, h)
    ax = fig.add_subplot(1, 1, 1)
    ax.text(0.5, 0.5, text, ha="center", va="center", fontsize=11, color="0.3", wrap=True)
    ax.set_axis_off()
    return fig


def _short(x: float, _pos=None) -> str:
    a = abs(x)
    for div, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if a >= div:
            return f"{x / div:g}{suffix}"
    return f"{x:g}"


def _label(col: str) -> str:
    return f"{col.replace('_', ' ')} ({unit_of(col)})"


def timeseries_figure(rs: ResultSet, column: str) -> Figure:
    """The column over months: per scenario (or design row) the mean over seeds and a band (the middle 95% of
    seeds with 5 or more, else their range); with more than MAX_GROUPS groups, all runs as one median with
    50% and 90% bands."""
    df = rs.data
    if column not in df.columns or not len(df):
        return _message(f"no column {column!r} in these results")
    fig = _fig(10.5, 4.2)
    ax = fig.add_subplot(1, 1, 1)
    gcol = rs.group_column
    labels = rs.group_labels
    if len(labels) <= MAX_GROUPS:
        for key, label in labels.items():
            g = df[df[gcol] == key]
            by = g.groupby("month", sort=True)[column]
            n = g["seed"].nunique()
            mean = by.mean()
            (line,) = ax.plot(mean.index, mean.values, lw=1.8, label=f"{label} ({n} seed{'s' if n != 1 else ''})")
            if n > 1:
                q = (0.025, 0.975) if n >= 5 else (0.0, 1.0)
                ax.fill_between(mean.index, by.quantile(q[0]).values, by.quantile(q[1]).values,
                                color=line.get_color(), alpha=0.2, lw=0)
        band = "band: the middle 95% of seeds (5 or more seeds) or their range"
        ax.legend(fontsize=8, loc="best")
    else:
        by = df.groupby("month", sort=True)[column]
        med = by.median()
        for lo, hi, a in ((0.05, 0.95, 0.15), (0.25, 0.75, 0.3)):
            ax.fill_between(med.index, by.quantile(lo).values, by.quantile(hi).values, color="tab:blue", alpha=a,
                            lw=0, label=f"middle {int(round((hi - lo) * 100))}% of runs")
        ax.plot(med.index, med.values, color="tab:blue", lw=1.8, label="median of all runs")
        band = f"{len(labels)} {'design rows' if gcol == 'design_row' else 'scenarios'}: all runs summarised"
        ax.legend(fontsize=8, loc="best")
    ax.set_xlabel("month")
    ax.set_ylabel(unit_of(column))
    ax.grid(alpha=0.3)
    ax.set_title(f"{_label(column)} - {band}", fontsize=10)
    return fig


def distribution_figure(rs: ResultSet, column: str) -> Figure:
    """Per run, the column's mean over the last 12 months: its distribution across the design (a sweep) or
    per scenario (each run a dot, the box the quartiles)."""
    per = rs.per_run(column)
    if not len(per):
        return _message(f"no column {column!r} in these results")
    unit = unit_of(column)
    if rs.group_column == "design_row" or per["group"].nunique() > MAX_GROUPS:
        fig = _fig(10.5, 3.8)
        ax = fig.add_subplot(1, 1, 1)
        v = per["value"].dropna().to_numpy(float)
        ax.hist(v, bins=min(30, max(5, int(math.sqrt(len(v))) + 1)), color="tab:blue", alpha=0.75,
                edgecolor="white")
        if len(v):
            ax.axvline(float(np.median(v)), color="k", lw=1, ls="--", label=f"median {np.median(v):,.4g}")
            ax.legend(fontsize=8)
        ax.set_xlabel(f"{column.replace('_', ' ')}, mean of the last 12 months of a run ({unit})")
        ax.set_ylabel("runs")
        ax.set_title(f"Distribution across the design: {len(v)} runs", fontsize=10)
    else:
        labels = rs.group_labels
        keys = [k for k in labels if k in set(per["group"])]
        fig = _fig(10.5, 1.4 + 0.55 * len(keys))
        ax = fig.add_subplot(1, 1, 1)
        data = [per.loc[per["group"] == k, "value"].dropna().to_numpy(float) for k in keys]
        ax.boxplot(data, orientation="horizontal", widths=0.5, showfliers=False)
        for i, v in enumerate(data):
            jitter = np.linspace(-0.12, 0.12, len(v)) if len(v) > 1 else np.zeros(len(v))
            ax.scatter(v, i + 1 + jitter, s=14, color="tab:blue", alpha=0.7, zorder=3)
        ax.set_yticks(range(1, len(keys) + 1), [labels[k] for k in keys], fontsize=8)
        ax.invert_yaxis()
        ax.set_xlabel(f"{column.replace('_', ' ')}, mean of the last 12 months of a run ({unit})")
        ax.set_title("Outcome per run, by scenario (dots: runs; box: quartiles)", fontsize=10)
    ax.grid(alpha=0.3)
    return fig


def response_figure(rs: ResultSet, column: str) -> Figure:
    """A sweep's response to each lever: per run, the factor's value against the column's mean over the last
    12 months, with the mean of each design row."""
    factors = rs.factors
    if not factors or rs.design is None:
        return _message("Response to levers needs a sweep (its design.parquet): this folder has no design.")
    per = rs.per_run(column)
    if not len(per):
        return _message(f"no column {column!r} in these results")
    design = rs.design.set_index("row") if "row" in rs.design.columns else rs.design
    n = len(factors)
    ncols = min(3, n)
    nrows = math.ceil(n / ncols)
    fig = _fig(3.8 * ncols + 0.5, 3.1 * nrows)
    unit = unit_of(column)
    for i, key in enumerate(factors):
        ax = fig.add_subplot(nrows, ncols, i + 1)
        if key not in design.columns:
            ax.set_axis_off()
            continue
        x = per["group"].map(design[key])
        xv = pd.to_numeric(x, errors="coerce")
        if xv.notna().all():
            ax.scatter(xv, per["value"], s=14, alpha=0.55, color="tab:blue", label="runs")
            means = per.assign(x=xv).groupby("x")["value"].mean().sort_index()
            ax.plot(means.index, means.values, "o-", color="tab:red", ms=3, lw=1, label="mean of the row's seeds")
            if rs.factor_is_log(key) and (xv > 0).all():
                from matplotlib.ticker import FuncFormatter, NullFormatter

                ax.set_xscale("log")
                ax.xaxis.set_major_formatter(FuncFormatter(_short))
                ax.xaxis.set_minor_formatter(NullFormatter())
            else:
                from matplotlib.ticker import FuncFormatter

                ax.xaxis.set_major_formatter(FuncFormatter(_short))
        else:  # categorical levels (factorial switches)
            cats = list(dict.fromkeys(x.astype(str)))
            pos = x.astype(str).map({c: j for j, c in enumerate(cats)})
            ax.scatter(pos, per["value"], s=14, alpha=0.55, color="tab:blue", label="runs")
            ax.set_xticks(range(len(cats)), cats)
        unit_x = "USD a year" if key.startswith("policy.budget.") else ""
        ax.set_xlabel(short_factor(key) + (f" ({unit_x})" if unit_x else ""), fontsize=9)
        ax.set_ylabel(unit, fontsize=8)
        ax.grid(alpha=0.3)
        if i == 0:
            ax.legend(fontsize=7)
    fig.suptitle(f"Response of {column.replace('_', ' ')} to each lever of the sweep\n"
                 f"(per run: the mean of its last 12 months, {unit})", fontsize=10)
    return fig


def sensitivity_figure(rs: ResultSet) -> Figure:
    table, design = rs.sensitivity, rs.design_kind
    if table is None or not len(table) or design is None:
        return _message("No sensitivity indices: this folder is not a sweep (or its analysis did not finish).")
    from viz.figures import sensitivity_figure as draw

    return draw(table, design, title=rs.label)


def comparison_figure(table: pd.DataFrame | None, note: str) -> Figure:
    if table is None or not len(table):
        return _message(note or "nothing to compare")
    from viz.figures import compare_figure

    return compare_figure(table)
