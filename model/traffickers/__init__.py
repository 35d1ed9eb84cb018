"""Trafficking organizations: the traffickers' room.

Each organization is a Mesa agent (agent.py) that buys, ships, sells and recruits. Here: the organizations
at the start (by home country, members shared Zipf-like), who controls how much of each origin's output,
and what involves several organizations at once: violence from rivalry, the splitting of an organization
whose leaders are removed, and takeovers.
"""

from __future__ import annotations

import numpy as np

from model.traffickers.agent import Trafficker, leadership_draw, merge_draw


class Traffickers:
    """The organizations (Mesa's registry holds them: ``model.agents_by_type[Trafficker]``) and what the
    room tracks about them: 2021 counts, member attrition, violence and this month's seizures of assets."""

    def __init__(self, model, n_orgs: int):
        self._model = model  # for Mesa's registry of organizations, which splits and takeovers change
        self.org_count0, self.violence_kappa = {}, {}
        self.violence = 0.0
        self.contest0 = _steady_contest(model.params, model.policy)
        self.new_month()
        self._found(model, n_orgs)

    def _found(self, model, n_orgs: int) -> None:
        """Organizations by home country, with the world file's members (trafficker_members) shared Zipf-like."""
        w, p, b = model.world, model.params, model.baseline
        homes = sorted({c for c, _ in w.producers})
        members_total = {c: float(w.data[c].get("trafficker_members", p["trafficker.members_default"]))
                         for c in homes}
        n_orgs = max(n_orgs, len(homes))
        extra = n_orgs - len(homes)
        count = {c: 1 for c in homes}
        count["mexico"] = count.get("mexico", 0) + extra - extra // 3
        count["colombia"] = count.get("colombia", 0) + extra // 3
        revenue0 = sum(b.delivered0[(m, d)] * b.prices0[(m, d)]["wholesale"]
                       for (m, d) in b.delivered0 if (m, d) in b.prices0)
        members_sum = sum(members_total.values())
        self.org_count0 = dict(count)
        for c in homes:
            k = count[c]
            zipf = np.array([1.0 / (r + 1) for r in range(k)])
            zipf /= zipf.sum()
            for share in zipf:
                mem = members_total[c] * share
                cap = revenue0 * p["trafficker.capital_months"] * mem / members_sum
                org = Trafficker(model, c, mem, cap)
                org.cell = model.cell_of[c]
                org.contest = self.contest0
        self.members0 = sum(o.members for o in self._orgs())
        self.member_attrition = max(0.0, p["trafficker.recruitment_per_member"] - p["trafficker.incarceration_per_member"])
        for c, v0 in b.violence0.items():
            mem, rivalry = self._rivalry(c, p)
            mem *= 1.0 + p["trafficker.contest_violence_increase"] * self.contest0
            self.violence_kappa[c] = v0 / (mem * rivalry) if mem * rivalry > 0 else 0.0
        killed0 = sum(b.violence0.values()) * p["trafficker.member_share_of_deaths"]
        self.member_attrition = max(0.0, self.member_attrition - killed0 / self.members0)

    def _orgs(self):
        return self._model.agents_by_type[Trafficker]

    def new_month(self) -> None:
        self.assets_seized = 0.0   # USD seized by financial targeting this month
        self._territory, self._territory_t = {}, None

    def step(self) -> None:
        """Each organization buys, ships, sells and recruits (agent.py)."""
        self._orgs().do("step")

    def territory_share(self, org: Trafficker, origin: str, t: int) -> float:
        """The organization's share of an origin's output this month, by members at the month's start."""
        if self._territory_t != t:
            self._territory, self._territory_t = {}, t
        shares = self._territory.get(origin)
        if shares is None:
            orgs = [o for o in self._orgs() if o.home == origin]
            if not orgs:  # no organization based there (e.g. domestic labs): Mexico's organizations handle it
                orgs = [o for o in self._orgs() if o.home == "mexico"] or list(self._orgs())
            tot = sum(o.members for o in orgs)
            shares = self._territory[origin] = {o.draw_id: o.members / tot for o in orgs}
        return shares.get(org.draw_id, 0.0)

    def _rivalry(self, country: str, p) -> tuple[float, float]:
        """Members based in a country, each counted more in a succession contest, and rivalry there:
        (organizations / 2021 organizations) ** elasticity.

        (The Herfindahl index of member shares was tried first: it jumps with every takeover and drifts
        because the largest organization absorbs the smallest, so the baseline did not hold. See docs/ODD.md.)"""
        orgs = [o for o in self._orgs() if o.home == country]
        lift = p["trafficker.contest_violence_increase"]
        tot = sum(o.members * (1.0 + lift * o.contest) for o in orgs)
        n0 = self.org_count0.get(country, 1)
        return tot, (len(orgs) / n0) ** p["trafficker.rivalry_elasticity"] if orgs else 0.0

    def violence_and_leadership(self, model) -> None:
        """Violence from rivalry kills members; leadership removal splits organizations; rivals merge."""
        p = model.params
        self.violence = 0.0
        for c, kappa in self.violence_kappa.items():
            mem, rivalry = self._rivalry(c, p)
            v = kappa * mem * rivalry
            self.violence += v
            killed = v * p["trafficker.member_share_of_deaths"]
            members = sum(o.members for o in self._orgs() if o.home == c)
            for o in [o for o in self._orgs() if o.home == c]:
                o.members = max(1.0, o.members - killed * o.members / members)
        orgs = sorted(self._orgs(), key=lambda o: o.draw_id)
        prob = p["trafficker.leadership_removal_probability"]  # the 2021 rate: takeovers balance it
        for o in orgs:
            if (model.policy.switch("leadership_targeting", o.home)
                    and leadership_draw(model, o) < prob * p["trafficker.leadership_removal_multiplier"]):
                child = o.split()
                child.cell = o.cell
        homes = sorted({o.home for o in self._orgs()})
        for ci, c in enumerate(homes):
            group = sorted([o for o in self._orgs() if o.home == c], key=lambda o: o.draw_id)
            n0 = self.org_count0.get(c, 1)
            if len(group) > 1 and merge_draw(model, ci) < prob * n0:
                small = min(group, key=lambda o: (o.members, o.draw_id))
                big = max(group, key=lambda o: (o.members, -o.draw_id))
                big.absorb(small)

    def columns(self) -> dict:
        orgs = list(self._orgs())
        return {"trafficker_assets_usd": sum(o.capital for o in orgs),
                "trafficker_revenue_usd": sum(o.revenue for o in orgs),
                "assets_seized_usd": self.assets_seized,
                "trafficking_orgs": len(orgs),
                "succession_contests": sum(o.contest for o in orgs),
                "trafficker_members": sum(o.members for o in orgs)}


def _steady_contest(p, policy) -> float:
    """An organization's succession contest at the status quo, where removals of members and leaders open
    contests as fast as they decay (the contest is read after the month's member removals)."""
    months = p["trafficker.contest_months"]
    members = p["trafficker.contest_per_member_removed"] * p["trafficker.incarceration_per_member"]
    leaders = p["trafficker.leadership_removal_probability"] if policy.switch("leadership_targeting") else 0.0
    return months * members + (months - 1.0) * leaders
