"""Policy cards: ready-made policies for the workshop app, each with its source.

A card sets every lever of the page: a budget for each program (US dollars a year),
the five switches, and per-country switch overrides. The cards are the proposals
of International Drug Policy: Solutions (undated; docs/references.md). Their numbers
are read from the shipped scenario files in experiments/scenarios/, whose comments
quote the document and derive every amount, so that the app, ``drugmarket run`` and
``drugmarket compare`` use one encoding of each proposal. This module holds only
what the page shows about a card (title, a plain summary, the source) and which file
defines it.

The status quo falls back to model/policy.py's defaults if its file is missing; any
other card whose file is missing or unreadable is left out (and logged).
Solutions 2 (treaty interpretation) and 6 (ending certification) are diplomatic:
the model has no lever for them (``NOT_MODELLED``).
"""

from __future__ import annotations

import copy
import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from model.policy import PROGRAMS, STATUS_QUO_BUDGET, SUPPLY_PROGRAMS, SWITCHES

log = logging.getLogger(__name__)

#: the document the cards come from, by its title (its citation key in docs/references.md)
SOURCE = "International Drug Policy: Solutions (undated)"
SCENARIO_DIR = Path(__file__).resolve().parent.parent / "experiments" / "scenarios"


@dataclass(frozen=True)
class Card:
    """A policy card: what the page's levers are set to when the card is applied."""

    key: str                      # stable identifier (the page's button has data-testid card-<key>)
    title: str                    # the button's text
    summary: str                  # one or two plain sentences for participants
    source: str                   # where the proposal and the numbers come from
    budget: dict[str, float]      # USD a year, every program
    switches: dict[str, Any]      # every switch of model.policy.SWITCHES
    countries: dict[str, dict[str, Any]] = field(default_factory=dict)  # country -> switch overrides
    scenario_file: str | None = None  # the shipped scenario file the numbers come from

    @property
    def total(self) -> float:
        return float(sum(self.budget.values()))

    @property
    def supply_share(self) -> float:
        t = self.total
        return sum(self.budget[p] for p in SUPPLY_PROGRAMS) / t if t > 0 else 0.0

    def changes(self) -> str:
        """The card against the status quo, in words and numbers (computed, so it always matches)."""
        parts = [f"total USD {self.total / 1e6:,.0f} million a year, {self.supply_share:.0%} supply side"]
        moved = [f"{p.replace('_', ' ')} {million(STATUS_QUO_BUDGET[p])} -> {million(self.budget[p])}" for p in PROGRAMS
                 if abs(self.budget[p] - STATUS_QUO_BUDGET[p]) > 0.5e6]
        if moved:
            parts.append("USD million a year: " + ", ".join(moved))
        sw = [f"{k.replace('_', ' ')} = {str(v).lower()}" for k, v in self.switches.items() if v != SWITCHES[k]]
        sw += [f"{k.replace('_', ' ')} = {v} in {c.replace('_', ' ').title()}"
               for c, over in sorted(self.countries.items()) for k, v in over.items()]
        if sw:
            parts.append("switches: " + ", ".join(sw))
        return "; ".join(parts) + "."


def million(usd: float) -> str:
    """Million USD: 1.2186e9 -> '1,218.6', 4.5e8 -> '450'."""
    text = f"{usd / 1e6:,.1f}"
    return text[:-2] if text.endswith(".0") else text


@dataclass(frozen=True)
class CardSpec:
    key: str
    title: str
    summary: str
    source: str
    scenario_file: str


