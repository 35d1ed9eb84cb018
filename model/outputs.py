"""The output contract: one row a month, in people (not agents) and US dollars.

Columns are those of ../shared/DESIGN.md ("Outputs", a stable contract) and
more. Flows (deaths, kg, USD) are per month; stocks (people, hectares, assets)
at the month's end. Market-level prices without a market suffix are
consumption-weighted means over the markets with user agents; suffixed columns
give each market. docs/ODD.md lists every column with its unit.
"""

from __future__ import annotations

import numpy as np

from agents.trafficker import Trafficker
from model.policy import PROGRAMS
from model.states import (
    DEPENDENT, E_ARREST, E_HIV, E_INIT, E_OD_DEATH, E_REFERRAL, E_REVERSED, E_TX_ENTRY, OCCASIONAL, PRISON,
    TREATMENT,
)
from model.world import DRUGS, GROUPS

BIT = {E_INIT: 0, E_OD_DEATH: 1, E_REVERSED: 2, E_HIV: 3, E_ARREST: 4, E_TX_ENTRY: 5, E_REFERRAL: 7}


def unit_of(column: str) -> str:
    """The unit of an output column (used by the summary, the figures and the app)."""
    if column.startswith(("retail_price_", "retail_cost_price_")):
        return "USD per pure gram"
    if column.startswith(("farmgate_price_", "wholesale_price_")):
        return "USD per pure kg"
    if column.startswith(("retail_purity_", "fentanyl_share", "naloxone_coverage", "ssp_coverage", "farmer_share")):
        return "fraction"
    if column.endswith("_usd") or column.startswith("spend_usd_") or "_usd_" in column:
        return "USD a month" if not column.startswith("trafficker_assets") else "USD"
    if column.startswith(("cultivation_ha", "eradicated_ha", "deforestation_ha", "voluntary_eradication_ha",
                          "replanted_ha")):
        return "ha" if column.startswith("cultivation") else "ha a month"
    if column.startswith(("precursor_",)):
        return "kg a month"
    if "_kg" in column:
        return "kg pure a month"
    if column == "month":
        return "month"
    if column in ("trafficking_orgs", "labs_active", "active_routes"):
        return "count"
    if column in ("seizure_events",):
        return "loads a month"
    if column.startswith("person_months_"):
        return "person-months"
    if column.startswith(("people_with_sud", "people_using", "in_treatment", "incarcerated", "trafficker_members", "users_",
                          "ad_enrolled")):
        return "people" if not column.startswith("ad_") else "households"
    return "people a month"


