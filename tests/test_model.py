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
from model.rng import SEIZURE, STEP, bits, bits_at, key, key_py, uniform, uniform_py, uniforms
from model.users.states import N_RISKS
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


@njit(cache=True)
def _stepped_and_direct(seed, stream, month, first, n):
    """bits by a counter stepped by STEP (as the users screen draws), and bits by index."""
    k = key(seed, stream, month)
    stepped = np.empty(n, np.uint64)
    direct = np.empty(n, np.uint64)
    z = (np.uint64(first) + np.uint64(1)) * STEP
    for j in range(n):
        stepped[j] = bits_at(k, z)
        z += STEP
        direct[j] = bits(k, np.uint64(first) + np.uint64(j))
    return stepped, direct


def test_a_stepped_counter_gives_the_same_bits_as_the_index():
    for first in (0, 999, 2**40 + 5):
        stepped, direct = _stepped_and_direct(7, 3, 11, first, 300)
        assert (stepped == direct).all()
    # the screen's draws are the rule's: their top 53 bits are uniform()
    stepped, _ = _stepped_and_direct(7, 3, 11, 0, 50)
    assert ((stepped >> np.uint64(11)).astype(np.float64) * 2.0**-53).tolist() == _draws(7, 3, 11, 50).tolist()


def test_seizure_loop_matches_the_rule_written_with_numpy():
    """kernels/seizures.py against the rule in NumPy: a load is seized in the first country whose
    draw (index offset + load * nodes + node) falls under that country's probability."""
    from model.markets.seizures import loads_seized_at

    def with_numpy(seed, month, offset, n, p):
        u = uniforms(seed, SEIZURE, month, n * len(p), offset=offset).reshape(n, len(p))
        hit = u < p
        first = np.argmax(hit, axis=1)
        return np.array([np.count_nonzero(hit.any(axis=1) & (first == j)) for j in range(len(p))])

    for seed, month, offset, n, p in ((1, 0, 0, 1, [0.5]), (3, 7, 123, 40, [0.1, 0.3, 0.05, 0.6]),
                                      (9, 2, 5, 500, [0.0, 0.02, 1.0]), (2, 1, 0, 17, [0.0, 0.0])):
        p = np.array(p)
        k = np.uint64(key_py(seed, SEIZURE, month))
        where = loads_seized_at(k, offset, n, p)
        got = np.bincount(where[where >= 0], minlength=len(p))
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
    assert len(m.agents_by_type[User]) == m.users.people.n
    assert len(m.agents_by_type[Farmer]) == m.farmers.households.n


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
            produced, seized, consumed, lost, stock_change = m.markets.balance[d]
            gap = produced - (seized + consumed + lost + stock_change)
            assert abs(gap) <= 1e-9 * max(1.0, produced), (m.t, d, m.markets.balance[d])
            assert min(produced, seized, consumed, lost) >= 0.0
        counts = m.users.people_counts()
        total = counts.sum()
        assert total == m.users.people.n  # every agent is in exactly one state, the dead included
        n_people = total if n_people is None else n_people
        assert total == n_people
    assert all(v >= -1e-9 for v in m.markets.inventory.values())


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
    """The first simulated year after the burn-in (the calibration year) lands in the calibration bands
    (README.md and docs/ODD.md: US overdose deaths, Colombian coca, cocaine production, farmers' share,
    US retail price)."""
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


def _random_population(rs, n, n_m, n_g, group_size, sorted_markets):
    """Arrays for step_users: every state, flag combination and risk level, markets sorted (as make_users
    lays them out) or shuffled (every chunk mixed)."""
    market = rs.integers(0, n_m, n).astype(np.int8)
    if sorted_markets:
        market.sort()
    group = rs.integers(0, n_g, n).astype(np.int8)
    state = rs.integers(0, 7, n).astype(np.int8)
    flags = rs.integers(0, 16, n).astype(np.uint8)
    risk = np.where(rs.random(n) < 0.1, rs.integers(1, N_RISKS, n), 0).astype(np.int8)
    event = rs.integers(0, 256, n).astype(np.uint8)
    n_pg = (n + group_size - 1) // group_size
    peer_light = rs.integers(0, 5, (n_pg, n_g)).astype(np.float64)
    peer_never = rs.integers(0, 5, (n_pg, n_g)).astype(np.float64)
    return [market, group, state, flags, risk, event], peer_light, peer_never


