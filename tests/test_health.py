"""The health mechanisms: naloxone kits by channel, bystanders, risk after treatment and prison, HIV in treatment."""

import numpy as np

from model.calibrate.naloxone import deaths_averted, reversed_given_bystander, steady_stock
from model.calibrate.users import post_exit_weekly, post_release_multiplier, post_release_weekly
from model.params import defaults
from model.users.kernel import step_every_person
from model.users.states import (
    DEPENDENT, E_HIV, E_OD_DEATH, E_REVERSED, F_INJECTS, F_METHADONE, N_RATES, PRISON, R_BYSTANDER, R_HIV,
    R_NALOXONE, R_OD, R_OD_PRISON, R_OD_TX_METH, R_POST_RELEASE, R_RELEASE, RISK_NONE, RISK_POST_RELEASE, TREATMENT,
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
    _hiv(r, {"hiv": 0.05, "hiv_tx_rr": p["user.oat_hiv_rr"]}, p, {"ssp": 0.3, "ssp0": 0.3}, None)
    rates = r.reshape(1, 1, N_RATES).copy()
    rates[0, 0, R_OD_TX_METH] = 1.0
    n = 60000
    inc = {}
    for state in (DEPENDENT, TREATMENT):
        cols = _step(*_people(n, state, flags=F_INJECTS | F_METHADONE), rates)
        inc[state] = ((cols[5] & E_HIV) > 0).mean()
    assert abs(inc[DEPENDENT] - rates[0, 0, R_HIV]) < 0.005
    assert 0 < inc[TREATMENT] < 0.6 * inc[DEPENDENT]
