"""Runs that share a burn-in reuse it (model/run.py) and go to a worker together (experiments/dispatch.py);
their rows are the same to the bit as runs built and burned in afresh."""

from __future__ import annotations

import pandas as pd
import pytest

from experiments.dispatch import MAX_BUNDLE, bundles
from experiments.options import run_options
from experiments.draws import make_plan
from experiments.runner import Task, draw_tasks, run_scenarios, scenario_to_dict
from experiments.simulator import default_simulate
from model import run as model_run
from model.scenario import load_scenario, scenario_from_dict

TINY = ['preset="tiny"', "months=8", "sim.burn_in_months=3"]


def _scenarios():
    """The status quo, a policy, the policy with an event that changes a parameter mid-run, a shorter
    horizon, and different parameters (another burn-in)."""
    sq = load_scenario("status_quo", TINY)
    pol = load_scenario("combined_package", TINY)
    d = pol.to_dict()
    d["name"] = "with-event"
    d["events"] = [{"month": 3, "set": {"params.user.overdose_bystander_share": 0.2}}]
    shorter = load_scenario("rebalance_40_60", TINY + ["months=5"])
    other = load_scenario("status_quo", TINY + ["user.overdose_bystander_share=0.3"])
    return [sq, pol, scenario_from_dict(d), shorter, other, sq]


def _fresh(sc, seed):
    saved = model_run.BURN_IN_CACHE
    model_run.BURN_IN_CACHE = 0
    try:
        return model_run.simulate(sc, seed)
    finally:
        model_run.BURN_IN_CACHE = saved


def test_a_reused_burn_in_gives_the_rows_of_a_fresh_run(monkeypatch):
    monkeypatch.setattr(model_run, "BURN_IN_CACHE", 2)
    model_run._burned_in.clear()
    scs = _scenarios()
    reused = [model_run.simulate(sc, 4) for sc in scs]  # the last status quo runs after the others used its model
    assert len(model_run._burned_in) == 2  # the shared burn-in and the other parameters'
    for sc, got in zip(scs, reused):
        pd.testing.assert_frame_equal(got, _fresh(sc, 4))
    assert reused[0].equals(reused[-1])  # the policies' runs did not change the kept model
    assert not reused[1].equals(reused[2])  # the event acted
    assert len(reused[3]) == 5


def test_the_key_names_what_a_burn_in_depends_on(tmp_path):
    sq, pol = load_scenario("status_quo", TINY), load_scenario("combined_package", TINY)
    assert model_run.burn_in_key(sq, 1) == model_run.burn_in_key(pol, 1)
    assert model_run.burn_in_key(sq, 1) != model_run.burn_in_key(sq, 2)
    assert model_run.burn_in_key(sq, 1) != model_run.burn_in_key(sq, 1, "reference")
    assert model_run.burn_in_key(sq, True) is None and model_run.burn_in_key(sq, -1) is None
    assert model_run.burn_in_key(load_scenario("status_quo", ['preset="full"']), 1) is None  # too large to keep
    other = load_scenario("status_quo", TINY + ["user.overdose_bystander_share=0.3"])
    assert model_run.burn_in_key(other, 1) != model_run.burn_in_key(sq, 1)


def _tasks(n_draws=3, seeds=(1, 2)):
    dicts = [scenario_to_dict(load_scenario(n, TINY)) for n in ("status_quo", "combined_package", "rebalance_40_60")]
    return draw_tasks(dicts, make_plan(n_draws), list(seeds))


def test_bundles_hold_the_runs_of_one_draw_and_seed():
    tasks = _tasks()
    got = bundles(tasks, default_simulate(), run_options(None, {"backend": "local", "workers": 2}))
    assert sorted(t.task_id for b in got for t in b) == sorted(t.task_id for t in tasks)
    assert len(got) == 6  # 3 draws x 2 seeds, each with its 3 scenarios
    for b in got:
        assert len({(t.extra["draw"], t.seed) for t in b}) == 1 and len(b) == 3
        assert [t.task_id for t in b] == sorted(t.task_id for t in b)


def test_bundles_are_capped_and_only_where_they_pay():
    tasks = _tasks(n_draws=1, seeds=(1,))
    local = run_options(None, {"backend": "local", "workers": 2})
    assert all(len(b) == 1 for b in bundles(tasks, default_simulate(), local))  # one bundle, two workers
    assert len(bundles(tasks, default_simulate(), run_options(None, {"backend": "serial"}))) == 1
    assert all(len(b) == 1 for b in bundles(_tasks(), lambda sc, seed: None, local))  # another simulate
    one = tasks[0]
    same = [Task(i, one.scenario, 1) for i in range(MAX_BUNDLE * 2 + 1)]
    assert [len(b) for b in bundles(same, default_simulate(), local)] == [MAX_BUNDLE, MAX_BUNDLE, 1]


@pytest.mark.slow
def test_a_paired_comparison_on_a_pool_matches_runs_made_afresh(tmp_path, monkeypatch):
    """Bundled on a pool of two workers (each reusing its burn-ins) against serial runs without reuse."""
    scs = [load_scenario(n, TINY) for n in ("status_quo", "combined_package")]
    pooled = run_scenarios(scs, [1, 2], draws=2, backend="local", workers=2, progress=False).results()
    monkeypatch.setenv("DRUGMARKET_BURN_IN_CACHE", "0")
    monkeypatch.setattr(model_run, "BURN_IN_CACHE", 0)
    serial = run_scenarios(scs, [1, 2], draws=2, backend="serial", progress=False).results()
    pd.testing.assert_frame_equal(pooled.reset_index(drop=True), serial.reset_index(drop=True))
