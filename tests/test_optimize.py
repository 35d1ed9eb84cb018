"""The budget optimiser (experiments/optimize.py): finds a known optimum, keeps the total, refuses bad
files naming the key, resumes a killed study, and runs on the model end to end."""

import json

import numpy as np
import pandas as pd
import pytest

from experiments.errors import ExperimentError
from experiments.optimize import allocation, cap_violation, hypervolume, optimize
from experiments.optimize_file import OptimizeError, optimize_from_dict
from experiments.options import RunOptions
from fakes import budget, frame, seed_noise

PROGRAMS = ("treatment", "prevention", "harm_reduction")


def fake_simulate(scenario, seed: int) -> pd.DataFrame:
    """Deaths fall with treatment and harm reduction (harm reduction buys half as much a dollar);
    prevention does nothing; the noise depends on the seed only (common random numbers)."""
    d = scenario.to_dict() if hasattr(scenario, "to_dict") else scenario
    m = int(d["months"])
    rng = np.random.default_rng(seed)
    deaths = 9000.0 - 2e-6 * budget(d, "treatment") - 1e-6 * budget(d, "harm_reduction") + rng.normal(0, 5, m)
    violence = 1500.0 + 1e-6 * budget(d, "treatment") + rng.normal(0, 1, m)
    cols = {**seed_noise(rng, m, 0.5), "overdose_deaths": deaths, "violence_deaths": violence}
    return frame(d, seed, cols, PROGRAMS)


def spec(**extra):
    raw = {"name": "t", "base": {"preset": "tiny", "months": 12}, "seeds": [1, 2], "trials": 25,
           "programmes": {"treatment": [0, 2e9], "prevention": [0, 2e9]}, **extra}
    return optimize_from_dict(raw)


def opts():
    return RunOptions(simulate=fake_simulate, backend="serial", progress=False)


def test_allocation_spends_the_total_and_reaches_the_corners():
    s = spec(programmes={"treatment": [1e8, 2e9], "prevention": [0, 2e9], "harm_reduction": [0, 2e9]})
    for x in ([0.0, 0.0, 0.5], [1.0, 0.3, 0.0], [0.25, 0.5, 0.9]):
        b = allocation(s, x)
        assert sum(b.values()) == pytest.approx(s.total)
        assert b["treatment"] >= 1e8
    assert allocation(s, [1.0, 0.0, 0.0])["treatment"] == pytest.approx(s.total)
    assert cap_violation(s, {"treatment": 3e9, "prevention": 0.0, "harm_reduction": 0.0}) > 0


def test_finds_the_known_optimum_when_one_programme_does_nothing(tmp_path):
    s = spec()  # the total is the base's treatment + prevention; prevention does nothing
    res = optimize(s, out=tmp_path, options=opts())
    best = res.best[0]
    optimum = 9000.0 - 2e-6 * s.total  # everything to treatment, deaths a month
    sq = res.base_objectives[0] / 12 / 1  # the base allocation, deaths a month (mean over seeds)
    found = best["objectives"]["overdose_deaths"] / 12
    assert found <= optimum * 1.01 + 5  # within 1% of the known optimum (5: the seeds' noise in a month)
    assert best["budgets"]["treatment"] > 0.9 * s.total
    assert found < sq
    assert json.loads((tmp_path / "best.json").read_text())["best"]["budgets"]["treatment"] > 0.9 * s.total
    assert (tmp_path / "convergence.png").stat().st_size > 1000
    trials = pd.read_csv(tmp_path / "trials.csv")
    assert len(trials) == 25 and trials["trial"].tolist() == list(range(25))


def test_a_killed_study_resumes_from_its_finished_trials(tmp_path):
    calls = []
    s = spec(trials=6)

    def stop_after_three(n, values, best):
        calls.append(n)
        if len(calls) == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        optimize(s, out=tmp_path, options=opts(), on_trial=stop_after_three)
    with pytest.raises(ExperimentError, match="--resume"):
        optimize(s, out=tmp_path, options=opts())
    res = optimize(s, out=tmp_path, options=opts(), resume=True)
    assert len(res.trials) == 6


