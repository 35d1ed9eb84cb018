"""Policy cards: ready-made policies for the workshop app, each with its source.

A card is a complete policy (a budget for every program in US dollars a year,
and the four switches). The three cards of issue 5 are defined here, in one
place, from the proposals of 004_cdac85e7b593024d.txt ("International Drug
Policy: Solutions"); the quoted phrases below are that document's. Where the
document gives a total but not the programs, the split is an assumption and
says so.

If a shipped scenario file for a card exists (experiments/scenarios/<file>.toml,
see ``Card.scenario_files``), the card is read from that file instead, so that
the app and ``drugmarket run`` use the same numbers.

Cards for Solutions 3, 4 and 5 alone are defined too, so that a participant can
try each proposal by itself. Solutions 2 (treaty interpretation) and 6 (ending
certification) are diplomatic: the model has no lever for them (``NOT_MODELLED``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from model.policy import PROGRAMS, STATUS_QUO_BUDGET, SUPPLY_PROGRAMS, SWITCHES

log = logging.getLogger(__name__)

SOURCE = "004_cdac85e7b593024d.txt"
SCENARIO_DIR = Path(__file__).resolve().parent.parent / "experiments" / "scenarios"


@dataclass(frozen=True)
class Card:
    """A policy card: what the page's levers are set to when the card is applied."""

    key: str                      # stable identifier (used by tests and the page's buttons)
    title: str                    # the button's text
    summary: str                  # one or two plain sentences for participants
    source: str                   # where the numbers come from
    budget: dict[str, float]      # USD a year, every program
    switches: dict[str, Any]      # every switch of model.policy.SWITCHES
    scenario_files: tuple[str, ...] = ()  # shipped scenario files that, if present, define the card
    from_file: str | None = field(default=None, compare=False)  # the file the card was read from

    @property
    def total(self) -> float:
        return float(sum(self.budget.values()))

    @property
    def supply_share(self) -> float:
        t = self.total
        return sum(self.budget[p] for p in SUPPLY_PROGRAMS) / t if t > 0 else 0.0


# --------------------------------------------------------------------------- the status quo
# "Currently, approximately 80% goes to supply-side programs and 20% to demand-side
# programs" of "the approximately $5.5 billion U.S. international drug control budget"
# (004, Solution 1). The split across programs is model/policy.py's (grade L).
STATUS_QUO = Card(
    key="status_quo",
    title="Status quo",
    summary="Today's international drug-control spending: about USD 5.5 billion a year, "
            "80% supply side (eradication, interdiction, enforcement) and 20% demand side and development.",
    source=f"{SOURCE}, Solution 1 (total and 80/20 split); the split across programs is an assumption "
           "(model/policy.py, grade L).",
    budget=dict(STATUS_QUO_BUDGET),
    switches=dict(SWITCHES),
    scenario_files=("status_quo",),
)

# --------------------------------------------------------------------------- Solution 1: 40/60
# "direct at least 60% toward demand reduction, alternative development, public health
# infrastructure, and governance strengthening, with no more than 40% to supply-side
# enforcement ... This rebalancing would shift approximately $2.2 billion annually from
# enforcement to health and development." "Budget-neutral at the aggregate level."
# Assumption: every supply program is halved (4.4 -> 2.2 billion) and every demand
# program tripled (1.1 -> 3.3 billion), keeping the status quo's proportions within
# each side. Switches as today.
_REBALANCED = {p: STATUS_QUO_BUDGET[p] * (0.5 if p in SUPPLY_PROGRAMS else 3.0) for p in PROGRAMS}

REBALANCE_40_60 = Card(
    key="rebalance_40_60",
    title="40/60 rebalancing",
    summary="The same USD 5.5 billion a year, moved so that at most 40% goes to supply-side "
            "enforcement and at least 60% to treatment, harm reduction, prevention and alternative "
            "development (about USD 2.2 billion a year shifted).",
    source=f"{SOURCE}, Solution 1 (40/60, budget-neutral, USD 2.2 billion shifted). Assumption: each "
           "supply program halved, each demand program tripled.",
    budget=_REBALANCED,
    switches=dict(SWITCHES),
    scenario_files=("rebalance_40_60", "rebalance-40-60", "rebalancing_40_60"),
)

# --------------------------------------------------------------------------- the full package
# Solutions 1, 3, 4 and 5 together, with the framework's "decriminalizing personal use":
# - Solution 1: no more than 40% supply side, budget-neutral (5.5 billion in total);
# - Solution 3: "Triple USAID alternative development funding from $350 million to
#   $1 billion annually", "sequencing alternative development *before* eradication",
#   "offset by reducing eradication and military programs";
# - Solution 4: "a dedicated U.S. international harm reduction funding stream of
#   $500 million annually";
# - Solution 5: "$200-300 million annually for the multilateral precursor regime" and
#   "an early warning system for novel precursors" (the whole chemical class is
#   controlled, not only listed chemicals);
# - Guiding principles: "Continue targeting large-scale trafficking networks and their
#   financial infrastructure while decriminalizing personal use" (financial targeting
#   and leadership targeting kept; possession decriminalized, as in Portugal).
# Assumption: the rest of the supply side is cut to reach 40% (eradication to 0.1
# billion, interdiction to 1.25 billion, domestic enforcement to 0.3 billion), and
# treatment and prevention take the rest of the 60%.
REFORM_PACKAGE = Card(
    key="reform_package",
    title="Full reform package",
    summary="Solutions 1, 3, 4 and 5 together: 40/60 rebalancing, alternative development tripled "
            "to USD 1 billion and offered before eradication, USD 500 million a year for harm "
            "reduction, a USD 300 million precursor regime controlling whole chemical classes, and "
            "possession decriminalized; traffickers' finances and leaders still targeted.",
    source=f"{SOURCE}, Solutions 1, 3, 4 and 5 and the guiding principles. Assumption: the cuts to "
           "eradication, interdiction and domestic enforcement, and the split of the rest between "
           "treatment and prevention.",
    budget={
        "eradication": 1.0e8,
        "interdiction": 1.25e9,
        "domestic_enforcement": 3.0e8,
        "precursor_control": 3.0e8,
        "financial_targeting": 2.5e8,        # supply side 2.2 billion = 40%
        "alternative_development": 1.0e9,
        "treatment": 1.4e9,
        "harm_reduction": 5.0e8,
        "prevention": 4.0e8,                 # demand side 3.3 billion = 60%
    },
    switches={
        "decriminalize_possession": True,
        "alternative_development_before_eradication": True,
        "precursor_scheduling": "class",
        "leadership_targeting": True,
    },
    scenario_files=("reform_package", "full_reform", "full_reform_package", "reform-package"),
)

