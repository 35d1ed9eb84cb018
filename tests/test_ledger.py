"""The outcome ledger (experiments/ledger.py): discounting, QALYs and costs from the monthly outputs, the
incremental cost-effectiveness ratio and its notes, and refused settings."""

import math

import numpy as np
import pandas as pd
import pytest

from experiments.errors import ExperimentError
from experiments.ledger import (LEDGER_PARAMS, compare_ledger, format_ledger, ledger_table, ledger_values,
                                life_years, per_run_ledger)


def frame(scenario, seed, months=24, deaths=100.0, spend=1e8, hiv=0.0, prison=0.0, dependent=0.0):
    return pd.DataFrame({
        "scenario": scenario, "seed": seed, "month": np.arange(1, months + 1),
        "overdose_deaths": deaths, "new_hiv_pwid": hiv, "incarcerated": prison, "in_treatment": 0.0,
        "users_dependent_opioid": dependent, "users_dependent_cocaine": 0.0,
        "users_dependent_methamphetamine": 0.0, "spend_usd_treatment": spend, "violence_deaths": 1.0,
        "cultivation_ha_colombia": 1000.0,
    })


def test_every_weight_has_unit_source_grade_and_a_default_in_range():
    for name, p in LEDGER_PARAMS.items():
        assert p.unit and len(p.source) > 20 and p.grade in "HML", name
        assert p.check(p.default) is None, name


def test_undiscounted_ledger_counts_years_of_life_and_costs():
    v = ledger_values({"discount_rate": 0.0})
    runs = per_run_ledger(frame("a", 1, months=12, deaths=10.0, hiv=1.0, prison=1200.0), v)
    r = runs.iloc[0]
    assert r["yll_overdose"] == pytest.approx(120 * v["ledger.yll_per_overdose_death"])
    assert r["cost_hiv_care_usd"] == pytest.approx(12 * v["ledger.hiv_care_cost_usd"])
    assert r["cost_prison_usd"] == pytest.approx(1200 * v["ledger.prison_cost_usd_per_year"])  # 1,200 person-years
    assert r["incarceration_years"] == pytest.approx(1200)
    assert r["qalys_lost_deaths"] == pytest.approx(r["yll_overdose"] * v["ledger.utility_without_disorder"])


def test_discounting_weighs_a_later_year_less():
    v = ledger_values()
    r = v["ledger.discount_rate"]
    one = per_run_ledger(frame("a", 1, months=24, deaths=0.0, spend=1.0), v).iloc[0]
    assert one["cost_programmes_usd"] == pytest.approx(sum((1 + r) ** (-(m - 1) / 12) for m in range(1, 25)))
    assert life_years(39.8, 0.03) < 39.8 and life_years(39.8, 0.0) == 39.8
    assert life_years(40, 0.03) == pytest.approx((1 - 1.03 ** -40) / math.log(1.03))


def test_icer_is_extra_cost_per_qaly_gained():
    seeds = range(1, 6)
    rng = np.random.default_rng(1)
    base = pd.concat([frame("sq", s, deaths=100 + rng.normal()) for s in seeds])
    pol = pd.concat([frame("pol", s, deaths=90 + rng.normal(), spend=2e8) for s in seeds])
    t = ledger_table(pd.concat([base, pol]), "sq", ["pol"])
    icer = t[t.outcome == "icer_usd_per_qaly"].iloc[0]
    cost = t[t.outcome == "cost_total_usd"].iloc[0]["mean"]
    qalys = t[t.outcome == "qalys_lost"].iloc[0]["mean"]
    assert cost > 0 and qalys > 0
    assert icer["mean"] == pytest.approx(cost / qalys)
    nmb = t[t.outcome == "net_monetary_benefit_usd"].iloc[0]["mean"]
    assert nmb == pytest.approx(1e5 * qalys - cost)


def test_icer_notes_dominance_and_noise():
    seeds = range(1, 6)
    rng = np.random.default_rng(2)
    base = pd.concat([frame("sq", s, deaths=100 + rng.normal()) for s in seeds])
    cheaper_better = pd.concat([frame("good", s, deaths=80 + rng.normal(), spend=5e7) for s in seeds])
    noise = pd.concat([frame("noise", s, deaths=100 + 5 * rng.normal(), spend=2e8) for s in seeds])
    t = ledger_table(pd.concat([base, cheaper_better, noise]), "sq", ["good", "noise"])
    icers = t[t.outcome == "icer_usd_per_qaly"].set_index("policy")
    assert icers.loc["good", "note"].startswith("dominant")
    assert icers.loc["noise", "note"].startswith("not meaningful")
    text = format_ledger(t, horizon_months=24, n_seeds=5)
    assert "CHEERS" in text and "dominant" in text and "ledger.utility_without_disorder" in text


@pytest.mark.parametrize("overrides, message", [
    ({"discount_rat": 0.03}, "unknown ledger setting"),
    ({"discount_rate": 0.5}, "ledger.discount_rate = 0.5: must be in"),
    ({"wtp_per_qaly_usd": float("nan")}, "must be a finite number"),
])
def test_bad_ledger_settings_are_refused_naming_the_key(overrides, message):
    with pytest.raises(ExperimentError, match=message):
        ledger_values(overrides)


def test_compare_writes_and_returns_the_ledger(tmp_path):
    from experiments.compare import compare
    from model.scenario import load_scenario
    from test_runner import fake_simulate

    base = load_scenario("status_quo", ['months=12', 'name="sq"'])
    more = load_scenario("status_quo", ['months=12', 'name="more"', "policy.budget.treatment=2e9"])
    res = compare(base, [more], 3, figure=False, simulate=fake_simulate, backend="serial", progress=False,
                  out=tmp_path / "c")
    assert set(res.ledger["outcome"]) >= {"cost_total_usd", "qalys_lost", "dalys", "icer_usd_per_qaly"}
    written = pd.read_csv(tmp_path / "c" / "ledger.csv")
    spend = written[written.outcome == "cost_programmes_usd"].iloc[0]["mean"]
    assert spend == pytest.approx(sum((2e9 - 4.5e8) / 12 * 1.03 ** (-(m - 1) / 12) for m in range(1, 13)))
