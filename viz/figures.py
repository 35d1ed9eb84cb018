"""Figures of experiments, drawn with matplotlib's Agg renderer (no display needed).

Figures are built as :class:`matplotlib.figure.Figure` objects, not through pyplot,
so drawing them changes no global state (safe in the app, in threads and in tests).
Every function returns the Figure and, given ``path``, saves it there as PNG.
Missing output columns leave their panel out; nothing here requires a column.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

DPI = 120


def _new_figure(n_panels: int, *, ncols: int = 3, panel_size=(4.6, 3.2)) -> tuple[Figure, list]:
    ncols = max(1, min(ncols, n_panels))
    nrows = max(1, math.ceil(n_panels / ncols))
    fig = Figure(figsize=(panel_size[0] * ncols, panel_size[1] * nrows), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    axes = [fig.add_subplot(nrows, ncols, i + 1) for i in range(n_panels)]
    return fig, axes


def _save(fig: Figure, path: str | os.PathLike | None) -> Figure:
    if path is not None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".tmp-{path.name}")
        fig.savefig(tmp, format="png")
        os.replace(tmp, path)
    return fig


def _short_number(x: float, _pos=None) -> str:
    """Tick labels: 20M, 250k, 1.5B, 0.55."""
    a = abs(x)
    for div, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if a >= max(div, 1e4):
            return f"{x / div:g}{suffix}"
    if a >= 1000:
        return f"{x:,.0f}"
    return f"{x:g}"


def _format_axis(axis) -> None:
    from matplotlib.ticker import FuncFormatter

    axis.set_major_formatter(FuncFormatter(_short_number))


def _pretty(name: str) -> str:
    return name.replace("_", " ")


# --------------------------------------------------------------------------- outcomes over time
def outcome_panels(df: pd.DataFrame) -> list[tuple[str, list[tuple[str, str]], bool]]:
    """(title, [(column, label)], log scale) for each panel the columns allow."""
    from experiments.columns import cultivation_columns, drug_columns

    has = set(df.columns)
    drugs = [c[len("retail_price_"):] for c in drug_columns(df, "retail_price_")]
    seized = drug_columns(df, "seized_kg_")
    if drugs:
        seized = [c for c in seized if c[len("seized_kg_"):] in drugs]
    panels: list[tuple[str, list[tuple[str, str]], bool]] = []

    def add(title, cols, log=False):
        cols = [(c, lbl) for c, lbl in cols if c in has]
        if cols:
            panels.append((title, cols, log))

    add("Overdose deaths (people per month)", [("overdose_deaths", "overdose deaths")])
    add("People with SUD and in treatment", [("people_with_sud", "with SUD"), ("in_treatment", "in treatment")])
    add("Retail price (USD per pure gram)", [(f"retail_price_{d}", d) for d in drugs], True)
    add("Fentanyl share of the opioid supply", [("fentanyl_share", "fentanyl share")])
    add("Cultivation (ha)", [(c, c[len("cultivation_ha_"):]) for c in cultivation_columns(df)])
    add("Seizures (kg per month)", [(c, c[len("seized_kg_"):]) for c in seized])
    add("Violence deaths (people per month)", [("violence_deaths", "violence deaths")])
    return panels


def outcomes_figure(df: pd.DataFrame, path: str | os.PathLike | None = None, *, title: str | None = None) -> Figure:
    """A grid of the main outcomes over months: mean over seeds and a band (the middle
    95% of seeds with 5 or more seeds, else their range)."""
    panels = outcome_panels(df)
    if not panels:
        fig, (ax,) = _new_figure(1)
        ax.text(0.5, 0.5, "no outcome columns to plot", ha="center", va="center")
        ax.set_axis_off()
        return _save(fig, path)
    fig, axes = _new_figure(len(panels))
    if "month" not in df.columns:
        df = df.assign(month=df.groupby("seed").cumcount() + 1 if "seed" in df.columns else np.arange(1, len(df) + 1))
    group_keys = [k for k in ("scenario",) if k in df.columns and df[k].nunique() > 1]
    n_seeds = df["seed"].nunique() if "seed" in df.columns else 1
    q = (0.025, 0.975) if n_seeds >= 5 else (0.0, 1.0)
    band_label = "middle 95% of seeds" if n_seeds >= 5 else "range of seeds"
    for ax, (ptitle, cols, log) in zip(axes, panels):
        groups = df.groupby(group_keys, sort=False) if group_keys else [(None, df)]
        for gname, g in groups:
            for col, label in cols:
                by = g.groupby("month", sort=True)[col]
                mean = by.mean()
                lbl = label if gname is None else f"{label} ({gname if not isinstance(gname, tuple) else gname[0]})"
                (line,) = ax.plot(mean.index, mean.values, label=lbl, lw=1.6)
                if n_seeds > 1:
                    lo, hi = by.quantile(q[0]), by.quantile(q[1])
                    ax.fill_between(lo.index, lo.values, hi.values, color=line.get_color(), alpha=0.2, lw=0)
        ax.set_title(ptitle, fontsize=10)
        ax.set_xlabel("month")
        lo_all = np.nanmin([df[c].min() for c, _ in cols])
        hi_all = np.nanmax([df[c].max() for c, _ in cols])
        if log and lo_all > 0 and hi_all / lo_all > 20:
            ax.set_yscale("log")
        else:
            _format_axis(ax.yaxis)
        ax.grid(alpha=0.3)
        if len(cols) > 1 or group_keys:
            ax.legend(fontsize=7, loc="best")
    head = title or (str(df["scenario"].iloc[0]) if "scenario" in df.columns and len(df) else "")
    fig.suptitle(f"{head}: mean of {n_seeds} seed{'s' if n_seeds != 1 else ''}"
                 + (f", band = {band_label}" if n_seeds > 1 else ""), fontsize=11)
    return _save(fig, path)


# --------------------------------------------------------------------------- sensitivity
def _short(key: str) -> str:
    for pre in ("policy.budget.", "params."):
        if key.startswith(pre):
            return ("budget: " if pre == "policy.budget." else "") + key[len(pre):]
    return key


def sensitivity_figure(table: pd.DataFrame, design: str, path: str | os.PathLike | None = None,
                       *, title: str | None = None) -> Figure:
    """One panel per output: Sobol S1/ST bars with confidence intervals; Morris mu* against
    sigma; LHS Spearman rank correlations; factorial main effects."""
    outputs = list(dict.fromkeys(table["output"]))
    height = 3.6 if design == "morris" else 1.2 + 0.45 * max(table["factor"].nunique(), 3)
    if design == "factorial":
        height = 1.2 + 0.3 * len(table) / max(len(outputs), 1)
    fig, axes = _new_figure(len(outputs), ncols=2, panel_size=(6.0, height))
    for ax, out in zip(axes, outputs):
        t = table[table["output"] == out]
        if design == "sobol":
            y = np.arange(len(t))
            ax.barh(y - 0.2, t["S1"], height=0.4, xerr=t["S1_conf"], label="first order S1", capsize=2)
            ax.barh(y + 0.2, t["ST"], height=0.4, xerr=t["ST_conf"], label="total order ST", capsize=2)
            ax.set_yticks(y, [_short(f) for f in t["factor"]], fontsize=8)
            ax.invert_yaxis()
            ax.set_xlabel("Sobol' index (share of output variance)")
            ax.legend(fontsize=7)
        elif design == "morris":
            ax.errorbar(t["mu_star"], t["sigma"], xerr=t["mu_star_conf"], fmt="o", capsize=2)
            for _, r in t.iterrows():
                ax.annotate(_short(r["factor"]), (r["mu_star"], r["sigma"]), fontsize=7,
                            xytext=(3, 3), textcoords="offset points")
            ax.set_xlabel("mu* (mean absolute elementary effect)")
            ax.set_ylabel("sigma (interactions, non-linearity)")
            ax.set_xlim(left=0)
            ax.set_ylim(bottom=0)
        elif design == "lhs":
            y = np.arange(len(t))
            ax.barh(y, t["rho"])
            ax.set_yticks(y, [_short(f) for f in t["factor"]], fontsize=8)
            ax.invert_yaxis()
            ax.axvline(0, color="k", lw=0.8)
            ax.set_xlim(-1, 1)
            ax.set_xlabel("Spearman rank correlation")
        else:
            labels = [f"{_short(r['factor'])} = {r['level']}" for _, r in t.iterrows()]
            y = np.arange(len(t))
            ax.barh(y, t["effect"])
            ax.set_yticks(y, labels, fontsize=8)
            ax.invert_yaxis()
            ax.axvline(0, color="k", lw=0.8)
            ax.set_xlabel("main effect (level mean - grand mean)")
        ax.set_title(_pretty(out), fontsize=10)
        ax.grid(alpha=0.3)
    fig.suptitle(f"{title + ': ' if title else ''}{design} sensitivity", fontsize=11)
    return _save(fig, path)


# --------------------------------------------------------------------------- comparison
def compare_figure(table: pd.DataFrame, path: str | os.PathLike | None = None) -> Figure:
    """One panel per outcome: each policy's difference from the baseline with its 95% interval."""
    t = table[table["outcome"] != "cost_per_death_averted"]
    outcomes = list(dict.fromkeys(t["outcome"]))
    if not outcomes:
        fig, (ax,) = _new_figure(1)
        ax.text(0.5, 0.5, "no outcomes to compare", ha="center", va="center")
        ax.set_axis_off()
        return _save(fig, path)
    n_pol = t["policy"].nunique()
    fig, axes = _new_figure(len(outcomes), ncols=3, panel_size=(4.6, 1.2 + 0.45 * n_pol))
    for ax, key in zip(axes, outcomes):
        s = t[t["outcome"] == key]
        y = np.arange(len(s))
        err = np.vstack([s["mean"] - s["low"], s["high"] - s["mean"]])
        err = np.where(np.isfinite(err), err, 0.0)
        colors = ["tab:green" if v >= 0 else "tab:red" for v in s["mean"]]
        if key == "spend_usd":
            colors = ["tab:gray"] * len(s)
        ax.barh(y, s["mean"], xerr=err, color=colors, capsize=3)
        ax.set_yticks(y, list(s["policy"]), fontsize=8)
        _format_axis(ax.xaxis)
        ax.invert_yaxis()
        ax.axvline(0, color="k", lw=0.8)
        ax.set_title(f"{s['label'].iloc[0]} ({s['unit'].iloc[0]})", fontsize=9)
        ax.grid(alpha=0.3, axis="x")
    base = table["baseline"].iloc[0] if len(table) else ""
    fig.suptitle(f'Against baseline "{base}": mean over seeds, 95% interval of the paired differences', fontsize=10)
    return _save(fig, path)
