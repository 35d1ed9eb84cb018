"""T11: the light/heavy user epidemic (LHY).

Source: Behrens, Caulkins, Tragler, Haunschmied & Feichtinger 1999, Math. Biosci. 159:1-20:
initiation I = tau + s L exp(-q Y/L), dL/dt = I - (a + b) L, dH/dt = b L - g H, dY/dt = H - delta Y,
with tau = 50,000 a year, s = 0.61, q = 3.443, a = 0.163, b = 0.024, g = 0.062, delta = 0.291,
L0 = 1.4M and H0 = 0.13M in 1970. Y0 = H0/delta is this project's assumption (the stored material
gave only the paper's abstract, so its initial Y and its s_max clause could not be checked here).
The model is run with those parameters on a 1970 US cocaine world (generated from the shipped world:
the US with 1.4M occasional and 0.13M dependent cocaine users and no treatment, prison, arrests or
overdose deaths; users' price response switched off) and compared with the ODE solved monthly.
Statistic: mean absolute relative difference of L and of H over 1971-2000 (yearly), simulation mean vs ODE.
"""

from __future__ import annotations

import math
import tomllib
from importlib import resources
from pathlib import Path

import numpy as np

from experiments.published.base import Experiment, per_seed, scenario

LHY = {"tau": 50_000.0, "s": 0.61, "q": 3.443, "a": 0.163, "b": 0.024, "g": 0.062, "delta": 0.291, "L0": 1.4e6, "H0": 0.13e6}
YEARS = 30




def _write_world() -> str:
    raw = tomllib.loads(resources.files("model").joinpath("data/world.toml").read_text(encoding="utf-8"))
    us = raw["countries"]["united_states"]
    us["population_at_risk"] = 1.0e8
    us["arrests"] = 0.0
    us["new_hiv_pwid"] = 0.0
    for g in ("opioid", "methamphetamine"):
        for k in ("occasional", "dependent", "treatment", "incarcerated", "deaths"):
            us["users"][g][k] = 0.0
    for m in ("canada", "europe"):
        for g in raw["countries"][m]["users"].values():
            for k in ("occasional", "dependent", "treatment", "incarcerated", "deaths"):
                g[k] = 0.0
    coc = us["users"]["cocaine"]
    coc.update({"occasional": LHY["L0"], "dependent": LHY["H0"], "treatment": 0.0, "incarcerated": 0.0, "deaths": 0.0})
    path = Path("results") / "published" / "t11_world_1970.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(_to_toml(raw), encoding="utf-8")
    return str(path.resolve())


def _to_toml(d: dict) -> str:
    import tomli_w
    return tomli_w.dumps(d)


PARAMS = {"user.lhy_tau_per_year": LHY["tau"], "user.lhy_s_per_year": LHY["s"], "user.lhy_q": LHY["q"],
          "user.light_quit_per_year": LHY["a"], "user.escalation_per_year": LHY["b"], "user.lhy_escalation_fixed": True,
          "user.escalation_multiplier_opioid": 1.0, "user.heavy_quit_per_year": LHY["g"], "user.lhy_delta": LHY["delta"],
          "user.relapse_per_month": 0.0, "user.background_mortality_per_month": 0.0,
          "user.participation_price_elasticity": 0.0, "user.treatment_dropout_per_month": 0.0,
          "user.treatment_completion_per_month": 0.0, "sim.burn_in_months": 0}


def scenarios(tier):
    return {"lhy": scenario("t11-lhy", tier, 12 * YEARS, preset="national", params=PARAMS, world=_write_world())}


def ode() -> tuple[np.ndarray, np.ndarray]:
    """LHY solved with monthly Euler steps (the model also moves monthly); yearly L and H, 1971..2000."""
    L, H = LHY["L0"], LHY["H0"]
    Y = H / LHY["delta"]
    out_l, out_h = [], []
    for month in range(12 * YEARS):
        init = LHY["tau"] + LHY["s"] * L * math.exp(-LHY["q"] * Y / L)
        dL = init - (LHY["a"] + LHY["b"]) * L
        dH = LHY["b"] * L - LHY["g"] * H
        dY = H - LHY["delta"] * Y
        L, H, Y = L + dL / 12, H + dH / 12, Y + dY / 12
        if month % 12 == 11:
            out_l.append(L)
            out_h.append(H)
    return np.array(out_l), np.array(out_h)


def statistic(r):
    ol, oh = ode()
    def err(col, ref):
        def f(g):
            sim = g[col].to_numpy()[11::12][: len(ref)]
            return float(np.mean(np.abs(sim - ref) / ref))
        return f
    df = r["lhy"]
    return {"rel_error_light": per_seed(df, err("users_occasional_cocaine", ol)),
            "rel_error_heavy": per_seed(df, err("users_dependent_cocaine", oh)),
            "ode_light_peak_year": np.array([1971 + int(np.argmax(ol))] * df["seed"].nunique(), float)}


def check(s):
    el, eh = s["rel_error_light"].mean, s["rel_error_heavy"].mean
    return el < 0.1 and eh < 0.1, (f"mean relative difference from the LHY trajectory: light users {100 * el:.1f}%, "
                                   f"heavy users {100 * eh:.1f}% (band: within stochastic error, taken as < 10%)")


EXPERIMENT = Experiment(
    name="t11_lhy", title="T11 The LHY epidemic",
    finding="Configured with the LHY parameters, the user population follows the LHY trajectory of US cocaine use.",
    band="within stochastic error of the ODE (mean relative difference < 10% for L and H)",
    source="Behrens et al. 1999 (Math. Biosci.)", scenarios=scenarios, statistic=statistic, check=check,
    main_stat="rel_error_light", preset={"fast": "national", "full": "national"},
    notes="The s_max clause and the paper's initial Y could not be checked against the paper's text here.")
