"""T7: controls on precursors used only by small producers have little effect on supply.

Source: Cunningham & Liu 2003, Drug Alcohol Depend. 70 (the 1996-97 controls on pseudoephedrine and
phenylpropanolamine products used by small domestic labs). Scenario: the US precursor source (retail
pseudoephedrine for small domestic labs, 5% of methamphetamine supply) class-scheduled at month 13.
Statistic: percent change in methamphetamine consumption in the US over months 13-36, and in the
retail price, against the same seeds without the control.
"""

from experiments.published.base import Experiment, paired, scenario

START = {"countries": {"united_states": {"precursor_scheduling": "none"}}}
EVENT = [{"month": 13, "set": {"policy.countries.united_states.precursor_scheduling": "class"}}]


def scenarios(tier):
    return {"base": scenario("t07-base", tier, 36, policy=START),
            "control": scenario("t07-control", tier, 36, policy=START, events=EVENT)}


def statistic(r):
    c, p = "consumption_kg_methamphetamine_united_states", "retail_price_methamphetamine_united_states"
    return {"consumption_change_pct": paired(r["control"], r["base"], lambda a, b: 100 * (a[c].iloc[12:].sum() / b[c].iloc[12:].sum() - 1)),
            "price_change_pct": paired(r["control"], r["base"], lambda a, b: 100 * (a[p].iloc[12:].mean() / b[p].iloc[12:].mean() - 1))}


def check(s):
    c = s["consumption_change_pct"]
    ok = abs(c.mean) < 5.0
    return ok, (f"US methamphetamine consumption changed by {c.mean:+.1f}% (95% interval {c.ci[0]:+.1f} to {c.ci[1]:+.1f}) "
                f"and the price by {s['price_change_pct'].mean:+.1f}% (band: no significant change; under 5% here)")


EXPERIMENT = Experiment(
    name="t07_small_producer_precursors", title="T7 Small-producer precursor controls",
    finding="Controlling precursors that only small producers use changes supply little.",
    band="no significant change in supply (|change| < 5%)", source="Cunningham & Liu 2003",
    scenarios=scenarios, statistic=statistic, check=check, main_stat="consumption_change_pct",
    preset={"fast": "workshop", "full": "workshop"})