def test_pareto_front_of_two_objectives(tmp_path):
    s = spec(objectives=["overdose_deaths", "violence_deaths"], trials=20,
             programmes={"treatment": [0, 2e9], "harm_reduction": [0, 2e9]})
    res = optimize(s, out=tmp_path, options=opts())
    assert len(res.best) >= 2  # treatment cuts deaths more but raises violence: a trade-off
    assert res.trials["hypervolume"].is_monotonic_increasing
    assert hypervolume(np.array([[1.0, 1.0]]), [1.0, 1.0]) == pytest.approx(0.25)


@pytest.mark.parametrize("change, message", [
    ({"trails": 5}, "trails: unknown key; did you mean 'trials'"),
    ({"programmes": {"treatmnt": [0, 1e9]}}, "programmes.treatmnt: unknown programme; did you mean 'treatment'"),
    ({"programmes": {"treatment": [2e9, 1e9]}}, "must be [floor, cap]"),
    ({"total": 1e12}, "total = 1e+12: the floors sum to"),
    ({"sampler": "bayes"}, "sampler = 'bayes': must be one of"),
    ({"trials": 0}, "trials = 0: must be a whole number"),
    ({"objectives": ["weighted_index"]}, "weighted_index needs [weights]"),
    ({"refine": "bfgs"}, "refine = 'bfgs': must be one of none, cmaes"),
    ({"refine_trials": 10}, "refine_trials: needs refine = \"cmaes\""),
    ({"refine": "cmaes", "refine_trials": 0}, "refine_trials = 0: must be a whole number"),
    ({"refine": "cmaes", "refine_trials": 2.5}, "refine_trials = 2.5: must be a whole number"),
    ({"refine": "cmaes", "trials": 5}, "trials = 5: refine = \"cmaes\" starts from the best 10%"),
    ({"refine": "cmaes", "objectives": ["overdose_deaths", "violence_deaths"]}, "refine = 'cmaes': refines one objective"),
])
def test_bad_optimisation_file_is_refused_naming_the_key(change, message):
    with pytest.raises(OptimizeError) as e:
        spec(**change)
    assert message in str(e.value)


THREE = {"treatment": [0, 2e9], "prevention": [0, 2e9], "harm_reduction": [0, 2e9]}


def test_refinement_starts_from_the_search_and_lands_on_the_known_optimum(tmp_path):
    """20 trials of TPE, then 40 of CMA-ES warm-started from them: the refinement samples near the search's
    best (mostly treatment; a random point of the weights gives it a third), and the best is within 1% of
    the known optimum (everything to treatment)."""
    s = spec(trials=20, refine="cmaes", refine_trials=40, search_space="weights", seeds=[1], programmes=THREE)
    res = optimize(s, out=tmp_path, options=opts())
    t = res.trials
    assert t["stage"].value_counts().to_dict() == {"search": 20, "refine": 40}
    assert t.loc[t["stage"] == "refine", "trial"].min() == 20
    refined = t.loc[t["stage"] == "refine", "budget_treatment"] / s.total
    assert refined.median() > 0.6
    optimum = (9000.0 - 2e-6 * s.total) * 12  # deaths over the 12 months, everything to treatment
    found = res.best[0]["objectives"]["overdose_deaths"]
    assert found <= optimum * 1.01
    best = json.loads((tmp_path / "best.json").read_text())
    assert best["refine"]["trials"] == 40 and best["refine"]["sampler"] == "cmaes"
    assert best["refine"]["search_best"]["objectives"]["overdose_deaths"] >= found
    assert best["refine"]["search_best"]["trial"] < 20


def test_a_killed_refinement_resumes_to_its_full_count(tmp_path):
    calls = []
    s = spec(trials=10, refine="cmaes", refine_trials=10, search_space="weights", seeds=[1], programmes=THREE)

    def stop_in_the_refinement(n, values, best):
        calls.append(n)
        if len(calls) == 14:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        optimize(s, out=tmp_path, options=opts(), on_trial=stop_in_the_refinement)
    res = optimize(s, out=tmp_path, options=opts(), resume=True)
    assert res.trials["stage"].value_counts().to_dict() == {"search": 10, "refine": 10}


