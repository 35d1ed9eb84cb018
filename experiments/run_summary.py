"""The summary ``drugmarket run`` prints: each main outcome in the first and last 12 months, with units."""

from __future__ import annotations

from .columns import cultivation_columns, drug_columns, spend_columns
from .compare_text import interval_notes
from .intervals import two_intervals
from .numbers import fmt_number, fmt_usd, is_constant, t_interval

#: how the summary's intervals are made (experiments/numbers.py:t_interval says why)
INTERVAL_NOTE = (" with the 95% interval of that mean (a t-interval, cut at 0: none of these can be negative; "
                 "a number the same in every seed has none)")

#: how the summary's two intervals are made with parameter draws (experiments/intervals.py says why)
DRAWS_NOTE = (", with a chance interval (95% of one draw's mean over its seeds) and a parameter interval "
              "(5-95% of the draws' means), and which of the two dominates")

#: column or prefix, label, kind (flow: a year; stock: people etc.), unit
SUMMARY_ITEMS = (
    ("overdose_deaths", "overdose deaths", "flow", "a year"),
    ("overdoses_reversed", "overdoses reversed", "flow", "a year"),
    ("new_hiv_pwid", "new HIV infections (PWID)", "flow", "a year"),
    ("violence_deaths", "violence deaths", "flow", "a year"),
    ("initiations", "initiations", "flow", "a year"),
    ("arrests", "arrests", "flow", "a year"),
    ("people_with_sud", "people with SUD", "stock", "people"),
    ("in_treatment", "people in treatment", "stock", "people"),
    ("incarcerated", "people incarcerated", "stock", "people"),
    ("fentanyl_share", "fentanyl share", "share", ""),
    ("cultivation_ha_", "cultivation (all countries)", "stock", "ha"),
    ("retail_price_", "retail price", "price", "USD per pure gram"),
    ("seized_kg_", "seizures", "flow", "kg a year"),
    ("spend_usd_", "spending (all programs)", "flow", "USD a year"),
)

#: counts with an expected column beside them (``<count>_expected``: the sum of the people's event chances,
#: model/users/count.py), which the summary prints where present: it does not move in steps of one agent
EXPECTED_COUNTS = ("overdose_deaths", "overdoses_reversed", "new_hiv_pwid", "arrests")


def _runs(df) -> list:
    """The columns that tell one run from another: the seed, and the draw with parameter draws."""
    return [df["draw"], df["seed"]] if "draw" in df.columns else [df["seed"]]


def _window(df, first: bool, n: int = 12):
    m = df["month"]
    if first:
        return df[m < m.groupby(_runs(df)).transform("min") + n]
    return df[m > m.groupby(_runs(df)).transform("max") - n]


def _per_run(df, cols: list[str], kind: str, first: bool):
    """Per run: flows as mean month x 12 (a year), stocks and prices as the mean over the window."""
    w = _window(df, first)
    monthly = w[cols].sum(axis=1, min_count=1)
    per_run = monthly.groupby(_runs(w)).mean()
    return per_run * 12 if kind == "flow" else per_run


def _summary_value(df, cols: list[str], kind: str, first: bool):
    """The mean over seeds with its 95% interval (without draws)."""
    # every summarised quantity is a count, a stock, a price or a share: never below 0, a share never above 1
    return t_interval(_per_run(df, cols, kind, first), lower=0.0, upper=1.0 if kind == "share" else None)


def _two_interval_text(df, cols: list[str], kind: str, unit: str) -> str:
    """The first 12 months' value with its chance and parameter intervals (with draws)."""
    per_run = _per_run(df, cols, kind, True)
    iv = two_intervals(per_run.to_numpy(), per_run.index.get_level_values(0),
                       lower=0.0, upper=1.0 if kind == "share" else None)
    span = lambda lo, hi: f"{_fmt_value(lo, kind, unit, with_unit=False)} to {_fmt_value(hi, kind, unit, with_unit=False)}"  # noqa: E731
    return f"{_fmt_value(iv['mean'], kind, unit)} ({'; '.join(interval_notes(iv, span))})"


