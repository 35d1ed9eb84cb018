"""The comparison table as text: each outcome's change worded as more or fewer, better or worse.

The table (experiments/compare.py) keeps signed numbers: ``mean`` is the amount averted (baseline -
policy) for the outcomes and the extra spending (policy - baseline) for spending. Printed as such,
a policy that adds deaths reads "violence deaths averted -5,403"; here it reads
"violence deaths: 5,403 more (worse)".
"""

from __future__ import annotations

import pandas as pd

from .numbers import fmt_number, fmt_usd, is_constant

#: outcome key -> (name, word for less, word for more, whether less is better; None: neither)
WORDING: dict[str, tuple[str, str, str, bool | None]] = {
    "overdose_deaths": ("overdose deaths", "fewer", "more", True),
    "new_hiv_pwid": ("new HIV infections (PWID)", "fewer", "more", True),
    "violence_deaths": ("violence deaths", "fewer", "more", True),
    "people_with_sud": ("people with SUD (monthly mean)", "fewer", "more", True),
    "incarcerated": ("people incarcerated (monthly mean)", "fewer", "more", True),
    "cultivation_ha": ("cultivation (monthly mean)", "less", "more", True),
    "spend_usd": ("spending", "less", "more", None),
}
#: the outcomes whose baseline is a total over the months (the others are monthly means)
TOTALS = ("overdose_deaths", "new_hiv_pwid", "violence_deaths", "spend_usd")


def _amount(x: float, unit: str, with_unit: bool = True) -> str:
    if unit == "USD":
        return fmt_usd(abs(x))
    return f"{fmt_number(abs(x))} {unit}" if unit == "ha" and with_unit else fmt_number(abs(x))


def _direction(key: str, less: float) -> str:
    _name, fewer, more, _ = WORDING[key]
    return fewer if less > 0 else more


def _interval(key: str, unit: str, lo: float, hi: float) -> str:
    """The interval of ``less`` (lo <= hi) in words: '1,400 to 9,000 more', '9,000 more to 2,000 fewer'."""
    if lo >= 0 or hi <= 0:  # one direction
        near, far = (lo, hi) if lo >= 0 else (hi, lo)
        word = _direction(key, far)
        return f"{_amount(near, unit, with_unit=False)} to {_amount(far, unit)} {word}"
    return f"{_amount(lo, unit)} {_direction(key, lo)} to {_amount(hi, unit)} {_direction(key, hi)}"


def change_text(key: str, unit: str, mean: float, low: float, high: float) -> str:
    """One outcome's change with its 95% interval, from the table's signed ``mean``, ``low``, ``high``:
    '5,403 more (worse; 95% interval 1,400 to 9,000 more)'."""
    sign = -1.0 if key == "spend_usd" else 1.0  # the table's spending is extra spending: more, not less
    less = sign * mean
    less_is_better = WORDING[key][3]
    text = "no change" if less == 0 else f"{_amount(less, unit)} {_direction(key, less)}"
    notes = []
    if less != 0 and less_is_better is not None:
        notes.append("better" if (less > 0) == less_is_better else "worse")
    if low != low:
        notes.append("no interval with one seed")
    elif not is_constant(low, high):  # the same in every seed: the number alone
        lo, hi = sorted((sign * low, sign * high))
        notes.append(f"95% interval {_interval(key, unit, lo, hi)}")
    return text + (f" ({'; '.join(notes)})" if notes else "")


def two_interval_text(key: str, unit: str, r) -> str:
    """One outcome's change with its chance and parameter intervals and which dominates, from a
    table row with :data:`experiments.intervals.COLUMNS`; says so when the sign is not robust."""
    sign = -1.0 if key == "spend_usd" else 1.0
    less = sign * r["mean"]
    less_is_better = WORDING[key][3]
    text = "no change" if less == 0 else f"{_amount(less, unit)} {_direction(key, less)}"
    if less != 0 and less_is_better is not None:
        text += " (better)" if (less > 0) == less_is_better else " (worse)"
    return text + "; " + "; ".join(interval_notes(r, lambda lo, hi: _interval(key, unit, *sorted((sign * lo, sign * hi))),
                                                  words=(_direction(key, sign), _direction(key, -sign))))