@pytest.mark.slow
def test_on_the_model_prevention_made_ineffective_loses_to_treatment(tmp_path):
    """Two programmes, a fixed total, and prevention with no effect (user.prevention_max_effect = 0):
    the optimiser's best allocation is within 1% of the deaths of the known optimum (all to treatment)."""
    raw = {"name": "two", "base": {"preset": "tiny", "months": 12, "params": {"user.prevention_max_effect": 0.0}},
           "seeds": [1], "trials": 12, "programmes": {"treatment": [0, 3e9], "prevention": [0, 3e9]}}
    s = optimize_from_dict(raw)
    res = optimize(s, out=tmp_path, options=RunOptions(backend="serial", progress=False))
    from experiments.optimize import Evaluator

    ev = Evaluator(s, RunOptions(backend="serial", progress=False))
    optimum = ev.objectives(ev.runs({"treatment": s.total, "prevention": 0.0}))[0]
    assert res.best[0]["objectives"]["overdose_deaths"] <= optimum * 1.01


EXAMPLE = __import__("pathlib").Path(__file__).resolve().parents[1] / "experiments" / "optimizations" / "example.toml"


def test_command_line_json_and_bad_file(tmp_path, capsys):
    from experiments.cli import main

    code = main(["optimize", str(EXAMPLE), "--json", "--trials", "4", "--out", str(tmp_path / "o"),
                 "--backend", "serial", "--simulate", f"{__name__}:fake_simulate"])
    assert code == 0
    best = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert best["trials"] == 4 and set(best["best"]["budgets"]) == {"treatment", "harm_reduction", "prevention"}
    trials = pd.read_csv(tmp_path / "o" / "trials.csv")
    assert best["best"]["objectives"]["overdose_deaths"] == pytest.approx(trials["objective_overdose_deaths"].min())
    assert best["best"]["trial"] == int(trials["objective_overdose_deaths"].idxmin())
    assert sum(best["best"]["budgets"].values()) == pytest.approx(sum(best["base"]["budgets"].values()))
    bad = tmp_path / "bad.toml"
    bad.write_text(EXAMPLE.read_text().replace("trials = 20", "trials = -1"))
    assert main(["optimize", str(bad)]) == 2
    assert "trials = -1: must be a whole number" in capsys.readouterr().err


def test_command_line_refuses_a_bad_refinement(tmp_path, capsys):
    from experiments.cli import main

    bad = tmp_path / "bad.toml"
    bad.write_text(EXAMPLE.read_text().replace("trials = 20", 'trials = 20\nrefine = "bfgs"'))
    assert main(["optimize", str(bad)]) == 2
    assert "refine = 'bfgs': must be one of none, cmaes" in capsys.readouterr().err
    good = tmp_path / "good.toml"
    good.write_text(EXAMPLE.read_text().replace("trials = 20", 'trials = 20\nrefine = "cmaes"'))
    assert main(["optimize", str(good), "--trials", "5", "--out", str(tmp_path / "o"), "--backend", "serial",
                 "--simulate", f"{__name__}:fake_simulate"]) == 2  # --trials leaves the refinement too few
    assert "trials = 5: refine" in capsys.readouterr().err
    assert main(["optimize", str(EXAMPLE), "--refine-trials", "5"]) == 2  # the example has no refinement
    assert "--refine-trials 5: the file has no refinement" in capsys.readouterr().err
    assert main(["optimize", str(good), "--trials", "12", "--refine-trials", "3", "--json", "--out",
                 str(tmp_path / "p"), "--backend", "serial", "--simulate", f"{__name__}:fake_simulate"]) == 0
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["trials"] == 15


