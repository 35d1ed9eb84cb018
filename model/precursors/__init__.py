"""Precursor chemicals and the labs that need them: the precursor room.

Suppliers (agent.py) divert precursors to the labs, cut by scheduling and seized by inspections. Here:
where each precursor family is sourced (class scheduling moves demand, slowly, to sources without the
control, and part of it escapes to sources outside the world file), and what the labs make with what
reaches them.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from model.calibrate import share_in_lab
from model.precursors.agent import PrecursorSupplier
from model.markets.labs import output_factor
from model.presets import PRESETS


class Precursors:
    """Source shares and escape per precursor route, the suppliers, and this month's diversion."""

    def __init__(self, model):
        w = model.world
        self.world, self.params = w, model.params
        self.source_share = {j: dict(pr["sources"]) for j, pr in enumerate(w.precursors)}
        self.escape = {j: 0.0 for j in range(len(w.precursors))}  # share supplied from sources elsewhere
        n_total = PRESETS[model.scenario.preset]["n_suppliers"]
        pairs = [(j, c) for j, pr in enumerate(w.precursors) for c in pr["sources"]]
        per = max(1, n_total // max(1, len(pairs)))
        self.suppliers = []
        for j, c in pairs:
            for _ in range(per):
                s = PrecursorSupplier(model, j, c, 1.0 / per)
                s.cell = model.cell_of[c]
                self.suppliers.append(s)
        self.diverted, self.seized = defaultdict(float), 0.0
        self.fed = {k: w.fed_by_precursors(*k) for k in w.labs}  # labs that need the world file's precursors
        self.usable = {c: 1.0 for c, _ in w.labs}  # share of lab capacity usable (finished-product scheduling)

    def need(self, route: int, lab_capacity: dict) -> float:
        """kg a month the labs on this route need at the capacity they can use."""
        pr = self.world.precursors[route]
        return (lab_capacity[(pr["lab_country"], pr["drug"])] * self.usable[pr["lab_country"]]
                * share_in_lab(self.world, route) * pr["kg_per_kg"])

    def step(self, model) -> dict:
        """Relocation and escape under class scheduling, the suppliers' diversion, and the labs' output (of the
        capacity finished-product scheduling leaves them); returns what the labs make, kg by (country, drug)."""
        self._relocate(model.policy)
        self.usable = {c: output_factor(model.policy, self.params, c) for c in self.usable}
        for s in self.suppliers:
            s.step()
        lab_capacity = model.markets.lab_capacity
        avail = defaultdict(float)
        self.diverted = defaultdict(float)
        self.seized = 0.0
        for s in self.suppliers:
            avail[s.route] += s.diverted - s.seized
            self.diverted[s.country] += s.diverted
            self.seized += s.seized
        for j in range(len(self.world.precursors)):
            escaped = self.need(j, lab_capacity) * self.escape[j]
            avail[j] += escaped
            self.diverted["elsewhere"] += escaped
        made = {}
        for (o, d), cap in lab_capacity.items():
            cap = cap * self.usable[o]
            if not self.fed[(o, d)]:  # chemicals made at home: capacity is the only limit
                made[(o, d)] = cap
                continue
            q = 0.0
            for j, pr in enumerate(self.world.precursors):
                if pr["drug"] == d and pr["lab_country"] == o:
                    q += min(cap * share_in_lab(self.world, j), avail[j] / pr["kg_per_kg"])
            made[(o, d)] = q
        return made

    def _relocate(self, policy) -> None:
        """A family scheduled as a class in a country moves, slowly, to sources without that control; with
        every listed source controlling the class, part of the supply escapes to sources elsewhere."""
        p = self.params
        for j, pr in enumerate(self.world.precursors):
            src = pr["sources"]
            blocked = {c for c in src if policy.switch("precursor_scheduling", c) == "class"}
            free = [c for c in src if c not in blocked]
            cur = self.source_share[j]
            if blocked and free:
                moved = sum(src[c] for c in blocked)
                free_tot = sum(src[c] for c in free)
                target = {c: (0.0 if c in blocked else src[c] + moved * src[c] / free_tot) for c in src}
            else:
                target = dict(src)
            rate = 1.0 / p["precursor.relocation_months"]
            for c in src:
                cur[c] += rate * (target[c] - cur[c])
            escape_target = p["precursor.escape_share"] * sum(src[c] for c in blocked) if blocked and not free else 0.0
            self.escape[j] += rate * (escape_target - self.escape[j])

    def columns(self, production: dict) -> dict:
        """Precursor seized and diverted, and labs running (from this month's production)."""
        out = {"precursor_seized_kg": self.seized}
        for c in sorted({c for pr in self.world.precursors for c in pr["sources"]}):
            out[f"precursor_diverted_kg_{c}"] = self.diverted.get(c, 0.0)
        out["precursor_diverted_kg_elsewhere"] = self.diverted.get("elsewhere", 0.0)
        p, labs = self.params, 0.0
        for (o, d), q in production.items():
            size = (p["trafficker.lab_output_kg_per_month"] if self.world.drugs[d]["kind"] == "plant"
                    else p["trafficker.synthetic_lab_output_kg_per_month"])
            labs += np.ceil(q / size) if q > 0 else 0.0
        out["labs_active"] = labs
        return out
