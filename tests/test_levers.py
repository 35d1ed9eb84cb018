"""Each policy lever moves the model the way its mechanism says.

Every test compares a policy with the status quo on the same seeds (common
random numbers) at the workshop scale, and asserts a direction that the
mechanism implies and that a broken mechanism would not give.
"""

from __future__ import annotations

from types import SimpleNamespace

import mesa
import numpy as np
import pandas as pd
import pytest

from agents import PrecursorSupplier
from model import rng
from model.model import DrugMarketModel
from model.params import defaults
from model.policy import STATUS_QUO_BUDGET, Policy
from model.scenario import scenario_from_dict
from experiments.published.base import status_quo_table

SEEDS = (1, 2)


def run(policy=None, events=None, months=24, seeds=SEEDS, params=None) -> pd.DataFrame:
    d = {"name": "lever", "preset": "workshop", "months": months, "policy": policy or {}, "events": events or [],
         "params": {"sim.burn_in_months": 12, **(params or {})}}
    sc = scenario_from_dict(d)
    frames = [DrugMarketModel(sc, seed=s).run() for s in seeds]
    return pd.concat(frames).groupby("month").mean(numeric_only=True)


@pytest.fixture(scope="module")
def base():
    return run()


def budget(**changes):
    return {"budget": {**STATUS_QUO_BUDGET, **changes}}


def test_more_eradication_budget_more_hectares_eradicated(base):
    more = run(budget(eradication=3 * STATUS_QUO_BUDGET["eradication"]))
    assert more["eradicated_ha"].mean() > 1.2 * base["eradicated_ha"].mean()


def test_forcibly_eradicated_area_is_replanted_at_the_sourced_rate():
    """Households replant 0.35-0.40 (Colombian National Police 2019) to 0.50-0.67 (High Commissioner for
    Peace 2019; INDEPAZ about 0.5) of the area forcibly eradicated from them within a year. Measured on the
    Colombian households eradicated in months 1-12, over the 12 months after each eradication (replanting
    counted up to the area each lost)."""
    sc = scenario_from_dict({"name": "replant", "preset": "workshop", "months": 24,
                             "params": {"sim.burn_in_months": 12}})
    m = DrugMarketModel(sc, seed=1)
    while m.t < 0:
        m.step()
    f = m.farmers.households
    colombia = np.array([c == "colombia" for c, _ in f.countries])[f.country]
    cohorts = []
    for month in range(24):
        m.step()
        for c in cohorts:
            if c["age"] < 12:
                c["replanted"] += np.minimum(f.replanted[c["idx"]], c["lost"])
                c["age"] += 1
        if month < 12:
            idx = np.flatnonzero(colombia & (f.eradicated > 0))
            cohorts.append({"idx": idx, "lost": f.eradicated[idx].copy(), "replanted": np.zeros(len(idx)), "age": 0})
    lost = sum(c["lost"].sum() for c in cohorts)
    replanted = sum(np.minimum(c["replanted"], c["lost"]).sum() for c in cohorts)
    assert lost > 50_000
    assert 0.35 <= replanted / lost <= 0.67


def test_expected_loss_from_eradication_is_a_share_of_the_harvest():
    """The deterrence term: a farmer expects to lose the share of time its plot stands destroyed, e / (e + c)
    with e the perceived monthly eradication rate and c its replanting rate: below 1 however high the risk
    (the expected coca income I (1 - loss) never turns negative), rising with risk, and in the steady state
    of the calibration equal to the share of the wanted area that eradication keeps out, 1 - k / (k + e)."""
    from model.params import defaults
    from model.farmers.rates import expected_loss, recovery_rate

    p = defaults()
    risk = np.array([0.0, 0.1, 0.49, 1.0, 5.0, 12.0, 1e6])
    loss = expected_loss(risk, p)
    assert loss[0] == 0.0
    assert np.all(np.diff(loss) > 0) and np.all(loss < 1.0)
    k, e = recovery_rate(p), 100_000 / 12 / 204_000  # Colombia 2021
    assert expected_loss(np.array([12 * e]), p)[0] == pytest.approx(1 - k / (k + e))


def test_naloxone_makes_a_smaller_share_of_overdoses_fatal(base):
    more = run(budget(harm_reduction=3.0e9))
    def fatal_share(df):
        return df["overdose_deaths"].sum() / (df["overdose_deaths"].sum() + df["overdoses_reversed"].sum())
    # at most three times 2021's community kits (the programme's saturation), and only witnessed opioid
    # overdoses can be reversed: a clear cut, bounded
    assert fatal_share(more) < 0.9 * fatal_share(base)
    assert more["overdose_deaths"].sum() < base["overdose_deaths"].sum()