def _candidate(tmp_path, name="all-treatment", **budget):
    budget = budget or {"treatment": 6.5e8, "prevention": 0.0}  # the base's total over the two (4.5e8 + 2.0e8)
    lines = [f'name = "{name}"', "[policy.budget]", *(f"{k} = {v!r}" for k, v in budget.items())]
    path = tmp_path / f"{name}.toml"
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def test_candidates_are_tried_after_the_base_on_the_same_seeds(tmp_path):
    s = spec(trials=5, candidates=[_candidate(tmp_path)])
    res = optimize(s, out=tmp_path / "o", options=opts())
    trials = pd.read_csv(tmp_path / "o" / "trials.csv", keep_default_na=False)
    assert trials["start"].tolist()[:2] == ["base", "all-treatment"]
    assert trials.loc[1, "budget_treatment"] == pytest.approx(6.5e8)
    from experiments.optimize import Evaluator

    ev = Evaluator(s, opts())
    direct = ev.objectives(ev.runs({"treatment": 6.5e8, "prevention": 0.0}))[0]
    saved = json.loads((tmp_path / "o" / "best.json").read_text())["candidates"]["all-treatment"]
    assert saved["trial"] == 1 and saved["objectives"]["overdose_deaths"] == pytest.approx(direct)


@pytest.mark.parametrize("budget, message", [
    ({"treatment": 6.0e8, "prevention": 0.0}, "spends 6e+08 on the programmes optimised; the total is 6.5e+08"),
    ({"treatment": 6.5e8, "prevention": 0.0, "interdiction": 1.0}, "changes the budget of interdiction"),
])
def test_a_candidate_that_is_not_an_allocation_of_the_total_is_refused(tmp_path, budget, message):
    with pytest.raises(OptimizeError) as e:
        spec(candidates=[_candidate(tmp_path, **budget)])
    assert "candidates (" in str(e.value) and message in str(e.value)


def test_a_candidate_with_other_switches_is_refused(tmp_path):
    path = tmp_path / "decrim.toml"
    path.write_text('name = "decrim"\n[policy]\ndecriminalize_possession = true\n')
    with pytest.raises(OptimizeError, match="more than budgets"):
        spec(candidates=[str(path)])
    with pytest.raises(OptimizeError, match="candidates = 'x'"):
        spec(candidates="x")


def test_restarts_use_successive_sampler_seeds_and_report_their_spread(tmp_path):
    from experiments.optimize_restarts import optimize_restarts

    s = spec(trials=8, sampler_seed=4)
    res = optimize_restarts(s, 3, out=tmp_path, options=opts())
    t = pd.read_csv(tmp_path / "restarts.csv")
    assert t["sampler_seed"].tolist() == [4, 5, 6]
    bests = [json.loads((tmp_path / f"restart-{k}" / "best.json").read_text()) for k in (1, 2, 3)]
    values = [b["best"]["objectives"]["overdose_deaths"] for b in bests]
    assert t["best"].tolist() == pytest.approx(values)
    assert t["gap_pct"].tolist() == pytest.approx([100 * (v - min(values)) / min(values) for v in values])
    assert [b["sampler_seed"] for b in bests] == [4, 5, 6]
    first = [pd.read_csv(tmp_path / f"restart-{k}" / "trials.csv")["budget_treatment"].iloc[1:].tolist() for k in (1, 2)]
    assert first[0] != first[1]  # different sampler seeds search differently
    assert res.best.best[0]["objectives"]["overdose_deaths"] == pytest.approx(min(values))
    summary = json.loads((tmp_path / "restarts.json").read_text())
    assert summary["spread_pct"] == pytest.approx(max(t["gap_pct"]))
    assert (tmp_path / "restarts.png").stat().st_size > 1000


def test_restarts_of_a_pareto_search_compare_hypervolumes(tmp_path):
    from experiments.optimize_restarts import optimize_restarts

    s = spec(objectives=["overdose_deaths", "violence_deaths"], trials=6,
             programmes={"treatment": [0, 2e9], "harm_reduction": [0, 2e9]})
    res = optimize_restarts(s, 2, out=tmp_path, options=opts())
    hv = [r.trials["hypervolume"].iloc[-1] for r in res.runs]
    assert res.table["hypervolume"].tolist() == pytest.approx(hv)
    assert min(res.table["gap_pct"]) == 0.0


