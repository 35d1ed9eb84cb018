"""PrecursorSupplier: a chemical firm that sells precursors, some of them diverted to labs.

A supplier serves one precursor family (e.g. the piperidines for fentanyl) from
one country. Its diversion follows what the labs need, cut by controls:
- list scheduling names today's chemicals: every supplier's diversion falls to
  a fraction in the month of the listing (an analogue cannot be found, made and
  shipped to the labs within the month the list takes effect); from the next
  month on it switches to an unscheduled analogue with probability
  1 / ``precursor.substitution_lag_months`` a month, so its diversion stays cut
  for that many months on average, and supply recovers;
- class scheduling controls the whole family: no analogue escapes it, and the
  diverted supply stays down in that country; over ``precursor.relocation_months``
  the demand moves to sources elsewhere that are not controlled (the model's
  precursor room shifts the shares, model/precursors);
- a control reaches ``precursor.control_coverage`` of the family's diversion, and
  ``precursor.listed_diversion_factor`` of what it reaches still leaks through
  (smurfing, cross-border purchase, unlisted analogues): list and class are
  presets of this intensity at full coverage;
- inspections paid by the precursor-control budget seize part of what is diverted.
"""

from __future__ import annotations

import mesa

from model import rng


class PrecursorSupplier(mesa.Agent):
    def __init__(self, model, route: int, country: str, share: float):
        super().__init__(model)
        self.draw_id = model.next_draw_id()
        self.route = route        # index into world.precursors
        self.country = country
        self.share = share        # this firm's share of the country's diversion on this route
        self.scheduling = model.policy.switch("precursor_scheduling", country)
        self.substituted = True   # 2021 is an equilibrium: past listings have been substituted
        self.listed_at = -1_000_000  # month of the latest new listing
        self.diverted = 0.0       # kg this month
        self.seized = 0.0

    def step(self) -> None:
        m = self.model
        p = m.params
        sched = m.policy.switch("precursor_scheduling", self.country)
        if sched != self.scheduling:
            if sched == "list":
                self.substituted = False  # the chemicals sold today are now named on the list
                self.listed_at = m.t
            self.scheduling = sched
        if sched == "list" and not self.substituted and m.t > self.listed_at:
            # geometric from the month after the listing: mean months cut = substitution_lag_months
            u = rng.uniform_py(m.draw_keys["supplier"], self.draw_id)
            if u < 1.0 / p["precursor.substitution_lag_months"]:
                self.substituted = True
        if sched == "none" or (sched == "list" and self.substituted):
            factor = 1.0
        else:  # the control reaches its coverage of the family; what it reaches leaks at the leakage share
            factor = 1.0 - p["precursor.control_coverage"] * (1.0 - p["precursor.listed_diversion_factor"])
        # divert what the labs need plus what 2021 inspections would seize, cut by controls
        room, enf = m.precursors, m.enforcement
        need = room.need(self.route, m.markets.lab_capacity) / (1.0 - enf.precursor_seizure_share(self.country, True))
        self.diverted = need * room.source_share[self.route][self.country] * self.share * factor
        self.seized = self.diverted * enf.precursor_seizure_share(self.country)