class OutputRecorder:
    def __init__(self, model):
        self.m = model

    def row(self) -> dict:
        m = self.m
        b, p, w = m.baseline, m.params, m.world
        u = m.users
        s = u.scale
        counts, events = m._counts, m._events
        out: dict = {"month": m.t}
        ev = events.sum(axis=1)  # by market, bit
        out["overdose_deaths"] = ev[:, BIT[E_OD_DEATH]].sum() * s
        out["overdoses_reversed"] = ev[:, BIT[E_REVERSED]].sum() * s
        # overdoses that were not life-threatening: expected number, from the ratio to would-be-fatal ones
        out["overdoses_nonfatal"] = (out["overdose_deaths"] + out["overdoses_reversed"]) * p["user.nonfatal_per_fatal"]
        # a substance use disorder: dependent use, in treatment, or in prison with a history of dependence
        prison_dep = m._prison_dep
        out["people_with_sud"] = (counts[:, :, DEPENDENT].sum() + counts[:, :, TREATMENT].sum() + prison_dep.sum()) * s
        out["in_treatment"] = counts[:, :, TREATMENT].sum() * s
        # the reform question's "use": people who used this month (occasional or dependent, not in treatment)
        out["people_using"] = (counts[:, :, OCCASIONAL].sum() + counts[:, :, DEPENDENT].sum()) * s
        out["initiations"] = ev[:, BIT[E_INIT]].sum() * s
        out["new_hiv_pwid"] = ev[:, BIT[E_HIV]].sum() * s
        out["arrests"] = ev[:, BIT[E_ARREST]].sum() * s
        out["referrals"] = ev[:, BIT[E_REFERRAL]].sum() * s
        out["treatment_entries"] = ev[:, BIT[E_TX_ENTRY]].sum() * s
        out["incarcerated"] = counts[:, :, PRISON].sum() * s
        for mi, mk in enumerate(m.markets):
            out[f"overdose_deaths_{mk}"] = ev[mi, BIT[E_OD_DEATH]] * s
            out[f"people_with_sud_{mk}"] = (counts[mi, :, DEPENDENT].sum() + counts[mi, :, TREATMENT].sum()
                                            + prison_dep[mi]) * s
            out[f"fentanyl_share_{mk}"] = m.fentanyl_share[mk]
        for (state, g), pm in m.person_months.items():
            out[f"person_months_{state}_{g}"] = pm
            out[f"deaths_{state}_{g}"] = m.deaths_by_prior[(state, g)]
        for gi, g in enumerate(GROUPS):
            out[f"overdose_deaths_{g}"] = events[:, gi, BIT[E_OD_DEATH]].sum() * s
            for mi, mk in enumerate(m.markets):
                out[f"overdose_deaths_{g}_{mk}"] = events[mi, gi, BIT[E_OD_DEATH]] * s
            out[f"users_dependent_{g}"] = counts[:, gi, DEPENDENT].sum() * s
            out[f"users_occasional_{g}"] = counts[:, gi, OCCASIONAL].sum() * s
        # prices: consumption-weighted over the markets with users
        for d in DRUGS:
            mk = [x for x in m.markets if (x, d) in b.prices0]
            wts = np.array([b.consumption0.get((x, d), 0.0) for x in mk])
            wts = wts / wts.sum() if wts.sum() > 0 else np.ones(len(mk)) / max(1, len(mk))
            out[f"retail_price_{d}"] = float(sum(wt * m.retail[(x, d)] / 1000.0 for wt, x in zip(wts, mk)))
            out[f"retail_purity_{d}"] = float(sum(wt * m.purity[(x, d)] for wt, x in zip(wts, mk)))
            out[f"wholesale_price_{d}"] = float(sum(wt * m.wholesale[(x, d)] for wt, x in zip(wts, mk)))
            out[f"farmgate_price_{d}"] = m.farmgate[d]
            out[f"retail_cost_price_{d}"] = float(sum(wt * m.retail_cost[(x, d)] / 1000.0 for wt, x in zip(wts, mk)))
            for x in mk:
                out[f"retail_price_{d}_{x}"] = m.retail[(x, d)] / 1000.0
                out[f"retail_purity_{d}_{x}"] = m.purity[(x, d)]
        he = {x: b.consumption0.get((x, "heroin"), 0.0) + p["market.fentanyl_potency"] * b.consumption0.get((x, "fentanyl"), 0.0)
              for x in m.markets}
        tot = sum(he.values())
        out["fentanyl_share"] = sum(he[x] * m.fentanyl_share[x] for x in m.markets) / tot if tot > 0 else 0.0
        for d in DRUGS:
            out[f"consumption_kg_{d}"] = sum(m.consumed[(x, d)] for x in m.all_markets)
            out[f"production_kg_{d}"] = sum(v for (o, dd), v in m.production.items() if dd == d)
            out[f"seized_kg_{d}"] = m.seized_total(d)
            for x in m.all_markets:
                out[f"consumption_kg_{d}_{x}"] = m.consumed[(x, d)]
            for o in w.origins(d):
                out[f"production_kg_{d}_{o}"] = m.production[(o, d)]
            for c in w.countries:
                if c in self.seizure_countries(d):
                    out[f"seized_kg_{d}_{c}"] = m.seized_by.get((d, c), 0.0)
        f = m.farmers
        ill = np.bincount(f.country, weights=f.illicit, minlength=len(f.countries))
        for ci, (c, crop) in enumerate(f.countries):
            out[f"cultivation_ha_{c}"] = ill[ci]
        out["cultivation_ha_coca"] = sum(ill[ci] for ci, (c, k) in enumerate(f.countries) if k == "coca")
        out["cultivation_ha_poppy"] = sum(ill[ci] for ci, (c, k) in enumerate(f.countries) if k == "poppy")
        out["eradicated_ha"] = float(f.eradicated.sum())
        erad = np.bincount(f.country, weights=f.eradicated, minlength=len(f.countries))
        for ci, (c, crop) in enumerate(f.countries):
            out[f"eradicated_ha_{c}"] = erad[ci]
        out["voluntary_eradication_ha"] = float(f.voluntary.sum())
        out["deforestation_ha"] = float(f.deforested.sum())
        out["replanted_ha"] = float(f.replanted.sum())
        out["ad_enrolled_households"] = float((f.enrolled * f.households_per_agent[f.country]).sum())
        inc_ill = 0.0
        inc_lic = 0.0
        from model.rates import licit_access
        n_c = np.bincount(f.country, minlength=len(f.countries))
        enr = np.bincount(f.country, weights=f.enrolled.astype(float), minlength=len(f.countries))
        land = np.bincount(f.country, weights=f.land, minlength=len(f.countries))
        for ci, (c, crop) in enumerate(f.countries):
            d = "cocaine" if crop == "coca" else "heroin"
            inc_ill += m.production[(c, d)] * m.source_price(c, d)
            cs = w.data[c]["crops"][crop]
            inc_lic += (land[ci] - ill[ci]) * cs["licit_income"] / 12.0 * licit_access(p, enr[ci] / max(1, n_c[ci]))
        out["farmer_income_illicit_usd"] = inc_ill
        # farmers' share of the retail value of cocaine (Caulkins & Reuter; Mejia & Rico: about 1-2%)
        coca_income = sum(m.production[(c, "cocaine")] * m.source_price(c, "cocaine")
                          for c in w.origins("cocaine"))
        retail_value = sum(m.consumed[(x, "cocaine")] * m.retail[(x, "cocaine")] for x in m.all_markets
                           if (x, "cocaine") in m.retail)
        out["farmer_share_retail_value_cocaine"] = coca_income / retail_value if retail_value > 0 else 0.0
        out["farmer_income_licit_usd"] = inc_lic
        out["precursor_seized_kg"] = m.precursor_seized
        for c in self.precursor_countries():
            out[f"precursor_diverted_kg_{c}"] = m.precursor_diverted.get(c, 0.0)
        out["precursor_diverted_kg_elsewhere"] = m.precursor_diverted.get("elsewhere", 0.0)
        labs = 0.0
        for (o, d), q in m.production.items():
            size = p["trafficker.lab_output_kg_per_month"] if w.drugs[d]["kind"] == "plant" else p["trafficker.synthetic_lab_output_kg_per_month"]
            labs += np.ceil(q / size) if q > 0 else 0.0
        out["labs_active"] = labs
        orgs = list(m.agents_by_type[Trafficker])
        out["trafficker_assets_usd"] = sum(o.capital for o in orgs)
        out["trafficker_revenue_usd"] = sum(o.revenue for o in orgs)
        out["assets_seized_usd"] = m.ledger_assets_seized
        out["trafficking_orgs"] = len(orgs)
        out["trafficker_members"] = sum(o.members for o in orgs)
        out["seizure_events"] = m.seizure_events
        out["active_routes"] = sum(1 for v in m.route_flow.values() if v > 0)
        through = {}
        for pth, kg in m.route_flow.items():
            for c in pth[1:-1]:
                through[c] = through.get(c, 0.0) + kg
        for c in self.transit_countries():
            out[f"flow_kg_{c}"] = through.get(c, 0.0)
        out["violence_deaths"] = m.violence
        for prog in PROGRAMS:
            out[f"spend_usd_{prog}"] = m.policy.total(prog) / 12.0
        return out

    def seizure_countries(self, d: str) -> set:
        if not hasattr(self, "_seize_c"):
            self._seize_c = {}
        if d not in self._seize_c:
            w = self.m.world
            self._seize_c[d] = {c for o in w.origins(d) for mk in w.all_markets for pth in w.paths.get((o, mk), [])
                                for c in pth}
        return self._seize_c[d]

    def transit_countries(self) -> list:
        w = self.m.world
        return sorted({c for pths in w.paths.values() for pth in pths for c in pth[1:-1]})

    def precursor_countries(self) -> list:
        return sorted({c for pr in self.m.world.precursors for c in pr["sources"]})
