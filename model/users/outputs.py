"""The users' output columns: deaths, disorder, treatment, initiation, HIV, justice, in people (not agents)."""

from __future__ import annotations

from model.users.states import (
    DEPENDENT, E_ARREST, E_HIV, E_INIT, E_OD_DEATH, E_REFERRAL, E_REVERSED, E_TX_ENTRY, OCCASIONAL, PRISON,
    TREATMENT,
)
from model.world import GROUPS

BIT = {E_INIT: 0, E_OD_DEATH: 1, E_REVERSED: 2, E_HIV: 3, E_ARREST: 4, E_TX_ENTRY: 5, E_REFERRAL: 7}


def user_columns(users, markets: list[str], fentanyl_share: dict, nonfatal_per_fatal: float) -> dict:
    """This month's columns from the users' counts (``fentanyl_share``: of each market's opioid supply)."""
    s = users.people.scale
    counts, events = users.counts, users.events
    out: dict = {}
    ev = events.sum(axis=1)  # by market, bit
    out["overdose_deaths"] = ev[:, BIT[E_OD_DEATH]].sum() * s
    out["overdoses_reversed"] = ev[:, BIT[E_REVERSED]].sum() * s
    # overdoses that were not life-threatening: expected number, from the ratio to would-be-fatal ones
    out["overdoses_nonfatal"] = (out["overdose_deaths"] + out["overdoses_reversed"]) * nonfatal_per_fatal
    # a substance use disorder: dependent use, in treatment, or in prison with a history of dependence
    prison_dep = users.prison_dep
    out["people_with_sud"] = (counts[:, :, DEPENDENT].sum() + counts[:, :, TREATMENT].sum() + prison_dep.sum()) * s
    out["in_treatment"] = counts[:, :, TREATMENT].sum() * s
    # the reform question's "use": people who used this month (occasional or dependent, not in treatment)
    out["people_using"] = (counts[:, :, OCCASIONAL].sum() + counts[:, :, DEPENDENT].sum()) * s
    out["initiations"] = ev[:, BIT[E_INIT]].sum() * s
    out["new_hiv_pwid"] = ev[:, BIT[E_HIV]].sum() * s
    out["arrests"] = ev[:, BIT[E_ARREST]].sum() * s
    out["referrals"] = ev[:, BIT[E_REFERRAL]].sum() * s
    out["treatment_entries"] = ev[:, BIT[E_TX_ENTRY]].sum() * s
    out["incarcerated"] = counts[:, :, PRISON].sum() * s
    for mi, mk in enumerate(markets):
        out[f"overdose_deaths_{mk}"] = ev[mi, BIT[E_OD_DEATH]] * s
        out[f"people_with_sud_{mk}"] = (counts[mi, :, DEPENDENT].sum() + counts[mi, :, TREATMENT].sum()
                                        + prison_dep[mi]) * s
        out[f"fentanyl_share_{mk}"] = fentanyl_share[mk]
    for (state, g), pm in users.person_months.items():
        out[f"person_months_{state}_{g}"] = pm
        out[f"deaths_{state}_{g}"] = users.deaths_by_prior[(state, g)]
    for gi, g in enumerate(GROUPS):
        out[f"overdose_deaths_{g}"] = events[:, gi, BIT[E_OD_DEATH]].sum() * s
        for mi, mk in enumerate(markets):
            out[f"overdose_deaths_{g}_{mk}"] = events[mi, gi, BIT[E_OD_DEATH]] * s
        out[f"users_dependent_{g}"] = counts[:, gi, DEPENDENT].sum() * s
        out[f"users_occasional_{g}"] = counts[:, gi, OCCASIONAL].sum() * s
    return out
