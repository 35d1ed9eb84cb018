"""Figures and tables of a live session: outcomes over time, and the policy against the status quo.

Every panel shows the page's policy (solid, the mean over the ensemble's seeds and a
band spanning the seeds) and the status quo with the same seeds (dashed). Every title
carries the unit. The numbers come from a :class:`viz.state.Snapshot`.
"""

from __future__ import annotations

import math

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from experiments.compare import CROP_AGGREGATES, fmt_number, fmt_usd

POLICY_COLOR = "tab:blue"
STATUS_QUO_COLOR = "0.35"
DRUG_ORDER = ("cocaine", "heroin", "fentanyl", "methamphetamine")


def _drug_cols(snap, prefix: str) -> list[str]:
    return [prefix + d for d in DRUG_ORDER if snap.has(prefix + d)]


def _cultivation_cols(snap) -> list[str]:
    p = "cultivation_ha_"
    return sorted(c for c in snap.columns if c.startswith(p) and c[len(p):] not in CROP_AGGREGATES)


def _name(col: str, prefix: str) -> str:
    return col[len(prefix):].replace("_", " ")


def panels(snap) -> list[dict]:
    """The panels of the outcomes figure: title (with unit), series, log scale, compare with the status quo."""
    out = []

    def add(title, series, log=False, multi=False):
        series = [(c, lbl) for c, lbl in series if snap.has(c)]
        if series:
            out.append({"title": title, "series": series, "log": log, "multi": multi})

    add("Overdose deaths (people a month)", [("overdose_deaths", "overdose deaths")])
    add("People with SUD and in treatment (people)",
        [("people_with_sud", "with SUD"), ("in_treatment", "in treatment")], multi=True)
    add("Retail price (USD per pure gram)", [(c, _name(c, "retail_price_")) for c in _drug_cols(snap, "retail_price_")],
        log=True, multi=True)
    add("Retail purity (fraction pure)", [(c, _name(c, "retail_purity_")) for c in _drug_cols(snap, "retail_purity_")],
        multi=True)
    add("Fentanyl share of the opioid supply (fraction)", [("fentanyl_share", "fentanyl share")])
    add("Cultivation by country (ha)", [(c, _name(c, "cultivation_ha_")) for c in _cultivation_cols(snap)], multi=True)
    add("Seizures (kg pure a month)", [(c, _name(c, "seized_kg_")) for c in _drug_cols(snap, "seized_kg_")],
        multi=True)
    add("Violence deaths (people a month)", [("violence_deaths", "violence deaths")])
    return out


def _short(x: float, _pos=None) -> str:
    a = abs(x)
    for div, s in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if a >= div:
            return f"{x / div:g}{s}"
    return f"{x:g}"


def _new(n: int, ncols: int, width: float, row_height: float, dpi: int) -> tuple[Figure, list]:
    nrows = max(1, math.ceil(n / ncols))
    fig = Figure(figsize=(width, row_height * nrows), dpi=dpi, layout="constrained")
    FigureCanvasAgg(fig)
    return fig, [fig.add_subplot(nrows, ncols, i + 1) for i in range(n)]


def _empty(fig: Figure, ax, text: str) -> Figure:
    ax.text(0.5, 0.5, text, ha="center", va="center", fontsize=11, color="0.3")
    ax.set_axis_off()
    return fig


def outcomes_figure(snap, *, width: float = 12.0, dpi: int = 72) -> Figure:
    """Eight panels over the months since the policy started: policy (solid, band over seeds) and status quo (dashed)."""
    ps = panels(snap)
    if snap.month < 1 or not ps:
        fig, (ax,) = _new(1, 1, width, 2.0, dpi)
        return _empty(fig, ax, "Month 0: the burn-in is done. Press Step or Play to run the policy.")
    from matplotlib.ticker import FuncFormatter

    fig, axes = _new(len(ps), 4, width, 2.55, dpi)
    months = np.arange(1, snap.month + 1)
    colors = ["tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple", "tab:brown", "tab:pink", "tab:olive"]
    n_seeds = len(snap.seeds)
    for ax, p in zip(axes, ps):
        for i, (col, label) in enumerate(p["series"]):
            pol, sq = snap.policy[col], snap.status_quo[col]
            color = colors[i % len(colors)] if p["multi"] else POLICY_COLOR
            (line,) = ax.plot(months, pol.mean(axis=0), color=color, lw=1.6,
                              label=label if p["multi"] else "policy")
            if n_seeds > 1:
                ax.fill_between(months, pol.min(axis=0), pol.max(axis=0), color=color, alpha=0.18, lw=0)
            sq_color = color if p["multi"] else STATUS_QUO_COLOR
            ax.plot(months, sq.mean(axis=0), color=sq_color, lw=1.1, ls="--",
                    label=None if p["multi"] else "status quo")
            if n_seeds > 1 and not p["multi"]:
                ax.fill_between(months, sq.min(axis=0), sq.max(axis=0), color=sq_color, alpha=0.12, lw=0)
        ax.set_title(p["title"], fontsize=9)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
        vals = np.concatenate([snap.policy[c].ravel() for c, _ in p["series"]])
        if p["log"] and vals.size and vals.min() > 0 and vals.max() / vals.min() > 20:
            ax.set_yscale("log")
        else:
            ax.yaxis.set_major_formatter(FuncFormatter(_short))
        if p["multi"] or ax is axes[0]:
            ax.legend(fontsize=6.5, loc="best", ncol=2 if len(p["series"]) > 3 else 1)
    for ax in axes[-4:]:
        ax.set_xlabel("month of the policy", fontsize=8)
    band = f"band: the {n_seeds} seeds' range" if n_seeds > 1 else "one seed"
    fig.suptitle(f"Policy on the page (solid) against the status quo with the same seeds (dashed); "
                 f"mean of seeds {snap.seeds[0]}-{snap.seeds[-1]}, {band}", fontsize=9)
    return fig


