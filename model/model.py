"""DrugMarketModel: wires the world, the agents, the markets and the policy together.

One tick is one month. After a burn-in under the status-quo policy (which the
model is calibrated to hold), the scenario's policy applies from output month 1
and its events change levers at their months. Each month, in this order:

1. policy events; agencies turn budgets into activity;
2. farmers (kernel or reference path): enrolment, eradication, planting; harvest;
3. precursor suppliers divert (controls and substitution); labs produce;
4. traffickers buy, route and ship (seizures drawn per load), sell, recruit;
5. retail markets clear arrivals against demand: prices, purity, consumption;
   the farm-gate price and lab capacity respond to what traffickers want;
6. users (kernel or reference path): initiation, overdose, treatment, arrest, HIV;
7. violence and leadership removal among organizations; the month's outputs.
"""

from __future__ import annotations

import copy
import math
from collections import defaultdict

import mesa
import numpy as np
import pandas as pd
from mesa.discrete_space import Network

from agents.agency import EnforcementAgency
from agents.farmer import Farmer
from agents.supplier import PrecursorSupplier
from agents.trafficker import Trafficker, leadership_draw, merge_draw
from agents.user import User
from model import rng
from model.calibrate import calibrate, path_loss, route_weights, share_in_lab
from model.kernels.farmers import step_farmers
from model.kernels.seizures import loads_seized_at
from model.kernels.users import count_month, step_users
from model.markets import clear, farmgate_update, retail_cost, wholesale_cost
from model.outputs import OutputRecorder
from model.params import defaults
from model.policy import Policy
from model.population import make_farmers, make_users
from model.presets import PRESETS
from model.rates import farmer_rates, user_rates
from model.states import EVENT_BITS, N_COUNTRY_RATES, USER_STATE_NAMES
from model.world import DRUGS, GROUP_DRUGS, GROUPS, load_world

PATHS = ("kernel", "reference")


