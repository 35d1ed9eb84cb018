"""The value of information: the regression EVPPI estimator and ``drugmarket voi``."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from experiments import cli
from experiments.errors import ExperimentError
from experiments.options import RunOptions
from experiments.voi import evpi, evppi, evppi_with_error
from experiments.voi_run import load_voi, parameter_groups, run_voi

from fakes import budget, frame, seed_noise

ESCAPE = "precursor.escape_share"


def choice_simulate(scenario, seed: int) -> pd.DataFrame:
    """More treatment averts overdose deaths when precursor.escape_share > 0.5 and adds them below:
    only the precursor parameters decide which option is best. Violence deaths do not depend on
    any parameter."""
    d = scenario.to_dict()
    m = int(d["months"])
    rng = np.random.default_rng(seed)
    escape = float(scenario.param(ESCAPE))
    treat = budget(d, "treatment")
    columns = {**seed_noise(rng, m, 0.5),
               "overdose_deaths": 9000.0 - 4e-6 * treat * (escape - 0.5) / 0.5 + rng.normal(0, 30, m),
               "people_with_sud": 2.0e7 + rng.normal(0, 1e4, m)}
    return frame(d, seed, columns, ("treatment",))


def test_evppi_finds_the_informative_parameter_and_not_the_other():
    rng = np.random.default_rng(3)
    n = 300
    x1, x2 = rng.uniform(-1, 1, n), rng.uniform(-1, 1, n)
    nb = np.vstack([np.zeros(n), 10 * x1 + rng.normal(0, 2, n)])  # option 1 is better when x1 > 0
    truth = 10 * 0.25  # E[max(0, 10 x1)] - max(0, E[10 x1]) = 10 x E[max(0, x1)] = 2.5
    assert evppi(x1[:, None], nb) == pytest.approx(truth, rel=0.15)
    assert evppi(x2[:, None], nb) < 0.3
    assert evpi(nb) >= evppi(x1[:, None], nb)
    r = evppi_with_error(x1[:, None], nb, bootstrap=30, shuffles=19)
    assert 0 < r["se"] < 1 and r["noise_floor"] < r["noise_95"] < 0.5 < r["evppi"] and r["p_value"] <= 0.05  # 1 / (1 + 19): none of 19 shuffles as large


def _files(tmp_path, **extra):
    base = tmp_path / "base.toml"
    base.write_text('name = "base"\n[policy.budget]\ntreatment = 4.0e8\n')
    more = tmp_path / "more.toml"
    more.write_text('name = "more"\n[policy.budget]\ntreatment = 1.4e9\n')
    lines = [f'baseline = "{base}"', f'policies = ["{more}"]', 'months = 3', 'draws = 60', 'seeds = 1',
             'bootstrap = 20', *[f"{k} = {v}" for k, v in extra.items()]]
    voi = tmp_path / "v.toml"
    voi.write_text("\n".join(lines) + "\n")
    return voi


def test_voi_ranks_the_group_that_decides_first(tmp_path):
    spec = load_voi(_files(tmp_path))
    res = run_voi(spec, options=RunOptions(simulate=choice_simulate, backend="serial", progress=False,
                                           out=tmp_path / "out"))
    deaths = res.table[res.table["objective"] == "overdose_deaths"].set_index("group")
    assert deaths["rank"].idxmin() == "precursor.*"
    top = deaths.loc["precursor.*"]
    assert top["evppi"] > top["noise_95"] and top["p_value"] <= 0.05
    # the others carry no information: with 60 draws the estimator's bias on a group of 30 parameters
    # is large, and the permutation test is what tells it from information
    others = deaths.drop(index="precursor.*")
    assert (others["evppi"] < top["evppi"]).all()
    assert (others["evppi"] <= others["noise_95"]).sum() >= len(others) - 1
    violence = res.table[res.table["objective"] == "violence_deaths"]
    assert (violence["evppi"] < 0.2 * top["evppi"]).all()  # no parameter moves violence here
    data = json.loads((tmp_path / "out" / "voi.json").read_text())
    assert data["objectives"]["overdose_deaths"]["groups"][0]["group"] == "precursor.*"
    assert (tmp_path / "out" / "voi.csv").exists()


def test_voi_cli_json(tmp_path, capsys):
    voi = _files(tmp_path)
    rc = cli.main(["voi", str(voi), "--json", "--out", str(tmp_path / "o"), "--backend", "serial",
                   "--simulate", "test_voi:choice_simulate"])
    cap = capsys.readouterr()
    assert rc == 0, cap.err
    data = json.loads(cap.out)
    groups = data["objectives"]["overdose_deaths"]["groups"]
    assert groups[0]["group"] == "precursor.*" and groups[0]["rank"] == 1
    assert all({"evppi", "se", "noise_floor", "noise_95", "p_value", "n_parameters"} <= set(g) for g in groups)
    assert [g["evppi"] for g in groups] == sorted((g["evppi"] for g in groups), reverse=True)


@pytest.mark.parametrize("line, message", [
    ("drawz = 3", "did you mean 'draws'"),
    ("draws = 1", "draws: must be a whole number >= 2"),
    ('objectives = ["happiness"]', "unknown objective 'happiness'"),
    ('groups = { a = ["user.nonsense"] }', "neither a parameter nor a prefix"),
])
def test_bad_voi_files_are_refused_naming_the_key(tmp_path, capsys, line, message):
    voi = tmp_path / "bad.toml"
    voi.write_text(line + "\n")
    with pytest.raises(ExperimentError, match=message):
        load_voi(voi)
    assert cli.main(["voi", str(voi)]) == 2
    assert message in capsys.readouterr().err


def test_default_groups_are_the_name_prefixes():
    g = parameter_groups(["user.a", "user.b", "precursor.c"])
    assert g == {"user.*": ["user.a", "user.b"], "precursor.*": ["precursor.c"]}
    assert parameter_groups(["user.a", "precursor.c"], {"p": ["precursor."]}) == {"p": ["precursor.c"]}
    assert load_voi(None).policies  # the shipped file: every proposal


def test_a_group_with_more_terms_than_draws_is_not_fitted_to_the_noise():
    ratios = []
    for seed in range(5, 12):
        rng = np.random.default_rng(seed)
        n = 40
        X = rng.uniform(size=(n, 31))  # 31 parameters x 6 spline terms, 40 draws, no information
        nb = np.vstack([np.zeros(n), 1.0 + rng.normal(0, 3, n)])
        ratios.append(evppi(X, nb) / evpi(nb))
    assert np.mean(ratios) < 0.3  # an interpolating fit would give EVPPI = EVPI (ratio 1) every time


def test_the_effect_sensitivity_finds_the_parameter_the_effect_depends_on(tmp_path):
    spec = load_voi(_files(tmp_path))
    res = run_voi(spec, options=RunOptions(simulate=choice_simulate, backend="serial", progress=False,
                                           out=tmp_path / "out"))
    t = pd.read_csv(tmp_path / "out" / "effect_sensitivity.csv")
    deaths = t[(t["outcome"] == "overdose_deaths") & (t["policy"] == "more")]
    assert deaths.iloc[0]["parameter"] == ESCAPE and deaths.iloc[0]["influential"]
    assert deaths["influential"].sum() <= 0.1 * len(deaths)  # the others mostly at the noise level
    assert "sensitivity of each policy's effect on overdose deaths" in __import__("experiments.voi_run").voi_run.format_voi(res)
