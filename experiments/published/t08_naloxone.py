"""T8: naloxone dose-response.

Source: Walley et al. 2013, BMJ 346:f174, table 4: opioid overdose death rate ratio 0.73 (0.57-0.91) in
community-years with 1-100 cumulative enrolments in overdose education and naloxone distribution per
100,000 population, and 0.54 (0.39-0.76) with more than 100, against communities with none.
Done as the study did: the exposure is a stock of enrolees (cumulative enrolments per 100,000), each
holding a community-programme kit that is refilled when used, in communities like the study's: the US
market with the opioid overdose death rate Walley's Massachusetts communities had before the programmes
(637 opioid deaths in Massachusetts in 2006, Walley et al. 2010, over 6.4 million residents: 9.9 per
100,000) and no naloxone. Enrolment 50 (the middle of 1-100) and 150 per 100,000 (the open category
>100 at half as much again; an assumption) of a US population of 331.9 million (Census 2021), as
community kits per 100,000 people at risk (user.naloxone_added_kits_per_100k). Kits then avert deaths
as the model's sourced kit mechanism says (model/calibrate/naloxone.py). Statistic: US opioid overdose
deaths in months 1-24, ratio to none, same seeds.
"""

import tomllib
from importlib import resources
from pathlib import Path

import tomli_w

from experiments.published.base import Experiment, paired, scenario

US_POPULATION = 331.9e6
ENROLMENT = {"low": 50.0, "high": 150.0}  # cumulative enrolments per 100,000 population
# opioid overdose deaths per person a year in Walley's setting before the programmes
WALLEY_DEATH_RATE = 637.0 / 6.4e6


def _world() -> tuple[str, float]:
    """The shipped world with the US at Walley's pre-programme death rate and no naloxone; returns its path
    and the US population at risk."""
    raw = tomllib.loads(resources.files("model").joinpath("data/world.toml").read_text(encoding="utf-8"))
    us = raw["countries"]["united_states"]
    us["users"]["opioid"]["deaths"] = WALLEY_DEATH_RATE * US_POPULATION
    us["naloxone_kits"] = {"community": 0.0, "pharmacy": 0.0, "emergency_department": 0.0}
    path = Path("results") / "published" / "t08_world_walley.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(tomli_w.dumps(raw), encoding="utf-8")
    return str(path.resolve()), float(us["population_at_risk"])


def scenarios(tier):
    world, at_risk = _world()

    def kits(per_100k_population):
        return {"user.naloxone_added_kits_per_100k": per_100k_population * US_POPULATION / at_risk}
    return {"none": scenario("t08-none", tier, 24, world=world),
            "low": scenario("t08-low", tier, 24, params=kits(ENROLMENT["low"]), world=world),
            "high": scenario("t08-high", tier, 24, params=kits(ENROLMENT["high"]), world=world)}


def statistic(r):
    col = "overdose_deaths_opioid_united_states"

    def ratio(a, b):
        return a[col].sum() / b[col].sum()
    return {"rate_ratio_low": paired(r["low"], r["none"], ratio),
            "rate_ratio_high": paired(r["high"], r["none"], ratio)}


def check(s):
    lo, hi = s["rate_ratio_low"].mean, s["rate_ratio_high"].mean
    ok = 0.57 <= lo <= 0.91 and 0.39 <= hi <= 0.76
    return ok, f"death rate ratio {lo:.2f} at low and {hi:.2f} at high enrolment (bands 0.57-0.91 and 0.39-0.76)"


EXPERIMENT = Experiment(
    name="t08_naloxone", title="T8 Naloxone dose-response",
    finding="Overdose education and naloxone distribution cut the opioid overdose death rate: ratio about 0.73 at "
            "low and 0.54 at high enrolment.",
    band="0.73 (0.57-0.91) at low, 0.54 (0.39-0.76) at high enrolment", source="Walley et al. 2013 (BMJ)",
    scenarios=scenarios, statistic=statistic, check=check, main_stat="rate_ratio_high",
    preset={"fast": "national", "full": "national"},
    notes="A community kit is used on an overdose with probability 0.40 and one use in ten averts a death "
          "(British Columbia); only the 46.5% of overdoses with a bystander can be reversed, which puts the "
          "least ratio naloxone can reach at 1 - 0.465 x 0.9 = 0.58. The high enrolment level (150) is an "
          "assumption within Walley's open category.",
    if_failed="the ratio is 1 - (kits x 0.40 x 0.10 a year) / would-be-fatal overdoses, at least 0.58: a ratio "
              "above the band means too few deaths averted per kit for Walley's death rate. docs/ODD.md "
              "section 12.")