def test_interdiction_on_one_route_shifts_flow_to_others_within_months():
    """Ten times the interdiction money in the Caribbean: traffickers learn from their seizures and move
    cocaine to the other routes. Measured as the Caribbean's share of transit flow over months 2-24 (the
    monthly flows are noisy at this scale: shipments travel in whole loads, so a path with a small share
    carries a load in some months only; the share over two years and four seeds is the statistic)."""
    table = status_quo_table("interdiction")
    table["caribbean"] *= 10
    seeds = (1, 2, 3, 4)
    hit = run({"budget": {**STATUS_QUO_BUDGET, "interdiction": table}}, months=24, seeds=seeds)
    base = run(months=24, seeds=seeds)
    routes = ["flow_kg_caribbean", "flow_kg_central_america", "flow_kg_ecuador_pacific", "flow_kg_west_africa"]
    def share(df):
        return (df["flow_kg_caribbean"] / df[routes].sum(axis=1)).iloc[1:].mean()
    assert share(hit) < 0.8 * share(base)
    others = routes[1:]
    assert hit[others].iloc[1:].sum(axis=1).mean() > base[others].iloc[1:].sum(axis=1).mean()


def test_alternative_development_before_eradication_means_less_replanting_than_eradication_alone():
    """Sequencing turns would-be forced eradications into voluntary uprooting by enrolled households, who do
    not replant; so fewer hectares are replanted, and fewer per hectare removed."""
    erad = 3 * STATUS_QUO_BUDGET["eradication"]
    alone = run(budget(eradication=erad))
    sequenced = run({"budget": {**STATUS_QUO_BUDGET, "eradication": erad,
                                "alternative_development": 3 * STATUS_QUO_BUDGET["alternative_development"]},
                     "alternative_development_before_eradication": True})
    def per_ha_removed(df):
        return df["replanted_ha"].sum() / (df["eradicated_ha"].sum() + df["voluntary_eradication_ha"].sum())
    assert sequenced["replanted_ha"].sum() < alone["replanted_ha"].sum()
    assert per_ha_removed(sequenced) < 0.9 * per_ha_removed(alone)
    assert sequenced["voluntary_eradication_ha"].sum() > 10 * alone["voluntary_eradication_ha"].sum()


def test_class_scheduling_keeps_diversion_down_while_list_scheduling_is_substituted():
    start = {"countries": {"china": {"precursor_scheduling": "none"}}}
    key = "policy.countries.china.precursor_scheduling"
    listed = run(start, events=[{"month": 6, "set": {key: "list"}}], months=36)
    classed = run(start, events=[{"month": 6, "set": {key: "class"}}], months=36)
    col = "precursor_diverted_kg_china"
    before = listed[col].iloc[:5].mean()
    assert listed[col].iloc[5] < 0.15 * before    # month 6: the listing bites at once, for every supplier
    assert classed[col].iloc[5] < 0.4 * before
    assert listed[col].iloc[-6:].mean() > 0.7 * before     # analogues restore list-scheduled supply
    assert classed[col].iloc[-6:].mean() < 0.3 * before    # no analogue escapes a class control
    assert classed["precursor_diverted_kg_india"].iloc[-6:].mean() > classed["precursor_diverted_kg_india"].iloc[:5].mean()



class _SupplierWorld(mesa.Model):
    """Just what a PrecursorSupplier reads from its model: one route, one source, need 1 kg a month."""

    def __init__(self, lag: float):
        super().__init__()
        self.t, self.params = 0, {**defaults(), "precursor.substitution_lag_months": lag}
        self.policy = Policy(switches={"precursor_scheduling": "none"})
        self.precursors = SimpleNamespace(source_share={0: {"china": 1.0}}, need=lambda route, capacity: 1.0)
        self.markets = SimpleNamespace(lab_capacity={})
        self.enforcement = SimpleNamespace(precursor_seizure_share=lambda country, status_quo=False: 0.0)
        self._ids = 0

    def next_draw_id(self):
        self._ids += 1
        return self._ids