def _fmt_value(x: float, kind: str, unit: str, *, with_unit: bool = True) -> str:
    if kind == "share":
        return f"{x * 100:.1f}%" if abs(x) <= 1.0 else fmt_number(x)
    if unit.startswith("USD"):
        text = fmt_usd(x) if kind != "price" else f"USD {fmt_number(x, 3)}"
        rest = unit[3:].strip()
        if not with_unit:
            return text[4:] if text.startswith("USD ") else text
        return f"{text} {rest}".rstrip()
    return f"{fmt_number(x)} {unit}" if with_unit and unit else fmt_number(x)


def summary_lines(df) -> list[str]:
    """The run summary: each main outcome in the first 12 months (and the last 12) with
    units: flows as a year (mean month x 12), stocks as the mean of the months; mean
    over seeds with a 95% interval of that mean. Skips columns that are absent."""
    if not len(df) or "seed" not in df.columns:
        return []
    if "month" not in df.columns:
        df = df.assign(month=df.groupby(_runs(df)).cumcount() + 1)
    months = int(df.groupby(_runs(df))["month"].count().max())
    n_seeds = df["seed"].nunique()
    draws = int(df["draw"].nunique()) if "draw" in df.columns else 0
    lines = []
    # drug-level columns (retail_price_<drug>), not those by market (retail_price_<drug>_<market>)
    drugs = [c[len("retail_price_"):] for c in drug_columns(df, "retail_price_")]
    for spec, label, kind, unit in SUMMARY_ITEMS:
        if spec == "retail_price_":
            groups = [(f"retail price of {d}", [spec + d]) for d in drugs]
        elif spec == "seized_kg_":
            cols = [spec + d for d in drugs if spec + d in df.columns] if drugs else drug_columns(df, spec)
            groups = [(f"{label} (all drugs)", cols)]
        elif spec == "cultivation_ha_":
            groups = [(label, cultivation_columns(df))]
        elif spec == "spend_usd_":
            groups = [(label, spend_columns(df))]
        else:
            col = spec + "_expected" if spec in EXPECTED_COUNTS and spec + "_expected" in df.columns else spec
            groups = [(label, [col])] if col in df.columns else []
        for lbl, cols in groups:
            if not cols:
                continue
            if draws:
                text = f"{lbl}: {_two_interval_text(df, cols, kind, unit)}"
                if months >= 24:
                    text += f"; last 12 months: {_fmt_value(_per_run(df, cols, kind, False).mean(), kind, unit)}"
                lines.append(text)
                continue
            m, lo, hi = _summary_value(df, cols, kind, True)
            text = f"{lbl}: {_fmt_value(m, kind, unit)}"
            if lo == lo and not is_constant(lo, hi):  # a constant (the same in every seed) has no interval
                text += (f" (95% interval {_fmt_value(lo, kind, unit, with_unit=False)}"
                         f" to {_fmt_value(hi, kind, unit, with_unit=False)})")
            if months >= 24:
                m2, _, _ = _summary_value(df, cols, kind, False)
                text += f"; last 12 months: {_fmt_value(m2, kind, unit)}"
            lines.append(text)
    if draws:
        head = (f"{draws} parameter draw{'s' if draws != 1 else ''} x {n_seeds} seed{'s' if n_seeds != 1 else ''} x "
                f"{months} months. First 12 months (flows: mean month x 12 = a year; stocks and prices: mean of "
                f"the months), mean over draws and seeds{DRAWS_NOTE}:")
        return [head, *lines]
    head = (f"{n_seeds} seed{'s' if n_seeds != 1 else ''} x {months} months. First 12 months "
            "(flows: mean month x 12 = a year; stocks and prices: mean of the months), "
            f"mean over seeds{INTERVAL_NOTE if n_seeds > 1 else ''}"
            + ("; deaths, reversals, HIV and arrests are expected counts (the sum of the people's chances)"
               if "overdose_deaths_expected" in df.columns else "") + ":")
    return [head, *lines]

