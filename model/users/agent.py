"""User: a person at risk, who may use opioids, cocaine or methamphetamine.

States: never used, occasional use, dependent use (substance use disorder), in
treatment, in remission, incarcerated, dead. Each month a person may
- start using, through an innovator rate or through the occasional users of
  their peer group (the LHY imitation term, deterred by the memory of heavy use);
- overdose: the hazard rises with the fentanyl share and purity of the supply
  and with lost tolerance after treatment or prison; naloxone at hand prevents
  most deaths; treatment cuts the hazard (methadone more than buprenorphine);
- quit, escalate to dependence, enter or leave treatment, relapse;
- be arrested (incarcerated, or under decriminalization referred to treatment);
- if injecting, acquire HIV (syringe services and agonist treatment cut transmission).

This class is the reference path. The population as a whole is advanced by
model/users/kernel.py:step_users; ``User.step`` below is the same rule for one
person, line for line (model/users/rule.py:step_person), and tests/test_model.py
checks they agree exactly.
"""

from __future__ import annotations

import mesa
import numpy as np

from model import rng
from model.users.states import (
    DEAD, DEPENDENT, E_ARREST, E_HIV, E_INIT, E_OD_DEATH, E_OTHER_DEATH, E_REFERRAL, E_REVERSED, E_TX_ENTRY,
    F_HIV, F_INJECTS, F_METHADONE, F_WAS_DEPENDENT, NEVER, NOT_METHADONE, OCCASIONAL, PRISON, R_ARREST_DEP, R_ARREST_OCC,
    R_BG_DEATH, R_BG_TX_BUP, R_BG_TX_METH, R_ESCALATE, R_HIV, R_IMIT, R_INCARCERATE, R_INNOV, R_METH_SHARE,
    R_NALOXONE, R_OD,
    R_OD_OCC_W, R_OD_TX_BUP, R_OD_TX_METH, R_POST_EXIT, R_POST_RELEASE, R_QUIT_DEP, R_QUIT_LIGHT, R_REFERRAL,
    R_REFERRAL_OCC, R_REFERRAL_TX, R_RELAPSE_DEP, R_RELAPSE_LIGHT, R_RELEASE, R_RELEASE_DEP, R_TX_DONE,
    R_TX_DROP, R_TX_ENTRY, REMISSION, RISK_NONE, RISK_POST_RELEASE, RISK_POST_TREATMENT, TREATMENT, R_BYSTANDER,
    R_HIV_TX, R_OD_PRISON, R_TX_DROP_METH, R_PRISON_OAT, R_PRISON_OAT_RR, R_PRISON_OAT_TX, RISK_POST_RELEASE_OAT,
    N_EXPECTED,
)