def test_screened_user_kernel_equals_the_rule_applied_to_everyone():
    """step_users screens people with bounds on their draws and applies the rule to the flagged ones only;
    it must give exactly the arrays of the rule applied to everyone (step_every_person), whatever the
    rates: small, large, zero, one, on the screen's 2**-15 grid, NaN."""
    from model.users.kernel import step_every_person, step_users
    from model.users.states import N_RATES

    rs = np.random.default_rng(11)
    n_m, n_g = 3, 3
    cases = 0
    for trial in range(12):
        n = int(rs.integers(1, 9000))
        group_size = int(rs.choice([1, 7, 50, 333, 2000]))
        kind = trial % 4
        if kind == 0:  # monthly rates as the model has them
            rates = rs.random((n_m, n_g, N_RATES)) * 0.05
        elif kind == 1:  # large: every branch of the rule fires
            rates = rs.random((n_m, n_g, N_RATES)) * 0.6
        elif kind == 2:  # on the screen's grid, and the edges
            rates = rs.choice([0.0, 1.0, 2.0 ** -15, 3 * 2.0 ** -15, 0.5, 1 - 2.0 ** -15, 1.5],
                              (n_m, n_g, N_RATES))
        else:
            rates = rs.random((n_m, n_g, N_RATES)) * 0.1
            rates[rs.random(rates.shape) < 0.1] = np.nan
        cols, pl, pn = _random_population(rs, n, n_m, n_g, group_size, sorted_markets=trial % 3 != 2)
        seed, month = int(rs.integers(0, 1000)), int(rs.integers(0, 200))
        a = [c.copy() for c in cols]
        b = [c.copy() for c in cols]
        step_users(*a, rates, pl, pn, group_size, seed, month)
        step_every_person(*b, rates, pl, pn, group_size, seed, month)
        for name, x, y in zip(("market", "group", "state", "flags", "risk", "event"), a, b):
            assert np.array_equal(x, y), (trial, name)
        cases += int((a[2] != cols[2]).sum())
    assert cases > 1000  # the rule did change many people


def test_count_month_counts_what_numpy_counts_on_one_and_two_threads():
    """count_month runs in parallel over blocks with tables of their own; its tables must equal a plain
    NumPy count of the same arrays, on one thread and on two, across block edges."""
    import numba

    from model.users.count import COUNT_BLOCK, count_month
    from model.users.states import (DEAD, DEPENDENT, EVENT_BITS, F_HIV, F_INJECTS, F_METHADONE, F_WAS_DEPENDENT, NEVER,
                              OCCASIONAL, PRISON, TREATMENT)

    rs = np.random.default_rng(5)
    n_m, n_g, n_s = 3, 3, DEAD + 1
    nt0 = numba.get_num_threads()
    for n, group_size in ((1, 50), (977, 7), (2 * COUNT_BLOCK + 12_345, 50), (COUNT_BLOCK + 1, 2000)):
        (market, group, state, flags, risk, event), _, _ = _random_population(rs, n, n_m, n_g, group_size, True)
        before = rs.integers(0, n_s, n).astype(np.int8)
        want_counts = np.zeros((n_m, n_g, n_s), np.int64)
        np.add.at(want_counts, (market, group, state), 1)
        want_events = np.zeros((n_m, n_g, EVENT_BITS), np.int64)
        for b in range(EVENT_BITS):
            on = (event >> b) & 1 == 1
            np.add.at(want_events, (market[on], group[on], b), 1)
        pool = (flags & F_INJECTS != 0) & (flags & F_WAS_DEPENDENT != 0) & (before != DEAD)
        want_inj = np.zeros((n_m, n_g, 3), np.int64)
        for j, who in enumerate((pool, pool & (flags & F_HIV != 0), pool & (state == DEAD))):
            np.add.at(want_inj, (market[who], group[who], j), 1)
        pri = (state == PRISON) & (flags & F_WAS_DEPENDENT != 0)
        want_prison = np.zeros((n_m, n_g), np.int64)
        np.add.at(want_prison, (market[pri], group[pri]), 1)
        pg = np.arange(n) // group_size
        n_pg = pg[-1] + 1
        want_light = np.zeros((n_pg, n_g))
        np.add.at(want_light, (pg[state == OCCASIONAL], group[state == OCCASIONAL]), 1.0)
        want_never = np.zeros((n_pg, n_g))
        np.add.at(want_never, (pg[state == NEVER], group[state == NEVER]), 1.0)
        k = np.where(before == DEPENDENT, 0, np.where(before == TREATMENT, np.where(flags & F_METHADONE, 1, 2), -1))
        want_pm = np.zeros((n_g, 3), np.int64)
        np.add.at(want_pm, (group[k >= 0], k[k >= 0]), 1)
        want_dead = np.zeros((n_g, 3), np.int64)
        died = (k >= 0) & (state == DEAD)
        np.add.at(want_dead, (group[died], k[died]), 1)
        want_classes = np.zeros((n_m, n_g, n_s, 16, N_RISKS), np.int64)
        np.add.at(want_classes, (market, group, state, flags & 15, risk), 1)
        want = (want_counts, want_events, want_inj, want_prison, want_light, want_never, want_pm, want_dead,
                want_classes)
        try:
            for threads in (1, 2):
                numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
                got = count_month(market, group, state, before, flags, risk, event, group_size, n_m, n_g, n_s,
                                  EVENT_BITS)
                assert len(got) == len(want)
                for i, (a, b) in enumerate(zip(got, want)):
                    assert np.array_equal(a, b), (n, group_size, threads, i)
        finally:  # a failure must not leave the other tests on one thread
            numba.set_num_threads(nt0)