# --------------------------------------------------------------------------- against the status quo
#: key, label, unit, columns (name or prefix ending in _), how (sum over months | mean over months), side
SCORE_ITEMS = (
    ("overdose_deaths", "Overdose deaths", "people", "overdose_deaths", "sum", "health"),
    ("new_hiv_pwid", "New HIV infections among people who inject drugs", "people", "new_hiv_pwid", "sum", "health"),
    ("violence_deaths", "Violence deaths", "people", "violence_deaths", "sum", "health"),
    ("incarcerated", "People incarcerated (monthly mean)", "people", "incarcerated", "mean", "health"),
    ("people_with_sud", "People with a substance use disorder (monthly mean)", "people", "people_with_sud", "mean",
     "health"),
    ("in_treatment", "People in treatment (monthly mean)", "people", "in_treatment", "mean", "health"),
    ("eradicated_ha", "Hectares eradicated", "ha", "eradicated_ha", "sum", "traditional"),
    ("seized_kg", "Drugs seized (all drugs)", "kg pure", "seized_kg_", "sum", "traditional"),
    ("arrests", "Arrests", "people", "arrests", "sum", "traditional"),
    ("cultivation_ha", "Cultivation, all countries (monthly mean)", "ha", "cultivation_ha_", "mean", "traditional"),
    ("spend_usd", "Spending, all programs", "USD", "spend_usd_", "sum", "cost"),
)


def _score_columns(snap, spec: str) -> list[str]:
    if spec == "cultivation_ha_":
        return _cultivation_cols(snap)
    if spec == "seized_kg_":
        return _drug_cols(snap, "seized_kg_")
    if spec == "spend_usd_":
        from model.policy import PROGRAMS

        return [f"spend_usd_{p}" for p in PROGRAMS if snap.has(f"spend_usd_{p}")]
    return [spec] if snap.has(spec) else []


def per_seed_cumulative(snap, spec: str, how: str) -> tuple[np.ndarray, np.ndarray] | None:
    """Per seed and month: the outcome so far (running sum or running mean), policy and status quo."""
    cols = _score_columns(snap, spec)
    if not cols or snap.month < 1:
        return None
    pol = sum(snap.policy[c] for c in cols)
    sq = sum(snap.status_quo[c] for c in cols)
    if how == "sum":
        return np.cumsum(pol, axis=1), np.cumsum(sq, axis=1)
    n = np.arange(1, pol.shape[1] + 1)
    return np.cumsum(pol, axis=1) / n, np.cumsum(sq, axis=1) / n


def fmt(x: float, unit: str) -> str:
    if unit == "USD":
        return fmt_usd(x)
    return f"{fmt_number(x)} {unit}"


def scorecard(snap) -> list[dict]:
    """Rows of the comparison table: the outcome so far under the policy and the status quo, and their
    difference per seed (mean and range over the seeds), each with its unit."""
    rows = []
    for key, label, unit, spec, how, side in SCORE_ITEMS:
        r = per_seed_cumulative(snap, spec, how)
        if r is None:
            continue
        pol, sq = r[0][:, -1], r[1][:, -1]
        diff = pol - sq
        rows.append({
            "key": key, "label": label, "unit": unit, "side": side, "how": how,
            "policy": float(pol.mean()), "status_quo": float(sq.mean()),
            "diff": float(diff.mean()), "diff_low": float(diff.min()), "diff_high": float(diff.max()),
            "text_policy": fmt(float(pol.mean()), unit), "text_status_quo": fmt(float(sq.mean()), unit),
            "text_diff": ("+" if diff.mean() > 0 else "") + fmt(float(diff.mean()), unit),
            "text_range": (f"{fmt(float(diff.min()), unit)} to {fmt(float(diff.max()), unit)}"
                           if len(diff) > 1 else "one seed"),
        })
    return rows


def difference_figure(snap, *, width: float = 12.0, dpi: int = 72) -> Figure:
    """Policy minus status quo so far, per seed, over months: mean line and the seeds' range."""
    items = [it for it in SCORE_ITEMS if per_seed_cumulative(snap, it[3], it[4]) is not None]
    if snap.month < 1 or not items:
        fig, (ax,) = _new(1, 1, width, 1.6, dpi)
        return _empty(fig, ax, "Run some months to compare the policy with the status quo.")
    from matplotlib.ticker import FuncFormatter

    fig, axes = _new(len(items), 4, width, 2.3, dpi)
    months = np.arange(1, snap.month + 1)
    for ax, (key, label, unit, spec, how, side) in zip(axes, items):
        pol, sq = per_seed_cumulative(snap, spec, how)
        d = pol - sq
        color = {"health": "tab:green", "traditional": "tab:orange", "cost": "0.4"}[side]
        ax.plot(months, d.mean(axis=0), color=color, lw=1.6)
        if d.shape[0] > 1:
            ax.fill_between(months, d.min(axis=0), d.max(axis=0), color=color, alpha=0.2, lw=0)
        ax.axhline(0, color="k", lw=0.7)
        what = "total so far" if how == "sum" else "mean so far"
        ax.set_title(f"{label.replace(' (monthly mean)', '')}: policy - status quo\n({unit}, {what})", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.yaxis.set_major_formatter(FuncFormatter(_short))
        ax.grid(alpha=0.3)
    for ax in axes[-4:]:
        ax.set_xlabel("month of the policy", fontsize=8)
    fig.suptitle("Difference from the status quo with the same seeds (line: mean over seeds; band: the seeds' "
                 "range). Green: health outcomes; orange: the traditional measures; grey: cost", fontsize=9)
    return fig
