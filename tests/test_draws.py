"""Parameter draws crossed with seeds: the draws, their pairing across scenarios, and the two intervals."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from experiments import cli
from experiments.compare import compare
from experiments.draws import (
    LEVERS, PRIORS, apply_draw, draw_values, make_plan, support, uncertain_parameters,
)
from experiments.errors import ExperimentError
from experiments.intervals import two_intervals
from experiments.runner import run_scenarios
from experiments.storage import read_results
from model.params import PARAMS
from model.scenario import load_scenario

from fakes import budget, frame, seed_noise

PROGRAMS = ("treatment", "harm_reduction")
ESCAPE = "precursor.escape_share"  # L: drawn
NALOXONE = "user.naloxone_reversal_probability"  # M: drawn


def param_simulate(scenario, seed: int) -> pd.DataFrame:
    """Deaths fall with treatment by a response that scales with precursor.escape_share (a parameter,
    so it varies between draws) and with a seed-specific noise (chance). Violence deaths rise with
    treatment when escape_share > 0.5 and fall otherwise: the sign of that effect depends on the draw."""
    d = scenario.to_dict()
    m = int(d["months"])
    rng = np.random.default_rng(seed)
    escape = float(scenario.param(ESCAPE))
    treat = budget(d, "treatment")
    columns = {
        **seed_noise(rng, m, 0.5),
        "overdose_deaths": 9000.0 - 4e-6 * escape * treat + rng.normal(0, 30, m),
        "people_with_sud": 2.0e7 + rng.normal(0, 1e4, m),
        "naloxone_seen": np.full(m, float(scenario.param(NALOXONE))),
    }
    columns["violence_deaths"] = 1500.0 + 1e-6 * (escape - 0.5) * treat + rng.normal(0, 1, m)
    return frame(d, seed, columns, PROGRAMS)


def _scenarios(months: int = 6):
    base = load_scenario(None, ["name=base", f"months={months}", "policy.budget.treatment=4e8"])
    pol = load_scenario(None, ["name=policy", f"months={months}", "policy.budget.treatment=1.4e9",
                               f"{NALOXONE}=0.95"])
    return base, pol


# --------------------------------------------------------------------------- the draws
def test_a_draw_is_a_function_of_its_index_and_seed_only():
    a = draw_values(3)
    assert a == draw_values(3)
    assert draw_values(3, seed=99) != a and draw_values(4) != a
    sub = [ESCAPE, NALOXONE]
    assert draw_values(3, names=sub) == {n: a[n] for n in sub}  # the same whatever else is drawn
    assert draw_values(0) == {n: PARAMS[n].default for n in uncertain_parameters()}


def test_the_priors_follow_the_grades_and_stay_in_range():
    names = uncertain_parameters()
    assert names and all(PARAMS[n].grade in ("M", "L") for n in names)
    assert not LEVERS & set(names)
    assert set(uncertain_parameters("HML")) > set(names)
    for k in range(1, 40):
        for n, v in draw_values(k).items():
            p = PARAMS[n]
            lo, hi = support(p)
            assert lo <= v <= hi and p.check(v) is None, (n, v)
            assert type(v) is type(p.default)
            assert hi <= p.default * PRIORS[p.grade][1] * (1 + 1e-12)
    # an L parameter is spread over its support; an M one is peaked at its default
    esc = [draw_values(k, names=[ESCAPE])[ESCAPE] for k in range(1, 400)]
    assert min(esc) < 0.3 and max(esc) > 0.9
    nal = np.array([draw_values(k, names=[NALOXONE])[NALOXONE] for k in range(1, 400)])
    assert 0.6 <= nal.min() and nal.max() <= 1.0  # 0.9 / 1.5 to the valid range's end
    assert (abs(nal - 0.9) < 0.05).mean() > 2 * (abs(nal - 0.67) < 0.05).mean()  # peaked at the default


def test_make_plan_refuses_bad_input():
    assert make_plan(None) is None and make_plan(0) is None
    assert make_plan(5, 7, "lm").grades == ("L", "M")
    with pytest.raises(ExperimentError, match="whole number"):
        make_plan(-1)
    with pytest.raises(ExperimentError, match="grades"):
        make_plan(3, None, ["X"])


# --------------------------------------------------------------------------- pairing
def test_every_scenario_gets_the_same_draws_and_seeds_and_its_own_parameters_are_not_redrawn():
    base, pol = _scenarios()
    report = run_scenarios([base, pol], [3, 5], simulate=param_simulate, backend="serial", progress=False, draws=4)
    df = report.results()
    runs = df.groupby(["scenario", "draw", "seed"]).size()
    assert len(runs) == 2 * 4 * 2
    keys = {s: set(g.index.droplevel(0)) for s, g in runs.groupby(level=0)}
    assert keys["base"] == keys["policy"] == {(d, s) for d in (1, 2, 3, 4) for s in (3, 5)}
    by_task = {(t.scenario["name"], t.extra["draw"], t.seed): t.scenario["params"] for t in report.tasks}
    for d in (1, 2, 3, 4):
        for s in (3, 5):
            b, p = by_task[("base", d, s)], by_task[("policy", d, s)]
            assert b[ESCAPE] == p[ESCAPE] == draw_values(d, names=[ESCAPE])[ESCAPE]
            assert p[NALOXONE] == 0.95  # the policy sets it: not redrawn
            assert b[NALOXONE] == draw_values(d, names=[NALOXONE])[NALOXONE]  # the baseline does not
            assert {k: v for k, v in b.items() if k != NALOXONE} == {k: v for k, v in p.items() if k != NALOXONE}
    seen = df.groupby(["scenario", "draw"])["naloxone_seen"].first()
    assert (seen["policy"] == 0.95).all() and seen["base"].nunique() == 4


def test_an_event_that_sets_a_parameter_keeps_it_undrawn():
    sc = load_scenario(None, ["months=6"]).to_dict()
    sc["events"] = [{"month": 2, "set": {f"params.{ESCAPE}": 0.2}}]
    drawn, values = apply_draw(sc, 1, make_plan(1))
    assert ESCAPE not in values and ESCAPE not in drawn["params"]


def test_without_draws_nothing_changes():
    base, pol = _scenarios()
    report = run_scenarios([base, pol], 2, simulate=param_simulate, backend="serial", progress=False)
    df = report.results()
    assert "draw" not in df.columns
    assert [t.task_id for t in report.tasks] == [0, 1, 2, 3]
    assert all(t.scenario["params"] in ({}, {NALOXONE: 0.95}) for t in report.tasks)


@pytest.mark.parametrize("backend", ["local", "dask"])
def test_draws_give_the_same_numbers_on_every_backend(backend):
    base, pol = _scenarios(4)
    kw = dict(simulate=param_simulate, progress=False, draws=3)
    serial = run_scenarios([base, pol], 2, backend="serial", **kw).results()
    other = run_scenarios([base, pol], 2, backend=backend, workers=2, **kw).results()
    pd.testing.assert_frame_equal(serial, other)


def test_a_run_with_draws_resumes_after_losing_parts(tmp_path):
    base, pol = _scenarios(4)
    out = tmp_path / "r"
    kw = dict(simulate=param_simulate, backend="serial", progress=False, draws=3, out=out)
    full = run_scenarios([base, pol], 2, **kw).results()
    parts = sorted((out / "parts").glob("*.parquet"))
    for p in parts[3:7]:
        p.unlink()
    again = run_scenarios([base, pol], 2, resume=True, **kw)
    assert again.resumed == len(parts) - 4
    pd.testing.assert_frame_equal(read_results(out), full)
    with pytest.raises(ExperimentError, match="different"):  # other draws are other tasks
        run_scenarios([base, pol], 2, **{**kw, "draws": make_plan(3, 11)}, resume=True)
    m = json.loads((out / "manifest.json").read_text())
    d = m["design"]["draws"]
    assert d["n"] == 3 and d["seed"] == 20240 and len(d["values"]) == 3
    assert d["values"][0][ESCAPE] == draw_values(1, names=[ESCAPE])[ESCAPE]
    assert d["fixed_by_scenario"]["policy"] == [NALOXONE]
    assert {e["draw"] for e in m["tasks"]} == {1, 2, 3}


# --------------------------------------------------------------------------- the two intervals
def test_two_intervals_tell_chance_from_parameters():
    rng = np.random.default_rng(1)
    draws = np.repeat(np.arange(1, 41), 4)
    chance = 100 + rng.normal(0, 10, len(draws))  # seeds only
    iv = two_intervals(chance, draws)
    assert iv["dominates"] == "chance" and iv["param_share"] < 0.5
    assert iv["chance_high"] - iv["chance_low"] == pytest.approx(2 * 1.98 * 10 / 2, rel=0.2)  # pooled: t(120 dof) s_w / sqrt(4)
    spread = chance + 10 * draws  # draws move it far more than the seeds
    iv = two_intervals(spread, draws)
    assert iv["dominates"] == "parameters" and iv["param_share"] > 0.9
    per_draw = pd.Series(spread).groupby(draws).mean()
    assert iv["param_low"] == pytest.approx(per_draw.quantile(0.05))
    assert iv["param_high"] == pytest.approx(per_draw.quantile(0.95))
    assert iv["sign_robust"] and iv["draws_negative"] == 0
    mixed = two_intervals(spread - spread.mean(), draws)
    assert not mixed["sign_robust"] and mixed["draws_positive"] + mixed["draws_negative"] == 40
    one_seed = two_intervals(np.arange(5.0), np.arange(5))
    assert one_seed["chance_low"] != one_seed["chance_low"] and one_seed["dominates"] == ""


def test_compare_with_draws_reports_both_intervals_and_a_sign_that_is_not_robust(tmp_path):
    base, pol = _scenarios()
    res = compare(base, [pol], 2, simulate=param_simulate, backend="serial", progress=False, draws=12,
                  out=tmp_path / "c", figure=False)
    t = res.table.set_index("outcome")
    d = t.loc["overdose_deaths"]
    assert d["n_draws"] == 12 and d["n_seeds"] == 2
    assert d["param_low"] < d["mean"] < d["param_high"] and d["dominates"] == "parameters" and d["sign_robust"]
    assert d["low"] == d["chance_low"] and d["chance_low"] < d["mean"] < d["chance_high"]
    v = t.loc["violence_deaths"]
    assert not v["sign_robust"] and v["draws_positive"] > 0 and v["draws_negative"] > 0
    csv = pd.read_csv(tmp_path / "c" / "compare.csv")
    assert {"chance_low", "chance_high", "param_low", "param_high", "dominates", "sign_robust"} <= set(csv.columns)
    per_draw = pd.read_csv(tmp_path / "c" / "per_draw.csv")
    assert sorted(per_draw["draw"]) == list(range(1, 13)) and (per_draw["n_seeds"] == 2).all()
    text = str(res)
    assert "12 parameter draws x 2 seeds" in text
    assert "chance (seeds, 95%):" in text and "parameters (draws, 5-95%):" in text
    assert "parameters dominate" in text
    assert "violence deaths:" in text and "SIGN NOT ROBUST across draws: fewer in" in text


def test_compare_cli_with_draws(tmp_path, capsys):
    base = tmp_path / "base.toml"
    base.write_text('name = "baseline"\nmonths = 6\n[policy.budget]\ntreatment = 4.0e8\n')
    more = tmp_path / "more.toml"
    more.write_text('name = "more"\nmonths = 6\n[policy.budget]\ntreatment = 1.4e9\n')
    out = tmp_path / "cmp"
    rc = cli.main(["compare", str(base), str(more), "--seeds", "2", "--draws", "5", "--out", str(out),
                   "--backend", "serial", "--no-figure", "--simulate", "test_draws:param_simulate"])
    cap = capsys.readouterr()
    assert rc == 0, cap.err
    assert "5 parameter draws x 2 seeds" in cap.out and "parameters (draws, 5-95%)" in cap.out
    assert "parameter draws: 5 (draws seed 20240)" in cap.out
    assert sorted(pd.read_parquet(out / "results.parquet")["draw"].unique()) == [1, 2, 3, 4, 5]
    rc = cli.main(["compare", str(base), str(more), "--draws", "-1"])
    assert rc == 2 and "must be 0 or more" in capsys.readouterr().err


def test_run_cli_prints_two_intervals_and_without_draws_says_they_are_chance_only(tmp_path, capsys):
    argv = ["run", "--months", "12", "--seeds", "2", "--backend", "serial", "--no-figure",
            "--simulate", "test_draws:param_simulate"]
    assert cli.main([*argv, "--draws", "4", "--out", str(tmp_path / "a")]) == 0
    out = capsys.readouterr().out
    assert "4 parameter draws x 2 seeds x 12 months" in out
    assert "overdose deaths:" in out and "chance (seeds, 95%):" in out and "parameters (draws, 5-95%):" in out
    assert cli.main([*argv, "--out", str(tmp_path / "b")]) == 0
    out = capsys.readouterr().out
    assert "intervals are chance (between seeds) only" in out and "parameters (draws" not in out


def calibration_simulate(scenario, seed: int) -> pd.DataFrame:
    """Fails, as the model's calibration does, for parameter values it cannot meet (here a high
    precursor.escape_share), in every scenario alike."""
    if float(scenario.param(ESCAPE)) > 0.8:
        raise ValueError("the 2021 stocks cannot be met with these values")
    return param_simulate(scenario, seed)


def test_draws_that_fail_are_left_out_of_the_pairing_and_named(tmp_path, capsys):
    base = tmp_path / "base.toml"
    base.write_text('name = "baseline"\nmonths = 3\n')
    more = tmp_path / "more.toml"
    more.write_text('name = "more"\nmonths = 3\n[policy.budget]\ntreatment = 1.4e9\n')
    rc = cli.main(["compare", str(base), str(more), "--draws", "10", "--seeds", "1", "--out", str(tmp_path / "o"),
                   "--backend", "serial", "--no-figure", "--simulate", "test_draws:calibration_simulate"])
    out = capsys.readouterr().out
    bad = [k for k in range(1, 11) if draw_values(k, names=[ESCAPE])[ESCAPE] > 0.8]
    assert bad and rc == 1
    assert f"{len(bad)} draw" in out and "left out of the pairing" in out and "cannot be met" in out
    t = pd.read_csv(tmp_path / "o" / "compare.csv")
    assert (t.loc[t["outcome"] == "overdose_deaths", "n_draws"] == 10 - len(bad)).all()


def test_a_sweep_with_draws_crosses_rows_draws_and_seeds(tmp_path):
    from experiments.sweep import run_sweep, sweep_from_dict

    spec = sweep_from_dict({
        "name": "s", "base": {"months": 3}, "design": "factorial", "replicates": 2,
        "factors": {"policy.budget.treatment": [4e8, 1.4e9], ESCAPE: [0.3, 0.7]},
        "outputs": {"overdose_deaths": "mean_last_12"},
    })
    res = run_sweep(spec, draws=3, simulate=param_simulate, backend="serial", progress=False,
                    out=tmp_path / "s", figure=False)
    runs = res.runs
    assert len(runs) == 4 * 3 * 2 and sorted(runs["draw"].unique()) == [1, 2, 3]
    tasks = {(t.extra["design_row"], t.extra["draw"], t.seed): t.scenario["params"] for t in res.report.tasks}
    for (row, k, _seed), params in tasks.items():
        assert params[ESCAPE] in (0.3, 0.7)  # a factor of the design: not redrawn
        assert params[NALOXONE] == draw_values(k, names=[NALOXONE])[NALOXONE]
    assert res.sensitivity is not None and len(res.sensitivity)


def test_reproduce_says_plainly_that_it_does_not_take_draws_yet(capsys):
    assert cli.main(["reproduce", "reform", "--draws", "5"]) == 2
    assert "does not take --draws yet" in capsys.readouterr().err