@pytest.mark.parametrize("lag", [1.0, 1.5, 4.0])
def test_a_listing_cuts_every_supplier_for_substitution_lag_months_on_average(lag):
    w = _SupplierWorld(lag)
    firms = [PrecursorSupplier(w, 0, "china", 1.0) for _ in range(4000)]
    factor = w.params["precursor.listed_diversion_factor"]
    cut_months = np.zeros(len(firms))
    for t in range(1, 61):
        w.t = t
        w.draw_keys = {"supplier": rng.key_py(7, rng.SUPPLIER, t)}
        if t == 2:
            w.policy = Policy(switches={"precursor_scheduling": "list"})
        for f in firms:
            f.step()
        cut = np.array([f.diverted < 0.5 for f in firms])
        if t == 2:
            assert cut.all() and all(f.diverted == pytest.approx(factor) for f in firms)  # no analogue within the month
        cut_months += cut
    assert cut_months.mean() == pytest.approx(lag, rel=0.05)      # mean months cut = the parameter
    assert cut_months.min() >= 1.0 and all(f.substituted for f in firms)

def test_decriminalization_fewer_arrests_referrals_instead_fewer_in_prison(base):
    """Possession arrests become referrals. (Treatment entries are not asserted: places are full under the
    status quo and referrals take only places left after voluntary entries, so without more places the
    number entering treatment does not change; an earlier version of this test asserted more entries and
    passed on two seeds by chance: the differences over seeds 1-4 were +9,450, -4,200, -10,500, -3,150.)"""
    decrim = run({"decriminalize_possession": True})
    assert decrim["arrests"].sum() < 0.5 * base["arrests"].sum()
    assert base["referrals"].sum() == 0
    assert decrim["referrals"].sum() > 0.5 * (base["arrests"].sum() - decrim["arrests"].sum())
    assert decrim["incarcerated"].iloc[-1] < base["incarcerated"].iloc[-1]


def test_treatment_budget_more_people_in_treatment(base):
    more = run(budget(treatment=5.0e9))
    assert more["in_treatment"].iloc[-6:].mean() > 1.1 * base["in_treatment"].iloc[-6:].mean()


def test_new_treatment_places_for_cocaine_users_go_to_them_and_cut_cocaine_use(base):
    """+$1B of treatment: shared like the 2021 US places most new places are opioid places; given to
    cocaine users they fill with cocaine users, and dependent cocaine use (and consumption) falls more."""
    extra = budget(treatment=STATUS_QUO_BUDGET["treatment"] + 1.0e9)
    shared = run(extra)
    cocaine = run(extra, params={"agency.treatment_new_places_to": "cocaine"})
    tail = slice(12, None)
    assert cocaine["users_dependent_cocaine"].iloc[tail].mean() < shared["users_dependent_cocaine"].iloc[tail].mean()
    assert cocaine["users_dependent_opioid"].iloc[tail].mean() > shared["users_dependent_opioid"].iloc[tail].mean()
    col = "consumption_kg_cocaine_united_states"
    assert cocaine[col].iloc[tail].sum() < shared[col].iloc[tail].sum()


def test_prevention_budget_fewer_initiations(base):
    more = run(budget(prevention=2.0e9))
    assert more["initiations"].sum() < base["initiations"].sum()


def test_financial_targeting_seizes_more_assets(base):
    more = run(budget(financial_targeting=2.0e9))
    assert more["assets_seized_usd"].sum() > 1.5 * base["assets_seized_usd"].sum()


def test_precursor_control_seizes_more_precursor(base):
    more = run(budget(precursor_control=1.5e9))
    assert more["precursor_seized_kg"].sum() > 1.5 * base["precursor_seized_kg"].sum()


def test_domestic_enforcement_more_arrests_and_higher_retail_price(base):
    more = run(budget(domestic_enforcement=2.0e10))
    assert more["arrests"].sum() > 1.1 * base["arrests"].sum()
    assert more["retail_price_cocaine"].mean() > base["retail_price_cocaine"].mean()


def test_alternative_development_enrols_households_and_cuts_cultivation(base):
    more = run(budget(alternative_development=3.0e9))
    assert more["ad_enrolled_households"].iloc[-1] > 1.5 * base["ad_enrolled_households"].iloc[-1]
    assert more["cultivation_ha_coca"].iloc[-6:].mean() < base["cultivation_ha_coca"].iloc[-6:].mean()


def test_leadership_targeting_off_fewer_organizations_less_violence(base):
    off = run({"leadership_targeting": False}, months=48)
    on = run(months=48)
    assert off["trafficking_orgs"].iloc[-1] < on["trafficking_orgs"].iloc[-1]
    assert off["violence_deaths"].iloc[-12:].mean() < on["violence_deaths"].iloc[-12:].mean()