def interval_notes(r, span, *, words: tuple[str, str] = ("positive", "negative")) -> list[str]:
    """The parts of a two-interval text: chance, parameters, which dominates, the sign across draws.
    ``span(lo, hi)``: an interval as text; ``words``: what a positive and a negative value are called."""
    notes = []
    if is_constant(r["chance_low"], r["chance_high"]) and is_constant(r["param_low"], r["param_high"]):
        return ["the same in every draw and seed"]
    if r["chance_low"] != r["chance_low"]:
        notes.append("chance: no interval with one seed per draw")
    elif is_constant(r["chance_low"], r["chance_high"]):
        notes.append("chance: none (the same in every seed)")
    else:
        notes.append(f"chance (seeds, 95%): {span(r['chance_low'], r['chance_high'])}")
    if r["param_low"] != r["param_low"]:
        notes.append("parameters: no interval with one draw")
    elif is_constant(r["param_low"], r["param_high"]):
        notes.append("parameters: none (the same in every draw)")
    else:
        notes.append(f"parameters (draws, 5-95%): {span(r['param_low'], r['param_high'])}")
    if r["dominates"]:
        share = round(r["param_share"] * 100)
        notes.append(f"{r['dominates']} dominate{'s' if r['dominates'] == 'chance' else ''} "
                     f"(of the variance of a draw's mean: parameters {share}%, seeds {100 - share}%)")
    n = int(r["n_draws"])
    if not bool(r["sign_robust"]) and n >= 2:
        notes.append(f"SIGN NOT ROBUST across draws: {words[0]} in {int(r['draws_positive'])} of {n} draws, "
                     f"{words[1]} in {int(r['draws_negative'])}")
    return notes


def _cost_text(r) -> str:
    if r["mean"] != r["mean"]:
        return r["note"]
    text = f"{fmt_usd(r['mean'])} per death averted"
    if r["low"] == r["low"] and r["mean"] != 0 and not is_constant(r["low"], r["high"]):
        text += f" (95% interval {fmt_usd(r['low'])} to {fmt_usd(r['high'])})"
    return text + (f" ({r['note']})" if r["note"] else "")


def format_table(table: pd.DataFrame, *, months: str = "") -> str:
    """The comparison table as text, with units and worded changes."""
    lines = []
    for pol, grp in table.groupby("policy", sort=False):
        base = grp["baseline"].iloc[0]
        n = int(grp["n_seeds"].max()) if len(grp) else 0
        draws = int(grp["n_draws"].max()) if "n_draws" in grp.columns else 0
        runs = f"{draws} parameter draw{'s' if draws != 1 else ''} x " if draws else ""
        lines.append(f'"{pol}" against baseline "{base}": {runs}{n} seed{"s" if n != 1 else ""}, '
                     f"paired (common random numbers{', same draws' if draws else ''}){months}")
        names = [WORDING[k][0] if k in WORDING else lbl for k, lbl in zip(grp["outcome"], grp["label"])]
        width = max(len(x) for x in names) + 3
        for name, (_, r) in zip(names, grp.iterrows()):
            if r["outcome"] not in WORDING:  # the cost per death averted
                lines.append(f"  {name + ':':<{width}}{_cost_text(r)}")
                continue
            base_txt = _amount(r["baseline_mean"], r["unit"])
            what = "baseline total" if r["outcome"] in TOTALS else "baseline"
            if draws:
                change = two_interval_text(r["outcome"], r["unit"], r)
            else:
                change = change_text(r["outcome"], r["unit"], r["mean"], r["low"], r["high"])
            lines.append(f"  {name + ':':<{width}}{change}; {what} {base_txt}")
        lines.append("")
    return "\n".join(lines).rstrip()
