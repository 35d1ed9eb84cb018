"""T12: an abrupt fall in heroin supply cuts overdose deaths.

Source: Degenhardt et al. 2006 (the 2001 Australian heroin shortage): price up, purity down, opioid
overdose deaths down by well over half within a year, with some substitution to stimulants.
The model's analogue is Europe, whose opioid market is heroin with almost no fentanyl. At month 13,
60% of the world's opium harvest is lost at source for a year (market.heroin_supply_shock; the shortage's
causes are debated, so the shock is imposed rather than produced by a policy lever: an interdiction
surge on the Balkan route was tried first and, with diminishing returns and rerouting, cut supply too
little to be the Australian shock).
Statistics: Europe's opioid overdose deaths (the finding is about opioid deaths; until 2026-11 the
statistic counted every drug's deaths, diluting the fall by the stimulant deaths the shock does not
touch), heroin price and purity in months 13-24 relative to the status quo on the same seeds; all of
Europe's overdose deaths are reported beside it. Substitution to stimulants is not modelled (users do not
switch drugs).
"""

from experiments.published.base import Experiment, paired, scenario


def scenarios(tier):
    ev = [{"month": 13, "set": {"params.market.heroin_supply_shock": 0.6}}]
    return {"base": scenario("t12-base", tier, 24), "shortage": scenario("t12-shortage", tier, 24, events=ev)}


def statistic(r):
    def ratio(col, how="sum"):
        return lambda a, b: getattr(a[col].iloc[12:], how)() / getattr(b[col].iloc[12:], how)()
    return {"deaths_ratio_europe": paired(r["shortage"], r["base"], ratio("overdose_deaths_opioid_europe")),
            "all_deaths_ratio_europe": paired(r["shortage"], r["base"], ratio("overdose_deaths_europe")),
            "price_ratio_heroin_europe": paired(r["shortage"], r["base"], ratio("retail_price_heroin_europe", "mean")),
            "purity_ratio_heroin_europe": paired(r["shortage"], r["base"], ratio("retail_purity_heroin_europe", "mean"))}


def check(s):
    d = s["deaths_ratio_europe"]
    ok = d.mean < 0.5 and s["price_ratio_heroin_europe"].mean > 1 and s["purity_ratio_heroin_europe"].mean < 1
    return ok, (f"opioid overdose deaths x{d.mean:.2f} within a year (band: well over half cut, < 0.5; all drugs "
                f"x{s['all_deaths_ratio_europe'].mean:.2f}), heroin price "
                f"x{s['price_ratio_heroin_europe'].mean:.2f}, purity x{s['purity_ratio_heroin_europe'].mean:.2f}")


EXPERIMENT = Experiment(
    name="t12_heroin_shortage", title="T12 Supply shock cuts deaths",
    finding="An abrupt fall in heroin supply raises price, lowers purity and cuts opioid overdose deaths by well over "
            "half within a year.",
    band="deaths down by well over half within a year; price up; purity down", source="Degenhardt et al. 2006",
    scenarios=scenarios, statistic=statistic, check=check, main_stat="deaths_ratio_europe",
    preset={"fast": "national", "full": "national"})
