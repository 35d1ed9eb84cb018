"""The farmers' output columns: hectares (by country and municipality), eradication (destroyed) and spraying,
frontier entry and abandonment, deforestation, enrolment and income."""

from __future__ import annotations

import numpy as np

from model.farmers.rates import licit_access, licit_path
from model.world import CROP_DRUG


def farmer_columns(households, world, p, markets, t: int = 0) -> dict:
    """This month's columns (``markets``: for the harvest's value at the farm gate and at retail)."""
    f = households
    out: dict = {}
    ill = np.bincount(f.country, weights=f.illicit, minlength=len(f.countries))
    for ci, (c, crop) in enumerate(f.countries):
        out[f"cultivation_ha_{c}"] = ill[ci]
    out["cultivation_ha_coca"] = sum(ill[ci] for ci, (c, k) in enumerate(f.countries) if k == "coca")
    out["cultivation_ha_poppy"] = sum(ill[ci] for ci, (c, k) in enumerate(f.countries) if k == "poppy")
    # cultivation by municipality: cultivation_ha_<country>_m<k>, k = 1 ... cells
    by_cell = np.bincount(f.cell, weights=f.illicit, minlength=int(f.cell_lo[-1] + f.cell_n[-1]))
    for ci, (c, crop) in enumerate(f.countries):
        for k in range(int(f.cell_n[ci])):
            out[f"cultivation_ha_{c}_m{k + 1}"] = by_cell[f.cell_lo[ci] + k]
    for name, flow in (("eradicated_ha", f.eradicated), ("sprayed_ha", f.sprayed),
                       ("frontier_entry_ha", f.entered), ("frontier_abandoned_ha", f.abandoned)):
        out[name] = float(flow.sum())
        by_c = np.bincount(f.country, weights=flow, minlength=len(f.countries))
        for ci, (c, crop) in enumerate(f.countries):
            out[f"{name}_{c}"] = by_c[ci]
    out["voluntary_eradication_ha"] = float(f.voluntary.sum())
    out["deforestation_ha"] = float(f.deforested.sum())
    out["replanted_ha"] = float(f.replanted.sum())
    out["ad_enrolled_households"] = float((f.enrolled * f.households_per_agent[f.country]).sum())
    inc_ill = 0.0
    inc_lic = 0.0
    hh = f.frontier == 0
    n_c = np.bincount(f.country[hh], minlength=len(f.countries))
    enr = np.bincount(f.country, weights=f.enrolled.astype(float), minlength=len(f.countries))
    land = np.bincount(f.country[hh], weights=f.land[hh], minlength=len(f.countries))
    ill_hh = np.bincount(f.country[hh], weights=f.illicit[hh], minlength=len(f.countries))
    for ci, (c, crop) in enumerate(f.countries):
        d = CROP_DRUG[crop]
        inc_ill += markets.production[(c, d)] * markets.source_price(c, d)
        cs = world.data[c]["crops"][crop]
        inc_lic += ((land[ci] - ill_hh[ci]) * cs["licit_income"] / 12.0 * licit_access(p, enr[ci] / max(1, n_c[ci]))
                    * licit_path(p, t))
    out["farmer_income_illicit_usd"] = inc_ill
    # farmers' share of the retail value of cocaine (Caulkins & Reuter; Mejia & Rico: about 1-2%)
    coca_income = sum(markets.production[(c, "cocaine")] * markets.source_price(c, "cocaine")
                      for c in world.origins("cocaine"))
    retail_value = sum(markets.consumed[(x, "cocaine")] * markets.retail[(x, "cocaine")] for x in world.all_markets
                       if (x, "cocaine") in markets.retail)
    out["farmer_share_retail_value_cocaine"] = coca_income / retail_value if retail_value > 0 else 0.0
    out["farmer_income_licit_usd"] = inc_lic
    return out
