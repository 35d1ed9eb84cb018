"""The health mechanisms: naloxone kits by channel, bystanders, risk after treatment and prison, HIV in treatment."""

import numpy as np
import pytest

from model.calibrate.naloxone import deaths_averted, reversed_given_bystander, steady_stock
from model.calibrate.users import post_exit_weekly, post_release_multiplier, post_release_weekly
from model.params import defaults
from model.users.kernel import step_every_person
from model.users.states import (
    DEPENDENT, E_HIV, E_OD_DEATH, E_REVERSED, F_INJECTS, F_METHADONE, N_RATES, PRISON, R_BYSTANDER, R_HIV,
    R_NALOXONE, R_OD, R_OD_PRISON, R_OD_TX_METH, R_POST_RELEASE, R_RELEASE, RISK_NONE, RISK_POST_RELEASE, TREATMENT,
    X_HIV,
)


def _people(n, state, flags=0, risk=RISK_NONE):
    """Arrays for the rule: n people of market 0, group 0, in ``state``; peer groups of one."""
    cols = [np.zeros(n, np.int8), np.zeros(n, np.int8), np.full(n, state, np.int8), np.full(n, flags, np.uint8),
            np.full(n, risk, np.int8), np.zeros(n, np.uint8)]
    return cols, np.zeros((n, 1)), np.ones((n, 1))


def _step(cols, pl, pn, rates, month=0):
    step_every_person(*cols, rates, pl, pn, 1, 7, month)
    return cols


def test_a_community_kit_averts_more_deaths_than_a_pharmacy_or_emergency_department_kit():
    p = defaults()
    per_kit = {c: deaths_averted(steady_stock({c: 1000.0}, p), p)
               for c in ("community", "pharmacy", "emergency_department")}
    assert per_kit["community"] > 10 * per_kit["pharmacy"] > 0
    assert per_kit["pharmacy"] > per_kit["emergency_department"] > 0
    # a year's distribution in steady state averts kits x uses per kit x deaths averted per use a year
    assert np.isclose(12 * per_kit["community"], 1000.0 * p["user.naloxone_use_per_kit_community"] * 0.10)


def test_naloxone_reverses_no_more_than_the_witnessed_overdoses_allow():
    p = defaults()
    assert reversed_given_bystander(1e9, 100.0, p) == p["user.naloxone_reversal_probability"]
    assert reversed_given_bystander(10.0, 100.0, p) < p["user.naloxone_reversal_probability"]
    assert reversed_given_bystander(10.0, 100.0, {**p, "user.overdose_bystander_share": 0.0}) == 0.0


def test_an_overdose_without_a_bystander_is_never_reversed():
    n = 20000
    rates = np.zeros((1, 1, N_RATES))
    rates[0, 0, R_OD] = 0.5
    rates[0, 0, R_NALOXONE] = 1.0  # naloxone for every witnessed overdose
    for bystander, reversed_expected in ((0.0, False), (0.5, True)):
        rates[0, 0, R_BYSTANDER] = bystander
        cols = _step(*_people(n, DEPENDENT), rates)
        ev = cols[5]
        assert ((ev & E_REVERSED) > 0).any() == reversed_expected
        # with no bystander, every overdose (half the people) is fatal
        deaths = ((ev & E_OD_DEATH) > 0).mean()
        assert abs(deaths - 0.5 * (1.0 - bystander)) < 0.02


def test_post_release_and_post_exit_risk_decay_with_weeks_since_leaving():
    p = defaults()
    for weekly in (post_release_weekly(p), post_exit_weekly(p)):
        assert weekly[0] > weekly[1] > weekly[2] == 1.0
    assert 1.0 < post_release_multiplier(p) < post_release_weekly(p)[0]
    # in the rule: the raised hazard lasts the first month out; the next month is a dependent user's
    n = 40000
    rates = np.zeros((1, 1, N_RATES))
    rates[0, 0, R_OD] = 0.01
    rates[0, 0, R_POST_RELEASE] = post_release_multiplier(p)
    cols, pl, pn = _people(n, DEPENDENT, risk=RISK_POST_RELEASE)
    first = ((_step([c.copy() for c in cols], pl, pn, rates)[5] & E_OD_DEATH) > 0).mean()
    cols = _step(cols, pl, pn, rates)
    alive = cols[2] == DEPENDENT
    assert (cols[4][alive] == RISK_NONE).all()
    second = ((_step(cols, pl, pn, rates, month=1)[5][alive] & E_OD_DEATH) > 0).mean()
    assert first > 3 * second


def test_people_in_prison_overdose_at_the_prison_rate_only():
    n = 50000
    rates = np.zeros((1, 1, N_RATES))
    rates[0, 0, R_OD] = 0.5  # outside, half would overdose: not in prison
    rates[0, 0, R_OD_PRISON] = 0.01
    rates[0, 0, R_RELEASE] = 0.0
    ev = _step(*_people(n, PRISON), rates)[5]
    assert abs(((ev & E_OD_DEATH) > 0).mean() - 0.01) < 0.003


