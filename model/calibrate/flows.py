"""Routes, supply and markups in 2021: seizure hazards with status-quo interdiction, the losses on the way,
production and lab capacity, the shares origin -> market that deliver the 2021 consumption (the rest of
the world absorbs what is left), and each stage's additive markup that reproduces the observed prices."""

from __future__ import annotations

import numpy as np

from model.calibrate.baseline import Baseline
from model.calibrate.programmes import interdiction_programmes
from model.markets.routes import path_loss, route_weights
from model.world import DRUGS, MODES, World, WorldError


def hazards_and_losses(b: Baseline) -> None:
    """Seizure hazards with status-quo interdiction, and the average loss on the way from each origin to each
    market."""
    p, w = b.params, b.world
    lost = p["market.lost_fraction"]
    base = {c: float(w.data[c].get("seizure_hazard", 0.0)) for c in w.countries}
    interdiction_programmes(b)
    b.hazard_base = base
    b.hazard0 = {c: base[c] + (p["agency.interdiction_hazard_per_patrol"] * b.programmes[("interdiction", c)].a0
                               if ("interdiction", c) in b.programmes else 0.0) for c in w.countries}
    b.mode_hazard0 = {(c, md): b.hazard0[c] for c in w.countries for md in MODES}  # 2021: no mode singled out
    for (o, m), paths in w.paths.items():
        for d in DRUGS:
            if o not in w.origins(d) or (m, d) not in b.prices0:
                continue
            wts = route_weights(w, b.mode_hazard0, paths, b.prices0[(m, d)]["wholesale"],
                                p["trafficker.route_sensitivity"], lost)
            loss = float(sum(wt * path_loss(w, b.mode_hazard0, pth, lost) for wt, pth in zip(wts, paths)))
            b.path_loss0[(o, m, d)] = loss


