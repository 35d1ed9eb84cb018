"""Calibration by construction: solve the flow parameters from the observed 2021 stocks.

Each equation is stated where it is solved and listed in docs/ODD.md ("Initialization"). Given the world's
stocks and the status-quo policy:
- users (users.py): escalation balances the dependent stock, initiation balances the occasional stock,
  the treatment entry rate keeps treatment at capacity, the release rate balances prison, the overdose
  hazard reproduces the observed deaths, HIV transmission reproduces new diagnoses;
- markets (flows.py): per-user consumption reproduces consumption; each stage's additive markup
  reproduces the observed prices; the rest of the world absorbs what production leaves after seizures,
  losses and the modelled markets;
- programmes (programmes.py): each budget-to-activity curve passes through the 2021 activity;
- farmers (model/farmers/rates.py, when the households exist): the logit intercept per country makes the
  2021 hectares the steady state under 2021 eradication.
A user who changes a stock or a world file gets a consistent baseline.
"""

from __future__ import annotations

from model.calibrate.baseline import Baseline, per_month
from model.calibrate.flows import hazards_and_losses, share_in_lab, supply
from model.calibrate.programmes import demand_programmes, supply_programmes
from model.calibrate.users import calibrate_users
from model.enforcement.agent import Programme
from model.world import World

__all__ = ["Baseline", "Programme", "calibrate", "per_month", "share_in_lab"]


def calibrate(world: World, params: dict) -> Baseline:
    b = Baseline(world=world, params=params, markets=list(world.markets), all_markets=world.all_markets)
    _prices(b)
    calibrate_users(b)
    demand_programmes(b)
    hazards_and_losses(b)
    supply(b)
    supply_programmes(b)
    _violence(b)
    return b


def _prices(b: Baseline) -> None:
    for m in b.all_markets:
        for d, pr in b.world.data[m].get("prices", {}).items():
            b.prices0[(m, d)] = {"retail": pr["retail"], "purity": pr["purity"], "wholesale": pr["wholesale"]}


def _violence(b: Baseline) -> None:
    for c in b.world.countries:
        v = float(b.world.data[c].get("drug_violence_deaths", 0.0))
        if v > 0:
            b.violence0[c] = v / 12.0
