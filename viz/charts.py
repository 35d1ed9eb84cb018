"""The live views' charts and tables: outcomes over time, and the policy against the status quo.

Every chart shows the page's policy (solid: the mean over the ensemble's seeds, with
a band spanning the seeds) and the status quo with the same seeds (dashed). Every
title carries the unit. The numbers come from a :class:`viz.state.Snapshot`; the
charts are ECharts options (see viz/echarts.py).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from experiments.columns import is_country_cultivation
from experiments.compare import fmt_number, fmt_usd
from viz.echarts import PALETTE, STATUS_QUO_GREY, line_option, message_option, scale_for

DRUG_ORDER = ("cocaine", "heroin", "fentanyl", "methamphetamine")
NOT_STARTED = "Month 0: the burn-in is done. Press Step or Play to run the policy."
CAPTION = ("Solid lines: the policy on the page, the mean of the seeds, with a band spanning the seeds. Dashed: the "
           "status quo with the same seeds. Hover over a chart for the numbers.")


def _drug_cols(snap, prefix: str) -> list[str]:
    return [prefix + d for d in DRUG_ORDER if snap.has(prefix + d)]


def cultivation_cols(snap) -> list[str]:
    return sorted(c for c in snap.columns if is_country_cultivation(c))


def _name(col: str, prefix: str) -> str:
    return col[len(prefix):].replace("_", " ")


#: the time-series panels: key, title, unit, series (column or prefix), log axis, one line per series
PANELS: tuple[tuple[str, str, str, str, bool], ...] = (
    ("overdose_deaths", "Overdose deaths", "people a month", "overdose_deaths", False),
    ("new_hiv_pwid", "New HIV infections, people who inject drugs", "people a month", "new_hiv_pwid", False),
    ("violence_deaths", "Violence deaths", "people a month", "violence_deaths", False),
    ("incarcerated", "People incarcerated", "people", "incarcerated", False),
    ("sud_treatment", "People with SUD and in treatment", "people", "sud_treatment", False),
    ("retail_price", "Retail price", "USD per pure gram", "retail_price_", True),
    ("retail_purity", "Retail purity", "fraction", "retail_purity_", False),
    ("fentanyl_share", "Fentanyl share of the opioid supply", "fraction", "fentanyl_share", False),
    ("cultivation", "Cultivation by country", "ha", "cultivation_ha_", False),
    ("seizures", "Seizures", "kg pure a month", "seized_kg_", False),
)


def _series(snap, spec: str) -> list[tuple[str, str]]:
    if spec == "sud_treatment":
        return [(c, lbl) for c, lbl in (("people_with_sud", "with SUD"), ("in_treatment", "in treatment"))
                if snap.has(c)]
    if spec == "cultivation_ha_":
        return [(c, _name(c, spec)) for c in cultivation_cols(snap)]
    if spec.endswith("_"):
        return [(c, _name(c, spec)) for c in _drug_cols(snap, spec)]
    return [(spec, spec.replace("_", " "))] if snap.has(spec) else []


def outcome_options(snap) -> list[tuple[str, dict[str, Any]]]:
    """(key, ECharts option) for each time-series panel."""
    out = []
    months = list(range(1, snap.month + 1))
    n_seeds = len(snap.seeds)
    for key, title, unit, spec, log in PANELS:
        series = _series(snap, spec)
        if not series:
            continue
        if snap.month < 1:
            out.append((key, message_option(f"{title} ({unit})")))
            continue
        vmax = max(float(np.nanmax(np.abs(snap.policy[c]))) for c, _ in series)
        vmax = max(vmax, max(float(np.nanmax(np.abs(snap.status_quo[c]))) for c, _ in series))
        div, shown_unit = (1.0, unit) if log else scale_for(vmax, unit)
        lines = []
        multi = len(series) > 1
        for i, (col, label) in enumerate(series):
            pol, sq = snap.policy[col] / div, snap.status_quo[col] / div
            color = PALETTE[i % len(PALETTE)]
            band = (pol.min(axis=0), pol.max(axis=0)) if n_seeds > 1 else None
            lines.append({"name": f"{label}" if multi else "policy", "data": pol.mean(axis=0),
                          "color": color, "band": band})
            sq_band = (sq.min(axis=0), sq.max(axis=0)) if n_seeds > 1 and not multi else None
            lines.append({"name": f"{label} (status quo)" if multi else "status quo", "data": sq.mean(axis=0),
                          "color": color if multi else STATUS_QUO_GREY, "dashed": True, "width": 1.5,
                          "band": sq_band, "band_opacity": 0.12})
        opt = line_option(f"{title} ({shown_unit})", months, lines, log=log)
        if multi:  # the legend lists the policy's lines; dashed = status quo is said in the subtitle
            opt["legend"]["data"] = [ln["name"] for ln in lines if not ln.get("dashed")]
        out.append((key, opt))
    return out


# --------------------------------------------------------------------------- against the status quo
#: key, label, unit, columns (name or prefix ending in _), how (sum: total so far; mean: mean of the months), side
SCORE_ITEMS: tuple[tuple[str, str, str, str, str, str], ...] = (
    ("overdose_deaths", "Overdose deaths", "people", "overdose_deaths", "sum", "health"),
    ("new_hiv_pwid", "New HIV infections, people who inject drugs", "people", "new_hiv_pwid", "sum", "health"),
    ("violence_deaths", "Violence deaths", "people", "violence_deaths", "sum", "health"),
    ("incarcerated", "People incarcerated (mean of the months)", "people", "incarcerated", "mean", "health"),
    ("people_with_sud", "People with a substance use disorder (mean of the months)", "people", "people_with_sud",
     "mean", "health"),
    ("in_treatment", "People in treatment (mean of the months)", "people", "in_treatment", "mean", "health"),
    ("eradicated_ha", "Hectares eradicated", "ha", "eradicated_ha", "sum", "traditional"),
    ("seized_kg", "Drugs seized, all drugs", "kg pure", "seized_kg_", "sum", "traditional"),
    ("arrests", "Arrests", "people", "arrests", "sum", "traditional"),
    ("cultivation_ha", "Cultivation, all countries (mean of the months)", "ha", "cultivation_ha_", "mean",
     "traditional"),
    ("spend_usd", "Spending, all programs", "USD", "spend_usd_", "sum", "cost"),
)
SIDE_LABEL = {"health": "health", "traditional": "traditional measure", "cost": "cost"}
SIDE_COLOR = {"health": "#2ca02c", "traditional": "#ff7f0e", "cost": "#555555"}


def _score_columns(snap, spec: str) -> list[str]:
    if spec == "cultivation_ha_":
        return cultivation_cols(snap)
    if spec == "seized_kg_":
        return _drug_cols(snap, "seized_kg_")
    if spec == "spend_usd_":
        from model.policy import PROGRAMS

        return [f"spend_usd_{p}" for p in PROGRAMS if snap.has(f"spend_usd_{p}")]
    return [spec] if snap.has(spec) else []


def summed(snap, cols: list[str]) -> tuple[np.ndarray, np.ndarray] | None:
    """Per seed and month: ``cols`` added up, under the policy and under the status quo (None before month 1)."""
    if not cols or snap.month < 1:
        return None
    return sum(snap.policy[c] for c in cols), sum(snap.status_quo[c] for c in cols)


def so_far(snap, spec: str, how: str) -> tuple[np.ndarray, np.ndarray] | None:
    """Per seed and month: the outcome so far (running total or running mean), policy and status quo."""
    both = summed(snap, _score_columns(snap, spec))
    if both is None:
        return None
    pol, sq = both
    if how == "sum":
        return np.cumsum(pol, axis=1), np.cumsum(sq, axis=1)
    n = np.arange(1, pol.shape[1] + 1)
    return np.cumsum(pol, axis=1) / n, np.cumsum(sq, axis=1) / n


def fmt(x: float, unit: str) -> str:
    """A number with its unit: 'USD 1.2 billion', '12,340 people'."""
    if unit == "USD":
        return fmt_usd(x)
    return f"{fmt_number(x)} {unit}"


def _signed(x: float, unit: str) -> str:
    return ("+" if x > 0 else "") + fmt(x, unit)


def scorecard(snap) -> list[dict[str, Any]]:
    """Rows of the comparison table: each outcome so far under the policy and under the status quo,
    and their difference per seed (mean, and the range over the seeds), each with its unit."""
    rows = []
    for key, label, unit, spec, how, side in SCORE_ITEMS:
        r = so_far(snap, spec, how)
        if r is None:
            continue
        pol, sq = r[0][:, -1], r[1][:, -1]
        diff = pol - sq
        rows.append({
            "key": key, "label": label, "unit": unit, "side": side, "how": how,
            "policy": float(pol.mean()), "status_quo": float(sq.mean()),
            "diff": float(diff.mean()), "diff_low": float(diff.min()), "diff_high": float(diff.max()),
            "text_policy": fmt(float(pol.mean()), unit), "text_status_quo": fmt(float(sq.mean()), unit),
            "text_diff": _signed(float(diff.mean()), unit),
            "text_range": (f"{_signed(float(diff.min()), unit)} to {_signed(float(diff.max()), unit)}"
                           if len(diff) > 1 else "one seed"),
        })
    return rows


def difference_options(snap) -> list[tuple[str, dict[str, Any]]]:
    """(key, ECharts option): policy minus status quo so far, per seed, over the months."""
    out = []
    months = list(range(1, snap.month + 1))
    for key, label, unit, spec, how, side in SCORE_ITEMS:
        r = so_far(snap, spec, how)
        if r is None:
            continue
        d = r[0] - r[1]
        div, shown = scale_for(float(np.abs(d).max()) if d.size else 0.0, unit)
        if unit == "USD":
            div, shown = 1e6, "million USD"
        d = d / div
        what = "total so far" if how == "sum" else "mean so far"
        band = (d.min(axis=0), d.max(axis=0)) if d.shape[0] > 1 else None
        title = f"{label.replace(' (mean of the months)', '')}\npolicy - status quo ({shown}, {what})"
        opt = line_option(title, months, [{"name": "difference", "data": d.mean(axis=0), "color": SIDE_COLOR[side],
                                           "band": band}], legend=False, zero_line=True)
        opt["grid"]["top"] = 50
        out.append((key, opt))
    return out
