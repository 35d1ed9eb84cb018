"""Codes of the users' state machine, shared by the kernel, the reference agent, the rates and the outputs."""

# User states. NEVER holds people who never used and former occasional users (susceptible, as in LHY).
NEVER, OCCASIONAL, DEPENDENT, TREATMENT, REMISSION, PRISON, DEAD = range(7)
USER_STATE_NAMES = ("susceptible", "occasional", "dependent", "treatment", "remission", "prison", "dead")

# User flags (bits of the flags array)
F_INJECTS, F_HIV, F_WAS_DEPENDENT, F_METHADONE = 1, 2, 4, 8
NOT_METHADONE = 0xFF ^ F_METHADONE

# Elevated overdose risk this month (lost tolerance)
# (RISK_POST_RELEASE_OAT: released on opioid agonist treatment begun in prison)
RISK_NONE, RISK_POST_TREATMENT, RISK_POST_RELEASE, RISK_POST_RELEASE_OAT = 0, 1, 2, 3
N_RISKS = 4
# the flag bits the rule reads (F_INJECTS | F_HIV | F_WAS_DEPENDENT | F_METHADONE): a person's class is
# (market, group, state, flags & FLAG_CODE_MASK, risk)
FLAG_CODE_MASK = 15

# Expected events (model/users/rule.py: event_chances): overdose death, reversed overdose, arrest, HIV
X_OD_DEATH, X_REVERSED, X_ARREST, X_HIV = range(4)
N_EXPECTED = 4

# User events this month (bits of the event array)
E_INIT, E_OD_DEATH, E_REVERSED, E_HIV, E_ARREST, E_TX_ENTRY, E_OTHER_DEATH, E_REFERRAL = (1 << k for k in range(8))
EVENT_BITS = 8

# Indices of the per-(market, group) monthly rates (model/users/rates.py fills them)
(R_INNOV, R_IMIT, R_QUIT_LIGHT, R_ESCALATE, R_QUIT_DEP, R_RELAPSE_DEP, R_RELAPSE_LIGHT, R_TX_ENTRY, R_TX_DROP,
 R_TX_DONE, R_ARREST_DEP, R_ARREST_OCC, R_INCARCERATE, R_REFERRAL, R_REFERRAL_TX, R_RELEASE, R_RELEASE_DEP,
 R_OD, R_OD_OCC_W, R_OD_TX_METH, R_OD_TX_BUP, R_POST_EXIT, R_POST_RELEASE, R_NALOXONE,
 R_BG_DEATH, R_HIV, R_METH_SHARE, R_REFERRAL_OCC, R_BG_TX_METH, R_BG_TX_BUP, R_TX_DROP_METH, R_BYSTANDER,
 R_OD_PRISON, R_HIV_TX, R_PRISON_OAT, R_PRISON_OAT_RR, R_PRISON_OAT_TX) = range(37)
N_RATES = 37
