"""Sweep files, designs and sensitivity analysis, on a fake simulate of known structure.

The fake's overdose deaths are additive in three budgets: 4e-6 per USD of
treatment, 1e-6 per USD of harm reduction, nothing for prevention; its noise
depends on the seed only, so with common random numbers the analysis sees the
structure exactly.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
import pytest

from experiments.sweep import (
    SweepError,
    load_sweep,
    parse_summary,
    run_sweep,
    sample_design,
    summarize_runs,
    sweep_from_dict,
)


def _budget(d: dict, program: str) -> float:
    b = d["policy"]["budget"].get(program, 0.0)
    return float(sum(b.values())) if isinstance(b, dict) else float(b)


def additive_simulate(scenario, seed: int) -> pd.DataFrame:
    d = scenario.to_dict()
    m = int(d["months"])
    rng = np.random.default_rng(seed)
    t, h, p = (_budget(d, k) for k in ("treatment", "harm_reduction", "prevention"))
    deaths = 10000.0 - 4e-6 * t - 1e-6 * h + 0.0 * p + rng.normal(0, 10, m)
    hiv = 300.0 - 1e-7 * h + rng.normal(0, 1, m)
    return pd.DataFrame({"scenario": d["name"], "seed": seed, "month": np.arange(1, m + 1),
                         "overdose_deaths": deaths, "new_hiv_pwid": hiv})


def failing_row_simulate(scenario, seed: int) -> pd.DataFrame:
    if _budget(scenario.to_dict(), "prevention") > 5e8:
        raise RuntimeError("fake failure")
    return additive_simulate(scenario, seed)


FACTORS = textwrap.dedent("""
    [base]
    name = "sweep-base"
    months = 24
    preset = "tiny"

    [factors]
    "policy.budget.treatment" = [0, 1.0e9]
    "policy.budget.harm_reduction" = [0, 1.0e9]
    "policy.budget.prevention" = [0, 1.0e9]

    [outputs]
    overdose_deaths = "mean_last_12"
    new_hiv_pwid = "sum"