def test_agonist_treatment_lowers_hiv_incidence_among_those_treated():
    """The rates give injectors in opioid agonist treatment HIV transmission x user.oat_hiv_rr; the rule
    infects treated injectors at that rate, dependent ones at the full rate."""
    from model.users.rates import _hiv
    p = defaults()
    r = np.zeros(N_RATES)
    _hiv(r, {"hiv": 0.05, "hiv_tx_rr": p["user.oat_hiv_rr"]}, p, {"ssp": 0.3, "ssp0": 0.3}, 1.0)
    rates = r.reshape(1, 1, N_RATES).copy()
    rates[0, 0, R_OD_TX_METH] = 1.0
    n = 60000
    inc = {}
    for state in (DEPENDENT, TREATMENT):
        cols = _step(*_people(n, state, flags=F_INJECTS | F_METHADONE), rates)
        inc[state] = ((cols[5] & E_HIV) > 0).mean()
    assert abs(inc[DEPENDENT] - rates[0, 0, R_HIV]) < 0.005
    assert 0 < inc[TREATMENT] < 0.6 * inc[DEPENDENT]


def test_agonist_treatment_in_prison_lowers_deaths_after_release_and_raises_treatment_entry():
    """People with a history of dependence released from prison: those on agonist treatment begun in prison
    (R_PRISON_OAT = 1) die of overdose less in the month after release (x user.prison_oat_post_release_rr)
    and enter community treatment more often than those released without it (R_PRISON_OAT = 0)."""
    from model.calibrate.users import post_release_multiplier
    from model.users.rates import _prison_treatment
    from model.users.states import (E_TX_ENTRY, F_WAS_DEPENDENT, R_PRISON_OAT, R_RELEASE_DEP, R_TX_ENTRY,
                                    RISK_POST_RELEASE_OAT)
    p = defaults()
    n = 60000
    deaths, entries = {}, {}
    for cover in (0.0, 1.0):
        rates = np.zeros((1, 1, N_RATES))
        rates[0, 0, R_RELEASE] = 1.0  # everyone is released this month
        rates[0, 0, R_RELEASE_DEP] = 1.0  # back to use
        rates[0, 0, R_OD] = 0.01
        rates[0, 0, R_POST_RELEASE] = post_release_multiplier(p)
        rates[0, 0, R_TX_ENTRY] = 0.05
        _prison_treatment(rates[0, 0], p, cover * n, np.array([[n]]), 0, 0, 1.0)
        assert rates[0, 0, R_PRISON_OAT] == cover
        cols, pl, pn = _people(n, PRISON, flags=F_WAS_DEPENDENT)
        cols = _step(cols, pl, pn, rates)  # the month of release
        entries[cover] = ((cols[5] & E_TX_ENTRY) > 0).mean()
        out = cols[2] == DEPENDENT
        if cover:
            assert (cols[4][out] == RISK_POST_RELEASE_OAT).all()
        ev = _step(cols, pl, pn, rates, month=1)[5]  # the first month out
        deaths[cover] = ((ev[out] & E_OD_DEATH) > 0).mean()
    # the hazard ratio, within sampling error (about 0.04 vs 0.01 a month)
    assert deaths[1.0] < 0.5 * deaths[0.0]
    assert abs(deaths[1.0] / deaths[0.0] - p["user.prison_oat_post_release_rr"]) < 0.08
    assert entries[0.0] == 0.0 and entries[1.0] > 0.08  # odds ratio 2.47 over 0.05: about 0.115


def test_moving_treatment_money_to_prison_buys_prison_treatment_and_fewer_community_places():
    """The lever: a share of the treatment budget pays agonist treatment in prison at its unit cost (none
    at the status quo); the community places are calibrated to the status-quo share, so they fall."""
    from model.model import DrugMarketModel
    from model.scenario import scenario_from_dict
    from model.users.states import R_PRISON_OAT
    from model.world import GROUPS

    gi = GROUPS.index("opioid")
    got = {}
    for split in (0.0, 0.2):
        sc = scenario_from_dict({"preset": "tiny", "months": 1, "params": {
            "sim.burn_in_months": 0, "agency.treatment_split_prison": split}})
        m = DrugMarketModel(sc, seed=1)
        m.run()
        held = m.users.prison_dep[:, gi] > 0  # markets with opioid-dependent people in prison at this scale
        assert held.any()
        got[split] = (m.users.rates[held, gi, R_PRISON_OAT].copy(),
                      sum(a.activity for (n, _), a in m.enforcement.agency.items() if n == "treatment"),
                      sum(a.activity for (n, _), a in m.enforcement.agency.items() if n == "treatment_prison"))
    assert (got[0.0][0] == 0.0).all() and got[0.0][2] == 0.0
    assert (got[0.2][0] > 0.0).all() and got[0.2][2] > 0.0
    assert got[0.2][1] < got[0.0][1]
    # at low coverage the money buys about budget / unit cost: 0.2 x USD 450M / 2,919 a year, about 31,000
    assert 0.8 * 0.2 * 4.5e8 / 2919.0 < got[0.2][2] <= 0.2 * 4.5e8 / 2919.0


