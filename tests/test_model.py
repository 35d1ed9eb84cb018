"""The model's contract: two paths agree, runs repeat, mass and people balance, the outputs are complete."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numba import njit

from model.model import DrugMarketModel
from model.policy import PROGRAMS
from model.rng import SEIZURE, key, key_py, uniform, uniform_py, uniforms
from model.scenario import scenario_from_dict
from model.world import DRUGS

ROOT = Path(__file__).resolve().parents[1]


def small(months=12, burn_in=3, **extra):
    d = {"name": "test", "preset": "tiny", "months": months, "params": {"sim.burn_in_months": burn_in}}
    d.update(extra)
    return scenario_from_dict(d)


@njit
def _draws(seed, stream, month, n):
    k = key(seed, stream, month)
    out = np.empty(n)
    for i in range(n):
        out[i] = uniform(k, i)
    return out


def test_counter_rng_is_the_same_in_numba_numpy_and_python():
    # (called as the kernels call them: inside jitted code, where the key stays a uint64)
    py = [uniform_py(key_py(7, 3, 11), i) for i in range(50)]
    nb = _draws(7, 3, 11, 50).tolist()
    npv = uniforms(7, 3, 11, 50).tolist()
    assert py == nb == npv
    assert all(0.0 <= x < 1.0 for x in py)


def test_seizure_loop_matches_the_rule_written_with_numpy():
    """kernels/seizures.py against the rule in NumPy: a load is seized in the first country whose
    draw (index offset + load * nodes + node) falls under that country's probability."""
    from model.kernels.seizures import loads_seized_at

    def with_numpy(seed, month, offset, n, p):
        u = uniforms(seed, SEIZURE, month, n * len(p), offset=offset).reshape(n, len(p))
        hit = u < p
        first = np.argmax(hit, axis=1)
        return np.array([np.count_nonzero(hit.any(axis=1) & (first == j)) for j in range(len(p))])

    for seed, month, offset, n, p in ((1, 0, 0, 1, [0.5]), (3, 7, 123, 40, [0.1, 0.3, 0.05, 0.6]),
                                      (9, 2, 5, 500, [0.0, 0.02, 1.0]), (2, 1, 0, 17, [0.0, 0.0])):
        p = np.array(p)
        k = np.uint64(key_py(seed, SEIZURE, month))
        got = loads_seized_at(k, offset, n, p)
        assert got.tolist() == with_numpy(seed, month, offset, n, p).tolist()
        assert got.sum() <= n


def test_kernel_and_reference_paths_give_identical_outputs():
    sc = small(months=14, burn_in=2)
    a = DrugMarketModel(sc, seed=5).run()
    b = DrugMarketModel(sc, seed=5, path="reference").run()
    pd.testing.assert_frame_equal(a, b, check_exact=True)


def test_reference_path_uses_mesa_agents_for_farmers_and_users():
    from agents import Farmer, User
    m = DrugMarketModel(small(), seed=1, path="reference")
    assert len(m.agents_by_type[User]) == m.users.n
    assert len(m.agents_by_type[Farmer]) == m.farmers.n


def test_same_seed_same_numbers_and_different_seed_different_numbers():
    sc = small(months=6)
    a = DrugMarketModel(sc, seed=9).run()
    b = DrugMarketModel(sc, seed=9).run()
    c = DrugMarketModel(sc, seed=10).run()
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    assert not a["overdose_deaths"].equals(c["overdose_deaths"]) or not a["seizure_events"].equals(c["seizure_events"])


_THREAD_SCRIPT = """
import sys, hashlib
from model.model import DrugMarketModel
from model.scenario import scenario_from_dict
sc = scenario_from_dict({"preset": "tiny", "months": 8, "params": {"sim.burn_in_months": 2}})
df = DrugMarketModel(sc, seed=3).run()
print(hashlib.sha256(df.to_csv(index=False, float_format="%.17g").encode()).hexdigest())
"""


@pytest.mark.slow
def test_bit_identical_on_one_and_two_threads():
    out = []
    for threads in ("1", "2"):
        env = dict(os.environ, NUMBA_NUM_THREADS=threads, PYTHONPATH=str(ROOT))
        r = subprocess.run([sys.executable, "-c", _THREAD_SCRIPT], env=env, capture_output=True, text=True,
                           cwd=ROOT, timeout=600)
        assert r.returncode == 0, r.stderr
        out.append(r.stdout.strip().splitlines()[-1])
    assert out[0] == out[1]