def supply(b: Baseline) -> None:
    """Production, lab capacity and the origin -> market shares that deliver the 2021 consumption."""
    p, w = b.params, b.world
    for c, crop in w.producers:
        cs = w.data[c]["crops"][crop]
        d = "cocaine" if crop == "coca" else "heroin"
        b.production0[(c, d)] = cs["ha"] * cs["yield"] / 12.0
    for d in DRUGS:
        origins = w.origins(d)
        need = {}  # (o, m) -> kg a month shipped
        for m in b.markets:
            c0 = b.consumption0.get((m, d), 0.0)
            if c0 <= 0:
                continue
            reach = [o for o in origins if (o, m, d) in b.path_loss0]
            if w.drugs[d]["kind"] == "plant":
                cap = {o: b.production0[(o, d)] for o in reach}
            else:  # labs: by the production share of the precursor routes feeding each lab country
                cap = {o: sum(pr["production_share"] for pr in w.precursors if pr["drug"] == d and pr["lab_country"] == o)
                       for o in reach}
            tot = sum(cap.values())
            declared = _declared_shares(w, d, m, reach, cap)
            for o in reach:
                loss = b.path_loss0[(o, m, d)]
                if loss > 1.0 - 1e-9:
                    raise WorldError("agency.interdiction_hazard_per_patrol",
                                     f"with these seizure hazards every shipment of {d} from {o} to {m} is seized "
                                     f"(loss {loss:.6f}), so the 2021 consumption cannot be delivered: lower "
                                     "countries.<c>.seizure_hazard or agency.interdiction_hazard_per_patrol, or raise "
                                     "agency.interdiction_cost_per_patrol")
                if declared is None:
                    need[(o, m)] = c0 * cap[o] / tot / (1.0 - loss)
                else:
                    need[(o, m)] = c0 * declared[o] / (1.0 - loss)
        if w.drugs[d]["kind"] == "synthetic":
            for o in origins:
                shipped = sum(v for (oo, _), v in need.items() if oo == o)
                b.production0[(o, d)] = shipped
                b.lab_capacity0[(o, d)] = shipped
        row_delivered = 0.0
        for o in origins:
            q = b.production0[(o, d)]
            shipped = sum(v for (oo, _), v in need.items() if oo == o)
            shares = {m: v / q for (oo, m), v in need.items() if oo == o} if q > 0 else {}
            rest = q - shipped
            if rest < -1e-9 * max(q, 1.0):
                raise WorldError(f"countries.{o}", f"produces {q * 12 / 1000:.1f} t of {d} a year but the markets it "
                                 f"reaches need {shipped * 12 / 1000:.1f} t: raise production or lower consumption")
            exo = [m for m in w.exo_markets if (o, m, d) in b.path_loss0]
            if rest > 1e-9 and exo:
                shares[exo[0]] = rest / q
                row_delivered += rest * (1.0 - b.path_loss0[(o, exo[0], d)])
            elif rest > 1e-6 * max(q, 1.0):
                # no outlet for the surplus: it goes to the modelled markets in proportion
                scale = q / shipped
                shares = {m: s * scale for m, s in shares.items()}
            b.ship_share0[(o, d)] = shares
        if w.exo_markets:
            b.row_demand[d] = row_delivered
            if row_delivered > 0:
                b.consumption0[(w.exo_markets[0], d)] = row_delivered
        for m in b.all_markets:
            b.delivered0[(m, d)] = sum(b.production0[(o, d)] * b.ship_share0.get((o, d), {}).get(m, 0.0)
                                       * (1.0 - b.path_loss0.get((o, m, d), 0.0)) for o in origins)
    # precursor needs of the labs at 2021 capacity
    for j, pr in enumerate(w.precursors):
        cap = b.lab_capacity0.get((pr["lab_country"], pr["drug"]), 0.0)
        b.precursor_need0[j] = cap * share_in_lab(w, j) * pr["kg_per_kg"]
    # markups: additive costs per kg at the wholesale (transit) and retail stages
    es = p["market.enforcement_share_of_markup"]
    for (m, d), pr in b.prices0.items():
        origins = b.sources(m, d)
        if not origins:
            continue
        src = np.mean([b.farmgate0(o, d) for o in origins])
        loss = np.mean([b.path_loss0[(o, m, d)] for o in origins])
        wh_add = pr["wholesale"] * (1.0 - loss) - src
        if wh_add <= 0:
            raise WorldError(f"countries.{m}.prices.{d}.wholesale", "is below the source price after losses on the way")
        ret_add = pr["retail"] * 1000.0 - pr["wholesale"]
        if ret_add <= 0:
            raise WorldError(f"countries.{m}.prices.{d}.retail", "must be above the wholesale price (per pure kg / 1000)")
        b.markups[(m, d)] = {"wh_business": wh_add * (1 - es), "wh_risk": wh_add * es, "loss0": loss,
                             "ret_business": ret_add * (1 - es), "ret_risk": ret_add * es, "src0": src}


def _declared_shares(w: World, d: str, m: str, reach: list, cap: dict) -> dict | None:
    """Each lab country's share of market ``m``'s 2021 supply of synthetic ``d``: as its lab table declares
    (``supply_share``), the rest shared among the labs that declare none by their precursor routes' production
    shares. None when no lab declares a share for ``m`` (all by production shares)."""
    if w.drugs[d]["kind"] != "synthetic":
        return None
    own = {o: w.lab_supply_share[(o, d)][m] for o in reach if m in w.lab_supply_share.get((o, d), {})}
    if not own:
        return None
    rest = 1.0 - sum(own.values())
    others = [o for o in reach if o not in own]
    free = sum(cap[o] for o in others)
    if (not others or free <= 0) and abs(rest) > 1e-6:
        key = f"labs.{next(iter(own))}.{d}.supply_share.{m}"
        raise WorldError(key, f"the 2021 shares of {m}'s {d} supply add up to {1 - rest:g}, not 1, and no other lab "
                         "reaching it takes the rest")
    return {o: own[o] if o in own else (rest * cap[o] / free if free > 0 else 0.0) for o in reach}


def share_in_lab(w: World, j: int) -> float:
    """Share of its lab country's output of the drug that precursor route j feeds."""
    pr = w.precursors[j]
    tot = sum(q["production_share"] for q in w.precursors if q["drug"] == pr["drug"] and q["lab_country"] == pr["lab_country"])
    return pr["production_share"] / tot if tot > 0 else 0.0