def test_stimulant_injectors_share_the_hiv_pool_and_syringe_services_reach_them():
    """People who inject cocaine or methamphetamine acquire HIV at the market's transmission rate, cut by
    syringe services; the calibration still reproduces the 2021 new HIV diagnoses among people who inject,
    counting only the injectors the rule can infect in a month (those who neither die nor leave first)."""
    from model.calibrate import calibrate
    from model.calibrate.users import injecting_share
    from model.users.people import make_users
    from model.model import DrugMarketModel
    from model.scenario import scenario_from_dict
    from model.users.rates import _hiv
    from model.users.states import X_HIV
    from model.world import GROUPS, load_world

    p = defaults()
    world = load_world()
    b = calibrate(world, p)
    for m in b.markets:
        hiv = {g: b.users[(m, g)]["hiv"] for g in GROUPS if (m, g) in b.users}
        assert hiv["cocaine"] == hiv["methamphetamine"] == hiv["opioid"] > 0
    # the rule's expected new infections in the first month (2021's rates, no burn-in) are the world's 2021
    # new diagnoses among people who inject (all markets)
    sc = scenario_from_dict({"preset": "national", "months": 1, "params": {"sim.burn_in_months": 0}})
    model = DrugMarketModel(sc, seed=1)
    model.step()
    got = model.users.expected[:, X_HIV].sum() * model.users.people.scale * 12
    want = sum(world.data[m]["new_hiv_pwid"] for m in b.markets)
    assert abs(got / want - 1) < 0.03, (got, want)
    # dependent stimulant users inject at their shares
    people = make_users(b, 400_000, 3, 50)
    for g in ("cocaine", "methamphetamine"):
        dep = (people.group == GROUPS.index(g)) & (people.state == DEPENDENT)
        share = ((people.flags[dep] & F_INJECTS) > 0).mean()
        assert abs(share - injecting_share(p, g)) < 0.03 and share > 0
    # syringe services cut a stimulant injector's transmission as an opioid injector's
    r0, r1 = np.zeros(N_RATES), np.zeros(N_RATES)
    u = {"hiv": b.users[(b.markets[0], "cocaine")]["hiv"], "hiv_tx_rr": 1.0}
    _hiv(r0, u, p, {"ssp": 0.3, "ssp0": 0.3}, 1.0)
    _hiv(r1, u, p, {"ssp": 0.9, "ssp0": 0.3}, 1.0)
    assert 0 < r1[R_HIV] < 0.8 * r0[R_HIV]


def test_the_initial_flags_give_each_cell_its_exact_share():
    """Injecting and HIV flags at the start: in each (group, state) cell exactly round(share x size) people,
    those with the lowest draws, so two seeds differ in who carries a flag, not in how many do."""
    from model.users.people import exact_share

    rs = np.random.default_rng(3)
    u, cell = rs.random(10_000), rs.integers(-1, 5, 10_000)
    share = np.array([0.0, 0.07, 0.5, 1.0, 0.33])[np.maximum(cell, 0)]
    got = exact_share(u, cell, share)
    assert not got[cell < 0].any()
    for c in range(5):
        in_c = cell == c
        assert got[in_c].sum() == round(share[in_c][0] * in_c.sum())
        if 0 < got[in_c].sum() < in_c.sum():  # the lowest draws carry it
            assert u[in_c & got].max() < u[in_c & ~got].min()


def test_the_hiv_pool_gains_expected_infections_and_loses_deaths_in_proportion():
    """The force of infection reads the expected HIV stock (model/users/hiv.py): it starts at the agents'
    prevalence, deaths in the pool take their share of it, expected infections add to it."""
    from model.users.hiv import HivPool

    inj = np.zeros((2, 3, 3), np.int64)
    inj[0, 0] = (1000, 70, 0)
    inj[1, 1] = (500, 50, 0)
    pool = HivPool(inj)
    assert pool.prevalence_ratio(0) == pool.prevalence_ratio(1) == 1.0
    month = np.zeros((2, 3, 3), np.int64)
    month[0, 0] = (1000, 70, 100)  # a tenth of the pool died
    month[1, 1] = (500, 50, 0)
    expected = np.zeros((2, 4))
    expected[1, X_HIV] = 5.0
    pool.update(month, expected)
    assert pool.with_hiv[0] == pytest.approx(63.0) and pool.pool[0] == 900
    assert pool.prevalence_ratio(0) == pytest.approx(1.0)  # deaths fall on people with HIV in proportion
    assert pool.prevalence_ratio(1) == pytest.approx(55 / 500 / 0.1)
