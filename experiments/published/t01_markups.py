"""T1: markups are multiplicative; a farm-gate shock barely moves the retail price, retail enforcement does.

Source: Caulkins 1994 (RAND, "Developing price series for cocaine"); Caulkins & Reuter 1998,
"What price data tell us about drug markets", J. Drug Issues 28(3).
Statistic: percent change of the US retail cocaine price per pure gram before market scarcity (the
markup chain; scarcity is reported separately) over the 12 months after the shock, against the status
quo on the same seeds: (a) the farm-gate price doubled; (b) domestic (retail-level) enforcement
tripled in activity terms (budget +$20B a year, near saturation).
"""

from experiments.published.base import FAST, Experiment, budget, paired, scenario


def scenarios(tier):
    m = 12
    return {
        "base": scenario("t01-base", tier, m),
        "farmgate_x2": scenario("t01-farmgate", tier, m, events=[{"month": 1, "set": {"params.market.farmgate_shock": 2.0}}]),
        "retail_enforcement": scenario("t01-retail", tier, m, policy=budget(domestic_enforcement=2.0e10)),
    }


def _pct(col):
    return lambda a, b: 100.0 * (a[col].mean() / b[col].mean() - 1.0)


def statistic(r):
    col = "retail_cost_price_cocaine"
    return {"farmgate_x2_retail_change_pct": paired(r["farmgate_x2"], r["base"], _pct(col)),
            "retail_enforcement_retail_change_pct": paired(r["retail_enforcement"], r["base"], _pct(col)),
            "farmgate_x2_farmgate_change_pct": paired(r["farmgate_x2"], r["base"],
                                                       lambda a, b: 100.0 * ((a["farmgate_price_cocaine"] * 2).mean()
                                                                             / b["farmgate_price_cocaine"].mean() - 1))}


def check(s):
    farm, enf = s["farmgate_x2_retail_change_pct"], s["retail_enforcement_retail_change_pct"]
    ok = abs(farm.mean) < 1.0 and enf.mean > 5 * abs(farm.mean)
    return ok, (f"doubling the farm-gate price moved the retail price by {farm.mean:+.2f}% (band: under 1%); "
                f"retail enforcement moved it by {enf.mean:+.1f}% (band: far more)")


EXPERIMENT = Experiment(
    name="t01_markups", title="T1 Multiplicative markups",
    finding="Price ratios between market levels are stable: a farm-gate price shock barely reaches retail, "
            "retail-level enforcement does.",
    band="farm-gate x2 moves the retail price by under 1%; retail enforcement by far more",
    source="Caulkins 1994 (RAND); Caulkins & Reuter 1998", scenarios=scenarios, statistic=statistic,
    check=check, main_stat="farmgate_x2_retail_change_pct", preset={FAST: "workshop", "full": "workshop"})
