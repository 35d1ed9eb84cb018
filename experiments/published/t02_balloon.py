"""T2: balloon effect. Eradication concentrated in one country displaces cultivation to its neighbours.

Source: DEA/UNODC coca series (Peru 113,200 -> 34,000 ha while Colombia 32,400 -> 88,800 ha, 1992-1999);
Mejia & Restrepo (2016). Statistic: change in Peru's coca area and in the Andean total, mean of months
49-60, with eradication money in Peru raised to $2B a year from month 1, against the status quo.
"""

from experiments.published.base import Experiment, budget, paired, scenario, status_quo_table


def scenarios(tier):
    table = status_quo_table("eradication")
    table["peru"] = 2.0e9
    return {"base": scenario("t02-base", tier, 60),
            "peru_eradication": scenario("t02-peru", tier, 60, policy=budget(eradication=table))}


def _delta(col):
    return lambda a, b: a[col].iloc[-12:].mean() - b[col].iloc[-12:].mean()


def statistic(r):
    dp = paired(r["peru_eradication"], r["base"], _delta("cultivation_ha_peru"))
    dt = paired(r["peru_eradication"], r["base"], _delta("cultivation_ha_coca"))
    dc = paired(r["peru_eradication"], r["base"], _delta("cultivation_ha_colombia"))
    return {"peru_change_ha": dp, "andean_change_ha": dt, "colombia_change_ha": dc,
            "andean_over_peru": dt / dp}


def check(s):
    p, ratio = s["peru_change_ha"], s["andean_over_peru"]
    ok = p.ci[1] < 0 and ratio.mean < 0.5
    return ok, (f"Peru's coca area changed by {p.mean:+,.0f} ha and the Andean total by {s['andean_change_ha'].mean:+,.0f} ha "
                f"(ratio {ratio.mean:.2f}; band: Peru falls, the total by less than half of that); "
                f"Colombia {s['colombia_change_ha'].mean:+,.0f} ha")


EXPERIMENT = Experiment(
    name="t02_balloon", title="T2 Balloon effect",
    finding="Eradication concentrated in one country displaces cultivation: the targeted country's area falls, "
            "the regional total by less than half as much.",
    band="targeted country falls; regional total falls by less than half of that",
    source="DEA/UNODC series 1992-1999; Mejia & Restrepo 2016", scenarios=scenarios, statistic=statistic,
    check=check, main_stat="andean_over_peru", preset={"fast": "workshop", "full": "workshop"})