def test_calibration_wants_what_the_farmers_rule_wants():
    """calibrate_farm_alpha solves for the intercept with a NumPy copy of the farmers' logit (wanted_area);
    it must sum what the kernel's target_share gives, capped loss, trust tilt and coercion included."""
    from model.farmers.kernel import target_share
    from model.farmers.rates import wanted_area

    rs = np.random.default_rng(3)
    n = 5000
    a0, b, c = rs.normal(0, 2, n), rs.exponential(1.0, n), rs.exponential(1.0, n)
    risk_av, trust, land = rs.exponential(1.0, n), rs.random(n), rs.uniform(0.5, 5.0, n)
    coerced = rs.random(n) < 0.2
    tw, coercion = 1.5, -2.0
    for alpha in (-3.0, 0.0, 0.7, 4.0):
        want = sum(target_share(alpha + a0[i], b[i], c[i], risk_av[i], trust[i], tw, coerced[i], coercion) * land[i]
                   for i in range(n))
        got = wanted_area(alpha, a0, np.minimum(risk_av * b, c), tw * (0.5 - trust), coerced * coercion, land)
        assert got == pytest.approx(want, rel=1e-12), alpha


def test_screen_bounds_hold_at_the_edges():
    """_below and _above, which round the rule's probabilities outwards onto the top 15 bits of a draw:
    u < t must imply v < _below(t), and u > t must imply v >= _above(t), right at the edges."""
    from model.users.kernel import _above, _below

    rs = np.random.default_rng(3)
    ts = [0.0, 2.0 ** -53, 2.0 ** -15, 2.0 ** -15 + 2.0 ** -53, 3 * 2.0 ** -15 - 2.0 ** -53, 0.25, 0.3, 0.5,
          1 - 2.0 ** -15, 1 - 2.0 ** -53, 1.0, 1.5, -0.1] + list(rs.random(50))
    for t in ts:
        b53 = int(min(max(t, 0.0), 1.0) * 2.0 ** 53)
        for d in range(-3, 4):
            m = min(max(b53 + d, 0), 2 ** 53 - 1)
            u = m * 2.0 ** -53  # a draw's value: rng.uniform is (z >> 11) * 2**-53
            v = m >> 38  # its top 15 bits: z >> 49
            if u < t:
                assert v < _below(t), (t, m)
            if u > t:
                assert v >= _above(t), (t, m)
    assert _below(float("nan")) == 0 and _above(float("nan")) == 1 << 15


