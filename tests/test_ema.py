"""The ema_workbench adapter (experiments/ema.py): run_model, make_model, PRIM and feature scoring.

The PRIM tests run on a fake simulate of known structure (fast, and PRIM must find the
box that was built in) and, once, on the real model at the tiny scale (the adapter works
end to end: scenario keys reach the model, outcomes come back, PRIM runs on them).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

ema_workbench = pytest.importorskip("ema_workbench")

from ema_workbench import (  # noqa: E402
    BooleanParameter,
    CategoricalParameter,
    IntegerParameter,
    RealParameter,
    SequentialEvaluator,
    perform_experiments,
)
from ema_workbench.analysis import feature_scoring, prim  # noqa: E402

from experiments.ema import (  # noqa: E402
    OUTCOMES,
    ema_name,
    lever_keys,
    lever_range,
    make_model,
    outcomes_of,
    prim_inputs,
    run_model,
    select_box,
)
from model.policy import PROGRAMS, STATUS_QUO_BUDGET  # noqa: E402
from model.scenario import ScenarioError  # noqa: E402


def _budget(scenario, program: str) -> float:
    return scenario.policy.total(program)


def box_simulate(scenario, seed: int) -> pd.DataFrame:
    """Deaths fall by half when treatment > 1e9 and harm reduction > 4e8 (a box), else
    stay at 1000 a month; prevention does nothing; the seed adds a little noise."""
    m = scenario.months
    rng = np.random.default_rng(seed)
    good = _budget(scenario, "treatment") > 1e9 and _budget(scenario, "harm_reduction") > 4e8
    deaths = (500.0 if good else 1000.0) + rng.normal(0, 5, m)
    spend = {f"spend_usd_{p}": np.full(m, _budget(scenario, p) / 12.0) for p in PROGRAMS}
    return pd.DataFrame({
        "month": np.arange(1, m + 1), "overdose_deaths": deaths, "new_hiv_pwid": np.full(m, 10.0),
        "violence_deaths": np.full(m, 100.0), "people_with_sud": np.full(m, 1e6),
        "cultivation_ha_colombia": np.full(m, 2e5), "cultivation_ha_coca": np.full(m, 9e9),  # an aggregate: ignored
        "group_size_seen": np.full(m, float(scenario.param("user.group_size"))),
        **spend,
    })


# --------------------------------------------------------------------------- names and ranges
def test_ema_names_are_identifiers_and_map_back():
    assert ema_name("policy.budget.treatment") == "budget_treatment"
    assert ema_name("params.user.naloxone_reversal_probability") == "user_naloxone_reversal_probability"
    assert ema_name("policy.countries.china.precursor_scheduling") == "countries_china_precursor_scheduling"
    model = make_model(
        levers=["policy.budget.treatment", "policy.countries.China.precursor_scheduling"],
        uncertainties=["user.naloxone_reversal_probability"],
        base="status_quo", months=3, preset="tiny")
    keys = lever_keys(model)
    assert keys == {
        "budget_treatment": "policy.budget.treatment",
        "countries_china_precursor_scheduling": "policy.countries.china.precursor_scheduling",
        "user_naloxone_reversal_probability": "params.user.naloxone_reversal_probability",
    }
    assert all(name.isidentifier() for name in keys)


def test_default_ranges_come_from_the_registry_and_the_switches():
    from model.params import PARAMS

    p = PARAMS["user.naloxone_reversal_probability"]
    assert lever_range("user.naloxone_reversal_probability") == ("real", (p.low, p.high))
    assert lever_range("params.user.group_size") == ("integer", (2, 10000))
    assert lever_range("policy.budget.interdiction") == ("real", (0.0, 2 * STATUS_QUO_BUDGET["interdiction"]))
    assert lever_range("policy.budget.harm_reduction") == ("real", (0.0, 1.5e9))
    assert lever_range("policy.precursor_scheduling") == ("categorical", ("none", "list", "class"))
    assert lever_range("policy.decriminalize_possession") == ("boolean", None)
    model = make_model(levers={"policy.budget.treatment": (1e8, 2e9), "policy.decriminalize_possession": None,
                               "policy.precursor_scheduling": ["list", "class"]},
                       uncertainties=["user.group_size", "user.naloxone_reversal_probability"])
    lev = {p.name: p for p in model.levers}
    unc = {p.name: p for p in model.uncertainties}
    assert isinstance(lev["budget_treatment"], RealParameter)
    assert (lev["budget_treatment"].lower_bound, lev["budget_treatment"].upper_bound) == (1e8, 2e9)
    assert isinstance(lev["decriminalize_possession"], BooleanParameter)
    assert isinstance(lev["precursor_scheduling"], CategoricalParameter)
    assert isinstance(unc["user_group_size"], IntegerParameter)
    assert isinstance(unc["user_naloxone_reversal_probability"], RealParameter)
    assert [o.name for o in model.outcomes] == list(OUTCOMES)


def test_bad_keys_and_ranges_are_refused():
    with pytest.raises(ScenarioError, match="did you mean"):
        make_model(levers=["policy.budget.treatmnt"])
    with pytest.raises(ValueError, match="low < high"):
        make_model(levers={"policy.budget.treatment": (2e9, 1e8)})
    with pytest.raises(ValueError, match="given twice"):
        make_model(levers=["policy.budget.treatment"], uncertainties=["policy.budget.treatment"])
    with pytest.raises(ValueError, match="unknown outcome"):
        make_model(levers=["policy.budget.treatment"], outcomes=["deaths"])
    with pytest.raises(ScenarioError, match="policy.budget.treatment"):
        run_model(**{"policy.budget.treatment": -1.0}, simulate=box_simulate)


# --------------------------------------------------------------------------- the function
def test_run_model_sets_levers_and_returns_the_outcomes_over_the_horizon():
    out = run_model(**{"policy.budget.treatment": 2e9, "policy.budget.harm_reduction": 5e8, "months": 12,
                       "user.group_size": 20}, base="status_quo", seeds=(1, 2, 3), simulate=box_simulate)
    assert set(out) == set(OUTCOMES)
    assert out["overdose_deaths"] == pytest.approx(500.0 * 12, rel=0.02)  # total over 12 months, mean of 3 seeds
    assert out["people_with_sud"] == pytest.approx(1e6)                    # monthly mean
    assert out["cultivation_ha"] == pytest.approx(2e5)                     # countries only, not crop aggregates
    total = sum(STATUS_QUO_BUDGET.values()) - STATUS_QUO_BUDGET["treatment"] - STATUS_QUO_BUDGET["harm_reduction"]
    assert out["spend_usd"] == pytest.approx(total + 2e9 + 5e8)            # a year of every budget
    # numpy values (as ema_workbench passes them) are accepted
    out2 = run_model(**{"policy.budget.treatment": np.float64(2e9), "policy.budget.harm_reduction": np.float64(5e8),
                        "months": np.int64(12)}, seeds=np.int64(1), simulate=box_simulate)
    assert out2["spend_usd"] == pytest.approx(out["spend_usd"])


def test_outcomes_match_compare():
    """One definition of each outcome: the adapter's numbers are drugmarket compare's."""
    from experiments.compare import per_run_metrics
    from model.scenario import load_scenario

    s = load_scenario(None, ["months=6"])
    df = pd.concat([box_simulate(s, 1).assign(seed=1), box_simulate(s, 2).assign(seed=2)])
    ours = outcomes_of(df)
    theirs = per_run_metrics(df.assign(scenario="x")).mean(numeric_only=True)
    for k in OUTCOMES:
        assert ours[k] == pytest.approx(theirs[k])


@pytest.mark.slow
def test_run_model_on_the_real_model_tiny():
    """The real model at the tiny scale, 3 months: outcomes finite, spending exactly the budgets."""
    out = run_model(**{"policy.budget.harm_reduction": 6e8, "months": 3, "preset": "tiny"}, base="status_quo")
    assert all(math.isfinite(v) and v >= 0 for v in out.values())
    expected = (sum(STATUS_QUO_BUDGET.values()) + 5e8) * 3 / 12
    assert out["spend_usd"] == pytest.approx(expected, rel=1e-9)
    assert out["overdose_deaths"] > 0 and out["people_with_sud"] > 1e6


# --------------------------------------------------------------------------- PRIM and feature scoring
def test_prim_finds_the_box_built_into_the_model():
    model = make_model(
        levers={"policy.budget.treatment": (0.0, 2e9), "policy.budget.harm_reduction": (0.0, 1e9),
                "policy.budget.prevention": (0.0, 1e9)},
        uncertainties={"user.group_size": (10, 100)},  # a whole-number column: the pandas-3 PRIM crash
        base="status_quo", months=6, seeds=(1,), simulate=box_simulate)
    with SequentialEvaluator(model) as evaluator:
        experiments, outcomes = perform_experiments(model, scenarios=2, policies=40, evaluator=evaluator,
                                                    uncertainty_sampling_kwargs={"rng": 1},
                                                    lever_sampling_kwargs={"rng": 2})
    assert len(experiments) == 80
    assert experiments["user_group_size"].dtype.kind == "i"
    x = prim_inputs(experiments)
    assert {"scenario", "policy", "model"}.isdisjoint(x.columns)
    assert all(x[c].dtype == float for c in x.columns)
    y = outcomes["overdose_deaths"] < 6 * 750
    assert 0 < y.sum() < len(y)
    box = select_box(prim.Prim(x, y).find_box(), min_density=0.95)
    lims = box.box_lim
    assert box.coverage == pytest.approx(1.0) and box.density >= 0.95
    assert set(box.peeling_trajectory.columns) >= {"coverage", "density", "mass"}
    # the lower limits sit at the first sampled points inside the box (40 samples per range)
    assert 0.85e9 < lims.loc[0, "budget_treatment"] <= 1.2e9
    assert 3.4e8 < lims.loc[0, "budget_harm_reduction"] <= 5.0e8
    assert lims.loc[0, "budget_prevention"] == x["budget_prevention"].min()  # not restricted
    # extra trees draw at random: unseeded, this check has failed in CI. Seeded, it is
    # reproducible. Of random states 0-59, 59 rank these two first; prevention, which does nothing, scores
    # about 0.3 all the same (the trees fit the outcome's small noise) and came second once (state 12)
    scores = feature_scoring.get_feature_scores_all(x, outcomes, random_state=1)
    top = scores["overdose_deaths"].sort_values(ascending=False).index[:2]
    assert set(top) == {"budget_treatment", "budget_harm_reduction"}


@pytest.mark.slow
def test_prim_runs_on_a_small_sweep_of_the_real_model():
    """Must-show 6: the adapter runs PRIM on a small sweep of the real model (tiny scale).

    Spending is a known function of the budget levers, so PRIM must bound the interdiction
    budget from below for 'the runs that spend the most'."""
    model = make_model(
        levers={"policy.budget.interdiction": (5e8, 3e9), "policy.budget.harm_reduction": (5e7, 1e9),
                "policy.decriminalize_possession": None},
        base="status_quo", months=3, preset="tiny", seeds=(1,))
    with SequentialEvaluator(model) as evaluator:
        # levers only: scenarios=1 (ema_workbench 3.0 fails with scenarios=0, see make_model)
        experiments, outcomes = perform_experiments(model, scenarios=1, policies=16, evaluator=evaluator,
                                                    lever_sampling_kwargs={"rng": 1})  # a seeded design
    assert len(experiments) == 16 and set(outcomes) == set(OUTCOMES)
    assert np.isfinite(outcomes["overdose_deaths"]).all() and (outcomes["overdose_deaths"] > 0).all()
    x = prim_inputs(experiments)
    y = outcomes["spend_usd"] > np.median(outcomes["spend_usd"])
    box = select_box(prim.Prim(x, y, peel_alpha=0.1).find_box(), min_density=0.8)
    assert box.density >= 0.8
    assert "budget_interdiction" in box.box_lim.columns
    assert box.box_lim.loc[0, "budget_interdiction"] > 5e8 * 1.01  # interdiction is what spends most
