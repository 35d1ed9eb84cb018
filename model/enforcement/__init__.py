"""Enforcement and the other programmes: the agencies, and what their activity does this month.

Each programme in each place is an ``EnforcementAgency`` (agent.py) that turns its budget into activity.
What the activity does is read here: interdiction raises the seizure hazard of the countries it patrols;
domestic enforcement, treatment, harm reduction and prevention act relative to 2021 (``effect``), and
domestic enforcement's intensity against one drug's market (``domestic_intensity``) sets that drug's
retail risk premium;
financial targeting seizes laundered proceeds; precursor inspections seize diverted chemicals.
"""

from __future__ import annotations

from model.budgets import budget_key, split_of
from model.enforcement.agent import EnforcementAgency
from model.policy import PROGRAMS
from model.world import GROUP_DRUGS, MODES


class Enforcement:
    """The agencies by (programme, place) and the seizure hazard per country they set."""

    def __init__(self, model):
        b, p = model.baseline, model.params
        self.params, self.baseline = p, b
        self.agency = {}
        for (name, place), prog in sorted(b.programmes.items(), key=lambda kv: (kv[0][0], str(kv[0][1]))):
            key = budget_key(name)
            share = b.budget_share[key].get(place, 0.0)
            self.agency[(name, place)] = EnforcementAgency(model, prog, key, share, split_of(name, p))
        self.hazard = dict(b.hazard0)  # seizure hazard per crossing, by country (all modes together)
        self.mode_hazard = dict(b.mode_hazard0)  # the same by (country, mode): what a load crossing faces
        self.country_modes = _modes_by_country(model.world)
        self.group_share = _enforcement_group_shares(b, p)

    def step(self) -> None:
        """Budgets into activity; interdiction's patrols into seizure hazards."""
        for a in self.agency.values():
            a.step()
        for c in self.hazard:
            self._interdiction_hazards(c)

    def _interdiction_hazards(self, c: str) -> None:
        """A country's seizure hazard by mode. The 2021 patrols watch every mode crossing the country alike;
        patrols above 2021 aimed at one mode (``agency.interdiction_new_to_mode``) watch only that mode, so
        its hazard rises by as much as the extra patrols would add to all modes together."""
        p, base = self.params, self.baseline.hazard_base[c]
        a = self.agency.get(("interdiction", c))
        per = p["agency.interdiction_hazard_per_patrol"]
        act, a0 = (a.activity, a.programme.a0) if a else (0.0, 0.0)
        self.hazard[c] = base + per * act
        modes, aimed = self.country_modes.get(c, ()), p["agency.interdiction_new_to_mode"]
        for md in MODES:
            if aimed in modes and act > a0:
                extra = (act - a0) * len(modes) if md == aimed else 0.0
                self.mode_hazard[(c, md)] = base + per * (a0 + extra)
            else:
                self.mode_hazard[(c, md)] = self.hazard[c]

    def effect(self, program: str, place) -> float:
        """A programme's activity in ``place`` relative to 2021 (1 where it does not operate)."""
        a = self.agency.get((program, place))
        return a.effect if a is not None else 1.0

    def domestic_intensity(self, market: str, group: str) -> float:
        """Domestic enforcement against ``group``'s market in ``market`` relative to 2021.

        Activity above 2021 aimed at one group (``agency.domestic_enforcement_new_to``) raises that group's
        intensity by the extra over its own 2021 part and leaves the others' at 1: what dealers of a drug
        face is the enforcement against their market, not the all-drug total (Rydell & Everingham 1994
        costed cocaine enforcement). Otherwise, and for cuts, every group's intensity is the total's."""
        a = self.agency.get(("domestic_enforcement", market))
        if a is None or a.programme.a0 <= 0:
            return 1.0
        a0, to = a.programme.a0, self.params["agency.domestic_enforcement_new_to"]
        share = self.group_share.get((market, to), 0.0)
        if to == "as_2021" or a.activity <= a0 or share <= 0.0:
            return a.activity / a0
        return 1.0 + (a.activity - a0) / (share * a0) if group == to else 1.0

    def enforcement_index(self, country: str) -> float:
        """Seizure hazard in ``country`` relative to 2021: how hard enforcement hits organizations there."""
        h0 = self.baseline.hazard0.get(country, 0.0)
        return self.hazard.get(country, 0.0) / h0 if h0 > 0 else 1.0

    def financial_seizure_rate(self) -> float:
        """Share of laundered proceeds seized a month."""
        a = self.agency.get(("financial_targeting", "world"))
        share = self.params["agency.financial_seizure_max"] * (a.activity / a.programme.k if a and a.programme.k else 0.0)
        return share / 12.0

    def precursor_seizure_share(self, country: str, status_quo: bool = False) -> float:
        """Share of diverted precursor seized by inspections in ``country`` this month (or in 2021)."""
        a = self.agency.get(("precursor_control", country))
        if a is None or a.programme.k <= 0:
            return 0.0
        activity = a.programme.a0 if status_quo else a.activity
        return self.params["precursor.inspection_seizure_max"] * activity / a.programme.k

    def spend_columns(self, policy) -> dict:
        """The policy's US spending a month, by programme."""
        return {f"spend_usd_{prog}": policy.total(prog) / 12.0 for prog in PROGRAMS}


def _enforcement_group_shares(b, p) -> dict:
    """(market, group) -> the group's part of the market's 2021 domestic enforcement: the modelled drugs'
    share (``agency.enforcement_share_modelled_drugs``) split by 2021 retail value."""
    out = {}
    for m in b.markets:
        value = {g: sum(b.consumption0.get((m, d), 0.0) * b.prices0[(m, d)]["retail"]
                        for d in drugs if (m, d) in b.prices0) for g, drugs in GROUP_DRUGS.items()}
        tot = sum(value.values())
        for g, v in value.items():
            out[(m, g)] = p["agency.enforcement_share_modelled_drugs"] * v / tot if tot > 0 else 0.0
    return out


def _modes_by_country(world) -> dict:
    """The modes by which loads cross each country (the modes of the route legs that touch it)."""
    out = {}
    for a, b, legs in world.graph.edges(data="legs"):
        for c in (a, b):
            out.setdefault(c, set()).update(legs)
    return {c: tuple(sorted(v)) for c, v in out.items()}