""")


def _write(tmp_path, head: str, body: str = FACTORS, name: str = "s.toml"):
    p = tmp_path / name
    p.write_text(textwrap.dedent(head) + body)
    return p


def _run(tmp_path, head, simulate=additive_simulate, **kw):
    return run_sweep(_write(tmp_path, head), out=tmp_path / "out", simulate=simulate,
                     backend="serial", progress=False, **kw)


def test_sobol_known_structure(tmp_path):
    res = _run(tmp_path, 'design = "sobol"\nsamples = 64\nseeds = [3]\n')
    assert res.report.n_done == 64 * 5
    t = res.sensitivity.set_index(["output", "factor"])
    od = t.loc["overdose_deaths"]
    # variance shares of 16:1:0 -> S1 = ST = 16/17, 1/17, 0
    assert od.loc["policy.budget.treatment", "ST"] == pytest.approx(16 / 17, abs=0.1)
    assert od.loc["policy.budget.treatment", "S1"] == pytest.approx(16 / 17, abs=0.1)
    assert od.loc["policy.budget.harm_reduction", "ST"] == pytest.approx(1 / 17, abs=0.05)
    assert abs(od.loc["policy.budget.prevention", "ST"]) < 0.01
    assert (od["S1_conf"] >= 0).all() and (od["ST_conf"] >= 0).all()
    hiv = t.loc["new_hiv_pwid"]
    assert hiv.loc["policy.budget.harm_reduction", "ST"] == pytest.approx(1.0, abs=0.05)
    out = tmp_path / "out"
    assert (out / "sensitivity.png").stat().st_size > 1000
    csv = pd.read_csv(out / "sensitivity.csv")
    assert set(csv.columns) >= {"output", "factor", "S1", "S1_conf", "ST", "ST_conf"}
    design = pd.read_parquet(out / "design.parquet")
    assert list(design.columns) == ["row", "policy.budget.treatment", "policy.budget.harm_reduction",
                                    "policy.budget.prevention", "seeds"]
    assert len(design) == 320 and list(design["seeds"].iloc[0]) == [3]
    runs = pd.read_parquet(out / "outputs.parquet")
    assert len(runs) == 320 and (runs["seed"] == 3).all() and {"design_row", "replicate", "seed", "overdose_deaths"} <= set(runs.columns)


def test_morris_known_structure(tmp_path):
    res = _run(tmp_path, 'design = "morris"\nsamples = 10\nlevels = 4\n')
    assert res.report.n_done == 10 * 4
    t = res.sensitivity[res.sensitivity["output"] == "overdose_deaths"].set_index("factor")
    mu = t["mu_star"]
    # elementary effects over the unit range: 4e-6 x 1e9 = 4000 and 1000, exactly linear
    assert mu["policy.budget.treatment"] == pytest.approx(4000, rel=1e-6)
    assert mu["policy.budget.harm_reduction"] == pytest.approx(1000, rel=1e-6)
    assert mu["policy.budget.prevention"] == pytest.approx(0, abs=1e-6)
    assert (t["sigma"] < 1e-6 * 4000).all()  # no interactions
    assert (tmp_path / "out" / "sensitivity.png").exists()


def test_lhs_rank_correlation(tmp_path):
    res = _run(tmp_path, 'design = "lhs"\nsamples = 40\n')
    t = res.sensitivity[res.sensitivity["output"] == "overdose_deaths"].set_index("factor")
    assert t.loc["policy.budget.treatment", "rho"] < -0.8
    assert abs(t.loc["policy.budget.prevention", "rho"]) < 0.5
    d = res.design
    assert len(d) == 40 and d["policy.budget.treatment"].between(0, 1e9).all()
    # Latin hypercube: one point in each of the 40 strata of every factor
    strata = np.floor(d["policy.budget.treatment"] / 1e9 * 40).astype(int)
    assert sorted(strata.clip(0, 39)) == list(range(40))


def test_factorial_main_effects(tmp_path):
    body = textwrap.dedent("""
        [base]
        name = "fact"
        months = 12
        [factors]
        "policy.budget.treatment" = [1.0e8, 2.0e9]
        "policy.decriminalize_possession" = [false, true]
        "policy.precursor_scheduling" = ["none", "list", "class"]
        [outputs]
        overdose_deaths = "mean"
    """)
    p = _write(tmp_path, 'design = "factorial"\nreplicates = 3\n', body)
    res = run_sweep(p, out=tmp_path / "out", simulate=additive_simulate, backend="serial", progress=False)
    assert len(res.design) == 2 * 2 * 3 and res.report.n_done == 36
    t = res.sensitivity.set_index(["factor", "level"])
    lo = t.loc[("policy.budget.treatment", 1.0e8), "mean"]
    hi = t.loc[("policy.budget.treatment", 2.0e9), "mean"]
    assert lo - hi == pytest.approx(4e-6 * 1.9e9, rel=1e-9)
    assert t.loc[("policy.decriminalize_possession", True), "effect"] == pytest.approx(0, abs=1e-9)
    design = pd.read_parquet(tmp_path / "out" / "design.parquet")
    assert set(design["policy.precursor_scheduling"]) == {"none", "list", "class"}


def test_compare_to_analyses_the_effect_not_the_level(tmp_path):
    """The base adds $1B of harm reduction to the comparison; treatment is a factor of both arms. The
    level of deaths depends on treatment (elementary effect 4000), the effect of the harm-reduction money
    does not (always -1000: the fake is additive and common seeds cancel its noise)."""
    body = textwrap.dedent("""
        design = "morris"
        samples = 6
        replicates = 2
        months = 24
        preset = "tiny"
        [base]
        name = "more-hr"
        policy.budget.harm_reduction = 1.0e9
        [compare_to]
        name = "less-hr"
        policy.budget.harm_reduction = 0
        [factors]
        "policy.budget.treatment" = [0, 1.0e9]
        "policy.budget.prevention" = [0, 1.0e9]
        [outputs]
        overdose_deaths = "mean_last_12"
    """)
    p = tmp_path / "c.toml"
    p.write_text(body)
    res = run_sweep(p, out=tmp_path / "out", simulate=additive_simulate, backend="serial", progress=False)
    assert res.report.n_done == 6 * 3 * 2 * 2  # trajectories x (factors + 1) x seeds x arms
    runs = pd.read_parquet(tmp_path / "out" / "outputs.parquet")
    assert len(runs) == 6 * 3 * 2
    assert runs["overdose_deaths"].to_numpy() == pytest.approx(-1000.0, abs=1e-6)
    assert (runs["overdose_deaths_base"] - runs["overdose_deaths_comparison"]).to_numpy() == pytest.approx(-1000.0)
    assert runs["overdose_deaths_base"].std() > 100  # the levels do move with treatment
    mu = res.sensitivity.set_index("factor")["mu_star"]
    assert mu["policy.budget.treatment"] == pytest.approx(0, abs=1e-6)


def test_compare_to_must_run_the_same_months(tmp_path):
    raw = {"design": "lhs", "samples": 4, "base": {"name": "a", "months": 24},
           "compare_to": {"name": "b", "months": 12}, "factors": {"policy.budget.treatment": [0, 1e9]}}
    with pytest.raises(SweepError, match="compare_to"):
        sweep_from_dict(raw)


def test_failed_rows_skip_sobol_analysis(tmp_path):
    res = _run(tmp_path, 'design = "sobol"\nsamples = 8\n', simulate=failing_row_simulate)
    assert res.report.n_failed > 0 and res.report.n_done > 0
    assert res.sensitivity is None and "failed" in res.note
    assert not (tmp_path / "out" / "sensitivity.csv").exists()
    assert (tmp_path / "out" / "outputs.parquet").exists()


def test_summaries():
    df = pd.DataFrame({"task_id": [0] * 24 + [1] * 24, "month": list(range(1, 25)) * 2,
                       "x": list(range(24)) + [1.0] * 24})
    out = summarize_runs(df, {"x": "mean_last_12"}).set_index("task_id")["x"]
    assert out[0] == pytest.approx(np.mean(range(12, 24))) and out[1] == 1.0
    assert summarize_runs(df, {"x": "sum_first_2"}).set_index("task_id")["x"][0] == 1.0
    assert summarize_runs(df, {"x": "last"}).set_index("task_id")["x"][0] == 23.0
    assert summarize_runs(df, {"x": "first"}).set_index("task_id")["x"][0] == 0.0
    assert parse_summary("sum_last_3") == ("sum", "last", 3)
    for bad in ("median", "last_last_2", "mean_last_0", 3):
        with pytest.raises(ValueError):
            parse_summary(bad)


def test_example_sweep_file_is_valid():
    from pathlib import Path

    spec = load_sweep(Path(__file__).resolve().parent.parent / "experiments" / "sweeps" / "example.toml")
    design, X = sample_design(spec)
    assert len(design) == spec.samples * (len(spec.factors) + 1)
    assert X.shape == (len(design), len(spec.factors))
    lo, hi = spec.factors[0].low, spec.factors[0].high
    assert design[spec.factors[0].key].between(lo, hi).all()


def test_design_is_reproducible():
    raw = {"design": "sobol", "samples": 8, "factors": {"policy.budget.treatment": [0, 1e9],
                                                       "policy.budget.prevention": [0, 1e9]}}
    a, _ = sample_design(sweep_from_dict(raw))
    b, _ = sample_design(sweep_from_dict(raw))
    pd.testing.assert_frame_equal(a, b)
    c, _ = sample_design(sweep_from_dict({**raw, "sample_seed": 2}))
    assert not a.equals(c)


@pytest.mark.parametrize("raw, message", [
    ({"design": "sobol", "samples": 8, "factors": {"policy.budget.treatment": [0, 1]}, "replicate": 2},
     "replicate: unknown key; did you mean 'replicates'?"),
    ({"samples": 8, "factors": {"policy.budget.treatment": [0, 1]}}, "design: missing"),
    ({"design": "sobbol", "samples": 8, "factors": {"x": [0, 1]}}, "did you mean 'sobol'"),
    ({"design": "sobol", "samples": 100, "factors": {"policy.budget.treatment": [0, 1]}}, "power of 2"),
    ({"design": "lhs", "factors": {"policy.budget.treatment": [0, 1]}}, "samples: missing"),
    ({"design": "factorial", "samples": 4, "factors": {"policy.budget.treatment": [0, 1]}}, "samples: not used"),
    ({"design": "lhs", "samples": 4, "factors": {}}, "factors: missing or empty"),
    ({"design": "lhs", "samples": 4, "factors": {"policy.budget.treatmnt": [0, 1]}},
     "did you mean 'policy.budget.treatment'"),
    ({"design": "lhs", "samples": 4, "factors": {"policy.budget.treatment": [5, 1]}},
     "factors.policy.budget.treatment: low must be below high"),
    ({"design": "lhs", "samples": 4, "factors": {"policy.budget.treatment": [0, 1, 2]}}, "needs bounds [low, high]"),
    ({"design": "lhs", "samples": 4, "factors": {"policy.budget.treatment": {"low": 0, "high": 1, "log": True}}},
     "log = true needs low > 0"),
    ({"design": "lhs", "samples": 4, "factors": {"policy.decriminalize_possession": [False, True]}},
     "only be factors of a factorial design"),
    ({"design": "lhs", "samples": 4, "factors": {"params.user.naloxone_reversal_probability": [0.5, 1.5]}},
     "params.user.naloxone_reversal_probability"),
    ({"design": "lhs", "samples": 4, "replicates": 0, "factors": {"policy.budget.treatment": [0, 1]}},
     "replicates: must be a whole number >= 1"),
    ({"design": "lhs", "samples": 4, "factors": {"policy.budget.treatment": [0, 1]}, "outputs": {"x": "median"}},
     "outputs.x: unknown summary 'median'"),
    ({"design": "lhs", "samples": 4, "factors": {"policy.budget.treatment": [0, 1]}, "base": {"monthz": 3}},
     "base scenario"),
    ({"design": "lhs", "samples": 4, "factors": {"policy.budget.treatment": [0, 1]}, "levels": 4},
     "levels: only used by design = \"morris\""),
])
def test_validation_messages_name_the_key(raw, message):
    with pytest.raises(Exception) as info:
        sweep_from_dict(raw)
    assert isinstance(info.value, ValueError)  # SweepError or ScenarioError: both are user errors
    assert message in str(info.value)


def test_missing_output_column_is_named(tmp_path):
    body = FACTORS.replace('new_hiv_pwid = "sum"', 'new_hiv_pwdi = "sum"')
    p = _write(tmp_path, 'design = "lhs"\nsamples = 4\n', body)
    with pytest.raises(SweepError, match="outputs.new_hiv_pwdi: is not an output column.*did you mean 'new_hiv_pwid'"):
        run_sweep(p, out=tmp_path / "out", simulate=additive_simulate, backend="serial", progress=False)


def test_load_sweep_file_errors(tmp_path):
    with pytest.raises(SweepError, match="no such sweep file"):
        load_sweep(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("design = \n")
    with pytest.raises(SweepError, match="not valid TOML"):
        load_sweep(bad)
    rel = tmp_path / "rel.toml"
    (tmp_path / "base.toml").write_text('name = "from-file"\nmonths = 7\n')
    rel.write_text('base = "base.toml"\ndesign = "lhs"\nsamples = 2\n[factors]\n"policy.budget.treatment" = [0, 1]\n')
    spec = load_sweep(rel)
    assert spec.base.name == "from-file" and spec.base.months == 7 and spec.name == "rel"