class DrugMarketModel(mesa.Model):
    """The illicit drug market and the policies aimed at it.

    ``DrugMarketModel(scenario=..., seed=...)``; ``.step()`` advances a month;
    ``.run(months)`` runs the burn-in (once) and ``months`` output months and
    returns the outputs as a DataFrame (one row a month, see model/outputs.py).
    ``path="reference"`` runs farmers and users through the plain-Mesa agent
    classes instead of the numba kernels (for small worlds and tests).
    """

    def __init__(self, scenario=None, seed: int = 0, path: str = "kernel", world=None, baseline=None):
        from model.scenario import Scenario  # local: scenario imports policy/params only

        if path not in PATHS:
            raise ValueError(f"path must be one of {PATHS}, got {path!r}")
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ValueError(f"seed must be a whole number >= 0, got {seed!r}")
        super().__init__(rng=int(seed))
        # a copy: events change the scenario's policy during a run, and the caller's object must not change
        self.scenario = copy.deepcopy(scenario) if scenario is not None else Scenario()
        self.seed = int(seed)
        self.path = path
        self.params = {**defaults(), **{k.removeprefix("params."): v for k, v in self.scenario.params.items()}}
        self.world = world if world is not None else load_world(self.scenario.world)
        self.baseline = baseline if baseline is not None else calibrate(self.world, self.params)
        b = self.baseline
        self.status_quo = Policy()
        self.policy = self.status_quo
        self.burn_in = int(self.params["sim.burn_in_months"])
        self.t = -self.burn_in  # output months are 1..months
        preset = PRESETS[self.scenario.preset]
        self.space = Network(_undirected(self.world.graph), random=self.random)
        self.cell_of = {c.coordinate: c for c in self.space.all_cells}

        self.markets = b.markets
        self.all_markets = b.all_markets
        self.users = make_users(b, preset["n_users"], self.seed, self.params["user.group_size"])
        self._init_farmers(preset["n_farmers"])
        self._init_markets()
        self._init_agencies()
        self._init_suppliers()
        self._init_traffickers(preset["n_orgs"])
        if path == "reference":
            self.user_agents = [User(self, i) for i in range(self.users.n)]
            self.farmer_agents = [Farmer(self, i) for i in range(self.farmers.n)]
        self.recorder = OutputRecorder(self)
        self.outputs: list[dict] = []

    # ------------------------------------------------------------------ set-up
    def _init_farmers(self, n_farmers: int) -> None:
        b, p = self.baseline, self.params
        w = self.world
        self.p_erad0 = {}
        trust0 = {}
        for c, crop in w.producers:
            cs = w.data[c]["crops"][crop]
            pe = cs["eradicated_ha_per_year"] / 12.0 / cs["ha"] if cs["ha"] > 0 else 0.0
            self.p_erad0[c] = pe
            trust0[c] = min(1.0, max(0.0, 0.5 - p["farmer.trust_loss_forced_eradication"] * pe
                                     / max(p["farmer.trust_recovery_per_month"], 1e-9)))
        self.farmers = make_farmers(b, n_farmers, self.seed, self.p_erad0, trust0)
        f = self.farmers
        self.cell_lo, self.cell_n = f.cell_lo, f.cell_n
        n_cells = int(f.cell_lo[-1] + f.cell_n[-1])
        self.cell_country = np.repeat(np.arange(len(f.countries)), f.cell_n)
        self.perceived_risk = np.array([self.p_erad0[f.countries[ci][0]] * 12.0 for ci in self.cell_country])
        self.p_erad = np.zeros(n_cells)
        self.util_a = np.zeros(n_cells)
        self.util_b = np.zeros(n_cells)
        self.util_c = np.zeros(n_cells)
        self.farmer_rates = np.zeros((len(f.countries), N_COUNTRY_RATES))
        self.farmgate = {d: w.farmgate[d] for d in DRUGS}
        self.expected_farmgate = dict(self.farmgate)
        self.farm_alpha = np.zeros(len(f.countries))
        from model.rates import calibrate_farm_alpha
        calibrate_farm_alpha(self)

    def _init_markets(self) -> None:
        b, p = self.baseline, self.params
        cover = p["market.inventory_cover_months"]
        self.inventory = {}
        self.in_transit = {}
        for m in self.all_markets:
            for d in DRUGS:
                c0 = b.consumption0.get((m, d), 0.0)
                self.inventory[(m, d)] = cover * c0
                self.in_transit[(m, d)] = b.delivered0.get((m, d), 0.0)
        self.in_transit_next = defaultdict(float)
        self.scarcity = {(m, g): 1.0 for m in self.all_markets for g in GROUPS}
        self.consumed = {(m, d): b.consumption0.get((m, d), 0.0) for m in self.all_markets for d in DRUGS}
        self.retail = {k: v["retail"] * 1000.0 for k, v in b.prices0.items()}     # USD per pure kg
        self.purity = {k: v["purity"] for k, v in b.prices0.items()}
        self.retail_cost = dict(self.retail)  # the markup chain's price before scarcity, USD per pure kg
        self.wholesale = {k: v["wholesale"] for k, v in b.prices0.items()}
        self.production = dict(b.production0)
        self.lab_capacity = dict(b.lab_capacity0)
        self.heroin_expected = {m: b.delivered0.get((m, "heroin"), 0.0) for m in self.all_markets}
        self.hazard = dict(b.hazard0)
        self.memory_y = {(m, g): b.users[(m, g)]["y0"] for m in self.markets for g in GROUPS if (m, g) in b.users}
        self.fentanyl_share = {m: self._fent_share(m, b.consumption0.get((m, "heroin"), 0.0),
                                                   b.consumption0.get((m, "fentanyl"), 0.0)) for m in self.all_markets}
        self.fentanyl_share0 = dict(self.fentanyl_share)
        self.precursor_source_share = {j: dict(pr["sources"]) for j, pr in enumerate(self.world.precursors)}
        self.precursor_escape = {j: 0.0 for j in range(len(self.world.precursors))}  # share supplied from elsewhere
        self.wants = {}  # (market, drug) -> wanted deliveries relative to 2021 (1 = as in 2021)

    def _init_agencies(self) -> None:
        b = self.baseline
        self.agency = {}
        for (name, place), prog in sorted(b.programmes.items(), key=lambda kv: (kv[0][0], str(kv[0][1]))):
            budget_key = name if name not in ("naloxone", "ssp", "drug_checking") else "harm_reduction"
            a = EnforcementAgency(self, prog, budget_key)
            self.agency[(name, place)] = a
            if place in self.cell_of:
                a.cell = self.cell_of[place]

    def _init_suppliers(self) -> None:
        n_total = PRESETS[self.scenario.preset]["n_suppliers"]
        pairs = [(j, c) for j, pr in enumerate(self.world.precursors) for c in pr["sources"]]
        per = max(1, n_total // max(1, len(pairs)))
        for j, c in pairs:
            for _ in range(per):
                s = PrecursorSupplier(self, j, c, 1.0 / per)
                s.cell = self.cell_of[c]

    def _init_traffickers(self, n_orgs: int) -> None:
        """Organizations by home country, with the world file's members (trafficker_members) shared Zipf-like."""
        w = self.world
        homes = sorted({c for c, _ in w.producers})
        members_total = {c: float(w.data[c].get("trafficker_members", self.params["trafficker.members_default"]))
                         for c in homes}
        n_orgs = max(n_orgs, len(homes))
        extra = n_orgs - len(homes)
        count = {c: 1 for c in homes}
        count["mexico"] = count.get("mexico", 0) + extra - extra // 3
        count["colombia"] = count.get("colombia", 0) + extra // 3
        revenue0 = sum(self.baseline.delivered0[(m, d)] * self.baseline.prices0[(m, d)]["wholesale"]
                       for (m, d) in self.baseline.delivered0 if (m, d) in self.baseline.prices0)
        members_sum = sum(members_total.values())
        self.org_count0 = dict(count)
        for c in homes:
            k = count[c]
            zipf = np.array([1.0 / (r + 1) for r in range(k)])
            zipf /= zipf.sum()
            for share in zipf:
                mem = members_total[c] * share
                cap = revenue0 * self.params["trafficker.capital_months"] * mem / members_sum
                org = Trafficker(self, c, mem, cap)
                org.cell = self.cell_of[c]
        self.members0 = sum(o.members for o in self.agents_by_type[Trafficker])
        p = self.params
        self.member_attrition = max(0.0, p["trafficker.recruitment_per_member"] - p["trafficker.incarceration_per_member"])
        self.violence_kappa = {}
        for c, v0 in self.baseline.violence0.items():
            mem, rivalry = self._rivalry(c)
            self.violence_kappa[c] = v0 / (mem * rivalry) if mem * rivalry > 0 else 0.0
        killed0 = sum(self.baseline.violence0.values()) * p["trafficker.member_share_of_deaths"]
        self.member_attrition = max(0.0, self.member_attrition - killed0 / self.members0)

    def next_draw_id(self) -> int:
        """Ids for the small populations' random draws, independent of how many Mesa agents exist."""
        self._draw_ids = getattr(self, "_draw_ids", 0) + 1
        return self._draw_ids

    # ------------------------------------------------------------------ policy
    def budget_for(self, budget_key: str, place, program: str) -> float:
        """The policy's US budget (USD a year) for a programme in a place; single numbers are shared by rule."""
        b = self.policy.budget[budget_key]
        if isinstance(b, dict):
            amount = float(b.get(place, 0.0))
        else:
            amount = float(b) * self.baseline.budget_share[budget_key].get(place, 0.0)
        if budget_key == "harm_reduction":
            amount *= self.baseline.hr_split[program]
        return amount

    def _apply_policy_for_month(self) -> None:
        if self.t == 1:
            self.policy = self.scenario.policy
        if self.t >= 1:
            for ev in self.scenario.events:
                if ev.month == self.t:
                    from model.scenario import set_value
                    for key, value in ev.set.items():
                        if key.startswith("params."):
                            self.params[key.removeprefix("params.")] = value
                        else:
                            set_value(self.scenario, key, value)
                    self.policy = self.scenario.policy

    # ------------------------------------------------------------------ the month
    def set_draw_keys(self) -> None:
        """This month's keys of the random streams the Mesa agents draw from (the kernels make their own)."""
        self.draw_keys = {
            "user_a": rng.key_py(self.seed, rng.USER, self.t), "user_b": rng.key_py(self.seed, rng.USER_B, self.t),
            "user_c": rng.key_py(self.seed, rng.USER_C, self.t), "farmer": rng.key_py(self.seed, rng.FARMER, self.t),
            "supplier": rng.key_py(self.seed, rng.SUPPLIER, self.t), "org": rng.key_py(self.seed, rng.ORG, self.t),
        }

    def step(self) -> None:
        self.t += 1
        self._apply_policy_for_month()
        self.set_draw_keys()
        self.ledger = defaultdict(float)
        self.ledger_lost = defaultdict(float)
        self.ledger_assets_seized = 0.0
        self.ledger_members_jailed = 0.0
        self.seized_by = defaultdict(float)
        self.seizure_events = 0
        self.seize_counter = 0
        self._seizure_key = (self.t, np.uint64(rng.key_py(self.seed, rng.SEIZURE, self.t)))
        self.route_flow = {}
        stock_before = self.total_stock()

        self.agents_by_type[EnforcementAgency].do("step")
        self._enforcement_effects()
        self._farmers_step()
        self._precursors_and_labs()
        self.agents_by_type[Trafficker].do("step")
        self._markets_step()
        self._users_step()
        self._violence_and_leadership()
        produced = {d: sum(v for (o, dd), v in self.production.items() if dd == d) for d in DRUGS}
        self.balance = {d: (produced[d], self.seized_total(d), sum(self.consumed[(m, d)] for m in self.all_markets),
                            self.ledger_lost[d], self.total_stock()[d] - stock_before[d]) for d in DRUGS}
        if self.t >= 1:
            self.outputs.append(self.recorder.row())

    def run(self, months: int | None = None) -> pd.DataFrame:
        """Run the burn-in (if not done) and ``months`` output months (default: the scenario's)."""
        months = self.scenario.months if months is None else int(months)
        while self.t < 0:
            self.step()
        end = self.t + months
        while self.t < end:
            self.step()
        return self.results()

    def results(self) -> pd.DataFrame:
        df = pd.DataFrame(self.outputs)
        df.insert(0, "seed", self.seed)
        df.insert(0, "scenario", self.scenario.name)
        return df

    # ------------------------------------------------------------------ 1. agencies
    def _enforcement_effects(self) -> None:
        p = self.params
        for c in self.hazard:
            a = self.agency.get(("interdiction", c))
            self.hazard[c] = self.baseline.hazard_base[c] + (
                p["agency.interdiction_hazard_per_patrol"] * a.activity if a else 0.0)

    def effect(self, program: str, place) -> float:
        a = self.agency.get((program, place))
        return a.effect if a is not None else 1.0

    def enforcement_index(self, country: str) -> float:
        h0 = self.baseline.hazard0.get(country, 0.0)
        return self.hazard.get(country, 0.0) / h0 if h0 > 0 else 1.0

    def financial_seizure_rate(self) -> float:
        a = self.agency.get(("financial_targeting", "world"))
        share = self.params["agency.financial_seizure_max"] * (a.activity / a.programme.k if a and a.programme.k else 0.0)
        return share / 12.0

    def precursor_seizure_share(self, country: str) -> float:
        """Share of diverted precursor seized by inspections in ``country`` this month."""
        a = self.agency.get(("precursor_control", country))
        if a is None or a.programme.k <= 0:
            return 0.0
        return self.params["precursor.inspection_seizure_max"] * a.activity / a.programme.k

    def precursor_seizure_share0(self, country: str) -> float:
        """The same in 2021 (suppliers divert enough to cover it)."""
        a = self.agency.get(("precursor_control", country))
        if a is None or a.programme.k <= 0:
            return 0.0
        return self.params["precursor.inspection_seizure_max"] * a.programme.a0 / a.programme.k

    # ------------------------------------------------------------------ 2. farmers
    def _farmers_step(self) -> None:
        farmer_rates(self)
        f = self.farmers
        if self.path == "kernel":
            step_farmers(f.cell, f.country, f.land, f.illicit, f.trust, f.risk_av, f.enrolled, f.coerced,
                         f.erad_age, f.eradicated, f.voluntary, f.deforested, f.replanted, f.event, self.p_erad, self.util_a,
                         self.util_b, self.util_c, self.farmer_rates, self.cell_lo, self.cell_n, self.seed, self.t)
        else:
            for a in self.farmer_agents:
                a.step()
        # perceived eradication risk per cell: smoothed share of the illicit area eradicated (a year)
        n_cells = len(self.p_erad)
        erad = np.bincount(f.cell, weights=f.eradicated, minlength=n_cells)
        standing = np.bincount(f.cell, weights=f.illicit, minlength=n_cells) + erad
        share = np.divide(erad, standing, out=np.zeros(n_cells), where=standing > 0) * 12.0
        wt = self.params["farmer.price_expectation_weight"]
        self.perceived_risk = (1 - wt) * self.perceived_risk + wt * np.minimum(share, 12.0)
        ill = np.bincount(f.country, weights=f.illicit, minlength=len(f.countries))
        shock = self.params["market.heroin_supply_shock"]
        for ci, (c, crop) in enumerate(f.countries):
            d = "cocaine" if crop == "coca" else "heroin"
            lost = shock if d == "heroin" else 0.0  # an exogenous disruption (experiment lever, T12)
            self.production[(c, d)] = ill[ci] * self.world.data[c]["crops"][crop]["yield"] / 12.0 * (1.0 - lost)

    # ------------------------------------------------------------------ 3. precursors and labs
    def precursor_need(self, route: int) -> float:
        """kg a month the labs on this route need at their capacity, grossed up for 2021 inspection seizures."""
        pr = self.world.precursors[route]
        return self.lab_capacity[(pr["lab_country"], pr["drug"])] * share_in_lab(self.world, route) * pr["kg_per_kg"]

    def _precursors_and_labs(self) -> None:
        p = self.params
        # relocation: a family scheduled as a class in a country moves, slowly, to sources without that control
        for j, pr in enumerate(self.world.precursors):
            src = pr["sources"]
            blocked = {c for c in src if self.policy.switch("precursor_scheduling", c) == "class"}
            free = [c for c in src if c not in blocked]
            cur = self.precursor_source_share[j]
            if blocked and free:
                moved = sum(src[c] for c in blocked)
                free_tot = sum(src[c] for c in free)
                target = {c: (0.0 if c in blocked else src[c] + moved * src[c] / free_tot) for c in src}
            else:
                target = dict(src)
            rate = 1.0 / p["precursor.relocation_months"]
            for c in src:
                cur[c] += rate * (target[c] - cur[c])
            # with every listed source controlling the class, part of the supply escapes to sources elsewhere
            escape_target = p["precursor.escape_share"] * sum(src[c] for c in blocked) if blocked and not free else 0.0
            self.precursor_escape[j] += rate * (escape_target - self.precursor_escape[j])
        self.agents_by_type[PrecursorSupplier].do("step")
        avail = defaultdict(float)
        self.precursor_diverted = defaultdict(float)
        self.precursor_seized = 0.0
        for s in self.agents_by_type[PrecursorSupplier]:
            avail[s.route] += s.diverted - s.seized
            self.precursor_diverted[s.country] += s.diverted
            self.precursor_seized += s.seized
        for j in range(len(self.world.precursors)):
            escaped = self.precursor_need(j) * self.precursor_escape[j]
            avail[j] += escaped
            self.precursor_diverted["elsewhere"] += escaped
        self.precursor_available = avail
        for (o, d), cap in self.lab_capacity.items():
            made = 0.0
            for j, pr in enumerate(self.world.precursors):
                if pr["drug"] == d and pr["lab_country"] == o:
                    made += min(cap * share_in_lab(self.world, j), avail[j] / pr["kg_per_kg"])
            self.production[(o, d)] = made

    # ------------------------------------------------------------------ 4. trafficking (helpers used by Trafficker)
    def territory_share(self, org: Trafficker, origin: str) -> float:
        """The organization's share of an origin's output this month, by members at the month's start."""
        if getattr(self, "_territory_t", None) != self.t:
            self._territory, self._territory_t = {}, self.t
        shares = self._territory.get(origin)
        if shares is None:
            orgs = [o for o in self.agents_by_type[Trafficker] if o.home == origin]
            if not orgs:  # no organization based there (e.g. domestic labs): Mexico's organizations handle it
                orgs = [o for o in self.agents_by_type[Trafficker] if o.home == "mexico"] or list(
                    self.agents_by_type[Trafficker])
            tot = sum(o.members for o in orgs)
            shares = self._territory[origin] = {o.draw_id: o.members / tot for o in orgs}
        return shares.get(org.draw_id, 0.0)

    def source_price(self, origin: str, drug: str) -> float:
        if self.world.drugs[drug]["kind"] == "plant":
            crop = self.world.crop_of(drug)
            return (self.farmgate[drug] * self.world.data[origin]["crops"][crop]["farmgate_multiplier"]
                    * self.params["market.farmgate_shock"])
        return self.farmgate[drug]

    def ship_shares(self, origin: str, drug: str) -> dict:
        """Where an origin's output goes: 2021 shares, tilted towards markets that want more than in 2021."""
        base = self.baseline.ship_share0.get((origin, drug), {})
        want = self.wants
        raw = {m: s * want.get((m, drug), 1.0) for m, s in base.items()}
        tot = sum(raw.values())
        return {m: v / tot for m, v in raw.items()} if tot > 0 else base

    def path_loss_now(self, pth) -> float:
        return path_loss(self.world, self.hazard, pth, self.params["market.lost_fraction"])

    def transport_cost(self, pth) -> float:
        g = self.world.graph
        return sum(g.edges[a, c]["cost"] for a, c in zip(pth[:-1], pth[1:]))

    def wholesale_price(self, market: str, drug: str) -> float:
        return self.wholesale.get((market, drug), 0.0)

    def seize(self, pth, drug: str, kg: float, load: float) -> float:
        """Split ``kg`` into loads; each load is seized in the first country whose draw falls under its hazard."""
        n = max(1, int(math.ceil(kg / load)))
        per = kg / n
        pnode = np.array([1.0 - math.exp(-self.hazard[c]) for c in pth])
        hits = loads_seized_at(self._seizure_key[1], self.seize_counter, n, pnode)
        self.seize_counter += n * len(pth)
        seized = 0.0
        for j, c in enumerate(pth):
            k = int(hits[j])
            if k:
                self.seized_by[(drug, c)] += k * per
                seized += k * per
                self.seizure_events += k
        return seized

    def seized_total(self, drug: str) -> float:
        return sum(v for (d, _), v in self.seized_by.items() if d == drug)

    # ------------------------------------------------------------------ 5. markets
    def _markets_step(self) -> None:
        b, p = self.baseline, self.params
        cover = p["market.inventory_cover_months"]
        eps = p["user.consumption_price_elasticity"]
        potency = p["market.fentanyl_potency"]
        e_risk = p["market.risk_cost_elasticity"]
        demand = self.demand_ref()
        wants = {}
        for m in self.all_markets:
            for d in DRUGS:
                self.inventory[(m, d)] += self.in_transit[(m, d)]
            for g in GROUPS:
                drugs = [d for d in GROUP_DRUGS[g] if (m, d) in b.prices0]
                if not drugs:
                    continue
                pot = {d: (potency if d == "fentanyl" else 1.0) for d in drugs}
                stock_he = sum(self.inventory[(m, d)] * pot[d] for d in drugs)
                # users' demand at today's cost price (enforcement and seizures raise it) before scarcity
                d_ref = demand.get((m, g), 0.0) * self._cost_index(m, g) ** eps
                consumed_he, scar = clear(stock_he, d_ref, cover, eps, p["market.max_scarcity"])
                frac = consumed_he / stock_he if stock_he > 0 else 0.0
                for d in drugs:
                    self.consumed[(m, d)] = self.inventory[(m, d)] * frac
                    self.inventory[(m, d)] -= self.consumed[(m, d)]
                self.scarcity[(m, g)] = scar
                purity_factor = scar ** (-p["market.purity_response"])
                for d in drugs:
                    mk = b.markups.get((m, d))
                    if mk is None:
                        continue
                    src = np.mean([self.source_price(o, d) for o in self.world.origins(d)
                                   if (o, m, d) in b.path_loss0])
                    transit_int = self._transit_intensity(m, d)
                    wh = wholesale_cost(src, mk, self._loss_now(m, d), transit_int, e_risk)
                    retail_int = self.effect("domestic_enforcement", m) if m in self.markets else 1.0
                    self.wholesale[(m, d)] = wh * scar ** (1.0 - p["market.purity_response"])
                    self.retail_cost[(m, d)] = retail_cost(wh, mk, retail_int, e_risk)
                    self.retail[(m, d)] = self.retail_cost[(m, d)] * scar
                    self.purity[(m, d)] = min(0.99, b.prices0[(m, d)]["purity"] * purity_factor)
                # what traffickers want to deliver next: demand relative to 2021, plus restocking
                ratio = d_ref / b.users[(m, g)]["he0"] if (m, g) in b.users and b.users[(m, g)]["he0"] > 0 else 1.0
                restock_m = p["market.restock_months"]
                for d in drugs:
                    base = b.delivered0.get((m, d), 0.0)
                    if base <= 0:
                        continue
                    gap = (cover * b.consumption0.get((m, d), 0.0) * ratio - self.inventory[(m, d)]) / restock_m
                    wants[(m, d)] = min(3.0, max(0.0, base * ratio + gap) / base)
                if "fentanyl" in drugs and b.delivered0.get((m, "fentanyl"), 0.0) > 0:
                    # fentanyl fills what heroin does not: the opioid market's wanted doses less expected heroin
                    he0 = b.delivered0.get((m, "heroin"), 0.0) + potency * b.delivered0[(m, "fentanyl")]
                    want_he = he0 * ratio + (cover * b.users[(m, g)]["he0"] * ratio - stock_he + consumed_he) / restock_m
                    self.heroin_expected[m] = 0.7 * self.heroin_expected[m] + 0.3 * self.in_transit[(m, "heroin")]
                    want_f = max(0.0, want_he - self.heroin_expected[m]) / potency
                    wants[(m, "fentanyl")] = min(3.0, want_f / b.delivered0[(m, "fentanyl")])
            if m in self.markets:
                self.fentanyl_share[m] = self._fent_share(m, self.consumed[(m, "heroin")], self.consumed[(m, "fentanyl")])
        self.wants = wants
        for (m, d) in list(self.in_transit):
            self.in_transit[(m, d)] = self.in_transit_next.get((m, d), 0.0)
        self.in_transit_next = defaultdict(float)
        self._supply_response()

    def _loss_now(self, m: str, d: str) -> float:
        """Share of a shipment to ``m`` lost on the way at today's hazards (2021 route weights; = loss0 in 2021)."""
        b, p = self.baseline, self.params
        losses = []
        for o in self.world.origins(d):
            if (o, m, d) not in b.path_loss0:
                continue
            paths = self.world.paths[(o, m)]
            wts = route_weights(self.world, b.hazard0, paths, b.prices0[(m, d)]["wholesale"],
                                p["trafficker.route_sensitivity"], p["market.lost_fraction"])
            losses.append(float(sum(wt * self.path_loss_now(pth) for wt, pth in zip(wts, paths))))
        return float(np.mean(losses)) if losses else 0.0

    def _cost_index(self, m: str, g: str) -> float:
        """Last month's retail cost price of the group's drugs relative to 2021 (consumption-weighted)."""
        b = self.baseline
        drugs = [d for d in GROUP_DRUGS[g] if (m, d) in b.prices0]
        w = [b.consumption0.get((m, d), 0.0) * (self.params["market.fentanyl_potency"] if d == "fentanyl" else 1.0)
             for d in drugs]
        if sum(w) <= 0:
            return 1.0
        return sum(wi * self.retail_cost[(m, d)] / (b.prices0[(m, d)]["retail"] * 1000.0)
                   for wi, d in zip(w, drugs)) / sum(w)

    def _transit_intensity(self, m: str, d: str) -> float:
        origins = [o for o in self.world.origins(d) if (o, m) in self.world.paths]
        hs = [sum(self.hazard[c] for c in pth) for o in origins for pth in self.world.paths[(o, m)]]
        h0 = [sum(self.baseline.hazard0[c] for c in pth) for o in origins for pth in self.world.paths[(o, m)]]
        return (sum(hs) / sum(h0)) if sum(h0) > 0 else 1.0

    def _supply_response(self) -> None:
        """Farm-gate prices clear the leaf market; lab capacity follows what traffickers want."""
        b, p = self.baseline, self.params
        for d in DRUGS:
            origins = self.world.origins(d)
            target = 0.0
            for o in origins:
                for m, s in b.ship_share0.get((o, d), {}).items():
                    target += b.production0[(o, d)] * s * self.wants.get((m, d), 1.0)
            if self.world.drugs[d]["kind"] == "plant":
                harvest = sum(self.production[(o, d)] for o in origins)
                self.farmgate[d] = farmgate_update(self.farmgate[d], target, harvest, p["market.farmgate_adjust"])
                wt = p["farmer.price_expectation_weight"]
                self.expected_farmgate[d] = (1 - wt) * self.expected_farmgate[d] + wt * self.farmgate[d]
            else:
                for o in origins:
                    want_o = sum(b.production0[(o, d)] * s * self.wants.get((m, d), 1.0)
                                 for m, s in b.ship_share0.get((o, d), {}).items())
                    now = self.lab_capacity[(o, d)]
                    self.lab_capacity[(o, d)] = max(0.0, now + p["market.supply_adjust"] * (want_o - now))
                # producer price: precursor shortages raise the cost of what labs can still make
                cap = sum(self.lab_capacity[(o, d)] for o in origins)
                made = sum(self.production[(o, d)] for o in origins)
                short = cap / made if made > 0 else 5.0
                self.farmgate[d] = self.world.farmgate[d] * min(5.0, max(1.0, short))

    def demand_ref(self) -> dict:
        """Heroin-equivalent kg a month users would consume at the cost price (before scarcity)."""
        b = self.baseline
        out = {}
        counts = self.people_counts()
        for (m, g), u in b.users.items():
            if g == "never":
                continue
            mi, gi = self.markets.index(m), GROUPS.index(g)
            occ = counts[mi, gi, 1] * self.users.scale
            dep = counts[mi, gi, 2] * self.users.scale
            out[(m, g)] = u["q_occ"] * occ + u["q_dep"] * dep
        for m in self.world.exo_markets:
            out[(m, "cocaine")] = b.consumption0.get((m, "cocaine"), 0.0)
            out[(m, "opioid")] = b.consumption0.get((m, "heroin"), 0.0)
        return out

    def _fent_share(self, m: str, heroin: float, fent: float) -> float:
        he = heroin + self.params["market.fentanyl_potency"] * fent
        return self.params["market.fentanyl_potency"] * fent / he if he > 0 else 0.0

    def price_index(self, m: str, g: str) -> float:
        drugs = [d for d in GROUP_DRUGS[g] if (m, d) in self.baseline.prices0]
        w = [self.baseline.consumption0.get((m, d), 0.0) * (self.params["market.fentanyl_potency"] if d == "fentanyl" else 1.0)
             for d in drugs]
        if sum(w) <= 0:
            return 1.0
        return sum(wi * self.retail[(m, d)] / (self.baseline.prices0[(m, d)]["retail"] * 1000.0)
                   for wi, d in zip(w, drugs)) / sum(w)

    def total_stock(self) -> dict:
        return {d: sum(self.inventory[(m, d)] + self.in_transit[(m, d)] + self.in_transit_next.get((m, d), 0.0)
                       for m in self.all_markets) for d in DRUGS}

    # ------------------------------------------------------------------ 6. users
    def people_counts(self) -> np.ndarray:
        """Agents by (market, group, state) as of the last count."""
        if getattr(self, "_counts", None) is None:
            self._count_users(self.users.state)
        return self._counts

    def _count_users(self, before: np.ndarray) -> None:
        """Count the population (kernels/users.py count_month): people and events, next month's peer
        tables, and person-months and deaths by the state people were in at ``before``."""
        u = self.users
        (self._counts, self._events, self._inj, self._prison_dep, u.peer_light, u.peer_never, pm, dead) = count_month(
            u.market, u.group, u.state, before, u.flags, u.event, u.group_size, len(self.markets), len(GROUPS),
            len(USER_STATE_NAMES), EVENT_BITS)
        self.deaths_by_prior, self.person_months = {}, {}
        for gi, g in enumerate(GROUPS):
            for k, name in enumerate(("dependent", "methadone", "buprenorphine")):
                self.person_months[(name, g)] = int(pm[gi, k]) * u.scale
                self.deaths_by_prior[(name, g)] = int(dead[gi, k]) * u.scale

    def _users_step(self) -> None:
        u = self.users
        self.people_counts()  # the peer tables come from last month's count (or the first one)
        user_rates(self)
        before = u.state.copy()
        if self.path == "kernel":
            step_users(u.market, u.group, u.state, u.flags, u.risk, u.event, self.user_rates, u.peer_light,
                       u.peer_never, u.group_size, self.seed, self.t)
        else:
            for a in self.user_agents:
                a.step()
        self._count_users(before)
        for (m, g), y in self.memory_y.items():
            mi, gi = self.markets.index(m), GROUPS.index(g)
            heavy = (self._counts[mi, gi, 2] + self._counts[mi, gi, 3]) * u.scale
            self.memory_y[(m, g)] = y + (heavy - self.params["user.lhy_delta"] * y) / 12.0

    # ------------------------------------------------------------------ 7. violence and leadership
    def _rivalry(self, country: str) -> tuple[float, float]:
        """Members based in a country, and rivalry there: (organizations / 2021 organizations) ** elasticity.

        (The Herfindahl index of member shares was tried first: it jumps with every takeover and drifts
        because the largest organization absorbs the smallest, so the baseline did not hold. See docs/ODD.md.)"""
        orgs = [o for o in self.agents_by_type[Trafficker] if o.home == country]
        tot = sum(o.members for o in orgs)
        n0 = self.org_count0.get(country, 1)
        return tot, (len(orgs) / n0) ** self.params["trafficker.rivalry_elasticity"] if orgs else 0.0

    def _violence_and_leadership(self) -> None:
        p = self.params
        self.violence = 0.0
        for c, kappa in self.violence_kappa.items():
            mem, rivalry = self._rivalry(c)
            v = kappa * mem * rivalry
            self.violence += v
            killed = v * p["trafficker.member_share_of_deaths"]
            for o in [o for o in self.agents_by_type[Trafficker] if o.home == c]:
                o.members = max(1.0, o.members - killed * o.members / mem)
        orgs = sorted(self.agents_by_type[Trafficker], key=lambda o: o.draw_id)
        prob = p["trafficker.leadership_removal_probability"]
        for o in orgs:
            if self.policy.switch("leadership_targeting", o.home) and leadership_draw(self, o) < prob:
                child = o.split()
                child.cell = o.cell
        homes = sorted({o.home for o in self.agents_by_type[Trafficker]})
        for ci, c in enumerate(homes):
            group = sorted([o for o in self.agents_by_type[Trafficker] if o.home == c], key=lambda o: o.draw_id)
            n0 = self.org_count0.get(c, 1)
            if len(group) > 1 and merge_draw(self, ci) < prob * n0:
                small = min(group, key=lambda o: (o.members, o.draw_id))
                big = max(group, key=lambda o: (o.members, -o.draw_id))
                big.absorb(small)


def _undirected(g):
    import networkx as nx
    h = nx.Graph()
    h.add_nodes_from(g.nodes)
    h.add_edges_from(g.edges)
    return h
