"""Naloxone kits in people's hands, by market and distribution channel.

Each month kits arrive (the year's distribution over twelve) and leave: used on an overdose, expired or lost
(the rates in model/calibrate/naloxone.py). The naloxone budget buys community-programme kits, so their
distribution moves with the programme's activity relative to 2021; pharmacy and emergency-department kits,
paid by insurers and patients, keep their 2021 numbers. ``user.naloxone_added_kits_per_100k`` adds community
kits held by enrolees (refilled when used), as in a study of programme enrolment (T8).
"""

from __future__ import annotations

from model.calibrate.naloxone import deaths_averted, kit_out_rate, kit_use_rates, reversed_given_bystander, steady_stock
from model.world import NALOXONE_CHANNELS


class NaloxoneKits:
    """Kits in hand by (market, channel), starting from the 2021 distribution's steady state."""

    def __init__(self, baseline, params):
        self.params = params
        data = baseline.world.data
        self.flow0 = {m: dict(data[m].get("naloxone_kits", {})) for m in baseline.markets}
        self.stock = {m: steady_stock(self.flow0[m], params) for m in baseline.markets}
        self.added = {m: params["user.naloxone_added_kits_per_100k"] * data[m].get("population_at_risk", 0.0) / 1e5
                      for m in baseline.markets}

    def step(self, enforcement) -> None:
        """A month of kits: uses, expiry and loss out; this month's distribution in."""
        out, use = kit_out_rate(self.params), kit_use_rates(self.params)
        for m, stock in self.stock.items():
            flow = dict(self.flow0[m])
            flow["community"] = flow.get("community", 0.0) * enforcement.effect("naloxone", m)
            for c in NALOXONE_CHANNELS:
                stock[c] = stock[c] * (1.0 - out - use[c]) + flow.get(c, 0.0) / 12.0

    def held(self, m: str) -> dict[str, float]:
        """Kits in hand in market ``m`` by channel (enrolees' kits count as community kits)."""
        s = dict(self.stock[m])
        s["community"] += self.added[m]
        return s

    def reversed_given_bystander(self, m: str, potential: float) -> float:
        """Of would-be-fatal opioid overdoses with a bystander in ``m``, the share the kits reverse this month
        (``potential``: would-be-fatal opioid overdoses a month)."""
        return reversed_given_bystander(deaths_averted(self.held(m), self.params), potential, self.params)
