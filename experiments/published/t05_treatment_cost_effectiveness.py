"""T5: treatment is the most cost-effective programme for reducing cocaine consumption.

Source: Rydell & Everingham 1994, "Controlling Cocaine" (RAND MR-331): cost of cutting US cocaine
consumption by 1%: treatment $34M < domestic enforcement $246M < interdiction $366M < source-country
control $783M. Band: that order, and domestic enforcement at least 4x treatment.
Statistic: +$1B a year on each programme alone (same seeds); US cocaine consumption over months 13-60
against the status quo; cost (USD a year) per 1% of consumption averted. The extra treatment places go to
dependent cocaine users (agency.treatment_new_places_to = "cocaine"), since the treatment Rydell &
Everingham costed is treatment of heavy cocaine users; shared like the 2021 US places, most would be
opioid places, which cut no cocaine consumption. For the same reason the extra domestic enforcement is
aimed at the cocaine market (agency.domestic_enforcement_new_to = "cocaine"): Rydell & Everingham costed
cocaine enforcement.
"""

from experiments.published.base import Experiment, budget, paired, scenario
from model.policy import STATUS_QUO_BUDGET

EXTRA = 1.0e9
PROGRAMMES = ("treatment", "domestic_enforcement", "interdiction", "eradication")
#: the programmes whose extra money can be aimed at one drug's users or market, and the parameter that aims it
AIMED = {"treatment": "agency.treatment_new_places_to", "domestic_enforcement": "agency.domestic_enforcement_new_to"}


def scenarios(tier):
    out = {"base": scenario("t05-base", tier, 60)}
    for p in PROGRAMMES:
        params = {AIMED[p]: "cocaine"} if p in AIMED else None
        out[p] = scenario(f"t05-{p}", tier, 60, policy=budget(**{p: STATUS_QUO_BUDGET[p] + EXTRA}), params=params)
    return out


def statistic(r):
    col = "consumption_kg_cocaine_united_states"
    def pct(a, b):
        return 100.0 * (1.0 - a[col].iloc[12:].sum() / b[col].iloc[12:].sum())
    out = {}
    for p in PROGRAMMES:
        out[f"pct_averted_{p}"] = paired(r[p], r["base"], pct)
    return out


def check(s):
    cost = {p: (EXTRA / s[f"pct_averted_{p}"].mean if s[f"pct_averted_{p}"].mean > 0 else float("inf"))
            for p in PROGRAMMES}
    order = sorted(PROGRAMMES, key=lambda p: cost[p])
    ok = order == list(PROGRAMMES) and cost["domestic_enforcement"] >= 4 * cost["treatment"]
    txt = "; ".join(f"{p}: {'USD %.0fM' % (cost[p] / 1e6) if cost[p] < float('inf') else 'no reduction'} per 1%"
                    for p in PROGRAMMES)
    return ok, f"cost of cutting US cocaine consumption by 1%: {txt} (band: this order, enforcement >= 4x treatment)"


EXPERIMENT = Experiment(
    name="t05_treatment_cost_effectiveness", title="T5 Treatment most cost-effective",
    finding="Cutting cocaine consumption by 1% costs least through treatment, then domestic enforcement, "
            "interdiction and source-country control.",
    band="treatment < domestic enforcement < interdiction < source control; enforcement >= 4x treatment",
    source="Rydell & Everingham 1994 (RAND)", scenarios=scenarios, statistic=statistic, check=check,
    main_stat="pct_averted_treatment", preset={"fast": "workshop", "full": "national"},
    if_failed="eradication comes out cheapest for the same reason T4 fails (the farm-gate price rises "
              "without bound under a lasting shortfall). Domestic enforcement aimed at the cocaine market, with "
              "full pass-through of its costs on the enforcement share of the price, costs within a factor of two "
              "of what Rydell & Everingham found and about as much as interdiction, but treatment with its new "
              "places given to cocaine users costs several times their USD 34M per 1%, so enforcement is not 4 "
              "times treatment. docs/ODD.md section 12.")