class User(mesa.Agent):
    """One person; a view onto row ``i`` of the user arrays (model.users.people)."""

    def __init__(self, model, i: int):
        super().__init__(model)
        self.i = i

    def step(self) -> None:
        pop = self.model.users.people
        i = self.i
        m, g = int(pop.market[i]), int(pop.group[i])
        r = self.model.users.rates[m, g]
        s = int(pop.state[i])
        if s == DEAD:
            pop.event[i] = 0
            return
        k = self.model.draw_keys
        u1 = rng.uniform_py(k["user_a"], i)
        u2 = rng.uniform_py(k["user_b"], i)
        u3 = rng.uniform_py(k["user_c"], i)
        ev = 0
        if s == NEVER:
            self._maybe_start(i, g, r, u1)
            return
        if s == PRISON:
            self._serve_sentence(i, r, u1, u2, u3)
            return
        if s != REMISSION:
            died, reversed_ = self._overdose(i, s, r, u1)
            if died:
                pop.state[i] = DEAD
                pop.event[i] = E_OD_DEATH
                return
            if reversed_:
                ev |= E_REVERSED
        pop.risk[i] = RISK_NONE
        if s != OCCASIONAL and u2 < self._other_death_hazard(i, s, r):
            pop.state[i] = DEAD
            pop.event[i] = ev | E_OTHER_DEATH
            return
        if s == OCCASIONAL:
            ev = self._occasional(i, r, u2, u3, ev)
        elif s == DEPENDENT:
            ev = self._dependent(i, r, u2, u3, ev)
        elif s == TREATMENT:
            ev = self._in_treatment(i, r, u2, u3, ev)
        else:
            self._in_remission(i, r, u3)
        pop.event[i] = ev

    @staticmethod
    def event_chances(r, s: int, f: int, rk: int) -> tuple[float, float, float, float]:
        """Chances this month of an overdose death, a reversed overdose, an arrest and HIV for someone in
        state s with flags f and raised risk rk under rates r: the measures of the draws for which ``step``
        takes those branches (model/users/rule.py: event_chances)."""
        died = rev = arrest = hiv = 0.0
        if s == PRISON:
            died = _p(r[R_BG_DEATH] + r[R_OD_PRISON]) - _p(r[R_BG_DEATH])
        elif s in (OCCASIONAL, DEPENDENT, TREATMENT):
            h = r[R_OD]
            if s == OCCASIONAL:
                h *= r[R_OD_OCC_W]
            elif s == TREATMENT:
                h *= r[R_OD_TX_METH] if (f & F_METHADONE) else r[R_OD_TX_BUP]
            if rk == RISK_POST_TREATMENT:
                h *= r[R_POST_EXIT]
            elif rk == RISK_POST_RELEASE:
                h *= r[R_POST_RELEASE]
            elif rk == RISK_POST_RELEASE_OAT:
                h *= r[R_POST_RELEASE] * r[R_PRISON_OAT_RR]
            died = _p(h * (1.0 - r[R_BYSTANDER] * r[R_NALOXONE]))
            rev = _p(h) - died
            alive = 1.0 - died
            at_risk_hiv = (f & F_INJECTS) != 0 and (f & F_HIV) == 0
            bg = r[R_BG_DEATH]
            if s == TREATMENT:
                bg *= r[R_BG_TX_METH] if (f & F_METHADONE) else r[R_BG_TX_BUP]
            if s == OCCASIONAL:
                _, b, c, _ = _exits(r, OCCASIONAL)
                arrest = alive * (_p(c) - _p(b))
            elif s == DEPENDENT:
                lives = 1.0 - _p(bg)
                _, b, c, d = _exits(r, DEPENDENT)
                arrest = alive * lives * (_p(c) - _p(b))
                if at_risk_hiv:  # u2 > 1 - hiv and u2 >= bg, and u3 past every exit
                    hiv = alive * (1.0 - _p(d)) * min(lives, _p(r[R_HIV]))
            else:
                lives = 1.0 - _p(bg)
                drop = r[R_TX_DROP_METH] if (f & F_METHADONE) else r[R_TX_DROP]
                if at_risk_hiv:
                    hiv = alive * (1.0 - _p(drop + r[R_TX_DONE])) * min(lives, _p(r[R_HIV_TX]))
        return died, rev, arrest, hiv

    # --- the rules, one per situation ---------------------------------------------
    def _maybe_start(self, i, g, r, u1) -> None:
        """Innovators start on their own; imitators through their peer group's occasional users."""
        pop = self.model.users.people
        pg = i // pop.group_size
        nn = pop.peer_never[pg, g]
        p = r[R_INNOV]
        if nn > 0:
            p += r[R_IMIT] * pop.peer_light[pg, g] / nn
        if u1 < p:
            pop.state[i] = OCCASIONAL
            pop.event[i] = E_INIT
        else:
            pop.event[i] = 0

    def _serve_sentence(self, i, r, u1, u2, u3) -> None:
        """Prisoners die of other causes or of an overdose, or are released: occasional users back to
        occasional use, dependent users mostly back to dependent use with lost tolerance."""
        pop = self.model.users.people
        ev = 0
        if u1 < r[R_BG_DEATH]:
            pop.state[i] = DEAD
            ev = E_OTHER_DEATH
        elif u1 < r[R_BG_DEATH] + r[R_OD_PRISON]:  # drugs reach prisons: overdose at a far lower rate
            pop.state[i] = DEAD
            ev = E_OD_DEATH
        elif u2 < r[R_RELEASE]:
            if not (pop.flags[i] & F_WAS_DEPENDENT):
                pop.state[i] = OCCASIONAL
            elif u3 < r[R_RELEASE_DEP]:
                ev = self._released_to_use(i, r, u2, u3)
            else:
                pop.state[i] = REMISSION
        pop.event[i] = ev

    def _released_to_use(self, i, r, u2, u3) -> int:
        """Released back to use. Agonist treatment begun in prison reaches a share R_PRISON_OAT of those
        released (u2 < R_RELEASE x R_PRISON_OAT: given release, u2 / R_RELEASE is a draw of its own); they
        enter community treatment with R_PRISON_OAT_TX (Marsden et al. 2017: odds ratio 2.47) or use at the
        post-release risk cut by R_PRISON_OAT_RR (hazard ratio 0.25 in the first four weeks)."""
        pop = self.model.users.people
        if u2 < r[R_RELEASE] * r[R_PRISON_OAT]:
            if u3 < r[R_RELEASE_DEP] * r[R_PRISON_OAT_TX]:
                pop.state[i] = TREATMENT
                pop.flags[i] &= NOT_METHADONE
                return E_TX_ENTRY
            pop.state[i] = DEPENDENT
            pop.risk[i] = RISK_POST_RELEASE_OAT
            return 0
        pop.state[i] = DEPENDENT
        pop.risk[i] = RISK_POST_RELEASE
        return 0

    def _other_death_hazard(self, i, s, r) -> float:
        """Deaths from other causes (infections, violence, suicide); treatment lowers them too
        (Sordo et al. 2017)."""
        h = r[R_BG_DEATH]
        if s == TREATMENT:
            h *= r[R_BG_TX_METH] if (self.model.users.people.flags[i] & F_METHADONE) else r[R_BG_TX_BUP]
        return h

    def _overdose(self, i, s, r, u1) -> tuple[bool, bool]:
        """Overdose hazard (fatal without naloxone); returns (died, death prevented by naloxone)."""
        pop = self.model.users.people
        h = r[R_OD]
        if s == OCCASIONAL:
            h *= r[R_OD_OCC_W]
        elif s == TREATMENT:
            h *= r[R_OD_TX_METH] if (pop.flags[i] & F_METHADONE) else r[R_OD_TX_BUP]
        if pop.risk[i] == RISK_POST_TREATMENT:
            h *= r[R_POST_EXIT]
        elif pop.risk[i] == RISK_POST_RELEASE:
            h *= r[R_POST_RELEASE]
        elif pop.risk[i] == RISK_POST_RELEASE_OAT:  # released on agonist treatment begun in prison
            h *= r[R_POST_RELEASE] * r[R_PRISON_OAT_RR]
        # only an overdose with a bystander can be reversed (R_NALOXONE is the share reversed of those)
        fatal = h * (1.0 - r[R_BYSTANDER] * r[R_NALOXONE])
        return u1 < fatal, fatal <= u1 < h

    def _occasional(self, i, r, u2, u3, ev) -> int:
        """Occasional users quit (back to the susceptible pool), escalate to dependence, are arrested, or (decriminalized) referred."""
        pop = self.model.users.people
        a, b, c, d = _exits(r, OCCASIONAL)
        if u3 < a:
            pop.state[i] = NEVER  # a light user who stops is susceptible again (LHY)
        elif u3 < b:
            pop.state[i] = DEPENDENT
            pop.flags[i] |= F_WAS_DEPENDENT
        elif u3 < c:
            ev = self._arrested(i, r, u2, ev)
        elif u3 < d:
            ev |= E_REFERRAL
        return ev

    def _dependent(self, i, r, u2, u3, ev) -> int:
        """Dependent users quit, enter treatment, are arrested or referred; injectors may acquire HIV."""
        pop = self.model.users.people
        a, b, c, d = _exits(r, DEPENDENT)
        if u3 < a:
            pop.state[i] = REMISSION
        elif u3 < b:
            pop.state[i] = TREATMENT
            ev |= E_TX_ENTRY
            if u2 < r[R_METH_SHARE]:
                pop.flags[i] |= F_METHADONE
            else:
                pop.flags[i] &= NOT_METHADONE
        elif u3 < c:
            ev = self._arrested(i, r, u2, ev)
        elif u3 < d:
            ev |= E_REFERRAL
            if u2 < r[R_REFERRAL_TX]:
                pop.state[i] = TREATMENT
                ev |= E_TX_ENTRY
                pop.flags[i] &= NOT_METHADONE
        elif (pop.flags[i] & F_INJECTS) and not (pop.flags[i] & F_HIV) and u2 > 1.0 - r[R_HIV]:
            pop.flags[i] |= F_HIV
            ev |= E_HIV
        return ev

    def _arrested(self, i, r, u2, ev) -> int:
        """An arrest: prison with the incarceration probability (else released with a record)."""
        if u2 < r[R_INCARCERATE]:
            self.model.users.people.state[i] = PRISON
        return ev | E_ARREST

    def _in_treatment(self, i, r, u2, u3, ev) -> int:
        """People in treatment drop out (lost tolerance next month; methadone's and buprenorphine's rates
        differ) or complete it into remission; injectors may acquire HIV, less often in agonist treatment."""
        pop = self.model.users.people
        drop = r[R_TX_DROP_METH] if (pop.flags[i] & F_METHADONE) else r[R_TX_DROP]
        if u3 < drop:
            pop.state[i] = DEPENDENT
            pop.risk[i] = RISK_POST_TREATMENT
        elif u3 < drop + r[R_TX_DONE]:
            pop.state[i] = REMISSION
        elif (pop.flags[i] & F_INJECTS) and not (pop.flags[i] & F_HIV) and u2 > 1.0 - r[R_HIV_TX]:
            pop.flags[i] |= F_HIV
            ev |= E_HIV
        return ev

    def _in_remission(self, i, r, u3) -> None:
        """Former dependent users relapse to dependence; former occasional users to occasional use."""
        pop = self.model.users.people
        if pop.flags[i] & F_WAS_DEPENDENT:
            if u3 < r[R_RELAPSE_DEP]:
                pop.state[i] = DEPENDENT
        elif u3 < r[R_RELAPSE_LIGHT]:
            pop.state[i] = OCCASIONAL


