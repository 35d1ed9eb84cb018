"""Farmer: a household growing coca or opium poppy in a municipality (cell), or a frontier plot.

A frontier plot is land outside the 2021 households (forest, new settlers) where the crop can be
planted: each month a free plot is planted with the municipality's entry chance, and a planted one is
destroyed by a manual team, sprayed, or abandoned with the municipality's abandonment chance.

Each month a household may
- be offered enrolment in alternative development (roads, processing,
  guaranteed purchase raise licit income); enrolled farmers uproot their
  illicit crop and keep it out while the programme pays; a programme that stops
  paying breaks a promise, which costs trust;
- have the illicit plot destroyed by a manual team, or sprayed (the plot
  stands, its harvest is cut for a year); with either and no alternative,
  trust in the state falls. Under "alternative development before eradication"
  the enrolment offer comes first (manual teams only);
- reconsider (about once a year) how much land to put under the illicit crop:
  a logit in expected illicit income (farm-gate price x yield x (1 - perceived
  eradication risk x risk aversion)) against licit income, tilted by low trust
  and by coercion from armed groups. Replanting after eradication often
  happens in a neighbouring municipality, on cleared forest.

This class is the reference path; model/farmers/kernel.py:step_farmers is
the same rule over arrays, checked equal by tests/test_model.py.
"""

from __future__ import annotations

import math

import mesa

from model import rng
from model.farmers.states import (
    C_ADJUST, C_COERCION, C_COMPLIANCE, C_DECIDE, C_DROP, C_ENROL, C_FRONTIER, C_MOVE, C_OFFER,
    C_TRUST_BROKEN, C_TRUST_FORCED, C_TRUST_RECOVER, C_TRUST_W, FE_ABANDONED, FE_DROPPED, FE_ENROLLED,
    FE_ENTERED, FE_ERADICATED, FE_MOVED, FE_SPRAYED, SPRAY_MONTHS, X_ENTER, X_LEAVE, X_MANUAL, X_SPRAY,
    X_UTIL_A, X_UTIL_B, X_UTIL_C,
)


def target_share(a, b, c, risk_aversion, trust, trust_w, coerced, coercion) -> float:
    """Logit share of land a farmer wants under the illicit crop (same as the kernel's): the weighted
    expected loss is capped at the whole harvest."""
    x = a - min(risk_aversion * b, c) + trust_w * (0.5 - trust)
    if coerced:
        x += coercion
    return 1.0 / (1.0 + math.exp(-x))