def test_command_line_sampler_seed_and_restarts(tmp_path, capsys):
    from experiments.cli import main

    common = [str(EXAMPLE), "--trials", "3", "--backend", "serial", "--simulate", f"{__name__}:fake_simulate"]
    assert main(["optimize", *common, "--sampler-seed", "7", "--out", str(tmp_path / "a")]) == 0
    assert json.loads((tmp_path / "a" / "best.json").read_text())["sampler_seed"] == 7
    out = capsys.readouterr().out
    assert "this session:" in out and "s CPU" in out
    assert main(["optimize", *common, "--restarts", "2", "--json", "--out", str(tmp_path / "b")]) == 0
    s = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert s["restarts"] == 2 and [r["sampler_seed"] for r in s["table"]] == [1, 2]
    assert set(s["best"]["best"]["budgets"]) == {"treatment", "harm_reduction", "prevention"}
    assert main(["optimize", *common, "--sampler-seed", "-1"]) == 2
    assert "--sampler-seed" in capsys.readouterr().err


def test_weights_share_the_total_alike_and_invert(tmp_path):
    s = spec(search_space="weights", programmes={"treatment": [1e8, 2e9], "prevention": [0, 2e9], "harm_reduction": [0, 2e9]})
    b = allocation(s, [0.2, 0.2, 0.6])
    assert sum(b.values()) == pytest.approx(s.total)
    left = s.total - 1e8
    assert b["harm_reduction"] == pytest.approx(0.6 * left) and b["treatment"] == pytest.approx(1e8 + 0.2 * left)
    assert allocation(s, [0.0, 0.0, 1.0])["harm_reduction"] == pytest.approx(left)  # a corner
    from experiments.optimize import _point

    x = _point(s, b)
    assert allocation(s, [x[f"x_{p}"] for p in s.programmes]) == pytest.approx(b)
    with pytest.raises(OptimizeError, match="search_space = 'dirichlet': must be one of"):
        spec(search_space="dirichlet")


def last_programme_matters(scenario, seed: int) -> pd.DataFrame:
    """Deaths fall with the last of five programmes only."""
    d = scenario.to_dict() if hasattr(scenario, "to_dict") else scenario
    m = int(d["months"])
    deaths = np.full(m, 9000.0 - 2e-6 * budget(d, "precursor_control"))
    return frame(d, seed, {"overdose_deaths": deaths}, FIVE)


FIVE = ("harm_reduction", "treatment", "prevention", "interdiction", "precursor_control")


def test_weights_find_a_programme_listed_last(tmp_path):
    """Every programme gets the same prior under weights, so 30 trials find the one that matters though it is
    listed last (with stick-breaking a random point leaves it little of the money)."""
    raw = {"name": "five", "base": {"preset": "tiny", "months": 12}, "seeds": [1], "trials": 30,
           "search_space": "weights", "programmes": {p: [0, 5e9] for p in FIVE}}
    s = optimize_from_dict(raw)
    res = optimize(s, out=tmp_path, options=RunOptions(simulate=last_programme_matters, backend="serial",
                                                       progress=False))
    assert res.best[0]["budgets"]["precursor_control"] > 0.5 * s.total


@pytest.mark.parametrize("name", ["workshop", "workshop_weights", "workshop_front"])
def test_the_workshop_files_optimise_all_nine_programmes_at_todays_total(name):
    from experiments.optimize_file import load_optimize
    from model.policy import PROGRAMS, STATUS_QUO_BUDGET

    s = load_optimize(EXAMPLE.parent / f"{name}.toml")
    assert set(s.programmes) == set(PROGRAMS)
    assert s.total == pytest.approx(sum(STATUS_QUO_BUDGET.values()))
    assert sum(s.candidates["rebalance-40-60"].values()) == pytest.approx(s.total)
