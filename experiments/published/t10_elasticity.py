"""T10: the emergent short-run price elasticity of aggregate consumption.

Source: NRC 2001 (Informing America's Policy on Illegal Drugs), Gallet 2014 (Addiction 109): short-run
elasticity between -0.3 and -1.0 for cocaine and heroin. The model's users have an intensive-margin
elasticity (user.consumption_price_elasticity) and respond at the extensive margin through initiation
and quitting; the aggregate is emergent. Scenario: a supply shock, interdiction +$3B a year from
month 1. Statistic: (percent change in US cocaine consumption) / (percent change in the US retail price
per pure gram), months 1-12, arc formula, same seeds.
"""

from experiments.published.base import Experiment, budget, paired, scenario
from model.policy import STATUS_QUO_BUDGET


def scenarios(tier):
    return {"base": scenario("t10-base", tier, 12),
            "shock": scenario("t10-shock", tier, 12, policy=budget(interdiction=STATUS_QUO_BUDGET["interdiction"] + 3e9))}


def _elasticity(c, p):
    def f(a, b):
        qa, qb, pa, pb = a[c].sum(), b[c].sum(), a[p].mean(), b[p].mean()
        return ((qa - qb) / ((qa + qb) / 2)) / ((pa - pb) / ((pa + pb) / 2))
    return f


def statistic(r):
    return {"elasticity_cocaine": paired(r["shock"], r["base"], _elasticity(
                "consumption_kg_cocaine_united_states", "retail_price_cocaine_united_states")),
            "price_change_pct": paired(r["shock"], r["base"], lambda a, b: 100 * (
                a["retail_price_cocaine_united_states"].mean() / b["retail_price_cocaine_united_states"].mean() - 1))}


def check(s):
    e = s["elasticity_cocaine"]
    return -1.0 <= e.mean <= -0.3, (f"elasticity {e.mean:.2f} (95% interval {e.ci[0]:.2f} to {e.ci[1]:.2f}) "
                                    f"for a {s['price_change_pct'].mean:+.0f}% price change (band -1.0 to -0.3)")


EXPERIMENT = Experiment(
    name="t10_elasticity", title="T10 Demand elasticity",
    finding="The short-run price elasticity of aggregate consumption lies between -0.3 and -1.0.",
    band="-1.0 to -0.3", source="NRC 2001; Gallet 2014", scenarios=scenarios, statistic=statistic, check=check,
    main_stat="elasticity_cocaine", preset={"fast": "workshop", "full": "national"})