def test_mass_balances_every_month_for_every_drug_and_people_are_conserved():
    m = DrugMarketModel(small(months=18), seed=2)
    n_people = None
    for _ in range(m.burn_in + 18):
        m.step()
        for d in DRUGS:
            produced, seized, consumed, lost, stock_change = m.balance[d]
            gap = produced - (seized + consumed + lost + stock_change)
            assert abs(gap) <= 1e-9 * max(1.0, produced), (m.t, d, m.balance[d])
            assert min(produced, seized, consumed, lost) >= 0.0
        counts = m.people_counts()
        total = counts.sum()
        assert total == m.users.n  # every agent is in exactly one state, the dead included
        n_people = total if n_people is None else n_people
        assert total == n_people
    assert all(v >= -1e-9 for v in m.inventory.values())


def test_every_design_output_column_is_present_in_people_and_dollars():
    df = DrugMarketModel(small(months=2), seed=1).run()
    required = [
        "overdose_deaths", "overdoses_reversed", "people_with_sud", "in_treatment", "initiations", "new_hiv_pwid",
        "arrests", "incarcerated", "fentanyl_share", "eradicated_ha", "deforestation_ha", "precursor_seized_kg",
        "labs_active", "trafficker_assets_usd", "trafficker_revenue_usd", "assets_seized_usd", "trafficking_orgs",
        "trafficker_members", "seizure_events", "active_routes", "violence_deaths", "farmer_income_licit_usd",
        "farmer_income_illicit_usd",
    ]
    for d in DRUGS:
        required += [f"retail_price_{d}", f"retail_purity_{d}", f"farmgate_price_{d}", f"wholesale_price_{d}",
                     f"consumption_kg_{d}", f"production_kg_{d}", f"seized_kg_{d}"]
    required += [f"spend_usd_{p}" for p in PROGRAMS]
    required += [f"cultivation_ha_{c}" for c in ("colombia", "peru", "bolivia", "afghanistan", "myanmar", "mexico")]
    required += ["production_kg_cocaine_colombia", "precursor_diverted_kg_china", "seized_kg_cocaine_colombia"]
    missing = [c for c in required if c not in df.columns]
    assert not missing
    assert list(df["month"]) == [1, 2]
    assert df[[c for c in df.columns if c not in ("scenario",)]].notna().all().all()
    # people, not agents: one agent stands for thousands at this scale
    assert df["people_with_sud"].iloc[0] > 5e6
    assert df["spend_usd_treatment"].iloc[0] == pytest.approx(4.5e8 / 12)
    # people using = occasional + dependent users of every drug group (the reform question's "use")
    groups = df[[c for c in df.columns if c.startswith(("users_occasional_", "users_dependent_"))]].sum(axis=1)
    assert np.allclose(df["people_using"], groups) and (df["people_using"] > df["people_with_sud"] / 2).all()


def test_output_columns_are_lower_case():
    df = DrugMarketModel(small(months=1), seed=1).run()
    assert all(c == c.lower() for c in df.columns)


def test_bad_seed_and_path_are_refused_clearly():
    with pytest.raises(ValueError, match="seed"):
        DrugMarketModel(small(), seed=-1)
    with pytest.raises(ValueError, match="path"):
        DrugMarketModel(small(), seed=1, path="gpu")


@pytest.mark.slow
def test_status_quo_lands_in_the_calibration_bands_national_scale():
    """Issue 2, Must show 2: the first simulated year after the burn-in (the calibration year)."""
    sc = scenario_from_dict({"preset": "national", "months": 12})
    df = DrugMarketModel(sc, seed=1).run()
    year = df.iloc[:12]
    assert 80_000 <= year["overdose_deaths_united_states"].sum() <= 140_000
    assert 150_000 <= year["cultivation_ha_colombia"].mean() <= 260_000
    assert 1_500_000 <= year["production_kg_cocaine"].sum() <= 2_600_000
    assert 0.005 <= year["farmer_share_retail_value_cocaine"].mean() <= 0.03
    assert 50 <= year["retail_price_cocaine_united_states"].mean() <= 250


def test_results_hash_is_stable_within_a_process():
    sc = small(months=3)
    h = [hashlib.sha256(DrugMarketModel(sc, seed=4).run().to_csv().encode()).hexdigest() for _ in range(2)]
    assert h[0] == h[1]
    assert np.isfinite(DrugMarketModel(sc, seed=4).run().select_dtypes("number").to_numpy()).all()


def test_odd_generated_tables_are_up_to_date():
    """docs/ODD.md's parameter and lever tables are generated from the code: python -m model.docs."""
    from model.docs import main as docs_main
    assert docs_main(["--check"]) == 0
