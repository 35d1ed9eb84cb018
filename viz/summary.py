"""The summary cards: each outcome under the page's policy against the status quo, with why and on what.

One card per outcome of :data:`OUTCOMES`: the change (policy minus status quo, with
the same seeds), the percent, a colour (better, worse, or within chance), the band
of the seed-by-seed differences, a short "why" (viz/why.py) and a note naming the
L-graded parameters the change rests on (viz/lever_docs.py: the levers moved from
the status quo, the ones acting on the card's chain first).

Two bands: *chance*, the range of the seed-by-seed differences with every input at
its default; and, once asked for (How sure is this?), *parameters*, the range of the
difference over parameter draws (viz/band.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from model.policy import PROGRAMS, STATUS_QUO_BUDGET, SWITCHES
from viz import why
from viz.charts import fmt, summed
from viz.lever_docs import PROGRAM_LABEL, SWITCH_LABEL, l_graded

#: key (a node of viz/why.py), label, unit, how ('total': summed over the months so far; 'latest': the latest
#: month), kind. Lower is better for every one of them.
OUTCOMES: tuple[tuple[str, str, str, str, str], ...] = (
    ("overdose_deaths", "Overdose deaths", "people", "total", "health"),
    ("new_hiv_pwid", "New HIV infections, people who inject drugs", "people", "total", "health"),
    ("violence_deaths", "Violence deaths", "people", "total", "health"),
    ("people_using", "People using drugs", "people", "latest", "health"),
    ("incarcerated", "People incarcerated", "people", "latest", "health"),
    ("cultivation_ha", "Hectares of coca and poppy", "ha", "latest", "traditional"),
)
BAND_NOTE = ("chance: the range of the seed-by-seed difference, every input at its default value: what other random "
             "events alone do (chance only). parameters: the range of the difference over draws of the uncertain inputs "
             "(those graded M and L, each within a prior set by its grade: docs/ODD.md section 13.1), each draw run "
             "with the policy and with the status quo on the same seeds; the 5% to 95% range of the draws. Press How "
             "sure is this? to compute it. A wide parameters range, or one from below to above zero, means the answer "
             "rests on inputs that are not well known.")
COLOR = {"better": "#2e7d32", "worse": "#c62828", "chance": "#757575", "none": "#757575"}
VERDICT = {"better": "better than the status quo", "worse": "worse than the status quo",
           "chance": "within chance (the seeds disagree on the direction)", "none": "no change"}


@dataclass
class CardData:
    key: str
    label: str
    unit: str
    how: str
    kind: str
    policy: float
    status_quo: float
    diff: float
    pct: float
    low: float
    high: float
    verdict: str
    why: str
    chain: list = field(default_factory=list)
    l_params: list[str] = field(default_factory=list)
    l_note: str = ""

    @property
    def color(self) -> str:
        return COLOR[self.verdict]

    @property
    def text_change(self) -> str:
        sign = "+" if self.diff > 0 else ""
        pct = f"{self.pct:+.1%}" if np.isfinite(self.pct) else "n/a"
        return f"{sign}{fmt(self.diff, self.unit)} ({pct})"

    @property
    def text_band(self) -> str:
        return f"{_signed(self.low, self.unit)} to {_signed(self.high, self.unit)}"

    def text_bands(self, pb=None) -> str:
        """'chance: a to b; parameters: c to d' (``pb``: the outcome's viz.band.ParamBand, None if not asked)."""
        text = f"chance: {self.text_band}; parameters: "
        if pb is None:
            return text + "not computed yet (How sure is this?)"
        if not (np.isfinite(pb.low) and np.isfinite(pb.high)):
            return text + f"too few usable draws ({pb.n_draws})"
        return text + f"{_signed(pb.low, self.unit)} to {_signed(pb.high, self.unit)}"

    @property
    def text_when(self) -> str:
        return "total so far" if self.how == "total" else "in the latest month"


HOW = {key: how for key, _label, _unit, how, _kind in OUTCOMES}


def per_seed(snap, key: str) -> tuple[np.ndarray, np.ndarray] | None:
    """Outcome ``key`` of each run (a row of the snapshot: a seed, or a (draw, seed) for the parameter band),
    under the policy and under the status quo: summed over the months so far, or in the latest month."""
    n = why.node(key, snap.columns)
    both = summed(snap, why.node_columns(n, snap.columns) if n else [])
    if both is None:
        return None
    pol, sq = both
    if HOW[key] == "total":
        return np.nansum(pol, axis=1), np.nansum(sq, axis=1)
    return pol[:, -1], sq[:, -1]


def outcome_columns(columns: list[str]) -> list[str]:
    """The output columns the outcomes of OUTCOMES add up (what a parameter draw's run must return)."""
    out: list[str] = []
    for key, *_ in OUTCOMES:
        n = why.node(key, columns)
        out += [c for c in (why.node_columns(n, columns) if n else []) if c not in out]
    return out


def _signed(x: float, unit: str) -> str:
    return ("+" if x > 0 else "") + fmt(x, unit)


def draws_text(pb, months: int, month_now: int) -> str:
    """In plain words, in how many draws the policy lowers and raises the outcome."""
    if pb is None or pb.n_draws == 0:
        return ""
    n = pb.n_draws
    text = (f"With other plausible values of the uncertain inputs ({n} draws), the policy lowers it in {pb.lower} and "
            f"raises it in {pb.higher}")
    if pb.lower == pb.higher == 0:
        text += ": no change in any draw"
    elif pb.lower == n or pb.higher == n:
        text += ": the direction holds in every draw"
    elif pb.lower and pb.higher:
        text += ": the direction rests on the uncertain inputs"
    text += "."
    if months != month_now:
        text += f" (Computed over months 1-{months}; ask again for months 1-{month_now}.)"
    return text


def moved_levers(levers) -> list[str]:
    """The levers (programs and switches) set differently from the status quo."""
    out = [p for p in PROGRAMS if abs(levers.budget[p] - STATUS_QUO_BUDGET[p]) > 0.5e6]
    out += [k for k in SWITCHES if levers.switches[k] != SWITCHES[k] or levers.overrides(k)]
    return out


def lever_label(lever: str) -> str:
    return PROGRAM_LABEL.get(lever) or SWITCH_LABEL.get(lever) or lever


def resting_on(moved: list[str], chain_levers: list[str]) -> list[tuple[str, str]]:
    """(lever, L-graded parameter) pairs the change rests on: the moved levers acting on the chain first."""
    order = [lv for lv in chain_levers if lv in moved] + [lv for lv in moved if lv not in chain_levers]
    out: list[tuple[str, str]] = []
    for lv in order:
        out += [(lv, p) for p in l_graded(lv) if p not in {q for _, q in out}]
    return out


def l_note(pairs: list[tuple[str, str]], limit: int = 4) -> str:
    """'Rests on L-graded inputs: precursor.escape_share (Precursor scheduling), ...' ('' if none)."""
    if not pairs:
        return ""
    shown = ", ".join(f"{p} ({lever_label(lv)})" for lv, p in pairs[:limit])
    more = (f" and {len(pairs) - limit} more (The levers explained lists each lever's)" if len(pairs) > limit
            else "")
    return f"Rests on inputs graded L (placeholder or judgement): {shown}{more}."


def cards(snap, levers) -> list[CardData]:
    """One CardData per outcome of OUTCOMES that the run's columns allow (none before month 1)."""
    moved = moved_levers(levers)
    out = []
    for key, label, unit, how, kind in OUTCOMES:
        r = per_seed(snap, key)
        if r is None:
            continue
        pol, sq = r
        d = pol - sq
        diff, base = float(d.mean()), float(sq.mean())
        if np.all(d == 0):
            verdict = "none"
        elif np.all(d < 0):
            verdict = "better"
        elif np.all(d > 0):
            verdict = "worse"
        else:
            verdict = "chance"
        chain = why.explain(snap, key, window=None if how == "total" else 1) if verdict != "none" else []
        pairs = resting_on(moved, why.chain_levers(chain)) if verdict != "none" else []
        out.append(CardData(key, label, unit, how, kind, float(pol.mean()), base, diff,
                            diff / base if base else float("nan"), float(d.min()), float(d.max()), verdict,
                            why.sentence(chain) if verdict != "none" else "Same as the status quo so far.",
                            chain, [p for _, p in pairs], l_note(pairs)))
    return out


def largest(cards_: list[CardData], n: int = 2) -> list[CardData]:
    """The ``n`` cards with the largest relative change that is not chance."""
    moved = [c for c in cards_ if c.verdict in ("better", "worse") and np.isfinite(c.pct)]
    return sorted(moved, key=lambda c: -abs(c.pct))[:n]