def expected_events(rates, classes) -> np.ndarray:
    """Expected events this month by market, in agents (model/users/kernel.py: expected_events, the same
    sum in the same order): each class's people times ``User.event_chances``."""
    n_m, n_g, n_s, n_f, n_r = classes.shape
    out = np.zeros((n_m, N_EXPECTED))
    for m in range(n_m):
        for g in range(n_g):
            for s in range(n_s):
                for f in range(n_f):
                    for rk in range(n_r):
                        k = classes[m, g, s, f, rk]
                        if k == 0:
                            continue
                        chances = User.event_chances(rates[m, g], s, f, rk)
                        for x in range(N_EXPECTED):
                            out[m, x] += k * chances[x]
    return out


def _p(t: float) -> float:
    """P(u < t) for a uniform draw u in [0, 1)."""
    return min(1.0, max(0.0, t))


def _exits(r, s: int) -> tuple[float, float, float, float]:
    """Cumulative thresholds of draw 3 for an occasional or dependent user: quit, escalate or enter
    treatment, arrest, referral."""
    if s == OCCASIONAL:
        a = r[R_QUIT_LIGHT]
        b = a + r[R_ESCALATE]
        c = b + r[R_ARREST_OCC]
        return a, b, c, c + r[R_REFERRAL_OCC]
    a = r[R_QUIT_DEP]
    b = a + r[R_TX_ENTRY]
    c = b + r[R_ARREST_DEP]
    return a, b, c, c + r[R_REFERRAL]