class Farmer(mesa.Agent):
    """One farming household; a view onto row ``i`` of the farmer arrays (model.farmers.households)."""

    def __init__(self, model, i: int):
        super().__init__(model)
        self.i = i

    def step(self) -> None:
        room = self.model.farmers
        f = room.households
        i = self.i
        c = int(f.country[i])
        r = room.rates[c]
        x = room.xrates[f.cell[i]]
        k = self.model.draw_keys["farmer"]
        u1, u2, u3, u4, u5 = (rng.uniform_py(k, 5 * i + j) for j in range(5))
        for flow in (f.eradicated, f.sprayed, f.voluntary, f.deforested, f.replanted, f.entered, f.abandoned):
            flow[i] = 0.0
        if f.spray_age[i] > 0:
            f.spray_age[i] -= 1
        if f.frontier[i]:
            ev = self._frontier_plot(i, r, x, u2, u3)
        else:
            ev = self._alternative_development(i, r, u1, u4)
            if f.illicit[i] > 0.0 and u2 < x[X_MANUAL]:
                ev |= self._eradicated(i, r, u3, u4)
            elif f.illicit[i] > 0.0 and u2 < x[X_MANUAL] + x[X_SPRAY]:
                ev |= self._sprayed(i, r)
            elif u3 < r[C_DECIDE]:
                ev |= self._reconsider(i, c, r, x, u5)
        if f.erad_age[i] > 0:
            f.erad_age[i] = f.erad_age[i] + 1 if f.erad_age[i] < 24 else 0
        f.event[i] = ev

    def _frontier_plot(self, i, r, x, u2, u3) -> int:
        """A frontier plot: a standing one may be destroyed, sprayed or abandoned; a free one planted."""
        f = self.model.farmers.households
        if f.illicit[i] > 0.0:
            if u2 < x[X_MANUAL]:
                f.eradicated[i] = f.illicit[i]
                f.illicit[i] = 0.0
                f.erad_age[i] = 1
                f.spray_age[i] = 0
                return FE_ERADICATED
            if u2 < x[X_MANUAL] + x[X_SPRAY]:
                f.sprayed[i] = f.illicit[i]
                f.spray_age[i] = SPRAY_MONTHS
                return FE_SPRAYED
            if u3 < x[X_LEAVE]:
                f.abandoned[i] = f.illicit[i]
                f.illicit[i] = 0.0
                f.spray_age[i] = 0
                return FE_ABANDONED
            return 0
        if u3 < x[X_ENTER]:
            f.illicit[i] = f.land[i]
            f.entered[i] = f.land[i]
            f.deforested[i] = f.land[i] * r[C_FRONTIER]
            if f.erad_age[i] > 0:
                f.replanted[i] = f.land[i]
            return FE_ENTERED
        return 0

    def _alternative_development(self, i, r, u1, u4) -> int:
        f = self.model.farmers.households
        if f.enrolled[i]:
            if u1 < r[C_DROP]:
                f.enrolled[i] = 0
                f.trust[i] = max(0.0, f.trust[i] - r[C_TRUST_BROKEN])
                return FE_DROPPED
            f.trust[i] = f.trust[i] + r[C_TRUST_RECOVER] * (1.0 - f.trust[i])
            return 0
        f.trust[i] = f.trust[i] + r[C_TRUST_RECOVER] * (0.5 - f.trust[i])
        if not f.coerced[i] and u1 < r[C_ENROL]:
            self._enrol(i, r, u4)
            return FE_ENROLLED
        return 0

    def _enrol(self, i, r, u4) -> None:
        f = self.model.farmers.households
        f.enrolled[i] = 1
        if u4 < r[C_COMPLIANCE]:
            f.voluntary[i] = f.illicit[i]
            f.illicit[i] = 0.0
            f.spray_age[i] = 0

    def _eradicated(self, i, r, u3, u4) -> int:
        f = self.model.farmers.households
        if r[C_OFFER] > 0.0 and not f.enrolled[i] and not f.coerced[i] and u3 < r[C_OFFER]:
            self._enrol(i, r, u4)
            return FE_ENROLLED
        f.eradicated[i] = f.illicit[i]
        f.illicit[i] = 0.0
        f.erad_age[i] = 1
        f.spray_age[i] = 0
        if not f.enrolled[i]:
            f.trust[i] = max(0.0, f.trust[i] - r[C_TRUST_FORCED])
        return FE_ERADICATED

    def _sprayed(self, i, r) -> int:
        """Sprayed: the plot keeps its area and loses part of its harvest for SPRAY_MONTHS months."""
        f = self.model.farmers.households
        f.sprayed[i] = f.illicit[i]
        f.spray_age[i] = SPRAY_MONTHS
        if not f.enrolled[i]:
            f.trust[i] = max(0.0, f.trust[i] - r[C_TRUST_FORCED])
        return FE_SPRAYED

    def _reconsider(self, i, c, r, x, u5) -> int:
        f = self.model.farmers.households
        if f.enrolled[i]:
            target = 0.0
        else:
            target = target_share(x[X_UTIL_A], x[X_UTIL_B], x[X_UTIL_C], f.risk_av[i], f.trust[i],
                                  r[C_TRUST_W], f.coerced[i], r[C_COERCION])
        change = r[C_ADJUST] * (target * f.land[i] - f.illicit[i])
        ev = 0
        if change > 0.0 and f.erad_age[i] > 0:
            f.replanted[i] = change
        if change > 0.0 and f.erad_age[i] > 0 and u5 < r[C_MOVE]:
            lo, n = f.cell_lo[c], f.cell_n[c]
            step = -1 if u5 < 0.5 * r[C_MOVE] else 1
            f.cell[i] = lo + (f.cell[i] - lo + step + n) % n
            f.deforested[i] = change * r[C_FRONTIER]
            ev = FE_MOVED
        f.illicit[i] = f.illicit[i] + change
        return ev