#: the cards in the order of the page: the three main cards (MAIN_KEYS) first, then each proposal alone
SPECS: tuple[CardSpec, ...] = (
    CardSpec("status_quo", "Status quo",
             "Today's international drug-control spending: about USD 5.5 billion a year, 80% supply side "
             "(eradication, interdiction, enforcement) and 20% demand side and development.",
             f"{SOURCE}, Solution 1 (the total and the 80/20 split); the split across programs is an "
             "assumption (model/policy.py, grade L)", "status_quo"),
    CardSpec("rebalance_40_60", "40/60 rebalancing",
             "The same USD 5.5 billion a year, moved so that at most 40% goes to supply-side enforcement and at "
             "least 60% to treatment, harm reduction, prevention and alternative development (about USD 2.2 "
             "billion a year shifted).",
             f"{SOURCE}, Solution 1", "rebalance_40_60"),
    CardSpec("reform_package", "Full reform package",
             "Solutions 1, 3, 4 and 5 and the Portugal model together: the 40/60 split, alternative development "
             "tripled and offered before eradication, a harm-reduction fund, a precursor regime with China and "
             "India, and possession decriminalized; traffickers' finances still targeted.",
             f"{SOURCE}, Reform Framework, Solutions 1, 3, 4, 5 and the Portugal model", "combined_package"),
    CardSpec("alternative_development", "Alternative development first",
             "Alternative development tripled to USD 1 billion a year and offered to farmers before their fields "
             "are eradicated, paid for by less eradication and interdiction.",
             f"{SOURCE}, Solution 3", "alternative_development_tripled"),
    CardSpec("harm_reduction", "Harm reduction fund",
             "A USD 500 million a year fund for naloxone, drug checking and syringe services, half of it paid "
             "for by less interdiction.",
             f"{SOURCE}, Solution 4", "harm_reduction_500m"),
    CardSpec("precursor_regime", "Precursor regime",
             "A multilateral precursor control regime: more inspections of chemical suppliers, and whole chemical "
             "classes controlled in China and India.",
             f"{SOURCE}, Solution 5", "precursor_regime"),
    CardSpec("portugal", "Portugal model",
             "Possession decriminalized (referral to treatment instead of arrest), with the money that paid for "
             "possession arrests moved to treatment.",
             f"{SOURCE}, International Models: Portugal", "portugal_decriminalization"),
)

#: the three main cards: the status quo, 40/60 rebalancing and the full reform package
MAIN_KEYS = ("status_quo", "rebalance_40_60", "reform_package")

NOT_MODELLED = (
    f"Solutions 2 (flexible treaty interpretation) and 6 (ending drug certification) of {SOURCE} are "
    "diplomatic: the model has no lever for them."
)

_lock = threading.Lock()
_cards: tuple[Card, ...] | None = None


def _load(spec: CardSpec) -> Card | None:
    path = SCENARIO_DIR / f"{spec.scenario_file}.toml"
    source = f"{spec.source}; numbers from experiments/scenarios/{path.name} (its comments derive them)"
    try:
        from model.scenario import load_scenario, scenario_from_dict
        from model.world import load_world

        s = load_scenario(path)
        scenario_from_dict(s.to_dict(), countries=load_world().country_names)  # its countries must exist
        if s.events or any(isinstance(v, dict) for v in s.policy.budget.values()):
            raise ValueError("events or per-country budgets, which the page cannot show")
        return Card(spec.key, spec.title, spec.summary, source, {p: float(s.policy.budget[p]) for p in PROGRAMS},
                    dict(s.policy.switches), copy.deepcopy(s.policy.countries), str(path))
    except Exception as e:  # noqa: BLE001 - a missing or broken file must not stop the app
        if spec.key == "status_quo":
            return Card(spec.key, spec.title, spec.summary, f"{spec.source}; numbers from model/policy.py",
                        dict(STATUS_QUO_BUDGET), dict(SWITCHES))
        log.warning("policy card %r left out: cannot use %s (%s)", spec.title, path, e)
        return None


def cards() -> tuple[Card, ...]:
    """Every card that could be read, in page order (read once per process)."""
    global _cards
    with _lock:
        if _cards is None:
            _cards = tuple(c for c in (_load(s) for s in SPECS) if c is not None)
        return _cards


def card(key: str) -> Card:
    """The card named ``key``; KeyError for any other value."""
    for c in cards():
        if c.key == key:
            return c
    raise KeyError(key)
