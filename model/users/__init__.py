"""People at risk of using opioids, cocaine or methamphetamine: the users' room.

What is here: the people as arrays (people.py), their state machine (states.py) as one person's Mesa agent
(agent.py, the reference path) and as a numba kernel over everyone (rule.py, kernel.py), the count after
each month and the output columns it gives (count.py), the monthly rates the rule reads (rates.py), and the
naloxone kits in the people's hands (naloxone.py).
``Users`` below holds the room's state and plays its part of the month.
"""

from __future__ import annotations

import numpy as np

from model.users.agent import User, expected_events as expected_events_reference
from model.users.count import count_month, user_columns
from model.users.hiv import HivPool
from model.users.kernel import expected_events, step_users
from model.users.naloxone import NaloxoneKits
from model.users.people import make_users
from model.users.rates import user_rates
from model.users.states import EVENT_BITS, USER_STATE_NAMES
from model.world import GROUPS


class Users:
    """The users' arrays, their monthly rates and counts, and the memory of heavy use (LHY's Y)."""

    def __init__(self, model, n_agents: int):
        b, p = model.baseline, model.params
        self.markets = b.markets
        self.people = make_users(b, n_agents, model.seed, p["user.group_size"])
        self.kits = NaloxoneKits(b, p)  # naloxone kits in hand by market and channel
        self.rates = None      # [market, group, rate] for this month (rates.py)
        self.counts = None     # agents by (market, group, state) as of the last count
        self.events = None     # events by (market, group, bit) this month
        self.inj = None        # the HIV pool by (market, group): people, with HIV, died this month (hiv.py)
        self.prison_dep = None  # people in prison with a history of dependence, by (market, group)
        self.classes = None    # agents by (market, group, state, flag code, risk) as of the last count
        self.expected = None   # expected events this month by (market, event), in agents (rule.py: event_chances)
        self.person_months, self.deaths_by_prior = {}, {}
        # LHY's memory of heavy use, people, by (market, group): it deters initiation
        self.memory_y = {(m, g): b.users[(m, g)]["y0"] for m in b.markets for g in GROUPS if (m, g) in b.users}
        self.agents = [User(model, i) for i in range(self.people.n)] if model.path == "reference" else None
        self.people_counts()  # the first count
        self.hiv = HivPool(self.inj)  # the expected HIV prevalence the force of infection reads (hiv.py)

    def people_counts(self) -> np.ndarray:
        """Agents by (market, group, state) as of the last count."""
        if self.counts is None:
            self._count(self.people.state)
        return self.counts

    def step(self, model) -> None:
        """Initiation, overdose, treatment, arrest and HIV for everyone, then the count and LHY's memory."""
        u = self.people
        self.people_counts()  # the peer tables come from last month's count (or the first one)
        self.kits.step(model.enforcement)
        self.rates = user_rates(model)
        before = u.state.copy()
        if self.agents is None:
            self.expected = expected_events(self.rates, self.classes)
            step_users(u.market, u.group, u.state, u.flags, u.risk, u.event, self.rates, u.peer_light,
                       u.peer_never, u.group_size, model.seed, model.t)
        else:
            self.expected = expected_events_reference(self.rates, self.classes)
            for a in self.agents:
                a.step()
        self._count(before)
        self.hiv.update(self.inj, self.expected)
        for (m, g), y in self.memory_y.items():
            mi, gi = self.markets.index(m), GROUPS.index(g)
            heavy = (self.counts[mi, gi, 2] + self.counts[mi, gi, 3]) * u.scale
            self.memory_y[(m, g)] = y + (heavy - model.params["user.lhy_delta"] * y) / 12.0

    def _count(self, before: np.ndarray) -> None:
        """Count the population (count.py): people and events, next month's peer tables, and person-months
        and deaths by the state people were in at ``before``."""
        u = self.people
        (self.counts, self.events, self.inj, self.prison_dep, u.peer_light, u.peer_never, pm, dead,
         self.classes) = count_month(u.market, u.group, u.state, before, u.flags, u.risk, u.event, u.group_size,
                                     len(self.markets), len(GROUPS), len(USER_STATE_NAMES), EVENT_BITS)
        self.deaths_by_prior, self.person_months = {}, {}
        for gi, g in enumerate(GROUPS):
            for k, name in enumerate(("dependent", "methadone", "buprenorphine")):
                self.person_months[(name, g)] = int(pm[gi, k]) * u.scale
                self.deaths_by_prior[(name, g)] = int(dead[gi, k]) * u.scale

    def demand(self, baseline) -> dict:
        """Heroin-equivalent kg a month the users of each (market, group) would consume at 2021 prices."""
        counts = self.people_counts()
        out = {}
        for (m, g), u in baseline.users.items():
            if g == "never":
                continue
            mi, gi = self.markets.index(m), GROUPS.index(g)
            occ = counts[mi, gi, 1] * self.people.scale
            dep = counts[mi, gi, 2] * self.people.scale
            out[(m, g)] = u["q_occ"] * occ + u["q_dep"] * dep
        return out

    def columns(self, fentanyl_share: dict, params: dict) -> dict:
        return user_columns(self, self.markets, fentanyl_share, params["user.nonfatal_per_fatal"])