# --------------------------------------------------------------------------- single solutions
# Solution 3 alone: "$1 billion/year (up from $350 million); offset by reducing eradication"
# (eradication 450 -> 0 million and interdiction -200 million keep the total at 5.5 billion;
# an assumption), with alternative development before eradication.
SOLUTION_3 = Card(
    key="solution_3",
    title="Alternative development first",
    summary="Alternative development tripled to USD 1 billion a year and offered to farmers before "
            "their fields are eradicated, paid for by ending eradication spending.",
    source=f"{SOURCE}, Solution 3. Assumption: the offset (eradication to 0, interdiction less "
           "USD 200 million).",
    budget={**STATUS_QUO_BUDGET, "alternative_development": 1.0e9, "eradication": 0.0,
            "interdiction": STATUS_QUO_BUDGET["interdiction"] - 2.0e8},
    switches={**SWITCHES, "alternative_development_before_eradication": True},
)

# Solution 4 alone: "$500 million/year; offset partially by reduced enforcement spending"
# (assumption: interdiction pays 400 million of it).
SOLUTION_4 = Card(
    key="solution_4",
    title="Harm reduction fund",
    summary="A USD 500 million a year fund for naloxone, drug checking, syringe services and "
            "substitution therapy, mostly paid for by less interdiction.",
    source=f"{SOURCE}, Solution 4. Assumption: interdiction less USD 400 million.",
    budget={**STATUS_QUO_BUDGET, "harm_reduction": 5.0e8,
            "interdiction": STATUS_QUO_BUDGET["interdiction"] - 4.0e8},
    switches=dict(SWITCHES),
)

# Solution 5 alone: "$200-300 million annually for the multilateral precursor regime"
# (new spending: precursor control 150 -> 450 million), class scheduling, and "expanding
# treatment" (assumption: treatment +300 million, interdiction -300 million).
SOLUTION_5 = Card(
    key="solution_5",
    title="Precursor diplomacy",
    summary="A multilateral precursor regime (USD 300 million a year more for inspections, whole "
            "chemical classes controlled) and more treatment instead of border interdiction.",
    source=f"{SOURCE}, Solution 5. Assumption: treatment plus and interdiction less USD 300 million.",
    budget={**STATUS_QUO_BUDGET, "precursor_control": STATUS_QUO_BUDGET["precursor_control"] + 3.0e8,
            "treatment": STATUS_QUO_BUDGET["treatment"] + 3.0e8,
            "interdiction": STATUS_QUO_BUDGET["interdiction"] - 3.0e8},
    switches={**SWITCHES, "precursor_scheduling": "class"},
)

#: the three cards of issue 5 (shown first) and the single solutions
MAIN_CARDS: tuple[Card, ...] = (STATUS_QUO, REBALANCE_40_60, REFORM_PACKAGE)
EXTRA_CARDS: tuple[Card, ...] = (SOLUTION_3, SOLUTION_4, SOLUTION_5)

NOT_MODELLED = (
    "Solutions 2 (flexible treaty interpretation) and 6 (ending drug certification) of "
    f"{SOURCE} are diplomatic: the model has no lever for them."
)


def _from_scenario_file(card: Card) -> Card:
    """The card as a shipped scenario file defines it, if one exists; else the card itself."""
    for name in card.scenario_files:
        path = SCENARIO_DIR / f"{name}.toml"
        if not path.is_file():
            continue
        try:
            from model.scenario import load_scenario

            s = load_scenario(path)
        except Exception as e:  # noqa: BLE001 - a broken file must not stop the app
            log.warning("policy card %s: cannot read %s (%s); using the built-in card", card.key, path, e)
            return card
        if s.events or s.policy.countries or any(isinstance(v, dict) for v in s.policy.budget.values()):
            log.warning("policy card %s: %s has per-country budgets, country switches or events, which the "
                        "page cannot show; using the built-in card", card.key, path)
            return card
        budget = {p: float(s.policy.budget[p]) for p in PROGRAMS}
        return Card(card.key, card.title, card.summary, f"{card.source} Numbers read from "
                    f"experiments/scenarios/{path.name}.", budget, dict(s.policy.switches),
                    card.scenario_files, from_file=str(path))
    return card


def cards() -> tuple[Card, ...]:
    """Every card, main ones first, each read from its scenario file where one exists."""
    return tuple(_from_scenario_file(c) for c in (*MAIN_CARDS, *EXTRA_CARDS))


def card(key: str) -> Card:
    """The card named ``key``; KeyError for any other value."""
    for c in cards():
        if c.key == key:
            return c
    raise KeyError(key)