def test_a_higher_farm_gate_price_never_makes_coca_less_wanted():
    """The weighted expected loss is capped at the whole harvest (docs/ODD.md §7.2): however risk-averse the
    farmer and however high the eradication risk, the wanted share cannot fall as the illicit income rises.
    Without the cap it falls whenever risk_aversion x loss > 1."""
    from model.farmers.agent import target_share as share_py
    from model.farmers.kernel import target_share as share_nb

    s, alpha = 2.0, -1.0
    for risk_av in (0.2, 1.0, 2.5, 8.0):
        for loss in (0.05, 0.5, 0.95):
            shares = []
            for inc in np.linspace(0.1, 60.0, 200):  # s x illicit / licit, rising with the price
                a, b, c = alpha + inc - s, inc * loss, inc
                x = share_py(a, b, c, risk_av, 0.5, 1.0, 0, 2.0)
                assert x == share_nb(a, b, c, risk_av, 0.5, 1.0, 0, 2.0)
                shares.append(x)
            assert np.all(np.diff(shares) >= 0.0), (risk_av, loss)


def test_event_chances_are_the_rule_s_frequencies_on_both_paths():
    """The expected counts sum event_chances over the people at risk: for every state, flag code and risk, the
    chances must be the frequencies with which step_person takes its overdose-death, reversal, arrest and HIV
    branches (within sampling error), and User.event_chances (the reference path) must give the same floats."""
    from model.users.agent import User
    from model.users.kernel import step_every_person
    from model.users.rule import event_chances
    from model.users.states import DEAD, E_ARREST, E_HIV, E_OD_DEATH, E_REVERSED, N_RATES

    rs = np.random.default_rng(3)
    bits = (E_OD_DEATH, E_REVERSED, E_ARREST, E_HIV)
    n = 40_000
    checked = 0
    for trial in range(3):
        rates = rs.random((1, 1, N_RATES)) * (0.05, 0.2, 0.4)[trial]
        for s in range(DEAD + 1):
            for f in range(16):
                for rk in range(N_RISKS):
                    want = event_chances(rates, 0, 0, s, f, rk)
                    assert want == User.event_chances(rates[0, 0], s, f, rk), (s, f, rk)
                    if f not in (0, 1, 9, 12) or (rk and s not in (1, 2, 3)):
                        continue  # the frequencies for a sample of classes (each takes a simulation)
                    cols = [np.zeros(n, np.int8), np.zeros(n, np.int8), np.full(n, s, np.int8),
                            np.full(n, f, np.uint8), np.full(n, rk, np.int8), np.zeros(n, np.uint8)]
                    step_every_person(*cols, rates, np.zeros((n, 1)), np.ones((n, 1)), 1, 100 + trial, s * 64 + f)
                    for p, b in zip(want, bits):
                        freq = ((cols[5] & b) > 0).mean()
                        assert abs(freq - p) < 4.5 * np.sqrt(p * (1 - p) / n) + 1e-9, (trial, s, f, rk, b, freq, p)
                    checked += 1
    assert checked > 100


def test_expected_counts_leave_the_realised_counts_alone_and_agree_with_them():
    """The expected columns sit beside the realised ones (which the draws alone decide) and, summed over a
    run, agree with them within the realised counts' sampling error."""
    m = DrugMarketModel(small(months=24, burn_in=2, preset="workshop"), seed=2)
    df = m.run()
    scale = m.users.people.scale  # people per agent: the realised count's step
    for realised in ("overdose_deaths", "overdoses_reversed", "arrests", "new_hiv_pwid"):
        x = df[realised + "_expected"].sum()
        r = df[realised].sum()
        assert x > 0
        assert abs(r - x) < 4 * np.sqrt(x * scale) + scale, (realised, r, x)
    markets = [c[len("overdose_deaths_expected_"):] for c in df.columns if c.startswith("overdose_deaths_expected_")]
    assert markets and np.allclose(sum(df[f"overdose_deaths_expected_{m}"] for m in markets),
                                   df["overdose_deaths_expected"], rtol=1e-12)
